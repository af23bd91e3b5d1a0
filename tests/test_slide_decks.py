"""The exported decks work in a real browser with no network.

Builds decks with publish/slides.py (what `make slides` runs) into build/slides-test/: a
fixture notebook with math and a known number of slides, and one real notebook when there
is one. Each deck is loaded in headless Chromium with every network request blocked; the
test reads the DOM after the scripts ran and saves a screenshot next to the deck
(build/slides-test/*.png) for a person to look at.

Chromium and the pinned JavaScript are needed (tests/browser.py says how they are found).
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import warnings
from importlib.metadata import version
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from jupyter_core.paths import jupyter_config_path, jupyter_path
from packaging.version import Version

from browser import NO_NETWORK_FLAGS, find_chromium, require_assets
from publish import assets
from publish import slides as slides_build
from slide_rules import MAX_SLIDE_LINES, check_cells, slide_type, split_slides

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "slides-test"


CHROMIUM_FLAGS = [
    "--headless",
    *NO_NETWORK_FLAGS,
    f"--window-size={slides_build.WIDTH},{slides_build.HEIGHT}",
    # Virtual time runs the page's timers fast; the DOM is dumped when it runs out.
    "--virtual-time-budget=30000",
]

# Appended to a copy of each deck: once reveal.js is ready and MathJax has typeset, measure
# every slide's height (showing hidden slides for an instant) and leave the list in the DOM.
HEIGHT_PROBE = """
<script>
(function measure() {
  if (!document.querySelector(".reveal.ready") || !(window.MathJax && MathJax.Hub && MathJax.Hub.Queue)) {
    return setTimeout(measure, 50);
  }
  MathJax.Hub.Queue(function () {
    var sections = Array.prototype.slice.call(document.querySelectorAll(".reveal .slides section"));
    var saved = sections.map(function (s) { return [s.hidden, s.style.display]; });
    sections.forEach(function (s) { s.hidden = false; s.style.display = "block"; });
    var heights = sections.filter(function (s) { return !s.querySelector("section"); })
                          .map(function (s) { return s.scrollHeight; });
    sections.forEach(function (s, i) { s.hidden = saved[i][0]; s.style.display = saved[i][1]; });
    var out = document.createElement("script");
    out.type = "application/json";
    out.id = "slide-heights";
    out.textContent = JSON.stringify(heights);
    document.body.appendChild(out);
  });
})();
</script>
"""


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
    # A slide right at the line limits of tests/slide_rules.py must fit on the canvas.
    cell("markdown", "slide", "## A slide at the line limit\n\n" + "\n".join(f"- point {i}" for i in range(8))),
    cell(
        "code",
        "-",
        "\n".join(f"value_{i} = torch.ones(3) * {i}  # one line of a fifteen-line cell" for i in range(14))
        + "\nprint(value_13)",
        printed="tensor([13., 13., 13.])\n",
    ),
    cell("markdown", "notes", "**Say:** long.\n**Ask:** fits?\n**Pitfall:** none.\n**Time:** 1 min"),
]


@pytest.fixture(scope="module")
def chromium() -> str:
    return find_chromium()


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture notebook and, when the course has notebooks, the first one with math."""
    fixture = tmp_path_factory.mktemp("deck") / "slides-fixture.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=FIXTURE_CELLS), fixture)
    chosen = {"fixture": fixture}
    real = sorted((ROOT / "notebooks").glob("*.ipynb"))
    with_math = [path for path in real if "$" in path.read_text(encoding="utf-8")]
    if real:
        chosen["notebook"] = (with_math or real)[0]
    return chosen


@pytest.fixture(scope="module")
def decks(notebooks: dict[str, Path]) -> dict[str, Path]:
    if assets.missing():
        pytest.skip("the pinned JavaScript is not cached: see test_the_pinned_assets_are_cached")
    built = slides_build.build(list(notebooks.values()), OUT)
    return dict(zip(notebooks, built))


