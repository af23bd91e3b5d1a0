"""The exported decks work in a real browser with no network, and every slide fits.

Builds a deck with publish/slides.py (what `make slides` runs) for every notebook in
notebooks/ and for a fixture notebook with math and a known number of slides, into
build/slides-test/. One headless Chromium, driven by Playwright with no network, shows
each deck once: it waits for reveal.js and MathJax, measures every slide with all of its
fragments shown, and reads what the tests check from the DOM (FACTS). Screenshots of the
fixture and the first notebook are saved next to them (build/slides-test/*.png) for a
person to look at.

Chromium and the pinned JavaScript are needed (tests/browser.py says how they are found).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup, SoupStrainer
from jupyter_core.paths import jupyter_config_path, jupyter_path
from packaging.version import Version

from browser import chromium, require_assets
from publish import assets
from publish import slides as slides_build
from slide_rules import (
    CODE_COLUMNS,
    MAX_SLIDE_LINES,
    OUTPUT_COLUMNS,
    cell_label,
    check_cells,
    slide_type,
    split_slides,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "slides-test"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NAMES = ["fixture"] + [path.stem for path in NOTEBOOKS]
# Screenshots, with the slide they show: the fixture's subslide with inline and display math.
SCREENSHOTS = {"fixture": "#/1/1", **{path.stem: "" for path in NOTEBOOKS[:1]}}
SHOW_TIMEOUT_MS = 20_000  # for reveal.js and MathJax to finish on one deck
CODE = re.compile(r"```.*?```|`[^`]*`", re.DOTALL)  # fenced blocks and `spans`: never math

# reveal.js has laid the deck out, and MathJax has loaded.
READY = "() => document.querySelector('.reveal.ready') && window.MathJax && MathJax.Hub && MathJax.Hub.Queue"
# Once MathJax has typeset, show every slide (and its fragments, which keep their place
# while hidden) for an instant, and measure: the height of each slide, and how far any
# text runs past the right edge of its box or of the canvas.
MEASURE = """({width, timeout}) => new Promise(resolve => {
  setTimeout(() => resolve(null), timeout);
  MathJax.Hub.Queue(() => {
    const sections = Array.from(document.querySelectorAll(".reveal .slides section"));
    const saved = sections.map(s => [s.hidden, s.style.display]);
    sections.forEach(s => { s.hidden = false; s.style.display = "block"; });
    const sizes = sections.filter(s => !s.querySelector("section")).map(s => ({
      height: s.scrollHeight,
      overhang: Math.max(s.scrollWidth - width,
                         ...Array.from(s.querySelectorAll("pre"), pre => pre.scrollWidth - pre.clientWidth)),
    }));
    sections.forEach((s, i) => { s.hidden = saved[i][0]; s.style.display = saved[i][1]; });
    resolve(sizes);
  });
})"""
# What the tests check in the DOM after the scripts ran, read in the page (far quicker than
# parsing each deck's HTML in Python). Keys are the fields of Shown.
FACTS = """() => {
  const slides = document.querySelector(".reveal .slides");
  const all = selector => Array.from(slides.querySelectorAll(selector));
  const rendered = all(".MathJax_CHTML");
  const prose = all(".jp-RenderedMarkdown").map(markdown => {
    const copy = markdown.cloneNode(true);
    copy.querySelectorAll("script, code").forEach(element => element.remove());  // typeset TeX, code
    return copy.textContent;
  });
  return {
    ready: document.querySelector(".reveal.ready") !== null,
    slides: all("section").filter(section => !section.querySelector("section")).length,
    counted: (document.querySelector(".slide-number-b") || {}).textContent || "",
    fragments: all(".fragment").length,
    notes: all("aside.notes").length,
    math_sources: all('script[type^="math/tex"]').length,  // MathJax keeps the TeX it typeset here
    math_rendered: rendered.length,
    math_errors: rendered.map(r => r.getAttribute("data-mathml") || "").filter(m => m.includes("<merror"))
      .concat(all(".mjx-noError, .MathJax_Error").map(error => error.textContent)),
    prose: prose.join(" "),
  };
}"""


# The fixture deck ----------------------------------------------------------------------------


def cell(kind: str, slide_type: str, source: str, printed: str = "") -> nbformat.NotebookNode:
    new = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    made = new(source)
    made.metadata["slideshow"] = {"slide_type": slide_type}
    if printed:
        made.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
        made.execution_count = 1
    return made


FIXTURE_MATH = 5  # the $...$ and $$...$$ expressions below
FIXTURE_CELLS = [
    cell("markdown", "slide", "# Slide-deck fixture\n\nEuler: $e^{i\\pi} + 1 = 0$."),
    cell("code", "skip", "import torch  # set-up, not on a slide"),
    cell("markdown", "slide", "## A linear model\n\n$$\\hat{y} = \\mathbf{w}^\\top \\mathbf{x} + b$$"),
    cell("code", "fragment", "print(2 + 2)", printed="4\n"),
    cell(
        "markdown",
        "subslide",
        "The gradient $\\frac{\\partial L}{\\partial \\boldsymbol{\\theta}}$ for "
        "$\\boldsymbol{\\theta} \\in \\mathbb{R}^{d}$ and the loss\n\n"
        "$$L = \\frac{1}{n} \\sum_{i=1}^{n} \\left(\\hat{y}_i - y_i\\right)^2$$",
    ),
    cell("markdown", "notes", "**Say:** a model.\n**Ask:** who has seen a gradient before?\n"
         "**Pitfall:** the sign.\n**Time:** 5 min"),
    # A slide right at the limits of tests/slide_rules.py (lines, and characters of a line
    # of code and of output) must fit on the canvas.
    cell("markdown", "slide", "## A slide at the line limit\n\n" + "\n".join(f"- point {i}" for i in range(8))),
    cell(
        "code",
        "-",
        "\n".join(f"value_{i} = torch.ones(3) * {i}  # one line of a fifteen-line cell" for i in range(13))
        + "\n" + "value_13 = torch.ones(3) * 13  # the widest line of code: ".ljust(CODE_COLUMNS, "-")
        + f'\nprint("-" * {OUTPUT_COLUMNS})  # the widest printed line',
        printed="-" * OUTPUT_COLUMNS + "\n",
    ),
    cell("markdown", "notes", "**Say:** long.\n**Ask:** fits?\n**Pitfall:** none.\n**Time:** 1 min"),
]


# Building and showing the decks ----------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A deck as Chromium showed it, once its scripts ran."""

    ready: bool  # reveal.js initialised
    slides: int  # slides in the DOM
    counted: str  # the total of reveal.js's slide counter ("3/17")
    fragments: int
    notes: int  # speaker notes
    math_sources: int  # expressions MathJax found
    math_rendered: int  # expressions MathJax typeset
    math_errors: list[str]
    prose: str  # the text of the markdown, without typeset TeX and code
    # One {"height": px, "overhang": px} per slide, in deck order; None when reveal.js or
    # MathJax did not finish within SHOW_TIMEOUT_MS.
    sizes: list[dict[str, int]] | None
    requests: list[str]  # what the deck asked for beyond file:// (blocked)


