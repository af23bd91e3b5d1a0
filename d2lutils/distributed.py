"""Start a training script in several processes with ``torchrun``, on this machine only.

:func:`run_torchrun` runs ``torchrun --nproc_per_node=N script.py ARGS`` on the loopback
address 127.0.0.1, so it works without a network, and returns what the processes printed.
It never leaves a process behind: on a timeout, an error or Ctrl-C (a notebook's
"interrupt") it stops torchrun and every process torchrun started. A busy port, a script
that crashes and a script that hangs each get an error that names the problem and the fix.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

HOST = "127.0.0.1"  # loopback only: the processes talk to each other on this machine
GRACE = 10.0  # seconds torchrun gets to stop its processes before they are killed
TAIL_LINES = 25  # lines of the script's error output quoted in an error

_TRACEBACK = "Traceback (most recent call last):"
_AGENT_LOG = re.compile(r"[IWEF]\d{4} \d\d:\d\d:\d\d")  # a log line of torchrun itself


class TorchrunError(RuntimeError):
    """torchrun could not start, the script failed, or it ran past its timeout."""


def free_port() -> int:
    """A TCP port that is free on this machine right now (the system picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """True when a server could listen on ``port`` (torchrun's store listens on every address)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Like torch's store: a port that only holds closed connections counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("", port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                return False
            raise  # e.g. PermissionError: ports below 1024 need administrator rights
    return True


def _port_error(port: int) -> TorchrunError:
    return TorchrunError(
        f"port {port} is already in use on this machine (another program, or an earlier "
        f"torchrun that is still running, listens on it), so torchrun cannot use it. Fix: "
        f"leave out port= to use a free port, or pass another one, e.g. port=d2l.free_port()")


def _store_port_taken(stderr: str, port: int) -> bool:
    """True when torchrun failed because its store could not listen on ``port``."""
    return re.search(rf"\bport:? {port}\b[^\n]*(EADDRINUSE|address already in use)",
                     stderr, re.IGNORECASE) is not None


def _loopback_environment() -> dict[str, str]:
    """The environment of torchrun: every connection over the loopback interface."""
    env = dict(os.environ)
    loopback = "lo0" if sys.platform == "darwin" else "lo"
    env.setdefault("GLOO_SOCKET_IFNAME", loopback)  # gloo (CPU) connects over loopback
    env.setdefault("NCCL_SOCKET_IFNAME", loopback)  # so does NCCL's set-up (GPUs)
    env.setdefault("OMP_NUM_THREADS", "1")  # one thread per process: no oversubscription
    env["PYTHONUNBUFFERED"] = "1"  # lines arrive as they are printed
    return env


def _children(pid: int) -> list[int]:
    """The ids of the processes whose parent is ``pid`` (empty where this cannot be read)."""
    proc = Path("/proc")
    if proc.is_dir():
        found = []
        for stat in proc.glob("[0-9]*/stat"):
            try:
                # The command name in (...) may contain spaces: split after it.
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
        return found
    if shutil.which("ps"):
        listing = subprocess.run(["ps", "-A", "-o", "pid=", "-o", "ppid="],
                                 capture_output=True, text=True, check=False).stdout
        return [int(child) for child, parent in (line.split() for line in listing.splitlines())
                if int(parent) == pid]
    return []


def _descendants(pid: int) -> list[int]:
    """Every process started, directly or not, by ``pid``."""
    found, todo = [], [pid]
    while todo:
        children = _children(todo.pop())
        found += children
        todo += children
    return found


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _stop(proc: subprocess.Popen) -> None:
    """Stop torchrun (``proc``, leader of its own process group) and all it started.

    torchrun runs each worker in a session of its own, so a signal to torchrun's group
    does not reach them. SIGTERM asks torchrun to stop its workers and wait for them;
    whatever still runs after GRACE seconds is killed, workers and their children included.
    """
    if os.name != "posix":
        proc.kill()
        return
    if proc.poll() is None:
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=GRACE)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGSTOP)  # freeze torchrun: it starts no more workers
            for pid in _descendants(proc.pid):
                _signal_group(pid, signal.SIGKILL)  # a worker and the processes it started
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
    _signal_group(proc.pid, signal.SIGKILL)  # anything left in torchrun's own group
    proc.wait()


def _stop_uninterrupted(proc: subprocess.Popen) -> None:
    """:func:`_stop`, ignoring a second Ctrl-C meanwhile (it would leave processes behind)."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main else None
    if previous is None:  # signal handlers can only be changed in the main thread
        _stop(proc)
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _stop(proc)
    finally:
        signal.signal(signal.SIGINT, previous)


def _tracebacks(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line index of every Python traceback in ``lines``."""
    found = []
    for start, line in enumerate(lines):
        if line.strip() == _TRACEBACK:
            end = start + 1
            while end < len(lines) and (lines[end][:1] in (" ", "\t") or not lines[end].strip()):
                end += 1
            found.append((start, min(end, len(lines) - 1)))
    return found


def _script_errors(stderr: str, script: Path) -> str:
    """What the script's processes wrote to stderr when they failed, without torchrun's report.

    The tracebacks that pass through ``script`` (each once) if there are any; else the
    processes' other error lines (e.g. a C++ abort); else the last lines of ``stderr``.
    """
    in_script = re.compile(r'File "(?:[^"]*[/\\])?' + re.escape(script.name) + '"')
    lines = stderr.splitlines()
    blocks: list[str] = []
    for start, end in _tracebacks(lines):
        block = "\n".join(lines[start:end + 1])
        if in_script.search(block) and block not in blocks:
            blocks.append(block)
    if blocks:
        text = "\n".join(blocks)
    else:  # drop torchrun's own log lines, traceback and failure report
        report = next((start for start, end in _tracebacks(lines)
                       if "torch/distributed/run.py" in "\n".join(lines[start:end])), len(lines))
        text = "\n".join(line for line in lines[:report] if not _AGENT_LOG.match(line)).strip()
        text = text or stderr
    return "\n".join(text.splitlines()[-TAIL_LINES:])


def _command(script: Path, nproc: int, args: Sequence[str | os.PathLike], port: int) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run",  # the same as `torchrun`
            "--nnodes=1", f"--nproc_per_node={nproc}", f"--master_addr={HOST}",
            f"--master_port={port}", str(script), *(os.fspath(arg) for arg in args)]


def run_torchrun(script: str | os.PathLike, nproc: int = 2,
                 args: Sequence[str | os.PathLike] = (), port: int | None = None,
                 timeout: float = 120.0) -> str:
    """Run ``torchrun --nproc_per_node=nproc script args`` on 127.0.0.1; return its output.

    The output is what the processes printed (their standard output, unbuffered: lines
    that several processes print at once can interleave, so let rank 0 print). torchrun
    sets RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT for each process.

    - ``port``: the port of torchrun's rendezvous; by default a free one. A port that is
      already in use raises :class:`TorchrunError` that names it.
    - ``timeout``: seconds; a run that takes longer is stopped and raises TorchrunError.

    A script that fails raises :class:`TorchrunError` with its exit code and its
    traceback. On any error and on KeyboardInterrupt torchrun and every process it
    started are stopped before the exception propagates.
    """
    script = Path(script)
    if not script.is_file():
        raise FileNotFoundError(f"no script {script} in {Path.cwd()}: pass the path of the "
                                "training script (relative to this folder, or absolute)")
    if isinstance(nproc, bool) or not isinstance(nproc, int) or nproc < 1:
        raise ValueError(f"nproc must be a positive number of processes, got {nproc!r}")
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"port must be between 1 and 65535, got {port!r}")
    if port is not None and not port_is_free(port):
        raise _port_error(port)
    deadline = time.monotonic() + timeout
    for attempt in range(2):  # a free port can be taken before torchrun listens: retry once
        chosen = free_port() if port is None else port
        returncode, stdout, stderr = _launch(_command(script, nproc, args, chosen),
                                             deadline, timeout, script)
        if returncode == 0:
            return stdout
        if not _store_port_taken(stderr, chosen):
            break
        if port is not None or attempt == 1:
            raise _port_error(chosen)
    raise TorchrunError(f"torchrun {script} failed (exit code {returncode}); the script's "
                        f"error output ends with:\n{_script_errors(stderr, script)}")


def _launch(command: list[str], deadline: float, timeout: float,
            script: Path) -> tuple[int, str, str]:
    """Run ``command`` in a new process group until ``deadline``; return (code, out, err)."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_loopback_environment(), start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=max(deadline - time.monotonic(), 0.1))
    except subprocess.TimeoutExpired:
        _stop_uninterrupted(proc)
        stdout, stderr = _leftover_output(proc)
        last = "\n".join(stdout.splitlines()[-5:]) or "(nothing)"
        raise TorchrunError(
            f"torchrun {script} did not finish within {timeout:g} s and was stopped, with "
            f"all its processes. Its last output:\n{last}\nFix: look for a process that "
            f"waits for the others (a collective that not every rank calls), or pass a "
            f"larger timeout=") from None
    except BaseException:  # KeyboardInterrupt (the notebook's interrupt) or anything else
        _stop_uninterrupted(proc)
        raise
    finally:
        if proc.poll() is None:  # never leave torchrun running
            _stop_uninterrupted(proc)
    return proc.returncode, stdout, stderr


def _leftover_output(proc: subprocess.Popen) -> tuple[str, str]:
    """What ``proc`` printed before it was stopped (empty if a pipe stays open)."""
    try:
        return proc.communicate(timeout=GRACE)
    except subprocess.TimeoutExpired:
        for pipe in (proc.stdout, proc.stderr):
            if pipe:
                pipe.close()
        return "", ""
