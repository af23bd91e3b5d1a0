"""Write the student edition of the notebooks: no solutions, no speaker notes.

    python -m publish.student [--out build/student] NOTEBOOK.ipynb ...

`make student` runs this on every notebook, for instructors who hand the exercises out as an
assignment. Each copy keeps every code cell and its stored outputs, so it runs top to bottom
exactly like the original and its checks print "✘ not attempted yet". It drops the cells
tagged ``exercise-solution`` (solutions and model answers) and the speaker notes. The
scripts that notebooks start (``notebooks/*.py``, e.g. notebook 13's ``ddp_train.py``) are
copied beside them.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import nbformat

from publish.assets import ROOT
from publish.slides import check_notebooks

DEFAULT_OUT = ROOT / "build" / "student"
SOLUTION_TAG = "exercise-solution"


def for_students(cell: nbformat.NotebookNode) -> bool:
    """True for a cell a student gets: not a solution, not speaker notes."""
    tags = cell.get("metadata", {}).get("tags", [])
    notes = cell.get("metadata", {}).get("slideshow", {}).get("slide_type") == "notes"
    return SOLUTION_TAG not in tags and not notes


def student_edition(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with only the cells for students."""
    copy = nbformat.from_dict(notebook)
    copy.cells = [cell for cell in copy.cells if for_students(cell)]
    return copy


def build(notebooks: list[Path], out: Path = DEFAULT_OUT) -> list[Path]:
    """Write the student edition of each notebook into ``out``; return the new paths."""
    check_notebooks(notebooks)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for notebook in notebooks:
        target = out / notebook.name
        nbformat.write(student_edition(nbformat.read(notebook, as_version=4)), target)
        written.append(target)
    for script in sorted((ROOT / "notebooks").glob("*.py")):
        shutil.copy(script, out / script.name)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK.ipynb")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the copies (default: %(default)s)")
    args = parser.parse_args(argv)
    written = build(args.notebooks, args.out)
    print(f"{len(written)} student notebook(s) in {args.out}: no solutions, no speaker notes. "
          "Students run them with this repository's d2lutils installed (the checks use it).")


if __name__ == "__main__":
    sys.exit(main())