class Projector:
    """One Chromium tab that shows each deck once, when a test first asks for it."""

    def __init__(self, page, decks: dict[str, Path]) -> None:
        self.page, self.decks, self.shown = page, decks, {}
        self.requests: list[str] = []
        page.on("request", lambda request: None if request.url.startswith(("file:", "data:"))
                else self.requests.append(request.url))

    def show(self, name: str) -> Shown:
        if name not in self.shown:
            self.shown[name] = self._load(name)
        return self.shown[name]

    def _load(self, name: str) -> Shown:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self.requests.clear()
        deck = self.decks[name]
        self.page.goto(deck.as_uri() + SCREENSHOTS.get(name, ""))
        try:
            self.page.wait_for_function(READY, timeout=SHOW_TIMEOUT_MS)
            sizes = self.page.evaluate(MEASURE, {"width": slides_build.WIDTH, "timeout": SHOW_TIMEOUT_MS})
        except PlaywrightTimeout:
            sizes = None
        if name in SCREENSHOTS:
            self.page.screenshot(path=str(deck.with_suffix(".png")))
        return Shown(**self.page.evaluate(FACTS), sizes=sizes, requests=list(self.requests))


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture notebook and every course notebook, by deck name."""
    fixture = tmp_path_factory.mktemp("deck") / "slides-fixture.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=FIXTURE_CELLS), fixture)
    return {"fixture": fixture, **{path.stem: path for path in NOTEBOOKS}}


@pytest.fixture(scope="module")
def cells(notebooks: dict[str, Path]) -> dict[str, list[nbformat.NotebookNode]]:
    """Each notebook's cells, read once, right before the decks are built from the same files."""
    return {name: nbformat.read(path, as_version=4).cells for name, path in notebooks.items()}


