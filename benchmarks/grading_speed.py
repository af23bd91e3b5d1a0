"""Benchmark: how long `make grade` takes for a class of 200 notebook-07 submissions.

Run alone with ``python benchmarks/grading_speed.py``, or as part of ``make bench``.
The class is built from the student edition (tests/grading_class.py): in turn a student
with every published solution, one with a realistic wrong answer to each exercise, one
who answered only the first exercise, and one who handed in the stubs. The time is the
whole `grade` call, sandbox start-up included, grading 2 submissions at a time.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from d2lutils.grading.grader import grade  # noqa: E402
from grading_class import edition, filled, save, solutions, wrong_answers  # noqa: E402

NOTEBOOK = "07-dropout"
TARGET_SECONDS = 120


def build_class(folder: Path, size: int) -> None:
    """``size`` submissions of NOTEBOOK in ``folder``, one sub-folder per student."""
    right = solutions(NOTEBOOK)
    wrong = {cell: answer for cell, (answer, _) in wrong_answers(NOTEBOOK).items()}
    first = next(iter(right))
    kinds = [filled(NOTEBOOK, right), filled(NOTEBOOK, wrong),
             filled(NOTEBOOK, {first: right[first]}), edition(NOTEBOOK)]
    for number in range(size):
        save(folder, f"student-{number:03d}", kinds[number % len(kinds)], f"{NOTEBOOK}.ipynb")


def grade_seconds(size: int = 200, jobs: int = 2) -> float:
    """Seconds to grade ``size`` submissions, ``jobs`` at a time (a progress bar on stderr)."""
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work, "submissions")
        build_class(folder, size)
        start = time.perf_counter()
        run = grade(folder, Path(work, "grades"), jobs=jobs, progress=sys.stderr)
        seconds = time.perf_counter() - start
    statuses = {graded.status for graded in run.graded}
    assert statuses == {"ok"}, f"the benchmark's class should grade cleanly, got {statuses}"
    return seconds


if __name__ == "__main__":
    seconds = grade_seconds()
    print(f"200 submissions of {NOTEBOOK} graded in {seconds:.1f} s "
          f"(target <= {TARGET_SECONDS} s)")
