"""The website and a deck pass an automated accessibility audit: axe-core, in Chromium.

Builds the website's index and three of its pages (publish/site.py: the first notebook,
03 and the last) and the deck of notebook 03 (publish/slides.py) into build/a11y-test/,
opens them in headless Chromium with no network (tests/test_site.py's Visit), injects
axe-core (pinned in publish/assets.json, cached by `make env`) and runs its audit on each
page, and on the deck with every slide and fragment shown at once. Any serious or critical
violation fails, listed with its rule, where it is and how to fix it
(https://dequeuniversity.com/rules/axe/ explains each rule). Every page of the site shares
one template, so three notebooks stand for all of them within the time budget.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browser import chromium, require_assets
from exercise_cells import NOTEBOOKS
from publish import assets, site, slides
from test_site import Visit

OUT = site.ROOT / "build" / "a11y-test"
# Math, figures, and an interactive demo: its controls' text and its gallery of figures.
DEMO = site.ROOT / "notebooks" / "03-linear-regression.ipynb"
AUDITED = [NOTEBOOKS[0], DEMO, NOTEBOOKS[-1]]  # the site's pages besides the index
PAGES = ["index.html"] + [f"{path.stem}.html" for path in AUDITED]
DECK = f"{DEMO.stem}.slides.html"
NBCONVERT_ALT = "No description has been provided for this image"  # what nbconvert fills in
FAILING = ["serious", "critical"]  # axe's impacts: minor < moderate < serious < critical
SHOWN_TARGETS = 3  # elements named per violation

# Injected axe-core's audit of the page, started and left running (window.audit, a promise)
# so that the tabs audit side by side: the violations of the given impacts, each with its
# rule, help, and each failing element with its impact and what is wrong.
START_AUDIT = """(impacts) => {
  const later = new Promise(resolve => setTimeout(resolve));  // return first: axe runs in one go
  window.audit = later.then(() => axe.run(document, {resultTypes: ["violations"]})).then(
    result => result.violations.map(rule => ({
      id: rule.id, help: rule.help,
      nodes: rule.nodes.filter(node => impacts.includes(node.impact)).map(node => ({
        impact: node.impact, target: node.target.join(" "), summary: node.failureSummary})),
    })).filter(rule => rule.nodes.length));
}"""
# Show every slide of the deck, one below the other, with all its fragments: reveal.js
# hides every slide but the current one (display: none, aria-hidden), and stacks them in
# one place. One audit then covers the whole deck, with its controls and slide number
# (auditing slide by slide takes five times as long).
UNROLL = """() => {
  const sections = document.querySelectorAll(".reveal .slides section");
  sections.forEach(section => { section.hidden = false; section.removeAttribute("aria-hidden"); });
  document.querySelectorAll(".reveal .slides .fragment").forEach(fragment => fragment.classList.add("visible"));
  const style = document.createElement("style");
  style.textContent = `
    html, body, .reveal-viewport, .reveal, .reveal .slides { height: auto !important; overflow: visible !important; }
    .reveal .slides { position: relative !important; }
    .reveal .slides section { display: block !important; position: relative !important; top: auto !important;
                              transform: none !important; opacity: 1 !important; visibility: visible !important; }`;
  document.head.append(style);
}"""
# The slides (leaf sections) of the deck: how many, and how many of them are visible.
SLIDES = """() => {
  const sections = Array.from(document.querySelectorAll(".reveal .slides section"));
  const slides = sections.filter(section => !section.querySelector("section"));
  return [slides.length, slides.filter(slide => slide.checkVisibility({opacityProperty: true})).length];
}"""
# How many images the page shows, and how many of them lack an alt text of their own.
IMAGES_WITHOUT_ALT = """(stand_in) => {
  const images = Array.from(document.querySelectorAll("img"));
  return [images.length, images.filter(image => !image.alt || image.alt === stand_in).length];
}"""
DECK_READY = "() => document.querySelector('.reveal.ready') && window.MathJax && MathJax.Hub && MathJax.Hub.Queue"
MATH_TYPESET = "() => new Promise(resolve => MathJax.Hub.Queue(() => resolve(true)))"


def describe(where: str, violations: list[dict]) -> list[str]:
    """One line per violated rule: where, rule, impact, a few elements, what to fix."""
    lines = []
    for rule in violations:
        nodes = rule["nodes"]
        targets = ", ".join(f"`{node['target']}`" for node in nodes[:SHOWN_TARGETS])
        more = f" and {len(nodes) - SHOWN_TARGETS} more" if len(nodes) > SHOWN_TARGETS else ""
        summary = " ".join(nodes[0]["summary"].split())
        lines.append(f"{where}: {rule['id']} ({nodes[0]['impact']}) on {targets}{more}. "
                     f"{rule['help']}. {summary}")
    return lines


def start_audit(page, axe: str) -> None:
    """Inject axe-core into the page and start its audit, which runs on in the browser."""
    page.add_script_tag(content=axe)
    page.evaluate(START_AUDIT, FAILING)


def violations(page) -> list[dict]:
    """Wait for the audit started on the page; its serious and critical violations."""
    return page.evaluate("() => window.audit")


@pytest.fixture(scope="module")
def axe() -> str:
    """axe.min.js, from the pinned axe-core in the asset cache."""
    require_assets()
    folder = assets.install(assets.load_lock()["axe-core"], OUT / "axe")
    return (folder / "axe.min.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def website() -> Path:
    require_assets()
    site.build(OUT / "site", AUDITED)
    return OUT / "site"


@pytest.fixture(scope="module")
def deck() -> Path:
    require_assets()
    built = slides.build([DEMO], OUT / "deck")[0]
    assert built.name == DECK
    return built


@pytest.fixture(scope="module")
def audited(website: Path, deck: Path, browser, axe: str):
    """Each page, and the deck with every slide shown, in its own tab, being audited.

    Each audit starts as soon as its page is ready and runs on while the next page loads:
    on two cores, the audits take little more time than loading the pages.
    """
    visits = {}
    for name in PAGES:
        visits[name] = Visit(browser, website / name)
        start_audit(visits[name].page, axe)
    visits[DECK] = Visit(browser, deck)
    visits[DECK].page.wait_for_function(DECK_READY, timeout=20_000)
    visits[DECK].page.evaluate(MATH_TYPESET)
    visits[DECK].page.evaluate(UNROLL)
    start_audit(visits[DECK].page, axe)
    yield visits
    for visit in visits.values():
        visit.page.close()


def test_the_audit_reports_a_planted_violation(browser, axe: str) -> None:
    """The audit itself works: an image without alt text and grey-on-grey text fail it."""
    page = browser.new_page()
    page.set_content('<html lang="en"><title>t</title><main><img src="data:,">'
                     '<p style="color:#aaa;background:#bbb">faint</p></main></html>')
    start_audit(page, axe)
    found = {rule["id"]: rule for rule in violations(page)}
    page.close()
    assert {"image-alt", "color-contrast"} <= set(found), f"axe found only {sorted(found)}"
    assert "image-alt (critical) on `img`" in "\n".join(describe("planted", [found["image-alt"]]))


@pytest.mark.parametrize("name", PAGES)
def test_website_page_passes_the_audit(name: str, audited: dict[str, Visit]) -> None:
    visit = audited[name]
    problems = describe(name, violations(visit.page))
    assert visit.requests == [], f"the page asked the network for {visit.requests}"
    assert not problems, "accessibility violations (fix the templates in publish/templates/):\n" + "\n".join(problems)


def test_deck_passes_the_audit_with_every_slide_shown(audited: dict[str, Visit]) -> None:
    visit = audited[DECK]
    problems = describe(DECK, violations(visit.page))
    slides, shown = visit.page.evaluate(SLIDES)
    assert shown == slides > 5, f"{shown} of {slides} slides shown: is this a reveal.js deck?"
    assert visit.requests == [], f"the deck asked the network for {visit.requests}"
    assert not problems, "accessibility violations (fix publish/templates/offline-reveal/):\n" + "\n".join(problems)


@pytest.mark.parametrize("name", PAGES + [DECK])
def test_every_image_has_an_alt_text_of_its_own(name: str, audited: dict[str, Visit]) -> None:
    """axe cannot tell: nbconvert gives an image without alt a stand-in text that says nothing."""
    images, without = audited[name].page.evaluate(IMAGES_WITHOUT_ALT, NBCONVERT_ALT)
    assert without == 0, (
        f"{name}: {without} of {images} images have no alt text of their own (nbconvert put in "
        f"{NBCONVERT_ALT!r}). Give each figure one (tests/test_figure_alt_text.py names the cells) "
        "and re-execute the notebook.")
