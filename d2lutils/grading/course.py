"""The course as the grader sees it: each notebook's set-up cell, cell ids and checks.

Everything is read from the course's own notebooks (the instructor's copies, with
solutions) at run time: which exercises a notebook has, the id and source of each check
cell and of the stub cell the student writes in, and the first code cell that every
exercise may rely on. The solutions are never read here: nothing of them reaches a
submission's sandbox.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

from .exercise_format import Exercise, checker_module, parse_exercises, setup_code


class CourseError(Exception):
    """The course notebooks cannot be read; the message names the file and the fix."""


@dataclass(frozen=True)
class Check:
    """One checked exercise: where the student answers it and how it is checked."""

    notebook: str
    number: int
    title: str
    stub_id: str
    check_id: str
    check: str  # the check cell's source, one call exercises.check_...(...)
    checker: str  # its key in d2lutils.exercises.core.CHECKERS, e.g. "dropout.check_mc_predict"
    args: tuple[str, ...]  # the call's arguments, as Python expressions
    kwargs: tuple[tuple[str, str], ...]

    @property
    def column(self) -> str:
        """Its column in grades.csv, e.g. ``07-dropout ex3``."""
        return f"{self.notebook} ex{self.number}"

    @classmethod
    def of(cls, exercise: Exercise, module: str) -> Check:
        call = exercise.check_call
        if not exercise.stub_id or not exercise.check_id:
            raise CourseError(f"{exercise}: its stub and check cells need ids (nbformat 4.5); "
                              "open the notebook in JupyterLab and save it")
        if any(isinstance(arg, ast.Starred) for arg in call.args) or any(
                keyword.arg is None for keyword in call.keywords):
            raise CourseError(f"{exercise}: a check cell passes plain arguments, no * or **")
        return cls(notebook=exercise.notebook, number=exercise.number, title=exercise.title,
                   stub_id=exercise.stub_id, check_id=exercise.check_id,
                   check=exercise.check or "", checker=f"{module}.{exercise.checker}",
                   args=tuple(ast.unparse(arg) for arg in call.args),
                   kwargs=tuple((str(keyword.arg), ast.unparse(keyword.value))
                                for keyword in call.keywords))


@dataclass(frozen=True)
class CourseNotebook:
    """A course notebook: its name (``07-dropout``), set-up code, cell ids and checks."""

    name: str
    setup: str
    cell_ids: frozenset[str]  # every cell, solutions included
    code_ids: frozenset[str]  # the code cells, which the student edition keeps as they are
    checks: tuple[Check, ...]

    @property
    def imports(self) -> tuple[str, ...]:
        """The modules the set-up cell imports (the sandbox imports them once, up front)."""
        names = []
        for node in ast.walk(ast.parse(self.setup)):
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
        return tuple(names)

    @classmethod
    def read(cls, path: Path) -> CourseNotebook:
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            exercises = [ex for ex in parse_exercises(path, cells) if ex.checked]
            module = checker_module(path, cells) if exercises else ""
            setup = setup_code(path, cells)
        except (OSError, ValueError, KeyError, StopIteration) as err:
            raise CourseError(f"cannot read the course notebook {path}: {err}") from err
        ids = [cell.get("id") for cell in cells]
        code = [cell.get("id") for cell in cells if cell.get("cell_type") == "code"]
        return cls(name=path.stem, setup=setup,
                   cell_ids=frozenset(filter(None, ids)), code_ids=frozenset(filter(None, code)),
                   checks=tuple(Check.of(ex, module) for ex in exercises))


@dataclass(frozen=True)
class Course:
    """Every notebook of the course, in order."""

    folder: Path
    notebooks: tuple[CourseNotebook, ...]

    @classmethod
    def read(cls, folder: Path) -> Course:
        paths = sorted(folder.glob("*.ipynb"))
        if not paths:
            raise CourseError(f"no course notebooks (*.ipynb) in {folder}: pass the folder "
                              "of the course's own notebooks with --course")
        return cls(folder=folder, notebooks=tuple(CourseNotebook.read(path) for path in paths))

    @property
    def checks(self) -> tuple[Check, ...]:
        return tuple(check for notebook in self.notebooks for check in notebook.checks)

    def closest(self, cell_ids: set[str]) -> tuple[CourseNotebook, int]:
        """The notebook that shares the most code-cell ids with ``cell_ids``, and how many."""
        return max(((notebook, len(notebook.code_ids & cell_ids)) for notebook in self.notebooks),
                   key=lambda pair: pair[1])
