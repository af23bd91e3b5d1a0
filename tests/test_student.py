"""`make student`: the student edition leaks no solution and still runs like the original.

A student notebook is the original minus its markdown solutions and speaker notes; its code
cells are the original's, in the same order, with the same outputs. So nbval, which runs
every original notebook in this same `make test`, runs every student notebook's code too.
One student notebook is also executed for real, top to bottom, in a fresh kernel.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from exercise_cells import NOTEBOOKS, parse_exercises, read
from publish import student

IDS = [path.stem for path in NOTEBOOKS]


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("student")
    return {path.stem: written for path, written in zip(NOTEBOOKS, student.build(NOTEBOOKS, out))}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_solution_and_no_speaker_notes_leak(path: Path, edition: dict[str, Path]) -> None:
    copy = read(edition[path.stem])
    text = json.dumps(copy.cells)
    assert not [cell for cell in copy.cells if "exercise-solution" in cell.metadata.get("tags", [])]
    assert not [cell for cell in copy.cells if cell.metadata.get("slideshow", {}).get("slide_type") == "notes"]
    assert "<summary>Solution" not in text
    # A line of a solution may be in the copy only where the original has it outside its
    # solutions and notes too (a task may name the function to call, say).
    original = [cell for cell in read(path).cells
                if "exercise-solution" not in cell.metadata.get("tags", [])
                and cell.metadata.get("slideshow", {}).get("slide_type") != "notes"]
    allowed = json.dumps(original)
    for exercise in parse_exercises(path):
        body = exercise.solution.split("</summary>", 1)[1].replace("</details>", "")
        for line in {line.strip() for line in body.splitlines()}:
            quoted = json.dumps(line)[1:-1]
            if len(line) > 12 and quoted in text:
                assert quoted in allowed, f"{exercise}: solution line leaked: {line!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_code_cells_and_outputs_are_the_originals(path: Path, edition: dict[str, Path]) -> None:
    original = [cell for cell in read(path).cells if cell.cell_type == "code"]
    copied = [cell for cell in read(edition[path.stem]).cells if cell.cell_type == "code"]
    assert copied == original
    exercises = [cell for cell in read(edition[path.stem]).cells
                 if "exercise" in cell.metadata.get("tags", [])]
    assert len(exercises) == len(parse_exercises(path)), "every task is still there"


def test_the_scripts_the_notebooks_start_come_along(edition: dict[str, Path]) -> None:
    scripts = sorted((student.ROOT / "notebooks").glob("*.py"))
    assert scripts, "notebook 13 starts notebooks/ddp_train.py"
    folder = next(iter(edition.values())).parent
    for script in scripts:
        assert (folder / script.name).read_bytes() == script.read_bytes()


def test_a_student_notebook_runs_top_to_bottom(edition: dict[str, Path], tmp_path: Path) -> None:
    notebook = nbformat.read(edition["01-tensors"], as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3").execute(cwd=str(tmp_path))
    checks = [cell for cell in notebook.cells if "exercise-check" in cell.metadata.get("tags", [])]
    assert len(checks) >= 3
    for cell in checks:
        assert [out.text for out in cell.outputs][0].startswith("✘ not attempted yet"), cell.outputs


def test_the_student_extra_installs_everything_the_notebooks_import() -> None:
    """`pip install -e ".[student]"` (the README's one command for students) provides every
    package a notebook imports, besides the standard library and the course's own."""
    import ast
    import sys
    import tomllib
    from importlib.metadata import packages_distributions

    from packaging.requirements import Requirement

    project = tomllib.loads((NOTEBOOKS[0].parents[1] / "pyproject.toml").read_text())["project"]
    promised = {Requirement(line).name.lower().replace("_", "-") for line in
                project["dependencies"] + project["optional-dependencies"]["student"]}
    distributions = packages_distributions()
    local = {script.stem for script in NOTEBOOKS[0].parent.glob("*.py")}  # e.g. ddp_train
    missing = set()
    for path in NOTEBOOKS:
        for cell in read(path).cells:
            if cell.cell_type != "code":
                continue
            source = "\n".join(line for line in cell.source.splitlines()
                               if not line.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(source)):
                names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                         else [node.module] if isinstance(node, ast.ImportFrom) and node.module
                         and not node.level else [])
                for top in {name.split(".")[0] for name in names}:
                    if top in sys.stdlib_module_names or top in local or top == "d2lutils":
                        continue
                    owners = {d.lower().replace("_", "-") for d in distributions.get(top, [top])}
                    if not owners & promised:
                        missing.add(f"{path.name}: import {top} ({', '.join(sorted(owners))})")
    assert not missing, f"not installed by the student extra: {sorted(missing)}"