@pytest.fixture(scope="module")
def decks(notebooks: dict[str, Path], cells: dict[str, list[nbformat.NotebookNode]]) -> dict[str, Path]:
    """The decks, built after `cells` was read: a test compares a deck with its own cells."""
    require_assets()
    built = slides_build.build(list(notebooks.values()), OUT)
    return dict(zip(notebooks, built))


@pytest.fixture(scope="module")
def projector(decks: dict[str, Path]):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": slides_build.WIDTH, "height": slides_build.HEIGHT})
        yield Projector(page, decks)


@pytest.fixture(params=NAMES)
def name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def shown(name: str, projector: Projector) -> Shown:
    return projector.show(name)


def has_math(cells: list[nbformat.NotebookNode]) -> bool:
    """Whether a markdown cell of the deck (not a "skip" cell) has a $ outside code."""
    return any(c.cell_type == "markdown" and slide_type(c) != "skip" and "$" in CODE.sub("", c.source)
               for c in cells)


# Tests -----------------------------------------------------------------------------------------


def test_rise_is_installed_for_live_presenting() -> None:
    """`make lab` shows RISE's slideshow button: the lab and server extensions are there."""
    assert Version(version("jupyterlab-rise")) >= Version("0.43"), "pyproject.toml's dev extra installs jupyterlab-rise"
    labextensions = [Path(folder) / "jupyterlab-rise" / "package.json" for folder in jupyter_path("labextensions")]
    assert any(path.is_file() for path in labextensions), "the RISE JupyterLab extension is missing"
    configs = [Path(folder) / "jupyter_server_config.d" / "jupyterlab_rise.json" for folder in jupyter_config_path()]
    enabled = [json.loads(path.read_text())["ServerApp"]["jpserver_extensions"] for path in configs if path.is_file()]
    assert any(extensions.get("jupyterlab_rise") for extensions in enabled), "the RISE server extension is not enabled"


def test_the_pinned_assets_are_cached() -> None:
    """`make env` (the online step) fetched them, so decks and website build offline."""
    require_assets()


def test_pinned_assets_select_files_exactly() -> None:
    matches = assets.matches
    assert matches("dist/theme/fonts/a.woff", "dist/theme/fonts/")
    assert matches("extensions/MathMenu.js", "extensions/*.js")
    assert not matches("extensions/a11y/explorer.js", "extensions/*.js")  # one folder level only
    assert matches("MathJax.js", "*.js") and not matches("config/Safe.js", "*.js")
    assert matches("require.js", "require.js") and not matches("bin/require.js", "require.js")
    for package in assets.load_lock().values():
        assert package.integrity.startswith("sha512-") and package.files, package


def test_deck_refers_only_to_files_next_to_it(name: str, decks: dict[str, Path]) -> None:
    deck = decks[name]
    loading = ["script", "link", "img", "iframe", "source", "video", "audio"]
    soup = BeautifulSoup(deck.read_text(encoding="utf-8"), "html.parser", parse_only=SoupStrainer([*loading, "style"]))
    for tag in soup.find_all(loading):
        ref = tag.get("src") or (tag.get("href") if tag.name == "link" else None)
        if not ref or ref.startswith("data:"):
            continue
        assert "//" not in ref, f"{deck.name} loads {ref} from the network: <{tag.name}>"
        assert (deck.parent / ref.split("?")[0]).is_file(), f"{deck.name} loads {ref}, which is not in {deck.parent}"
    for code in soup.find_all(["script", "style"]):  # inline JavaScript and CSS
        remote = re.search(r"""(?:\bimport\b\s*\(?|\bfrom\b|@import\s+url\(|@import)\s*["']?(?:https?:)?//[^"')\s]+""", code.text)
        assert remote is None, f"{deck.name} loads from the network: {remote.group(0)}"


