"""How a submission is contained: limits set and namespaces entered by the operating system.

Nothing here trusts the code it contains. There are three ways to contain it, chosen by
:func:`choose_mode` once per grading run:

``root`` (Linux, run as root, which CI and the course's machines are)
    Every submission gets new PID, network, IPC and mount namespaces and runs as a user
    id of its own that owns nothing (so the process-count limit is its own), with no
    capabilities and ``no_new_privs``.
``user`` (Linux, not root, where unprivileged user namespaces are allowed)
    The same namespaces inside a user namespace, and a nested one that takes away every
    capability; the process-count limit is counted over all of the instructor's processes.
``basic`` (anything else, e.g. macOS)
    Resource limits and a separate process group and folder only: no network isolation,
    no hidden files. :func:`protections` says so, and the summary repeats it.

In ``root`` and ``user`` mode the file system the submissions see (set up once per
sandbox process by :func:`hide_files`) is read-only, with the course folder, the
submissions, the output folder, the home folders and the temporary folders replaced by
empty ones; the Python installation and the ``d2lutils`` package stay visible. A
submission's only writable place is its own ``/tmp``, a small in-memory file system that
disappears with it.
"""

from __future__ import annotations

import ctypes
import os
import re
import resource
import signal
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

LINUX = sys.platform.startswith("linux")
#: The first of the user ids that submissions run as in ``root`` mode (one per parallel
#: slot): far above any account's, so none owns a file or a process.
FIRST_UID = 2_147_400_000
NOBODY = 65534  # who a submission runs as in ``basic`` mode when the grader is root
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x00020000, 0x08000000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = (
    1024, 2048, 4096, 16384, 1 << 18, 1 << 21)
ST_TO_MS = {os.ST_NOSUID: MS_NOSUID, os.ST_NODEV: MS_NODEV, os.ST_NOEXEC: MS_NOEXEC,
            os.ST_NOATIME: MS_NOATIME, os.ST_NODIRATIME: MS_NODIRATIME,
            os.ST_RELATIME: MS_RELATIME} if LINUX else {}
SYS_OPEN_TREE, SYS_MOVE_MOUNT = 428, 429  # the same number on every architecture
OPEN_TREE_CLONE, AT_RECURSIVE, AT_FDCWD, MOVE_MOUNT_F_EMPTY_PATH = 1, 0x8000, -100, 4
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
HIDDEN_ALWAYS = ("/tmp", "/var/tmp", "/dev/shm", "/home", "/root", "/run/user")

_libc = ctypes.CDLL(None, use_errno=True) if LINUX else None


@dataclass(frozen=True)
class Limits:
    """What one submission may use. The defaults suit the course's exercises."""

    exercise_seconds: float = 20.0  # one exercise: its answer cells and its check
    notebook_seconds: float = 60.0  # the whole submission
    memory_bytes: int = 2 * 2**30  # address space on top of what the warm sandbox maps
    processes: int = 64  # processes and threads together
    disk_bytes: int = 256 * 2**20  # its folder, and any one file it writes
    open_files: int = 256

    def as_dict(self) -> dict:
        return asdict(self)


def choose_mode() -> str:
    """``root``, ``user`` or ``basic`` (see the module's docstring) for this machine."""
    if not LINUX:
        return "basic"
    if os.geteuid() == 0 and _mapped(FIRST_UID) and _mapped(FIRST_UID + 63):
        return "root"
    return "user" if _user_namespaces_work() else "basic"


def _mapped(uid: int) -> bool:
    """Whether ``uid`` exists here (root in a container may have only a few user ids)."""
    for line in Path("/proc/self/uid_map").read_text().splitlines():
        inside, _, count = map(int, line.split())
        if inside <= uid < inside + count:
            return True
    return False


