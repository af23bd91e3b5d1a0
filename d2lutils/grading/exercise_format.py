"""The tagged exercise format of the course notebooks, read from a notebook's JSON.

The format (shared/COURSE.md, "Exercises that check themselves"): every exercise is a
markdown cell tagged ``exercise``. A *checked* exercise is followed by three cells, a code
cell tagged ``exercise-stub`` (where the student writes), a code cell tagged
``exercise-check`` (one call ``exercises.check_...(...)``) and a markdown cell tagged
``exercise-solution``. Any other exercise is followed directly by its
``exercise-solution``. A solution is a ``<details>`` block; a checked one holds exactly
one ```` ```python ```` block that replaces the stub.

The tests (tests/exercise_cells.py) and the grader both read exercises with this module.
It works on plain JSON (lists of cell dicts), so that it also reads a notebook that
``nbformat`` would reject, such as one with duplicated cell ids.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TAGS = ("exercise", "exercise-stub", "exercise-check", "exercise-solution")
CHECKED = ("exercise-stub", "exercise-check", "exercise-solution")
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
TITLE = re.compile(r"\*\*(Exercise [^*]*?)\.?\*\*")
CHECKER_IMPORT = re.compile(r"^from d2lutils\.exercises import (\w+) as exercises$", re.MULTILINE)

Cell = dict[str, Any]


def source(cell: Cell) -> str:
    """A cell's source as one string (the JSON may store it as a list of lines)."""
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


def tags(cell: Cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def exercise_tag(cell: Cell) -> str | None:
    """The one exercise tag of ``cell``, or None."""
    found = [tag for tag in tags(cell) if tag in TAGS]
    if len(found) > 1:
        raise ValueError(f"a cell has several exercise tags: {found}")
    return found[0] if found else None


@dataclass(frozen=True)
class Exercise:
    """One exercise of a notebook: the cell indices of its parts, their sources and ids."""

    notebook: str
    number: int
    task: int
    solution_cell: int
    solution: str
    stub: str | None = None
    check: str | None = None
    title: str = ""
    stub_id: str | None = None
    check_id: str | None = None

    @property
    def checked(self) -> bool:
        return self.check is not None

    @property
    def check_call(self) -> ast.Call:
        """The check cell's one call ``exercises.check_...(...)``."""
        body = ast.parse(self.check or "").body
        if (len(body) != 1 or not isinstance(body[0], ast.Expr)
                or not isinstance(body[0].value, ast.Call)
                or not isinstance(body[0].value.func, ast.Attribute)
                or not isinstance(body[0].value.func.value, ast.Name)
                or body[0].value.func.value.id != "exercises"):
            raise ValueError(f"{self}: the check cell must be one call exercises.check_...(...)")
        return body[0].value

    @property
    def checker(self) -> str:
        """The name of the checker the check cell calls, e.g. ``check_dropout_per_feature``."""
        func = self.check_call.func
        assert isinstance(func, ast.Attribute)
        return func.attr

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


def read_cells(path: Path) -> list[Cell]:
    """The cells of the notebook at ``path``, as plain dicts."""
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def parse_exercises(path: Path, cells: Sequence[Cell] | None = None) -> list[Exercise]:
    """The exercises of a notebook, in order; ValueError names any break of the format.

    ``cells`` are the notebook's cells when already read (plain or nbformat dicts).
    """
    cells = read_cells(path) if cells is None else cells
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
        group = cells[index:index + 1 + len(parts)]
        text = [source(cell) for cell in group]
        title = TITLE.search(text[0])
        checked = len(parts) == 3
        found.append(Exercise(
            notebook=path.stem, number=len(found) + 1, task=index,
            solution_cell=index + len(parts), solution=text[-1],
            stub=text[1] if checked else None, check=text[2] if checked else None,
            title=title.group(1) if title else f"Exercise {len(found) + 1}",
            stub_id=group[1].get("id") if checked else None,
            check_id=group[2].get("id") if checked else None))
        index += 1 + len(parts)
    return found


def setup_code(path: Path, cells: Sequence[Cell] | None = None) -> str:
    """The notebook's first code cell: its imports, all an exercise may rely on."""
    cells = read_cells(path) if cells is None else cells
    return next(source(cell) for cell in cells if cell.get("cell_type") == "code")


def checker_module(path: Path, cells: Sequence[Cell] | None = None) -> str:
    """The module of d2lutils.exercises that the notebook imports as ``exercises``."""
    found = CHECKER_IMPORT.search(setup_code(path, cells))
    if not found:
        raise ValueError(f"{path.name}: the first code cell must import its checkers: "
                         "from d2lutils.exercises import <topic> as exercises")
    return found.group(1)
