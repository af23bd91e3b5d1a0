"""``python -m d2lutils.grading SUBMISSIONS [--out FOLDER]``: grade a class (``make grade``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import CourseError
from .grader import DEFAULT_COURSE, DEFAULT_OUT, default_jobs, grade
from .pool import SandboxError
from .sandbox import Limits
from .submissions import GradingError


def main(argv: list[str] | None = None) -> int:
    defaults = Limits()
    parser = argparse.ArgumentParser(
        prog="python -m d2lutils.grading",
        description="Grade a folder of submitted notebooks (one sub-folder per student, or "
                    "every file side by side) with the course's checks, in a sandbox.")
    parser.add_argument("submissions", type=Path, help="the folder of submitted notebooks")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="where grades.csv, feedback/ and summary.md go (default: %(default)s)")
    parser.add_argument("--course", type=Path, default=DEFAULT_COURSE,
                        help="the course's own notebooks, with solutions (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=default_jobs(),
                        help="submissions graded at a time (default: %(default)s, one per core)")
    parser.add_argument("--seed", type=int, default=None,
                        help="the checks' hidden seed (default: a new random one, printed in "
                             "summary.md; pass it again to grade with the same inputs)")
    parser.add_argument("--exercise-seconds", type=float, default=defaults.exercise_seconds,
                        help="time limit of one exercise (default: %(default)s)")
    parser.add_argument("--notebook-seconds", type=float, default=defaults.notebook_seconds,
                        help="time limit of one submission (default: %(default)s)")
    parser.add_argument("--memory-gib", type=float, default=defaults.memory_bytes / 2**30,
                        help="memory per submission, in GiB (default: %(default)s)")
    args = parser.parse_args(argv)
    limits = Limits(exercise_seconds=args.exercise_seconds,
                    notebook_seconds=args.notebook_seconds,
                    memory_bytes=int(args.memory_gib * 2**30))
    try:
        run = grade(args.submissions, args.out, args.course, args.jobs, limits, args.seed)
    except (GradingError, CourseError, SandboxError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    look = sum(graded.status != "ok" for graded in run.graded)
    print(f"{len(run.graded)} submissions graded in {run.seconds:.0f} s ({look} need a look). "
          f"Wrote {args.out}/grades.csv, {args.out}/feedback/ and {args.out}/summary.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
