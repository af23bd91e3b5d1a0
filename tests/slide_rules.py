"""The slide rules every course notebook follows, so that it is also a good reveal.js deck.

Every cell has metadata.slideshow.slide_type, one of SLIDE_TYPES. The first cell is a "slide",
and so is every markdown cell that starts with "## ". A slide is a "slide" or "subslide" cell
plus the "-" and "fragment" cells after it; "skip" and "notes" cells are not shown on it.
No slide, code cell or output may be longer than the limits below, so that nothing runs off
the bottom of a projected slide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")
HIDDEN = frozenset({"skip", "notes"})  # not drawn on a slide
OPENS = frozenset({"slide", "subslide"})  # starts a new slide (in reveal.js terms)

MAX_SLIDE_LINES = 24  # markdown + code source lines on one slide
MAX_CODE_LINES = 15  # source lines of one code cell
MAX_OUTPUT_LINES = 25  # text output lines of one cell (stream text + text/plain)

Cell = Mapping[str, Any]


@dataclass(frozen=True)
class Slide:
    """One slide of the deck: the indices of the cells drawn on it and their source lines."""

    cells: tuple[int, ...]
    lines: int

    @property
    def first(self) -> int:
        return self.cells[0]


def _text(value: str | Sequence[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def slide_type(cell: Cell) -> str | None:
    """The cell's slide type, or None when it has none."""
    slideshow = cell.get("metadata", {}).get("slideshow")
    return slideshow.get("slide_type") if isinstance(slideshow, Mapping) else None


def source_lines(cell: Cell) -> int:
    return len(_text(cell.get("source", "")).splitlines())


def output_lines(cell: Cell) -> int:
    """Lines of text the cell's outputs print: stream text plus text/plain results."""
    total = 0
    for output in cell.get("outputs", ()):
        if output.get("output_type") == "stream":
            total += len(_text(output.get("text", "")).splitlines())
        elif output.get("output_type") in ("execute_result", "display_data"):
            total += len(_text(output.get("data", {}).get("text/plain", "")).splitlines())
    return total


def split_slides(cells: Sequence[Cell]) -> list[Slide]:
    """Group the cells into slides the way nbconvert and RISE do.

    A "slide" or "subslide" cell starts a slide; "-" and "fragment" cells join the current
    one; "skip" and "notes" cells are not drawn. A cell with no slide type counts as "-",
    and the first drawn cell always starts a slide (as in nbconvert).
    """
    groups: list[list[int]] = []
    for index, cell in enumerate(cells):
        kind = slide_type(cell) or "-"
        if kind in HIDDEN:
            continue
        if kind in OPENS or not groups:
            groups.append([])
        groups[-1].append(index)
    return [
        Slide(tuple(group), sum(source_lines(cells[i]) for i in group if cells[i].get("cell_type") in ("markdown", "code")))
        for group in groups
    ]


def _where(index: int, cell: Cell) -> str:
    first = next(iter(_text(cell.get("source", "")).strip().splitlines()), "")
    first = first if len(first) <= 40 else first[:37] + "..."
    return f"cell {index} ({cell.get('cell_type')}, {first!r})"


def check_cells(cells: Sequence[Cell]) -> list[str]:
    """Every way the cells break the slide rules, one readable line each (empty when none)."""
    problems = []
    for index, cell in enumerate(cells):
        where = _where(index, cell)
        kind = slide_type(cell)
        if kind is None:
            problems.append(f"{where}: no metadata.slideshow.slide_type; set one of {', '.join(SLIDE_TYPES)}")
        elif kind not in SLIDE_TYPES:
            problems.append(f"{where}: slide_type {kind!r} is not one of {', '.join(SLIDE_TYPES)}")
        if index == 0 and kind != "slide":
            problems.append(f"{where}: the first (title) cell must be a 'slide', not {kind!r}")
        if cell.get("cell_type") == "markdown" and _text(cell.get("source", "")).lstrip().startswith("## ") and kind != "slide":
            problems.append(f"{where}: a '## ' section heading must start a 'slide', not {kind!r}")
        if cell.get("cell_type") == "code" and source_lines(cell) > MAX_CODE_LINES:
            problems.append(
                f"{where}: {source_lines(cell)} lines of code > {MAX_CODE_LINES} per code cell; split the cell"
            )
        if output_lines(cell) > MAX_OUTPUT_LINES:
            problems.append(
                f"{where}: {output_lines(cell)} lines of text output > {MAX_OUTPUT_LINES} per cell; print less"
            )
    for slide in split_slides(cells):
        if slide.lines > MAX_SLIDE_LINES:
            span = f"cells {slide.first}-{slide.cells[-1]}" if len(slide.cells) > 1 else f"cell {slide.first}"
            problems.append(
                f"slide starting at {_where(slide.first, cells[slide.first])} ({span}): {slide.lines} source lines"
                f" > {MAX_SLIDE_LINES} per slide; start a 'subslide' part-way"
            )
    return problems
