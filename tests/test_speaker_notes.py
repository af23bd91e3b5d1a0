"""Speaker notes stay out of the student's way in JupyterLab and stay in the decks.

Every notes cell is collapsed in JupyterLab (``jupyter.source_hidden``), and its first line
is the label the collapsed cell shows, so a student sees one quiet line and none of the
notes. The browser side (hidden on load, shown after one click) is in test_jupyterlab.py.
"""

from __future__ import annotations

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert.filters import markdown2html

from browser import require_assets
from exercise_cells import NOTEBOOKS
from publish import slides as slides_build

#: The first line of every notes cell: all that a collapsed notes cell shows in JupyterLab.
LABEL = "Instructor notes"


def notes_cells(path) -> list[nbformat.NotebookNode]:
    return [cell for cell in nbformat.read(path, as_version=4).cells
            if cell.metadata.get("slideshow", {}).get("slide_type") == "notes"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_notes_cell_is_collapsed_behind_its_label(path) -> None:
    cells = notes_cells(path)
    assert cells, f"{path.name} has no speaker notes"
    for cell in cells:
        where = f"{path.name} cell {cell.get('id')}"
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, (
            f"{where}: set metadata jupyter.source_hidden = true, so that JupyterLab shows "
            "the notes collapsed")
        first, _, rest = cell.source.partition("\n")
        assert first == LABEL and rest.startswith("\n") and rest.strip(), (
            f"{where}: start the notes with the line {LABEL!r} and a blank line; JupyterLab "
            "shows the first line of a collapsed cell")


def test_the_deck_keeps_the_full_notes(tmp_path) -> None:
    """The reveal.js speaker view still has every word of every notes cell."""
    require_assets()
    path = NOTEBOOKS[0]
    deck = slides_build.build([path], tmp_path)[0]
    asides = BeautifulSoup(deck.read_text(encoding="utf-8"), "html.parser").select("aside.notes")
    shown = [" ".join(aside.get_text(" ").split()) for aside in asides]
    expected = notes_cells(path)
    assert len(shown) == len(expected)
    for aside, cell in zip(shown, expected):
        words = BeautifulSoup(markdown2html(cell.source), "html.parser").get_text(" ")
        assert " ".join(words.split()) in aside
