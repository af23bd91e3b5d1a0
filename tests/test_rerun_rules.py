"""Rules that keep re-running cells safe, checked on the notebooks' sources.

The re-run itself (every cell twice, under nbval) is tests/rerun_cells.py. Here:
- an exercise stub or its solution never rebinds a name that a lesson cell binds, so
  running the stub (or the student's answer) never breaks a cell above it;
- the ``rerun-by-construction`` tag (long training cells) is only on code cells.
"""

from __future__ import annotations

import ast

import nbformat
import pytest

from exercise_cells import NOTEBOOKS, exercises_of
from rerun_cells import TAG


def bound_names(source: str) -> set[str]:
    """The global names a cell binds: assignments, definitions, imports, loop variables."""
    tree = ast.parse("\n".join(line for line in source.splitlines()
                               if not line.lstrip().startswith(("%", "!"))))
    names: set[str] = set()
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)  # its body binds local names only
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif not isinstance(node, (ast.Lambda, ast.comprehension)):
            todo.extend(ast.iter_child_nodes(node))
    return names


def lesson_names(path) -> set[str]:
    """Names bound by the notebook's code cells that are not part of an exercise."""
    cells = nbformat.read(path, as_version=4).cells
    return set().union(*(bound_names(cell.source) for cell in cells
                         if cell.cell_type == "code" and not any(
                             tag.startswith("exercise") for tag in cell.metadata.get("tags", []))))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_exercise_answers_never_shadow_lesson_names(path) -> None:
    taken = lesson_names(path)
    for exercise in exercises_of(path.stem):
        if not exercise.checked:
            continue
        for part, source in (("stub", exercise.stub), ("solution", exercise.solution_code)):
            clash = sorted(bound_names(source) & taken)
            assert not clash, (
                f"{exercise}: its {part} rebinds {clash}, which the lesson cells above use; "
                "running it would change them. Give the exercise's names their own, e.g. "
                f"{clash[0]}_answer or a more specific name")


def test_bound_names_sees_definitions_and_assignments() -> None:
    source = ("import torch as t\ndef relu(x):\n    y = 1\n    return y\nnet, W = 1, 2\n"
              "for i in []:\n    class B: z = 3\nsquares = [k * k for k in range(3)]")
    assert bound_names(source) == {"t", "relu", "net", "W", "i", "B", "squares"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_the_rerun_tag_is_only_on_code_cells(path) -> None:
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if TAG in cell.metadata.get("tags", []):
            assert cell.cell_type == "code", f"{path.name} cell {index}: {TAG} on a {cell.cell_type} cell"
