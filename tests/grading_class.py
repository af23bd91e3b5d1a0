"""A class of submitted notebooks, made from the student edition, for the grader's tests.

Every submission starts as the student edition of a course notebook (publish/student.py:
the code cells and their ids kept, no solutions) with some of its stub cells filled in.
What goes in is read from the notebooks and tests at run time, never hard-coded: the
published solutions, the realistic wrong answers of tests/exercises/, or anything a test
writes. The benchmark (benchmarks/training_speed.py) builds its class with it too.
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path

import nbformat

from d2lutils.grading.exercise_format import Exercise, parse_exercises
from publish.student import student_edition

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
WRONG_ANSWERS = ROOT / "tests" / "exercises"


def checked(name: str) -> list[Exercise]:
    """The checked exercises of notebook ``name`` (e.g. ``07-dropout``), in order."""
    return [ex for ex in parse_exercises(NOTEBOOKS / f"{name}.ipynb") if ex.checked]


@cache
def _edition(name: str) -> str:
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    return nbformat.writes(student_edition(notebook))


def edition(name: str) -> dict:
    """A fresh copy of the student edition of ``name``, as JSON."""
    return json.loads(_edition(name))


def filled(name: str, answers: dict[str, str]) -> dict:
    """The student edition of ``name`` with the stub cells whose ids ``answers`` names
    replaced by the code given for them."""
    notebook = edition(name)
    for cell in notebook["cells"]:
        if cell.get("id") in answers:
            cell["source"] = answers[cell["id"]]
    return notebook


def solutions(name: str) -> dict[str, str]:
    """The published solution of every checked exercise, by stub cell id."""
    return {ex.stub_id: ex.solution_code for ex in checked(name)}


def wrong_answers(name: str) -> dict[str, tuple[str, str]]:
    """The first wrong answer of tests/exercises/ for each checked exercise of ``name``,
    with the hint it gets, by stub cell id."""
    path = next(WRONG_ANSWERS.glob(f"test_{name[:2]}_*.py"))
    spec = importlib.util.spec_from_file_location(f"wrong_answers_{name[:2]}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    first: dict[str, tuple[str, str]] = {}
    for param in module.WRONG_ANSWERS:
        checker, answer, hint = param.values
        first.setdefault(checker, (answer, hint))
    return {ex.stub_id: first[ex.checker] for ex in checked(name) if ex.checker in first}


def save(folder: Path, student: str, notebook: dict | str | bytes,
         name: str = "notebook.ipynb") -> Path:
    """Write ``notebook`` (JSON, or raw text/bytes) as ``folder/student/name``."""
    path = folder / student / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(notebook, bytes):
        path.write_bytes(notebook)
    else:
        path.write_text(notebook if isinstance(notebook, str) else json.dumps(notebook, indent=1),
                        encoding="utf-8")
    return path


def cell_index(notebook: dict, cell_id: str) -> int:
    """The position of the cell with id ``cell_id``."""
    return next(i for i, cell in enumerate(notebook["cells"]) if cell.get("id") == cell_id)
