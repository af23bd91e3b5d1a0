"""Every notebook is also a slide deck: slide metadata on every cell, no slide too long.

The rules live in tests/slide_rules.py. The first test runs them on every notebook in
notebooks/; the others pin down the rules themselves on small fixture notebooks.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import nbformat
import pytest

from slide_rules import (
    CODE_COLUMNS,
    LINE_PX,
    MAX_CODE_LINES,
    MAX_OUTPUT_LINES,
    MAX_SLIDE_LINES,
    OUTPUT_COLUMNS,
    Slide,
    check_cells,
    figure_lines,
    split_slides,
    wrapped_lines,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_follows_the_slide_rules(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    problems = check_cells(notebook.cells)
    assert not problems, (
        f"{path.relative_to(ROOT)} is not a good slide deck (rules: tests/slide_rules.py):\n"
        + "\n".join(f"  {path.name}: {problem}" for problem in problems)
    )


# Fixture notebooks ------------------------------------------------------------------------


def lines(count: int, word: str = "line") -> str:
    return "\n".join(f"{word} {i}" for i in range(count))


def markdown(source: str, kind: str | None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source)
    if kind is not None:
        cell.metadata["slideshow"] = {"slide_type": kind}
    return cell


NOTES = "**Say:** the idea.\n**Ask:** who has seen it?\n**Pitfall:** forgetting it.\n**Time:** 5 min"


def code(source: str, kind: str | None, printed: str = "", result: str = "",
         figure_px: int = 0) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source, execution_count=1)
    if kind is not None:
        cell.metadata["slideshow"] = {"slide_type": kind}
    if printed:
        cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=printed))
    if result:
        cell.outputs.append(nbformat.v4.new_output("execute_result", {"text/plain": result}, execution_count=1))
    if figure_px:
        cell.outputs.append(nbformat.v4.new_output(
            "display_data", {"image/png": png(figure_px), "text/plain": "<Figure>"}))
    return cell


def png(height_px: int) -> str:
    """A base64 PNG of the given height, drawn by matplotlib as the notebooks' figures are."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(2, height_px / 100), dpi=100)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def good_cells() -> list[nbformat.NotebookNode]:
    """A small deck that follows every rule, with each kind of cell."""
    return [
        markdown("# Title\n\nWhat this notebook teaches.", "slide"),  # 0  slide 1
        code("import torch", "skip"),  # 1  set-up, not drawn
        markdown("## A section", "slide"),  # 2  slide 2
        code("x = torch.arange(3)\nx", "-", result="tensor([0, 1, 2])"),  # 3
        code("print(x.sum())", "fragment", printed="tensor(3)\n"),  # 4
        markdown("Another idea in the section.", "subslide"),  # 5  slide 3
        markdown(NOTES, "notes"),  # 6  speaker notes
        code("assert x.sum() == 3", "skip"),  # 7  a check for CI only
        markdown("## Summary\n\n- one\n- two", "slide"),  # 8  slide 4
        markdown(NOTES.replace("5 min", "2-3 min"), "notes"),  # 9
    ]


def write_and_read(cells: list[nbformat.NotebookNode], tmp_path: Path) -> list[nbformat.NotebookNode]:
    """Round-trip through a real .ipynb file, as the notebooks are read."""
    path = tmp_path / "fixture.ipynb"
    notebook = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(notebook, path)
    return nbformat.read(path, as_version=4).cells


def test_split_slides_groups_cells_like_reveal(tmp_path: Path) -> None:
    cells = write_and_read(good_cells(), tmp_path)
    assert split_slides(cells) == [
        Slide(cells=(0,), lines=3),
        Slide(cells=(2, 3, 4), lines=1 + (2 + 1) + (1 + 1)),  # source and output lines
        Slide(cells=(5,), lines=1),  # the notes and skip cells after it are not drawn
        Slide(cells=(8,), lines=4),
    ]


