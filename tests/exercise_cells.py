"""Read a notebook's exercises and run answers to them, the way a student would.

The format (../shared/COURSE.md, "Exercises that check themselves"): every exercise is a
markdown cell tagged ``exercise``. A *checked* exercise is followed by three cells, a code
cell tagged ``exercise-stub`` (where the student writes), a code cell tagged
``exercise-check`` (one call ``exercises.check_...(...)``) and a markdown cell tagged
``exercise-solution``. Any other exercise is followed directly by its
``exercise-solution``. A solution is a ``<details>`` block; a checked one holds exactly
one ```` ```python ```` block that replaces the stub.

Answers run in-process, in a fresh namespace that has run the notebook's first code cell
(its imports) and nothing else: exercises are self-contained, so checking one never
retrains a model.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TAGS = ("exercise", "exercise-stub", "exercise-check", "exercise-solution")
CHECKED = ("exercise-stub", "exercise-check", "exercise-solution")
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def notebook_path(name: str) -> Path:
    """``notebooks/NAME.ipynb`` for a stem such as ``07-dropout``."""
    return ROOT / "notebooks" / f"{name}.ipynb"


def tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def exercise_tag(cell: dict) -> str | None:
    """The one exercise tag of ``cell``, or None."""
    found = [tag for tag in tags(cell) if tag in TAGS]
    if len(found) > 1:
        raise ValueError(f"a cell has several exercise tags: {found}")
    return found[0] if found else None


@dataclass(frozen=True)
class Exercise:
    """One exercise of a notebook: the cell indices of its parts and their sources."""

    notebook: str
    number: int
    task: int
    solution_cell: int
    solution: str
    stub: str | None = None
    check: str | None = None

    @property
    def checked(self) -> bool:
        return self.check is not None

    @property
    def checker(self) -> str:
        """The name of the checker the check cell calls, e.g. ``check_dropout_per_feature``."""
        call = ast.parse(self.check or "").body
        if (len(call) != 1 or not isinstance(call[0], ast.Expr)
                or not isinstance(call[0].value, ast.Call)
                or not isinstance(call[0].value.func, ast.Attribute)
                or not isinstance(call[0].value.func.value, ast.Name)
                or call[0].value.func.value.id != "exercises"):
            raise ValueError(f"{self}: the check cell must be one call exercises.check_...(...)")
        return call[0].value.func.attr

    @property
    def solution_code(self) -> str:
        """The one python block of a checked exercise's solution."""
        blocks = PYTHON_BLOCK.findall(self.solution)
        if len(blocks) != 1:
            raise ValueError(f"{self}: the solution must hold exactly one ```python block, "
                             f"found {len(blocks)}")
        return blocks[0]

    def __str__(self) -> str:
        return f"{self.notebook} exercise {self.number} (cell {self.task})"


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def parse_exercises(path: Path) -> list[Exercise]:
    """The exercises of a notebook, in order; ValueError names any break of the format."""
    cells = read(path).cells
    kinds = [exercise_tag(cell) for cell in cells]
    found, index = [], 0
    while index < len(cells):
        kind = kinds[index]
        if kind is None:
            index += 1
            continue
        where = f"{path.name} cell {index}"
        if kind != "exercise":
            raise ValueError(f"{where}: a cell tagged {kind!r} must follow an 'exercise' "
                             "cell (exercise, exercise-stub, exercise-check, exercise-solution)")
        following = tuple(kinds[index + 1:index + 4])
        parts = CHECKED if following == CHECKED else ("exercise-solution",)
        if tuple(kinds[index + 1:index + 1 + len(parts)]) != parts:
            raise ValueError(f"{where}: an exercise must be followed by {', '.join(CHECKED)} "
                             "(a checked exercise) or by its exercise-solution")
        text = [cell.source for cell in cells[index:index + 1 + len(parts)]]
        checked = len(parts) == 3
        found.append(Exercise(
            notebook=path.stem, number=len(found) + 1, task=index,
            solution_cell=index + len(parts), solution=text[-1],
            stub=text[1] if checked else None, check=text[2] if checked else None))
        index += 1 + len(parts)
    return found


def checker_module(path: Path) -> str:
    """The module of d2lutils.exercises that the notebook imports as ``exercises``."""
    found = re.search(r"^from d2lutils\.exercises import (\w+) as exercises$", setup_code(path),
                      flags=re.MULTILINE)
    if not found:
        raise ValueError(f"{path.name}: the first code cell must import its checkers: "
                         "from d2lutils.exercises import <topic> as exercises")
    return found.group(1)


def setup_code(path: Path) -> str:
    """The notebook's first code cell: its imports, all an exercise may rely on."""
    return next(cell.source for cell in read(path).cells if cell.cell_type == "code")


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
