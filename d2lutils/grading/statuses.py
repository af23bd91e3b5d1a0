"""The statuses a submission can get in grades.csv, and what each one tells its reader.

A submission's status is ``ok``, or the list of everything that happened to it, in the
order below, joined by ``"; "`` (e.g. ``timeout; check cells restored``). Every status
but ``ok`` puts the submission on the instructor's list of those that need a look.
"""

from __future__ import annotations

from collections.abc import Iterable

OK = "ok"
NOT_A_NOTEBOOK = "not a notebook"
UNKNOWN_NOTEBOOK = "unknown notebook"
OTHER_VERSION = "other course version"
GRADER_ERROR = "grader error"
TIMEOUT = "timeout"
CRASHED = "crashed"
MEMORY = "memory limit"
PROCESSES = "process limit"
NETWORK = "network blocked"
FILES = "file access blocked"
RESTORED = "check cells restored"
MISSING = "answer cells missing"

#: Every status but ``ok``, in the order a combined status lists them, with what it means.
MEANING = {
    NOT_A_NOTEBOOK: "the file is not a Jupyter notebook (empty, not JSON, or JSON that is "
                    "not a notebook); nothing was run",
    UNKNOWN_NOTEBOOK: "the notebook shares no cells with any course notebook; nothing was run",
    OTHER_VERSION: "the notebook is a course notebook, but its exercises are not this "
                   "version's (an old or a newer copy); its answers could not be found",
    GRADER_ERROR: "the grader itself failed on this submission (see grader.log); grade it again",
    TIMEOUT: "an exercise, or the whole notebook, ran past its time limit and was stopped",
    CRASHED: "the answer ended its process (sys.exit, os._exit, a crash such as a "
             "segmentation fault) before its check could run",
    MEMORY: "the answer asked for more memory than the limit allows",
    PROCESSES: "the answer started more processes or threads than the limit allows",
    NETWORK: "the answer tried to use the network, which grading blocks",
    FILES: "the answer tried to read a hidden file or write outside its own folder",
    RESTORED: "check cells were deleted, edited, moved or duplicated; the grader ran the "
              "course's own checks instead",
    MISSING: "an answer cell (the one under a task, with `# your code here`) was deleted",
}
ORDER = tuple(MEANING)


def combined(flags: Iterable[str]) -> str:
    """The status for ``flags``: ``ok`` when there are none, else them in ``ORDER``."""
    found = set(flags)
    unknown = found - set(ORDER)
    if unknown:
        raise ValueError(f"unknown statuses: {sorted(unknown)}")
    return "; ".join(status for status in ORDER if status in found) or OK