def test_split_slides_without_metadata_follows_nbconvert() -> None:
    # No slide type counts as "-", and the first drawn cell always starts a slide.
    cells = [code("setup()", "skip"), markdown("a", None), markdown("b", "-"), markdown("c", "subslide")]
    assert split_slides(cells) == [Slide(cells=(1, 2), lines=2), Slide(cells=(3,), lines=1)]


def test_a_deck_that_follows_the_rules_passes(tmp_path: Path) -> None:
    assert check_cells(write_and_read(good_cells(), tmp_path)) == []


def test_limits_are_inclusive(tmp_path: Path) -> None:
    cells = [
        markdown("# Title", "slide"),
        markdown(lines(MAX_SLIDE_LINES - MAX_CODE_LINES), "slide"),
        code(lines(MAX_CODE_LINES - 1) + "\n" + "x" * CODE_COLUMNS, "-"),
    ]
    assert check_cells(write_and_read(cells, tmp_path)) == []
    printed = lines(MAX_OUTPUT_LINES - 2) + "\n" + "y" * OUTPUT_COLUMNS + "\n"
    cells.append(code("show()", "skip", printed=printed, result="last"))
    assert check_cells(write_and_read(cells, tmp_path)) == []


def test_a_long_printed_line_counts_as_the_lines_it_wraps_into() -> None:
    assert wrapped_lines("") == 0
    assert wrapped_lines("short\n\n" + "y" * OUTPUT_COLUMNS) == 3  # an empty line is a line too
    assert wrapped_lines("y" * (OUTPUT_COLUMNS + 1)) == 2
    assert wrapped_lines("y" * (3 * OUTPUT_COLUMNS)) == 3
    assert wrapped_lines("\t" + "y" * (OUTPUT_COLUMNS - 8)) == 1  # a tab is drawn 8 columns wide
    assert wrapped_lines("\t" + "y" * (OUTPUT_COLUMNS - 7)) == 2
    cell = code("print(message)", "-", printed="y" * (2 * OUTPUT_COLUMNS + 1) + "\n", result="z" * OUTPUT_COLUMNS)
    assert split_slides([cell]) == [Slide(cells=(0,), lines=1 + 3 + 1)]


def test_a_figure_counts_by_its_height(tmp_path: Path) -> None:
    figure = code("plot()", "-", figure_px=10 * LINE_PX + 1)
    assert figure_lines(figure) == 11
    cells = [markdown("# Title", "slide"), markdown(lines(MAX_SLIDE_LINES - 12), "subslide"), figure]
    assert check_cells(write_and_read(cells, tmp_path)) == []
    cells[1].source = lines(MAX_SLIDE_LINES - 11)
    problems = check_cells(write_and_read(cells, tmp_path))
    assert len(problems) == 1 and f"{MAX_SLIDE_LINES + 1} lines of source, output and figures" in problems[0]


