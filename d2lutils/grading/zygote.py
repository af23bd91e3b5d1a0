"""The sandbox process: warmed up once, it grades one submission at a time in fresh processes.

The pool (pool.py) starts it as ``python -m d2lutils.grading.zygote`` with an environment
of its own. It imports torch, d2lutils and every module the course's set-up cells import
(the 2 s that a fresh interpreter per submission would pay each time), enters its mount
namespace (sandbox.hide_files), and then forks, for each submission:

1. a *supervisor* (still root, or user-namespace root), which enters new PID, network,
   IPC and mount namespaces and kills the submission when the notebook's time is up;
2. the submission's *init* (PID 1 of its namespace): it mounts its own ``/tmp``, sets
   the limits, becomes an unprivileged user and runs the course's set-up cell;
3. one *exercise* process per checked exercise, forked from the init: the student's
   cells and the course's check run there (runner.py), with a time limit of their own;
   afterwards the init kills whatever it left behind.

The submission's code is read by the supervisor, after the fork: this process never holds
one, so a submission cannot find an earlier one in its memory. Protocol (one JSON object
per line): the pool sends the settings and gets ``{"ready": ...}``; then, per submission,
it sends ``job <size>`` and the job's JSON, and gets the result.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import select
import shutil
import signal
import site
import sys
import sysconfig
import tempfile
import time

import torch

from . import runner, sandbox, statuses
from .sandbox import Limits

MAX_MESSAGE = 64 * 1024  # a result line longer than this is garbage
PATH = "/usr/local/bin:/usr/bin:/bin"


def main() -> None:
    protocol = os.dup(1)
    os.dup2(2, 1)  # whatever an import prints goes to the log, not into the protocol
    settings = json.loads(_read_line(0))
    limits = Limits(**settings["limits"])
    mode = settings["mode"]
    torch.set_num_threads(1)  # before any parallel work: no thread pool to inherit
    problems = warm(settings["warm"], settings["checkers"])
    settings["process_limit"] = sandbox.process_budget(mode, limits)
    settings["kept"] = keep()
    hidden = False
    if mode == "user":
        sandbox.enter_user_namespace()
    if mode in ("root", "user"):
        hidden = sandbox.hide_files(settings["hidden"] + list(sandbox.HIDDEN_ALWAYS),
                                    settings["kept"])
    gc.freeze()  # a collection in a child would touch, and so copy, every page of the heap
    _send(protocol, {"ready": True, "problems": problems,
                     "protections": sandbox.protections(mode, hidden)})
    while header := _read_line(0):
        _send(protocol, run_job(int(header.split()[1]), settings, limits))
    os._exit(0)  # nothing to flush: skip tearing torch down


def warm(modules: list[str], checkers: list[str]) -> list[str]:
    """Import ``modules`` and the checkers' modules, check that every checker exists, and
    return what went wrong (the exercises concerned get the status ``grader error``)."""
    problems = []
    topics = {f"d2lutils.exercises.{name.split('.')[0]}" for name in checkers}
    for name in [*modules, *sorted(topics)]:
        try:
            importlib.import_module(name)
        except ImportError as err:
            problems.append(f"cannot import {name}: {err}")
    from d2lutils.exercises.core import CHECKERS
    problems += [f"no checker {name} in d2lutils.exercises" for name in checkers
                 if name not in CHECKERS]
    layer = torch.nn.Linear(4, 2)  # the first autograd pass sets up lazily built state
    layer(torch.randn(3, 4)).sum().backward()
    return problems


def keep() -> list[str]:
    """The folders a submission must still see: the Python installation and d2lutils."""
    import d2lutils
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(d2lutils.__file__), *site.getsitepackages(),
             *sysconfig.get_paths().values()}
    return sorted(path for path in paths if path)


def run_job(size: int, settings: dict, limits: Limits) -> dict:
    """Grade the next submission: fork its supervisor, which reads the job itself."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        sandbox.die_with_parent()
        try:
            result = supervise(json.loads(_read_exactly(0, size)), settings, limits)
        except BaseException as err:  # noqa: BLE001 - reported as a grader error
            result = {"error": f"{type(err).__name__}: {err}"}
        os.write(write_end, (json.dumps(result) + "\n").encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        line = pipe.readline()
    os.waitpid(pid, 0)
    if not line:
        sys.exit("the supervisor of a submission died")  # the pool starts a new sandbox
    return json.loads(line)


def supervise(job: dict, settings: dict, limits: Limits) -> dict:
    """Run one submission in new namespaces and stop it at the notebook's time limit."""
    count = len(job["exercises"])
    started = time.monotonic()
    basic = settings["mode"] == "basic"
    if basic:  # no namespaces: a private folder in the system's temporary folder
        workdir = tempfile.mkdtemp(prefix="d2l-grade-")
        if os.geteuid() == 0:
            os.chown(workdir, sandbox.NOBODY, sandbox.NOBODY)
    else:
        workdir = "/tmp"  # its own, mounted by its PID 1
        sandbox.enter_job_namespaces()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            serve(job, settings, limits, write_end, workdir)
        finally:
            os._exit(0)
    os.close(write_end)
    pipe, results, setup_error = Pipe(read_end), [], ""
    deadline = started + limits.notebook_seconds
    while len(results) < count and not setup_error:
        line = pipe.line(deadline)
        if line is None:
            break  # time is up, or its init ended early
        message = json.loads(line)
        setup_error = message.get("setup_error", "")
        if not setup_error:
            results.append(message)
    timed_out = time.monotonic() >= deadline
    os.kill(pid, signal.SIGKILL)  # PID 1 of its namespace: all its processes die with it
    os.waitpid(pid, 0)
    if basic:
        sandbox.kill_others(pid)
        shutil.rmtree(workdir, ignore_errors=True)
    os.close(read_end)
    return {"exercises": results + _not_run(count - len(results), setup_error, timed_out, limits),
            "seconds": round(time.monotonic() - started, 3)}


def _not_run(count: int, setup_error: str, timed_out: bool, limits: Limits) -> list[dict]:
    if setup_error:
        return [{"verdict": f"✘ not run: the course's set-up cell failed in the sandbox "
                            f"({setup_error})", "flags": [statuses.GRADER_ERROR]}] * count
    if timed_out:
        return [{"verdict": f"✘ not run: the notebook ran past its {limits.notebook_seconds:g} s "
                            "limit", "flags": [statuses.TIMEOUT]}] * count
    return [{"verdict": "✘ not run: the submission's processes were stopped",
             "flags": [statuses.CRASHED]}] * count


def serve(job: dict, settings: dict, limits: Limits, out: int, workdir: str) -> None:
    """The submission's init: confine it, run the set-up cell, then each exercise."""
    mode, uid = settings["mode"], settings["uid"]
    if mode == "basic":
        os.setpgid(0, 0)
    else:
        sandbox.mount_private_tmp(mode, uid, limits, settings["kept"])
    sandbox.drop_privileges(mode, uid, limits, settings["process_limit"])
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(HOME=workdir, TMPDIR=workdir, PATH=PATH, LANG="C.UTF-8",
                      MPLBACKEND="Agg", CUDA_VISIBLE_DEVICES="")
    tempfile.tempdir = workdir
    _silence()
    namespace: dict = {"__name__": "__main__"}
    try:
        exec(compile(job["setup"], "<set-up cell>", "exec"), namespace)  # noqa: S102
    except BaseException as err:  # noqa: BLE001 - the course's code, but report it
        _send(out, {"setup_error": f"{type(err).__name__}: {err}"})
        return
    gc.freeze()
    for exercise in job["exercises"]:
        _send(out, run_forked(namespace, exercise, settings, limits, workdir))


def run_forked(namespace: dict, exercise: dict, settings: dict, limits: Limits,
               workdir: str) -> dict:
    """Run one exercise in a child process; kill it and all it started afterwards."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        me = os.getpid()
        os.closerange(3, write_end)
        os.closerange(write_end + 1, 1 << 16)
        if settings["mode"] == "basic":
            os.setpgid(0, 0)
        sandbox.limit_cpu(limits.exercise_seconds)
        try:
            result = runner.run_exercise(namespace, exercise, settings["seed"], workdir,
                                         settings["watched"], settings["kept"])
        except BaseException as err:  # noqa: BLE001 - e.g. a checker missing from d2lutils
            result = {"verdict": f"✘ the grader could not run this check ({err!r})",
                      "flags": [statuses.GRADER_ERROR]}
        if os.getpid() == me:  # not a copy made by the student's os.fork()
            os.write(write_end, (json.dumps(result) + "\n").encode())
        os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + limits.exercise_seconds
    line = Pipe(read_end).line(deadline, writer=pid)
    os.close(read_end)
    sandbox.kill_others(pid)
    status = os.waitpid(pid, 0)[1]
    sandbox.reap()
    return _result(line, time.monotonic() >= deadline, status, limits)


class Pipe:
    """The lines written into a pipe, each awaited until a deadline."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buffer = fd, b""

    def line(self, deadline: float, writer: int | None = None) -> bytes | None:
        """The next line; None if ``deadline`` passes, the pipe closes, or the process
        ``writer`` ends without writing one (even if a process it started keeps the pipe
        open)."""
        ending = Ending(writer) if writer is not None else None
        try:
            while b"\n" not in self.buffer:
                left = deadline - time.monotonic()
                if left <= 0 or len(self.buffer) > MAX_MESSAGE:
                    return None
                watched = [self.fd] + (ending.fds if ending else [])
                wait = min(left, ending.poll) if ending else left
                ready = select.select(watched, [], [], wait)[0]
                if self.fd in ready:
                    chunk = os.read(self.fd, MAX_MESSAGE)
                    if not chunk:
                        return None
                    self.buffer += chunk
                elif ending and ending.ended(ready):
                    return None  # what it wrote before it ended would have been ready
        finally:
            if ending:
                ending.close()
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line


class Ending:
    """Tells when a process ends: through a pidfd (Linux 5.3+) to select on, else by polling."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
        self.fds = [self.pidfd] if self.pidfd is not None else []
        self.poll = float("inf") if self.pidfd is not None else 0.05

    def ended(self, ready: list[int]) -> bool:
        if self.pidfd is not None:
            return self.pidfd in ready
        return os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None

    def close(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)


def _result(line: bytes | None, timed_out: bool, status: int, limits: Limits) -> dict:
    """The exercise's result from what its process wrote and how it ended."""
    try:
        result = json.loads(line or b"")
        verdict, flags = str(result["verdict"]), [str(flag) for flag in result["flags"]]
        if verdict[:1] in ("✔", "✘") and set(flags) <= set(statuses.ORDER):
            return {"verdict": verdict[:1000], "flags": flags}
    except (ValueError, KeyError, TypeError):
        pass
    if timed_out or (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU):
        return {"verdict": f"✘ stopped after {limits.exercise_seconds:g} s, the time limit of "
                           "an exercise: look for a loop that never ends",
                "flags": [statuses.TIMEOUT]}
    how = (f"signal {signal.Signals(os.WTERMSIG(status)).name}" if os.WIFSIGNALED(status)
           else f"exit code {os.waitstatus_to_exitcode(status)}")
    return {"verdict": f"✘ the process ended ({how}) before the check could run: do not "
                       "call os._exit or code that crashes Python", "flags": [statuses.CRASHED]}


def _silence() -> None:
    """Standard input, output and error to /dev/null: printed text counts for nothing."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def _send(fd: int, message: dict) -> None:
    os.write(fd, (json.dumps(message) + "\n").encode())


def _read_line(fd: int) -> str:
    """One line from ``fd``, byte by byte: nothing after it is read (the job's body is
    read by the supervisor, not by this process)."""
    data = bytearray()
    while not data.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            break
        data += byte
    return data.decode()


def _read_exactly(fd: int, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise EOFError("the job ended early")
        data += chunk
    return bytes(data)


if __name__ == "__main__":
    main()
