"""`make site`: the website opens from file:// with no network, and reads right.

Builds the site with publish/site.py (what `make site` runs) into build/site-test/site/ and
opens the index and three notebook pages in headless Chromium (driven by Playwright), with
every request that leaves file:// recorded and blocked. Screenshots are saved next to the
build (build/site-test/*.png) for a person to look at.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from browser import chromium, require_assets
from exercise_cells import NOTEBOOKS
from publish import site

OUT = site.ROOT / "build" / "site-test"
# MathJax 2 has typeset the page once its queue has run this callback.
MATH_DONE = """() => new Promise(resolve => {
  if (!(window.MathJax && MathJax.Hub)) { resolve(false); return; }
  MathJax.Hub.Queue(() => resolve(true));
})"""


@pytest.fixture(scope="module")
def built() -> Path:
    require_assets()
    shutil.rmtree(OUT, ignore_errors=True)
    pages = site.build(OUT / "site")
    assert [page.name for page in pages] == ["index.html"] + [f"{path.stem}.html" for path in NOTEBOOKS]
    return OUT / "site"


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


class Visit:
    """A page loaded in a fresh browser tab, with what it asked for and what it complained about."""

    def __init__(self, browser, path: Path) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", self._only_local)
        self.page.goto(path.as_uri())
        self.typeset = self.page.evaluate(MATH_DONE)

    def _only_local(self, route) -> None:
        if route.request.url.startswith(("file://", "data:")):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def links(self, selector: str = "a") -> list[str]:
        return self.page.eval_on_selector_all(selector, "links => links.map(a => a.getAttribute('href'))")

    def screenshot(self, name: str) -> None:
        self.page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)


@pytest.fixture(scope="module")
def visits(built: Path, browser) -> dict[str, Visit]:
    chosen = ["index", NOTEBOOKS[0].stem, "07-dropout", NOTEBOOKS[-1].stem]
    loaded = {name: Visit(browser, built / f"{name}.html") for name in dict.fromkeys(chosen)}
    for name, visit in loaded.items():
        visit.screenshot(name)
    return loaded


def test_every_notebook_page_is_reachable_from_the_index(visits: dict[str, Visit], built: Path) -> None:
    linked = set(visits["index"].links("main a"))
    expected = {f"{path.stem}.html" for path in NOTEBOOKS}
    assert expected <= linked, f"the course table does not link {sorted(expected - linked)}"
    assert all((built / href).is_file() for href in linked if href.endswith(".html") and "/" not in href)


def test_pages_come_in_course_order_with_previous_and_next(visits: dict[str, Visit]) -> None:
    order = ["index.html"] + [f"{path.stem}.html" for path in NOTEBOOKS]
    for name, visit in visits.items():
        here = order.index(f"{name}.html")
        assert visit.links(".site-nav a") == order
        pair = visit.links("main > .prev-next a")
        expected = [order[i] for i in (here - 1, here + 1) if 0 <= i < len(order)]
        assert pair == expected, f"{name}: previous/next links {pair}, expected {expected}"


@pytest.mark.parametrize("name", ["index", "01", "07", "last"])
def test_page_loads_offline_without_errors(visits: dict[str, Visit], name: str) -> None:
    visit = visits[_page(name)]
    assert visit.requests == [], f"requests left file://: {visit.requests}"
    assert visit.errors == [], f"console errors: {visit.errors}"
    assert visit.typeset, "MathJax did not run"


@pytest.mark.parametrize("name", ["01", "07", "last"])
def test_math_is_typeset_and_no_tex_is_left(visits: dict[str, Visit], name: str) -> None:
    page = visits[_page(name)].page
    sources = page.locator('script[type^="math/tex"]').count()
    assert sources > 0 and page.locator(".MathJax_CHTML").count() == sources
    assert page.locator(".MathJax_Error, .mjx-noError").count() == 0
    text = page.evaluate("""() => Array.from(document.querySelectorAll('.jp-RenderedMarkdown'))
        .map(md => { const copy = md.cloneNode(true);
                     copy.querySelectorAll('code, pre, script, .MathJax_CHTML').forEach(e => e.remove());
                     return copy.textContent; }).join(' ')""")
    assert not re.search(r"\$[^$\s][^$]*\$", text), f"raw TeX left: {re.findall(r'.{20}[$].{20}', text)[:3]}"


@pytest.mark.parametrize("name", ["01", "07", "last"])
def test_solutions_are_collapsed_and_open_on_click_highlighted(visits: dict[str, Visit], name: str) -> None:
    visit = visits[_page(name)]
    solutions = visit.page.locator("details")
    assert solutions.count() >= 3
    assert visit.page.evaluate("() => Array.from(document.querySelectorAll('details')).every(d => !d.open)")
    first = solutions.first
    assert not first.locator("pre").first.is_visible()
    first.locator("summary").click()
    assert first.evaluate("d => d.open") and first.locator("pre").first.is_visible()
    assert first.locator(".highlight pre span.k, .highlight pre span.kn").count() > 0, "code is not highlighted"
    visit.screenshot(f"{_page(name)}-solution-open")


@pytest.mark.parametrize("name", ["01", "07", "last"])
def test_notes_and_ci_checks_are_left_out_and_code_can_be_copied(visits: dict[str, Visit], name: str) -> None:
    stem = _page(name)
    cells = nbformat.read(site.ROOT / "notebooks" / f"{stem}.ipynb", as_version=4).cells
    notes = [c for c in cells if c.metadata.get("slideshow", {}).get("slide_type") == "notes"]
    hidden = [c for c in cells if site.REMOVE_TAG in c.metadata.get("tags", [])]
    assert notes and (hidden or name == "01"), f"{stem} has speaker notes and CI checks to leave out"
    shown = [c for c in cells if c not in notes and c not in hidden]
    page = visits[stem].page
    for kind in ("markdown", "code"):
        selector = ".jp-MarkdownCell" if kind == "markdown" else ".jp-CodeCell"
        expected = sum(c.cell_type == kind for c in shown)
        assert page.locator(selector).count() == expected, f"{stem}: {kind} cells on the page"
    visible_code = visits[stem].page.locator(".jp-CodeCell").count()
    assert visits[stem].page.locator(".jp-CodeCell .copy-button").count() == visible_code > 0
    assert visits[stem].page.locator("aside.site-toc a").count() >= 3, "no table of contents"


def _page(name: str) -> str:
    return {"01": NOTEBOOKS[0].stem, "07": "07-dropout", "last": NOTEBOOKS[-1].stem}.get(name, name)
