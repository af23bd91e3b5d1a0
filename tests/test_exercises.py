"""The exercises of every notebook follow the format, and their checks are honest.

For every notebook: the exercise cells follow the tagged format of ../shared/COURSE.md,
the committed stubs make every check print "✘ not attempted yet", and every published
solution, put in place of its stub, makes its check print "✔". Every checker in
d2lutils.exercises is used by a notebook and rejects at least two realistic wrong answers
(tests/exercises/test_*.py) with a hint about the mistake.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections import Counter
from pathlib import Path

import pytest

import d2lutils.exercises
from d2lutils.exercises.core import CHECKERS
from exercise_cells import (NOTEBOOKS, ROOT, Session, checker_module, notebook_path,
                            parse_exercises, read, tags)

IDS = [path.stem for path in NOTEBOOKS]
WRONG_ANSWER_MODULES = sorted((ROOT / "tests" / "exercises").glob("test_*.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_exercises_follow_the_format(path: Path) -> None:
    exercises = parse_exercises(path)
    cells = read(path).cells
    assert 3 <= len(exercises) <= 5, f"{path.name}: {len(exercises)} exercises, expected 3-5"
    checked = [ex for ex in exercises if ex.checked]
    assert len(checked) >= 3, f"{path.name}: {len(checked)} checked exercises, expected >= 3"
    for ex in exercises:
        solution = cells[ex.solution_cell]
        assert solution.cell_type == "markdown", f"{ex}: the solution must be markdown"
        assert solution.source.lstrip().startswith("<details><summary>Solution</summary>"), (
            f"{ex}: a solution starts with <details><summary>Solution</summary>")
        assert solution.source.rstrip().endswith("</details>"), f"{ex}: close the <details>"
        assert solution.metadata["slideshow"]["slide_type"] == "skip", (
            f"{ex}: solutions never appear on a slide (slide type 'skip')")
        assert cells[ex.task].cell_type == "markdown", f"{ex}: the task is a markdown cell"
    for ex in checked:
        ex.solution_code  # exactly one python block  # noqa: B018
        assert ex.checker.startswith("check_"), ex
        assert "# your code here" in ex.stub, f"{ex}: the stub says where to write"
        check = cells[ex.task + 2]
        printed = [out for out in check.outputs if out.output_type == "stream"]
        assert len(check.outputs) == 1 and len(printed) == 1, f"{ex}: one printed line stored"
        assert printed[0].text.startswith("✘ not attempted yet"), (
            f"{ex}: the stored check output must be the stub's 'not attempted' line "
            f"(run `make execute`), got {printed[0].text!r}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_stubs_are_not_attempted(path: Path) -> None:
    session = Session(path)
    for ex in parse_exercises(path):
        if ex.checked:
            session.run(ex.stub)
            printed = session.run(ex.check)
            assert printed.startswith("✘ not attempted yet") and printed.count("\n") == 1, (
                f"{ex}: the stub's check printed {printed!r}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_published_solution_passes_its_check(path: Path) -> None:
    """The solutions run in order, as a student pasting each one into its stub would."""
    session = Session(path)
    for ex in parse_exercises(path):
        if ex.checked:
            session.run(ex.solution_code)
            printed = session.run(ex.check)
            assert printed.startswith("✔ ") and printed.count("\n") == 1, (
                f"{ex}: the published solution does not pass its check: {printed!r}")


def all_checkers() -> dict[str, object]:
    for module in pkgutil.iter_modules(d2lutils.exercises.__path__):
        importlib.import_module(f"d2lutils.exercises.{module.name}")
    return dict(CHECKERS)


def wrong_answers() -> Counter[str]:
    """How many wrong answers tests/exercises/ holds for each checker, by "module.name"."""
    counts: Counter[str] = Counter()
    for path in WRONG_ANSWER_MODULES:
        spec = importlib.util.spec_from_file_location(f"wrong_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        topic = checker_module(notebook_path(module.NOTEBOOK))
        counts.update(f"{topic}.{param.values[0]}" for param in module.WRONG_ANSWERS)
    return counts


def test_every_checker_is_used_once_and_rejects_two_wrong_answers() -> None:
    used = Counter(f"{checker_module(path)}.{ex.checker}" for path in NOTEBOOKS
                   for ex in parse_exercises(path) if ex.checked)
    counts = wrong_answers()
    for name in all_checkers():
        assert used[name] == 1, f"{name} is called by {used[name]} notebook check cells, expected 1"
        assert counts[name] >= 2, (
            f"{name} has {counts[name]} wrong answers in tests/exercises/, expected >= 2")
    unknown = set(used) - set(all_checkers())
    assert not unknown, f"check cells call checkers that do not exist: {unknown}"


def test_every_exercise_cell_is_tagged_once() -> None:
    for path in NOTEBOOKS:
        for index, cell in enumerate(read(path).cells):
            exercise_tags = [tag for tag in tags(cell) if tag.startswith("exercise")]
            assert len(exercise_tags) <= 1, f"{path.name} cell {index}: tags {exercise_tags}"