BROKEN = {
    "no slide type": (
        lambda cells: cells[3].metadata.pop("slideshow"),
        "cell 3 (code, 'x = torch.arange(3)'): no metadata.slideshow.slide_type",
    ),
    "unknown slide type": (
        lambda cells: cells[3].metadata.slideshow.update(slide_type="slides"),
        "cell 3 (code, 'x = torch.arange(3)'): slide_type 'slides' is not one of",
    ),
    "title not a slide": (
        lambda cells: cells[0].metadata.slideshow.update(slide_type="subslide"),
        "cell 0 (markdown, '# Title'): the first (title) cell must be a 'slide'",
    ),
    "section not a slide": (
        lambda cells: cells[8].metadata.slideshow.update(slide_type="subslide"),
        "cell 8 (markdown, '## Summary'): a '## ' section heading must start a 'slide'",
    ),
    "long code cell": (
        lambda cells: cells[1].update(source=lines(MAX_CODE_LINES + 1)),
        f"cell 1 (code, 'line 0'): {MAX_CODE_LINES + 1} lines of code > {MAX_CODE_LINES} per code cell",
    ),
    "long output": (
        lambda cells: cells[7].outputs.append(
            nbformat.v4.new_output("stream", name="stdout", text=lines(MAX_OUTPUT_LINES + 1) + "\n")),
        f"cell 7 (code, 'assert x.sum() == 3'): {MAX_OUTPUT_LINES + 1} lines of text output (a line over "
        f"{OUTPUT_COLUMNS} characters wraps) > {MAX_OUTPUT_LINES} per cell",
    ),
    "long output by wrapping": (
        lambda cells: cells[7].outputs.append(nbformat.v4.new_output(
            "stream", name="stdout", text=lines(MAX_OUTPUT_LINES - 1) + "\n" + "y" * (OUTPUT_COLUMNS + 1) + "\n")),
        f"cell 7 (code, 'assert x.sum() == 3'): {MAX_OUTPUT_LINES + 1} lines of text output",
    ),
    "code line too wide": (
        lambda cells: cells[3].update(source="x = torch.arange(3)  # ".ljust(CODE_COLUMNS + 1, "x") + "\nx"),
        f"cell 3 (code, 'x = torch.arange(3)  # xxxxxxxxxxxxxx...'): a line of {CODE_COLUMNS + 1} characters > "
        f"{CODE_COLUMNS} runs off the slide",
    ),
    "long slide": (
        lambda cells: cells[5].update(source=lines(MAX_SLIDE_LINES + 1)),
        f"slide starting at cell 5 (markdown, 'line 0') (cell 5): {MAX_SLIDE_LINES + 1} lines of source,"
        f" output and figures > {MAX_SLIDE_LINES} per slide",
    ),
    "long slide over several cells": (
        lambda cells: cells[2].update(source="## A section\n" + lines(MAX_SLIDE_LINES - 5)),
        f"slide starting at cell 2 (markdown, '## A section') (cells 2-4): {MAX_SLIDE_LINES + 1} lines",
    ),
    "output makes the slide too long": (
        lambda cells: cells[4].outputs[0].update(text=lines(MAX_SLIDE_LINES - 4) + "\n"),
        f"slide starting at cell 2 (markdown, '## A section') (cells 2-4): {MAX_SLIDE_LINES + 1} lines",
    ),
    "wrapped output makes the slide too long": (
        lambda cells: cells[4].outputs[0].update(
            text=lines(MAX_SLIDE_LINES - 6) + "\n" + "y" * (OUTPUT_COLUMNS + 1) + "\n"),
        f"slide starting at cell 2 (markdown, '## A section') (cells 2-4): {MAX_SLIDE_LINES + 1} lines",
    ),
    "slide opens with code": (
        lambda cells: cells[3].metadata.slideshow.update(slide_type="subslide"),
        "slide starting at cell 3 (code, 'x = torch.arange(3)') opens with a code cell",
    ),
    "section without notes": (
        lambda cells: cells.pop(9),
        "section at cell 8 (markdown, '## Summary'): no speaker notes",
    ),
    "notes without a question": (
        lambda cells: cells[6].update(source=NOTES.replace("**Ask:**", "Ask:")),
        "section at cell 2 (markdown, '## A section'): the speaker notes lack **Ask:**",
    ),
    "notes without minutes": (
        lambda cells: cells[6].update(source=NOTES.replace("5 min", "a while")),
        "section at cell 2 (markdown, '## A section'): give the rough time in minutes",
    ),
}


@pytest.mark.parametrize("name", BROKEN)
def test_each_broken_rule_is_reported_with_cell_and_limit(name: str, tmp_path: Path) -> None:
    breaks, message = BROKEN[name]
    cells = good_cells()
    breaks(cells)
    problems = check_cells(write_and_read(cells, tmp_path))
    assert len(problems) == 1 and problems[0].startswith(message), problems


def test_hidden_cells_do_not_count_towards_a_slide(tmp_path: Path) -> None:
    cells = good_cells()
    cells[6].source = NOTES + "\n" + lines(40)  # long speaker notes are fine: they are not on the slide
    cells[7].source = lines(MAX_CODE_LINES)  # so is a long (but not too long) check cell
    assert check_cells(write_and_read(cells, tmp_path)) == []
