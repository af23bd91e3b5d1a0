"""The website and the decks show each figure with its alt text and a demo's controls as a
note that points to JupyterLab (publish/templates/outputs.j2)."""

from __future__ import annotations

import base64
import logging

import nbformat
import pytest
from bs4 import BeautifulSoup

from browser import require_assets
from publish import site, slides

# The smallest valid PNG: one transparent pixel.
PIXEL = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082")).decode()
ALT = "A line that falls from 1 to 0 over ten steps"
OFFLINE = "Interactive demo: move the controls in JupyterLab."


def fixture_notebook(path) -> None:
    figure = nbformat.v4.new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Figure>"},
                                    metadata={"image/png": {"alt": ALT}})
    controls = nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2,
                                                     "version_minor": 0},
        "text/plain": OFFLINE})
    cells = [nbformat.v4.new_markdown_cell("# Outputs"),
             nbformat.v4.new_code_cell("d2l.plot(...)", outputs=[figure]),
             nbformat.v4.new_code_cell("d2l.demos.interact(...)", outputs=[controls])]
    for cell in cells:
        cell.metadata["slideshow"] = {"slide_type": "slide"}
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, BeautifulSoup]:
    require_assets()
    folder = tmp_path_factory.mktemp("published")
    notebook = folder / "99-outputs.ipynb"
    fixture_notebook(notebook)
    built = {"site": site.build(folder / "site", [notebook])[1],
             "deck": slides.build([notebook], folder / "deck")[0]}
    return {name: BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            for name, path in built.items()}


@pytest.mark.parametrize("name", ["site", "deck"])
def test_figures_carry_their_alt_text(pages, name) -> None:
    images = pages[name].select(".jp-RenderedImage img")
    assert [image.get("alt") for image in images] == [ALT]


@pytest.mark.parametrize("name", ["site", "deck"])
def test_a_demos_controls_say_to_use_jupyterlab(pages, name) -> None:
    """With or without the widget state saved in the notebook, the reader gets the note."""
    text = " ".join(pages[name].get_text().split())
    assert text.count(OFFLINE) == 1
    assert not pages[name].select('script[type="application/vnd.jupyter.widget-view+json"]')


def test_nbconvert_finds_no_image_without_alt(tmp_path, caplog) -> None:
    notebook = tmp_path / "99-outputs.ipynb"
    fixture_notebook(notebook)
    with caplog.at_level(logging.WARNING):
        site.make_exporter("mathjax.js").from_filename(str(notebook))
    assert "Alternative text is missing" not in caplog.text