def _user_namespaces_work() -> bool:
    pid = os.fork()
    if pid == 0:
        os._exit(0 if _libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET) == 0 else 1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def protections(mode: str, hidden: bool) -> dict[str, str]:
    """What is enforced in ``mode``, in words, for the console and the summary."""
    namespaces = mode in ("root", "user")
    return {
        "a fresh process per submission and per exercise, killed at its time limit": "yes",
        "memory, CPU-time, file-size and open-file limits (setrlimit)": "yes",
        "process-count limit": "yes, its own user id" if mode == "root" else
            "yes, but counted over all of your processes" if LINUX else "no",
        "no network (a network namespace of its own)": "yes" if namespaces else "no",
        "course, submissions and grades hidden; read-only elsewhere (mount namespace)":
            ("yes" if hidden else "no: this kernel lacks open_tree (Linux 5.2)")
            if namespaces else "no",
        "sees only its own processes (PID namespace)": "yes" if namespaces else "no",
        "runs unprivileged": {"root": "yes, a user id of its own, no capabilities",
                              "user": "yes, no capabilities"}.get(mode, "as you"),
        "an environment without your variables": "yes",
    }


# -- the sandbox process, once: namespaces and the file system ---------------------------


def enter_user_namespace() -> None:
    """``user`` mode: become root of a new user namespace (mapped to the instructor)."""
    uid, gid = os.getuid(), os.getgid()
    _call(_libc.unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
    _map_ids(inside=0, outside_uid=uid, outside_gid=gid)


def _map_ids(inside: int, outside_uid: int, outside_gid: int) -> None:
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{inside} {outside_uid} 1")
    Path("/proc/self/gid_map").write_text(f"{inside} {outside_gid} 1")


def hide_files(hidden: Iterable[str], keep: Iterable[str]) -> bool:
    """In a new mount namespace: empty the ``hidden`` folders except the ``keep`` folders
    under them, and make every mount read-only. False if the kernel cannot (< 5.2)."""
    _call(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    hidden = _outermost(path for path in map(os.path.realpath, hidden) if os.path.isdir(path))
    copies = _detached_copies(keep, under=hidden)
    if copies is None:
        return False
    for folder in hidden:
        _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    _put_back(copies)
    _make_read_only()
    return True


def _detached_copies(keep: Iterable[str], under: list[str]) -> dict[str, int] | None:
    """A detached copy (a file descriptor) of each folder of ``keep`` that lies in one of
    the folders ``under``, to put back with :func:`_put_back` once something is mounted
    over those; None if the kernel cannot copy a mount (< 5.2)."""
    keep = [path for path in map(os.path.realpath, keep) if os.path.isdir(path)
            and any(_inside(path, folder) for folder in under)]
    copies = {}
    for path in _outermost(keep):
        fd = _libc.syscall(SYS_OPEN_TREE, AT_FDCWD, path.encode(),
                           OPEN_TREE_CLONE | AT_RECURSIVE | os.O_CLOEXEC)
        if fd < 0:
            for other in copies.values():
                os.close(other)
            return None
        copies[path] = fd
    return copies


def _put_back(copies: dict[str, int]) -> None:
    """Mount each detached copy at its old path (made anew in what now covers it)."""
    for path, fd in copies.items():
        os.makedirs(path, exist_ok=True)
        _call(_libc.syscall(SYS_MOVE_MOUNT, fd, b"", AT_FDCWD, path.encode(),
                            MOVE_MOUNT_F_EMPTY_PATH), f"move_mount {path}")
        os.close(fd)


def _outermost(paths: Iterable[str]) -> list[str]:
    """``paths`` without those inside another one of them."""
    unique = sorted(set(paths))
    return [path for path in unique if not any(_inside(path, other) and path != other
                                               for other in unique)]


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _make_read_only() -> None:
    """Remount every mount (but /proc and /sys) read-only, keeping its other flags."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = re.sub(r"\\([0-7]{3})", lambda code: chr(int(code.group(1), 8)), line.split()[4])
        if _inside(point, "/proc") or _inside(point, "/sys"):
            continue
        try:
            kept = os.statvfs(point).f_flag
            flags = sum(ms for st, ms in ST_TO_MS.items() if kept & st)
            _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags)
        except OSError:
            continue  # covered by a hidden folder, or gone: nothing to protect there


# -- every submission: its namespaces, its folder, its limits, its user -------------------


def enter_job_namespaces() -> None:
    """For the submission's supervisor: the next child starts new PID, network, IPC and
    mount namespaces (the child is PID 1 there: when it dies, all its processes do)."""
    _call(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC),
          "unshare(PID, network, IPC, mount)")


def mount_private_tmp(mode: str, uid: int, limits: Limits, keep: Iterable[str]) -> None:
    """Give the submission a fresh, size-limited ``/tmp`` (its only writable folder) and
    a ``/proc`` that shows only its own processes. For PID 1 of its namespaces. The
    ``keep`` folders in ``/tmp`` (a course cloned there, with its .venv) stay, read-only."""
    copies = _detached_copies(keep, under=["/tmp"]) or {}
    owner = f",uid={uid},gid={uid}" if mode == "root" else ""
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={limits.disk_bytes},mode=0700{owner}")
    _put_back(copies)
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError:
        pass  # e.g. a container that masks parts of /proc: the old one stays


def drop_privileges(mode: str, uid: int, limits: Limits, process_limit: int) -> None:
    """Set the limits and become an unprivileged user; nothing undoes this afterwards.

    ``process_limit`` is RLIMIT_NPROC, from :func:`process_budget`."""
    address_space = _mapped_bytes() + limits.memory_bytes
    for limit, value in [(resource.RLIMIT_AS, address_space),
                         (resource.RLIMIT_CPU, int(limits.notebook_seconds) + 1),
                         (resource.RLIMIT_FSIZE, limits.disk_bytes),
                         (resource.RLIMIT_NOFILE, limits.open_files),
                         (resource.RLIMIT_CORE, 0),
                         (resource.RLIMIT_NPROC, process_limit)]:
        _set_limit(limit, value)
    if mode == "root":
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    elif mode == "user":  # a nested user namespace: no capability over the sandbox's mounts
        _call(_libc.unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
        _map_ids(inside=1000, outside_uid=0, outside_gid=0)
    elif os.geteuid() == 0:  # basic mode as root: at least not root
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
    if LINUX:
        _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        die_with_parent()


def die_with_parent() -> None:
    """Be killed when the parent process dies (Linux; cleared by a change of user)."""
    if LINUX:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def limit_cpu(seconds: float) -> None:
    """At most ``seconds`` of CPU time for this process (and each one it starts)."""
    _set_limit(resource.RLIMIT_CPU, int(seconds) + 1)


def kill_others(group: int) -> None:
    """Kill the submission's other processes: all of its PID namespace when this process
    is its PID 1, else (``basic`` mode) the process group ``group``."""
    try:
        if os.getpid() == 1:
            os.kill(-1, signal.SIGKILL)  # PID 1 of a namespace: every process in it but this
        else:
            os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def reap() -> None:
    """Wait for every child, after :func:`kill_others` (PID 1 inherits the orphans too)."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def process_budget(mode: str, limits: Limits) -> int:
    """RLIMIT_NPROC for ``mode``: ``limits.processes`` more threads than the user runs now
    (in ``root`` mode the user is the submission's own). Call it before entering namespaces."""
    if mode == "root":
        return limits.processes  # its own user id: these are all its threads
    if not LINUX:
        return resource.getrlimit(resource.RLIMIT_NPROC)[0]  # no way to count: unchanged
    return _threads_of(os.getuid()) + limits.processes


def _threads_of(uid: int) -> int:
    """How many threads user ``uid`` runs (what RLIMIT_NPROC counts on Linux)."""
    count = 0
    for process in Path("/proc").glob("[0-9]*"):
        try:
            if process.stat().st_uid == uid:
                count += len(os.listdir(process / "task"))
        except OSError:
            continue  # ended meanwhile
    return count


def _mapped_bytes() -> int:
    """The address space this process maps now (torch maps several GB of libraries)."""
    if not LINUX:
        return 0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _set_limit(limit: int, value: int) -> None:
    hard = resource.getrlimit(limit)[1]
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    try:
        resource.setrlimit(limit, (value, value))
    except (ValueError, OSError):  # e.g. macOS refuses RLIMIT_AS: a soft limit at least
        resource.setrlimit(limit, (value, hard))


def _mount(source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> None:
    def encode(text: str | None) -> bytes | None:
        return text.encode() if text is not None else None

    _call(_libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags),
                      encode(data)), f"mount {target}")


def _call(result: int, what: str) -> None:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
