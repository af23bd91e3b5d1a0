"""What runs inside the sandbox for one exercise: the student's cells, then the course's check.

The check is the course's, never the submission's: the checker function is looked up in
:data:`d2lutils.exercises.core.CHECKERS` *before* any student code runs, its arguments
are the expressions of the course's check cell, and its verdict comes back as the return
value of :func:`d2lutils.exercises.core.verdict`, not as printed text (the student's
output goes to ``/dev/null``). The checks draw their random inputs from the grader's
hidden seed instead of the public :data:`~d2lutils.exercises.core.SEED`.

An answer cell that raises fails its exercise, as it would stop a notebook. What it
raised, and what an audit hook saw it try (a socket, a hidden or outside file), become
statuses of the submission.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
from collections.abc import Callable
from typing import Any

from d2lutils.exercises import core

from . import statuses

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
FILE_EVENTS = ("os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.chmod", "os.chown",
               "os.link", "os.symlink", "os.truncate", "os.utime", "shutil.rmtree")
HARMLESS = (os.devnull, "/dev/stdout", "/dev/stderr")  # writes that go nowhere
NETWORK_EVENTS = ("socket.connect", "socket.sendto", "socket.getaddrinfo",
                  "socket.gethostbyname", "socket.bind")
NETWORK_ERRORS = (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ECONNREFUSED,
                  errno.EADDRNOTAVAIL, errno.ENETDOWN)


class Shell:
    """A stand-in for ``get_ipython()``: answers may hold ``%time``-style magics and
    ``!shell`` lines. ``%%time``, ``%%timeit`` and ``%%capture`` run their cell once; every
    other magic and shell command is skipped."""

    def __init__(self, namespace: dict) -> None:
        self.namespace = namespace

    def run_line_magic(self, name: str, line: str) -> None:
        return None

    def run_cell_magic(self, name: str, line: str, cell: str) -> None:
        if name in ("time", "timeit", "capture"):  # they run the cell: so do we
            exec(compile(cell, f"<%%{name} cell>", "exec"), self.namespace)  # noqa: S102

    def system(self, command: str) -> None:
        return None

    def getoutput(self, command: str) -> list[str]:
        return []


class Watch:
    """An audit hook that notes what the student's code tries: the network, files that
    are hidden or outside its folder. Only for the status: the OS is what refuses."""

    def __init__(self, workdir: str, hidden: list[str], kept: list[str]) -> None:
        self.workdir, self.hidden, self.kept = workdir, hidden, kept
        self.flags: set[str] = set()

    def __call__(self, event: str, args: tuple) -> None:
        if event in NETWORK_EVENTS:
            self.flags.add(statuses.NETWORK)
        elif event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            mode, flags = args[1] or "", args[2] or 0
            writing = any(char in str(mode) for char in "wax+") or flags & WRITE_FLAGS
            self._file(args[0], writing)
        elif event in FILE_EVENTS and isinstance(args[0], (str, bytes, os.PathLike)):
            self._file(args[0], writing=True)

    def _file(self, path: Any, writing: bool) -> None:
        path = os.path.abspath(os.fsdecode(path))
        # A hidden path counts even inside the workdir (/tmp): a course may be cloned there.
        hidden = _inside(path, self.hidden) and not _inside(path, self.kept)
        if hidden or (writing and not _inside(path, [self.workdir, *HARMLESS])):
            self.flags.add(statuses.FILES)


def _inside(path: str, folders: list[str]) -> bool:
    return any(path == folder or path.startswith(folder.rstrip("/") + "/") for folder in folders)


def run_exercise(namespace: dict, exercise: dict, seed: int, workdir: str,
                 hidden: list[str], kept: list[str]) -> dict:
    """Run one exercise in ``namespace`` (which has run the set-up cell) and return its
    result: ``{"verdict": "✔ ..." or "✘ ...", "flags": [statuses...]}``."""
    check = core.CHECKERS[exercise["checker"]].__wrapped__  # type: ignore[attr-defined]
    verdict: Callable[..., str] = core.verdict
    core.SEED = seed
    namespace["get_ipython"] = lambda: Shell(namespace)
    watch = Watch(workdir, hidden, kept)
    sys.addaudithook(watch)
    for number, code in enumerate(exercise["answers"], 1):
        try:
            exec(compile(code, f"<answer cell {number}>", "exec"), namespace)  # noqa: S102
        except BaseException as err:  # noqa: BLE001 - the student's code may raise anything
            return _failed(err, "your answer cell", watch)
    try:
        args = [eval(expr, namespace) for expr in exercise["args"]]  # noqa: S307
        kwargs = {name: eval(expr, namespace) for name, expr in exercise["kwargs"]}  # noqa: S307
    except NameError as err:
        return {"verdict": f"{core.FAIL} not attempted yet: {err}; write your answer in the "
                           "cell under the task (was that cell deleted?)",
                "flags": sorted(watch.flags)}
    except BaseException as err:  # noqa: BLE001
        return _failed(err, "your answer", watch)
    try:
        line = verdict(check, *args, **kwargs)
    except BaseException as err:  # noqa: BLE001 - verdict() catches Exception, not SystemExit
        return _failed(err, "your code, called by the check,", watch)
    return {"verdict": line, "flags": sorted(watch.flags)}


def _failed(err: BaseException, what: str, watch: Watch) -> dict:
    text = _text(err)
    return {"verdict": f"{core.FAIL} {what} raised {type(err).__name__}"
                       f"{': ' + text if text else ''}; a cell must run without an error",
            "flags": sorted(watch.flags | classify(err))}


def classify(err: BaseException) -> set[str]:
    """The statuses an exception stands for: the limits it ran into, a crash."""
    found = set()
    for link in _chain(err):
        message = _text(link).lower()
        if isinstance(link, (SystemExit, KeyboardInterrupt)):
            found.add(statuses.CRASHED)
        elif isinstance(link, MemoryError) or "allocate memory" in message:
            found.add(statuses.MEMORY)
        elif ((isinstance(link, OSError) and link.errno == errno.EAGAIN)
              or "can't start new thread" in message):
            found.add(statuses.PROCESSES)
        elif isinstance(link, socket.gaierror) or (
                isinstance(link, OSError) and link.errno in NETWORK_ERRORS):
            found.add(statuses.NETWORK)
        elif isinstance(link, OSError) and link.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            found.add(statuses.FILES)
    return found


def _text(err: BaseException) -> str:
    """``str(err)`` on one line, shortened: the student's exception may refuse to print."""
    try:
        text = " ".join(str(err).split())
    except BaseException:  # noqa: BLE001
        return "(an exception that cannot be printed)"
    return text if len(text) <= 200 else text[:197] + "..."


def _chain(err: BaseException) -> list[BaseException]:
    """``err`` and the exceptions it was raised from or during, at most 5."""
    found: list[BaseException] = []
    link: BaseException | None = err
    while link is not None and link not in found and len(found) < 5:
        found.append(link)
        link = link.__cause__ or link.__context__
    return found
