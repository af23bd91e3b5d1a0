"""Read a notebook's exercises and run answers to them, the way a student would.

The format (../shared/COURSE.md, "Exercises that check themselves") is read by
d2lutils/grading/exercise_format.py, which the grader shares: every exercise is a
markdown cell tagged ``exercise``; a *checked* one is followed by a stub, a check (one
call ``exercises.check_...(...)``) and a solution holding exactly one ```` ```python ````
block that replaces the stub.

Answers run in-process, in a fresh namespace that has run the notebook's first code cell
(its imports) and nothing else: exercises are self-contained, so checking one never
retrains a model.
"""

from __future__ import annotations

import contextlib
import io
from functools import cache
from pathlib import Path
from typing import Any

import nbformat

from d2lutils.grading.exercise_format import (  # noqa: F401 - re-exported for the tests
    Exercise, checker_module, parse_exercises, setup_code, tags)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def notebook_path(name: str) -> Path:
    """``notebooks/NAME.ipynb`` for a stem such as ``07-dropout``."""
    return ROOT / "notebooks" / f"{name}.ipynb"


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


class Session:
    """A namespace that has run a notebook's first code cell; run more code in it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.namespace: dict[str, Any] = {"__name__": "__main__"}
        self.run(setup_code(path))

    def run(self, source: str) -> str:
        """Execute ``source`` like a notebook cell and return what it printed."""
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(source, f"<{self.path.name}>", "exec"), self.namespace)  # noqa: S102
        return printed.getvalue()


@cache
def exercises_of(name: str) -> tuple[Exercise, ...]:
    return tuple(parse_exercises(notebook_path(name)))


def exercise_checked_by(name: str, checker: str) -> Exercise:
    """The exercise of notebook ``name`` whose check cell calls ``checker``."""
    matches = [ex for ex in exercises_of(name) if ex.checked and ex.checker == checker]
    assert len(matches) == 1, f"{name}: {len(matches)} exercises call exercises.{checker}"
    return matches[0]


def verdict_for(name: str, checker: str, answer: str) -> str:
    """What the check cell of ``checker`` prints after ``answer`` replaced its stub."""
    exercise = exercise_checked_by(name, checker)
    session = Session(notebook_path(name))
    session.run(answer)
    return session.run(exercise.check)


def assert_wrong(name: str, checker: str, answer: str, hint: str) -> None:
    """A wrong ``answer`` gets one ✘ line that is not "not attempted" and contains ``hint``."""
    printed = verdict_for(name, checker, answer)
    assert printed.count("\n") == 1 and printed.startswith("✘ "), printed
    assert not printed.startswith("✘ not attempted"), printed
    assert hint in printed, f"expected the hint {hint!r}, got: {printed}"


def assert_right(name: str, checker: str, answer: str) -> None:
    """A correct ``answer`` written differently from the published solution gets ✔."""
    printed = verdict_for(name, checker, answer)
    assert printed.count("\n") == 1 and printed.startswith("✔ "), printed