def load(chromium: str, deck: Path, screenshot: Path, slide: str = "") -> BeautifulSoup:
    """The deck's DOM after its scripts ran in Chromium with no network; slide: e.g. "#/1/1"."""
    probed = deck.with_name(deck.name.replace(".slides.html", ".probe.html"))
    probed.write_text(deck.read_text(encoding="utf-8").replace("</body>", HEIGHT_PROBE + "</body>"), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
        command += [f"--screenshot={screenshot}", "--dump-dom", probed.as_uri() + slide]
        result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0 and "<html" in result.stdout, f"Chromium failed:\n{result.stderr[-3000:]}"
    return BeautifulSoup(result.stdout, "html.parser")


@pytest.fixture(scope="module")
def loaded(chromium: str, decks: dict[str, Path]) -> dict[str, BeautifulSoup]:
    # The fixture's screenshot shows its subslide with inline and display math.
    slides = {"fixture": "#/1/1"}
    return {name: load(chromium, deck, deck.with_suffix(".png"), slides.get(name, "")) for name, deck in decks.items()}


@pytest.fixture(params=["fixture", "notebook"])
def name(request: pytest.FixtureRequest, notebooks: dict[str, Path]) -> str:
    if request.param not in notebooks:
        pytest.skip("no notebook in notebooks/ yet; the fixture deck is tested")
    return request.param


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
    soup = BeautifulSoup(deck.read_text(encoding="utf-8"), "html.parser")
    for tag in soup.find_all(["script", "link", "img", "iframe", "source", "video", "audio"]):
        ref = tag.get("src") or (tag.get("href") if tag.name == "link" else None)
        if not ref or ref.startswith("data:"):
            continue
        assert "//" not in ref, f"{deck.name} loads {ref} from the network: <{tag.name}>"
        assert (deck.parent / ref.split("?")[0]).is_file(), f"{deck.name} loads {ref}, which is not in {deck.parent}"
    for code in soup.find_all(["script", "style"]):  # inline JavaScript and CSS
        remote = re.search(r"""(?:\bimport\b\s*\(?|\bfrom\b|@import\s+url\(|@import)\s*["']?(?:https?:)?//[^"')\s]+""", code.text)
        assert remote is None, f"{deck.name} loads from the network: {remote.group(0)}"


def test_reveal_is_ready_with_one_slide_per_metadata_slide(
    name: str, notebooks: dict[str, Path], loaded: dict[str, BeautifulSoup]
) -> None:
    dom = loaded[name]
    reveal = dom.select_one("div.reveal")
    assert reveal is not None and "ready" in reveal["class"], "reveal.js did not initialise (no .reveal.ready)"
    cells = nbformat.read(notebooks[name], as_version=4).cells
    expected = len(split_slides(cells))
    leaves = [section for section in dom.select(".reveal .slides section") if not section.find("section")]
    assert len(leaves) == expected, f"{len(leaves)} slides in the DOM, {expected} in the slide metadata"
    total = dom.select_one(".slide-number-b")
    assert total is not None and total.get_text() == str(expected), f"reveal.js counts {total}, expected {expected}"
    kinds = [slide_type(c) for c in cells]
    assert len(dom.select(".reveal .slides .fragment")) == kinds.count("fragment")
    assert len(dom.select(".reveal .slides aside.notes")) == kinds.count("notes")


def test_math_is_typeset(name: str, notebooks: dict[str, Path], loaded: dict[str, BeautifulSoup]) -> None:
    slides = loaded[name].select_one(".reveal .slides")
    sources = slides.select('script[type^="math/tex"]')  # MathJax keeps the TeX it typeset here
    rendered = slides.select(".MathJax_CHTML")
    if name == "fixture":
        assert len(sources) == FIXTURE_MATH, f"MathJax found {len(sources)} of the {FIXTURE_MATH} expressions"
        markdown_text = " ".join(md.get_text() for md in slides.select(".jp-RenderedMarkdown"))
        assert "$" not in markdown_text, f"raw TeX left on a slide: {markdown_text!r}"
    elif not sources:
        pytest.skip(f"{notebooks[name].name} has no math")
    assert len(rendered) == len(sources), f"{len(rendered)} of {len(sources)} expressions typeset"
    errors = [r["data-mathml"] for r in rendered if "<merror" in r.get("data-mathml", "")]
    errors += [e.get_text() for e in slides.select(".mjx-noError, .MathJax_Error")]
    assert not errors, f"MathJax could not typeset: {errors}"


def test_slides_fit_on_the_canvas(name: str, notebooks: dict[str, Path], loaded: dict[str, BeautifulSoup]) -> None:
    probe = loaded[name].select_one("#slide-heights")
    assert probe is not None, "the height probe did not run (reveal.js or MathJax never finished)"
    heights = json.loads(probe.get_text())
    too_tall = {i + 1: h for i, h in enumerate(heights) if h > slides_build.HEIGHT}
    if name == "fixture":
        assert check_cells(FIXTURE_CELLS) == [] and split_slides(FIXTURE_CELLS)[-1].lines == MAX_SLIDE_LINES
        assert not too_tall, f"slides {too_tall} are taller than the {slides_build.HEIGHT}px canvas"
    elif too_tall:
        # The line limits of tests/slide_rules.py are the rule; pixels depend on fonts.
        # Report, so that an author can look, without failing on a font difference.
        warnings.warn(
            f"{notebooks[name].name}: slides {too_tall} (number: height in px) are taller than "
            f"the {slides_build.HEIGHT}px canvas and will be cut off",
            stacklevel=1,
        )


def test_screenshot_is_saved(name: str, decks: dict[str, Path], loaded: dict[str, BeautifulSoup]) -> None:
    screenshot = decks[name].with_suffix(".png")
    assert screenshot.is_file() and screenshot.read_bytes().startswith(b"\x89PNG"), screenshot
