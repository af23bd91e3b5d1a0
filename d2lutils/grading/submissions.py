"""Find the submitted files, read them safely, and plan what to run for each one.

A submissions folder holds one sub-folder per student, or every student's files side by
side (the student is then the file's name). Every file is a submission, whatever its
name: which course notebook it is follows from its cells' ids, which the student edition
keeps. For a notebook, the plan is what the sandbox runs: for each checked exercise, the
student's answer cells (the stub cell, found by its id, and any cells the student added
right below it). Check cells are never taken from the submission: the course's own are
run, and the plan notes when the submission's were deleted, edited, moved or duplicated.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import statuses
from .course import Check, Course, CourseNotebook
from .exercise_format import Cell, source

MAX_BYTES = 50 * 2**20  # a notebook larger than this is not read
SKIPPED = ("__MACOSX", ".ipynb_checkpoints")  # archive debris and Jupyter's autosaves


class GradingError(Exception):
    """Grading cannot start; the message names the problem and the fix."""


@dataclass(frozen=True)
class Submission:
    """One submitted file: whose it is and where it lies."""

    student: str
    name: str  # its path inside the submissions folder
    path: Path


@dataclass(frozen=True)
class Plan:
    """What to run for one submission, and what was found out before running anything."""

    submission: Submission
    notebook: CourseNotebook | None = None  # None: not gradable (see flags)
    answers: tuple[tuple[str, ...], ...] = ()  # per check of the notebook: the cells to run
    flags: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()  # what the instructor should know, e.g. "exercise 3: check edited"


def discover(folder: Path) -> list[Submission]:
    """Every file under ``folder`` (hidden files and Jupyter checkpoints aside), sorted."""
    if not folder.is_dir():
        raise GradingError(f"{folder} is not a folder: pass the folder of submitted notebooks, "
                           "e.g. make grade SUBMISSIONS=path/to/folder")
    found = []
    for parent, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if _wanted(name))
        for name in sorted(filter(_wanted, files)):
            path = Path(parent, name)
            relative = path.relative_to(folder)
            student = relative.parts[0] if len(relative.parts) > 1 else relative.stem
            found.append(Submission(student=student, name=relative.as_posix(), path=path))
    return found


def _wanted(name: str) -> bool:
    return not name.startswith(".") and name not in SKIPPED


def read_cells(path: Path) -> tuple[list[Cell] | None, str]:
    """The cells of the notebook at ``path``, or None and why it is not a notebook.

    The file is untrusted: a link is not followed, a huge file is not read, and the JSON
    must have the shape of a notebook (format 4, a list of cells with string sources).
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as err:
        return None, f"cannot be opened ({err.strerror}; a link is not followed)"
    with open(fd, "rb") as file:
        data = file.read(MAX_BYTES + 1)
    if not data.strip():
        return None, "the file is empty"
    if len(data) > MAX_BYTES:
        return None, f"larger than {MAX_BYTES // 2**20} MB"
    try:
        notebook = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, "not JSON (a notebook is a JSON file: download it from Jupyter as .ipynb)"
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return None, "JSON, but not a notebook (no list of cells)"
    if notebook.get("nbformat") != 4:
        return None, (f"notebook format {notebook.get('nbformat')!r}, not 4: open it in a "
                      "current Jupyter and save it again")
    cells = [cell for cell in notebook["cells"] if _is_cell(cell)]
    if len(cells) != len(notebook["cells"]):
        return None, "JSON, but some cells are not notebook cells"
    return cells, ""


def _is_cell(cell: object) -> bool:
    if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
        return False
    text, cell_id = cell.get("source", ""), cell.get("id", "")
    return (isinstance(text, str) or (isinstance(text, list)
                                      and all(isinstance(line, str) for line in text))
            ) and isinstance(cell_id, str) and isinstance(cell.get("metadata", {}), dict)