def test_reveal_is_ready_with_one_slide_per_metadata_slide(
    name: str, cells: dict[str, list[nbformat.NotebookNode]], shown: Shown
) -> None:
    assert shown.ready, "reveal.js did not initialise (no .reveal.ready)"
    assert shown.requests == [], f"the deck asked the network for {shown.requests}"
    expected = len(split_slides(cells[name]))
    assert shown.slides == expected, f"{shown.slides} slides in the DOM, {expected} in the slide metadata"
    assert shown.counted == str(expected), f"reveal.js counts {shown.counted!r} slides, expected {expected}"
    kinds = [slide_type(c) for c in cells[name]]
    assert (shown.fragments, shown.notes) == (kinds.count("fragment"), kinds.count("notes"))


def test_math_is_typeset(name: str, cells: dict[str, list[nbformat.NotebookNode]], shown: Shown) -> None:
    """Every $...$ of the markdown is typeset: none is left as raw TeX, none is an error."""
    if name == "fixture":
        assert shown.math_sources == FIXTURE_MATH, f"MathJax found {shown.math_sources} of {FIXTURE_MATH} expressions"
    expected = has_math(cells[name])
    assert (shown.math_sources > 0) == expected, (
        f"MathJax found {shown.math_sources} expressions; the markdown has math: {expected}")
    raw = shown.prose.find("$")
    assert raw == -1, f"raw TeX left on a slide: {shown.prose[max(raw - 60, 0):raw + 60]!r}"
    assert shown.math_rendered == shown.math_sources, f"{shown.math_rendered} of {shown.math_sources} typeset"
    assert not shown.math_errors, f"MathJax could not typeset: {shown.math_errors}"


def test_slides_fit_on_the_canvas(
    name: str, notebooks: dict[str, Path], cells: dict[str, list[nbformat.NotebookNode]], shown: Shown
) -> None:
    """No slide, with all its fragments shown, is taller or wider than the canvas."""
    assert shown.sizes is not None, "the measurement did not run (reveal.js or MathJax never finished)"
    slides = split_slides(cells[name])
    assert len(shown.sizes) == len(slides), "the slide count is off: see test_reveal_is_ready_with_one_slide_..."
    problems = []
    for number, (slide, size) in enumerate(zip(slides, shown.sizes), start=1):
        first = cell_label(slide.first, cells[name][slide.first])
        where = f"slide {number} (cells {slide.first}-{slide.cells[-1]}, from {first})"
        if size["height"] > slides_build.HEIGHT:
            problems.append(f"{where} is {size['height']}px tall, {size['height'] - slides_build.HEIGHT}px more than "
                            f"the {slides_build.HEIGHT}px canvas: start a 'subslide' part-way or print less")
        if size["overhang"] > 0:
            problems.append(f"{where}: a line runs {size['overhang']}px past the right edge: break it")
    assert not problems, f"{notebooks[name].name} runs off the canvas:\n" + "\n".join(problems)
    if name == "fixture":  # the limits of tests/slide_rules.py fit
        assert check_cells(FIXTURE_CELLS) == [] and split_slides(FIXTURE_CELLS)[-1].lines == MAX_SLIDE_LINES


@pytest.mark.parametrize("name", SCREENSHOTS)
def test_screenshot_is_saved(name: str, decks: dict[str, Path], shown: Shown) -> None:
    screenshot = decks[name].with_suffix(".png")
    assert screenshot.is_file() and screenshot.read_bytes().startswith(b"\x89PNG"), screenshot
