"""The slide rules every course notebook follows, so that it is also a good reveal.js deck.

Every cell has metadata.slideshow.slide_type, one of SLIDE_TYPES. The first cell is a "slide",
and so is every markdown cell that starts with "## ". A slide is a "slide" or "subslide" cell
plus the "-" and "fragment" cells after it; "skip" and "notes" cells are not shown on it.

- A slide opens with markdown (a title or a sentence), never with a bare code cell: the
  explanation of the code belongs on the same slide as the code.
- Nothing runs off the bottom of a projected slide: a slide's height, counted in lines of
  source, printed output and figures (LINE_PX pixels a line), stays within MAX_SLIDE_LINES;
  a code cell and a cell's output have limits of their own. A printed line longer than
  OUTPUT_COLUMNS characters wraps on the slide, so it counts as the lines it wraps into.
- Nothing runs off the right edge: a line of code has at most CODE_COLUMNS characters.
- Every "## " section has speaker notes (a "notes" cell) for the instructor, with the four
  parts of NOTES_PARTS: what to say, the question for the room, the common mistake, and
  the rough number of minutes.
"""

from __future__ import annotations

import base64
import math
import re
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")
HIDDEN = frozenset({"skip", "notes"})  # not drawn on a slide
OPENS = frozenset({"slide", "subslide"})  # starts a new slide (in reveal.js terms)

MAX_SLIDE_LINES = 26  # source + output + figure lines on one slide (1280 x 900 canvas)
MAX_CODE_LINES = 15  # source lines of one code cell
MAX_OUTPUT_LINES = 25  # text output lines of one cell (stream text + text/plain)
LINE_PX = 27  # the height of one line of code or text on a slide, in pixels
# Measured in the decks of publish/slides.py (tests/test_slide_decks.py checks them in Chromium):
OUTPUT_COLUMNS = 88  # characters of printed output that fit on one line; a longer line wraps
CODE_COLUMNS = 99  # characters of code that fit on one line; a longer line runs off the slide

#: The parts every section's speaker notes have, as bold labels, e.g. "**Time:** 5 min".
NOTES_PARTS = ("**Say:**", "**Ask:**", "**Pitfall:**", "**Time:**")
MINUTES = re.compile(r"\*\*Time:\*\*\s*~?\d+(?:\s*-\s*\d+)?\s*min")

Cell = Mapping[str, Any]


@dataclass(frozen=True)
class Slide:
    """One slide of the deck: the indices of the cells drawn on it and its height in lines."""

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


def wrapped_lines(text: str) -> int:
    """Lines that printed text takes up on a slide: a line over OUTPUT_COLUMNS wraps.

    A tab counts as the spaces up to the next multiple of 8, as the browser draws it.
    """
    return sum(max(1, math.ceil(len(line.expandtabs()) / OUTPUT_COLUMNS)) for line in text.splitlines())


def output_lines(cell: Cell) -> int:
    """Lines of slide the cell's printed outputs take up: stream text plus text/plain results.

    Long lines count as the lines they wrap into (:func:`wrapped_lines`). A result shown
    as a figure (it has an image/png) counts in :func:`figure_lines` instead.
    """
    total = 0
    for output in cell.get("outputs", ()):
        if output.get("output_type") == "stream":
            total += wrapped_lines(_text(output.get("text", "")))
        elif output.get("output_type") in ("execute_result", "display_data"):
            data = output.get("data", {})
            if "image/png" not in data:
                total += wrapped_lines(_text(data.get("text/plain", "")))
    return total


def widest_code_line(cell: Cell) -> int:
    """The number of characters in the longest source line of a code cell (0 for markdown)."""
    if cell.get("cell_type") != "code":
        return 0
    return max((len(line.expandtabs()) for line in _text(cell.get("source", "")).splitlines()), default=0)


def png_height(data: str | Sequence[str]) -> int:
    """The height in pixels of a base64-encoded PNG (read from its IHDR header)."""
    header = base64.b64decode(_text(data).replace("\n", "")[:44])
    return struct.unpack(">I", header[20:24])[0]


def figure_lines(cell: Cell) -> int:
    """The lines of slide that the cell's figures take up (LINE_PX pixels a line)."""
    return sum(math.ceil(png_height(output["data"]["image/png"]) / LINE_PX)
               for output in cell.get("outputs", ())
               if "image/png" in output.get("data", {}))


