"""Every figure in every notebook has a text alternative that says what it shows.

The alt text lives in the output's metadata (``{"image/png": {"alt": ...}}``), put there
by the plotting helpers (``alt=``, ``d2l.describe_figure``); the website and the decks emit
it as the image's ``alt``.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from exercise_cells import NOTEBOOKS

#: Alt texts that say nothing about the figure.
VACUOUS = re.compile(r"^(figure|plot|image|chart|graph)( \d+)?\.?$", re.IGNORECASE)


def image_outputs(path):
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        for output in cell.get("outputs", []):
            for mime in output.get("data", {}):
                if mime.startswith("image/"):
                    yield index, mime, output.get("metadata", {}).get(mime, {}).get("alt")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_image_output_has_a_meaningful_alt_text(path) -> None:
    for index, mime, alt in image_outputs(path):
        where = f"{path.name} cell {index} ({mime})"
        assert alt, f"{where}: no alt text; pass alt= to the plot or call d2l.describe_figure"
        assert len(alt.split()) >= 4 and not VACUOUS.match(alt.strip()), (
            f"{where}: alt text {alt!r} does not say what the figure shows")