def identify(cells: Sequence[Cell], course: Course) -> CourseNotebook | None:
    """The course notebook ``cells`` are a copy of: the one whose code-cell ids they share
    most, at least a quarter of them; None if there is none."""
    notebook, shared = course.closest({cell.get("id", "") for cell in cells})
    return notebook if shared and shared >= math.ceil(len(notebook.code_ids) / 4) else None


def plan(submission: Submission, course: Course) -> Plan:
    """Read ``submission``, identify its notebook and collect its answers."""
    cells, problem = read_cells(submission.path)
    if cells is None:
        return Plan(submission, flags=frozenset({statuses.NOT_A_NOTEBOOK}), notes=(problem,))
    notebook = identify(cells, course)
    if notebook is None:
        why = ("its cells have no ids (saved by an old Jupyter?)"
               if not any(cell.get("id") for cell in cells) else "no course notebook has its cells")
        return Plan(submission, flags=frozenset({statuses.UNKNOWN_NOTEBOOK}), notes=(why,))
    ids = {cell.get("id") for cell in cells}
    if notebook.checks and not any({check.stub_id, check.check_id} & ids
                                   for check in notebook.checks):
        return Plan(submission, notebook=notebook, answers=((),) * len(notebook.checks),
                    flags=frozenset({statuses.OTHER_VERSION}),
                    notes=(f"{notebook.name} without any of this version's exercise cells",))
    flags, notes, answers = set(), [], []
    for check in notebook.checks:
        answer = answer_cells(cells, check, notebook.cell_ids)
        answers.append(tuple(runnable(code) for code in answer))
        if not answer:
            flags.add(statuses.MISSING)
            notes.append(f"{check.title}: the answer cell was deleted")
        problem = check_problem(cells, check, notebook.cell_ids)
        if problem:
            flags.add(statuses.RESTORED)
            notes.append(f"{check.title}: the check cell was {problem}")
    return Plan(submission, notebook=notebook, answers=tuple(answers), flags=frozenset(flags),
                notes=tuple(notes))


def answer_cells(cells: Sequence[Cell], check: Check, course_ids: frozenset[str]) -> list[str]:
    """The student's code for ``check``: each copy of its stub cell (found by id), each
    followed by the code cells the student added below it, up to the next course cell."""
    found = []
    for index, cell in enumerate(cells):
        if cell.get("id") != check.stub_id or cell.get("cell_type") != "code":
            continue
        found.append(source(cell))
        for later in cells[index + 1:]:
            if later.get("id") in course_ids:
                break
            if later.get("cell_type") == "code":
                found.append(source(later))
    return found


def check_problem(cells: Sequence[Cell], check: Check, course_ids: frozenset[str]) -> str:
    """What is wrong with the submission's copy of the check cell, or "" if nothing."""
    places = [index for index, cell in enumerate(cells) if cell.get("id") == check.check_id]
    if not places:
        return "deleted"
    if len(places) > 1:
        return f"duplicated ({len(places)} copies)"
    cell = cells[places[0]]
    if cell.get("cell_type") != "code" or source(cell).strip() != check.check.strip():
        return "edited"
    stubs = [index for index, cell in enumerate(cells) if cell.get("id") == check.stub_id]
    between = cells[stubs[-1] + 1:places[0]] if stubs else []
    if stubs and (stubs[-1] > places[0] or any(c.get("id") in course_ids for c in between)):
        return "moved"
    return ""


def runnable(code: str) -> str:
    """``code`` as plain Python: IPython's ``%magic`` and ``!shell`` lines become calls
    that the sandbox's stand-in for ``get_ipython()`` skips (see runner.py)."""
    if not any(line.lstrip().startswith(("%", "!")) for line in code.splitlines()):
        return code
    from IPython.core.inputtransformer2 import TransformerManager
    try:
        return TransformerManager().transform_cell(code)
    except Exception:  # noqa: BLE001 - left as it is: running it reports the syntax error
        return code