def height(cell: Cell) -> int:
    """Lines of a slide the cell takes up: its source, its printed output, its figures."""
    if cell.get("cell_type") not in ("markdown", "code"):
        return 0
    return source_lines(cell) + output_lines(cell) + figure_lines(cell)


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
    return [Slide(tuple(group), sum(height(cells[i]) for i in group)) for group in groups]


def is_section(cell: Cell) -> bool:
    """A markdown cell that starts a "## " section."""
    return cell.get("cell_type") == "markdown" and _text(cell.get("source", "")).lstrip().startswith("## ")


def sections(cells: Sequence[Cell]) -> list[range]:
    """The cell ranges of the "## " sections: from each heading to the next (or the end)."""
    starts = [index for index, cell in enumerate(cells) if is_section(cell)]
    return [range(start, end) for start, end in zip(starts, starts[1:] + [len(cells)])]


def cell_label(index: int, cell: Cell) -> str:
    """The cell as a message names it: its index, kind and first line."""
    first = next(iter(_text(cell.get("source", "")).strip().splitlines()), "")
    first = first if len(first) <= 40 else first[:37] + "..."
    return f"cell {index} ({cell.get('cell_type')}, {first!r})"


def _cell_problems(index: int, cell: Cell) -> list[str]:
    where, kind, problems = cell_label(index, cell), slide_type(cell), []
    if kind is None:
        problems.append(f"{where}: no metadata.slideshow.slide_type; set one of {', '.join(SLIDE_TYPES)}")
    elif kind not in SLIDE_TYPES:
        problems.append(f"{where}: slide_type {kind!r} is not one of {', '.join(SLIDE_TYPES)}")
    if index == 0 and kind != "slide":
        problems.append(f"{where}: the first (title) cell must be a 'slide', not {kind!r}")
    if is_section(cell) and kind != "slide":
        problems.append(f"{where}: a '## ' section heading must start a 'slide', not {kind!r}")
    if cell.get("cell_type") == "code" and source_lines(cell) > MAX_CODE_LINES:
        problems.append(f"{where}: {source_lines(cell)} lines of code > {MAX_CODE_LINES} per code cell; split the cell")
    if widest_code_line(cell) > CODE_COLUMNS:
        problems.append(f"{where}: a line of {widest_code_line(cell)} characters > {CODE_COLUMNS} runs off the "
                        "slide; break the line")
    if output_lines(cell) > MAX_OUTPUT_LINES:
        problems.append(f"{where}: {output_lines(cell)} lines of text output (a line over {OUTPUT_COLUMNS} "
                        f"characters wraps) > {MAX_OUTPUT_LINES} per cell; print less")
    return problems


def _slide_problems(cells: Sequence[Cell], slide: Slide) -> list[str]:
    where, problems = cell_label(slide.first, cells[slide.first]), []
    if cells[slide.first].get("cell_type") == "code":
        problems.append(f"slide starting at {where} opens with a code cell; start it with a markdown cell "
                        "that says what the code shows, or join the code to the slide before ('-')")
    if slide.lines > MAX_SLIDE_LINES:
        span = f"cells {slide.first}-{slide.cells[-1]}" if len(slide.cells) > 1 else f"cell {slide.first}"
        problems.append(f"slide starting at {where} ({span}): {slide.lines} lines of source, output and "
                        f"figures > {MAX_SLIDE_LINES} per slide; start a 'subslide' part-way or print less")
    return problems


def _notes_problems(cells: Sequence[Cell], section: range) -> list[str]:
    where = cell_label(section.start, cells[section.start])
    notes = "\n".join(_text(cells[i].get("source", "")) for i in section if slide_type(cells[i]) == "notes")
    if not notes:
        return [f"section at {where}: no speaker notes; add a 'notes' markdown cell with "
                f"{', '.join(NOTES_PARTS)}"]
    missing = [part for part in NOTES_PARTS if part not in notes]
    if missing:
        return [f"section at {where}: the speaker notes lack {', '.join(missing)}"]
    if not MINUTES.search(notes):
        return [f"section at {where}: give the rough time in minutes, e.g. '**Time:** 5 min'"]
    return []


def check_cells(cells: Sequence[Cell]) -> list[str]:
    """Every way the cells break the slide rules, one readable line each (empty when none)."""
    problems = [problem for index, cell in enumerate(cells) for problem in _cell_problems(index, cell)]
    problems += [problem for slide in split_slides(cells) for problem in _slide_problems(cells, slide)]
    problems += [problem for section in sections(cells) for problem in _notes_problems(cells, section)]
    return problems
