"""What a student sees in JupyterLab: folded solutions that open, highlighted; speaker
notes collapsed until clicked; no news popup; an interactive demo whose slider redraws
its one figure.

Starts `jupyter lab` (the server `make lab` starts) on a copy of notebook 01 and a small
demo notebook in a temporary folder, with a fresh user config, and opens them in headless
Chromium (Playwright), each in its own tab, where nothing may leave the machine.
Screenshots go to build/jupyterlab-test/.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from browser import LOOPBACK_ONLY_FLAGS, chromium
from exercise_cells import NOTEBOOKS, ROOT

OUT = ROOT / "build" / "jupyterlab-test"
NEWS_QUESTION = "official Jupyter news"
DEMO = "demo.ipynb"  # one cell: the dropout demo's slider and its figure
DEMO_CODE = "import d2lutils as d2l\n\nd2l.demos.interact(d2l.demos.dropout)"
KERNEL = "Python 3 (ipykernel)"  # the demo notebook's kernel, by its display name
KERNEL_TIMEOUT_MS = 90_000  # the kernel starts and imports torch before the first figure
FIGURE = ".jp-CodeCell .jp-OutputArea-output img"  # the demo's figure
SLIDER_STEPS = 3
# True once the first image of the selector shows another picture than `before`.
REDRAWN = "([selector, before]) => { const img = document.querySelector(selector); return img && img.src !== before; }"
# From now on, window.mostFigures holds the most images of the selector seen at one time.
COUNT_FIGURES = """(selector) => {
  window.mostFigures = document.querySelectorAll(selector).length;
  new MutationObserver(() => {
    window.mostFigures = Math.max(window.mostFigures, document.querySelectorAll(selector).length);
  }).observe(document.querySelector(".jp-Notebook"), {subtree: true, childList: true});
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    """The URL of a running JupyterLab whose root holds a copy of the first notebook and DEMO."""
    home = tmp_path_factory.mktemp("lab")
    root = home / "notebooks"
    root.mkdir()
    shutil.copy(NOTEBOOKS[0], root)
    kernel = {"kernelspec": {"name": "python3", "display_name": KERNEL, "language": "python"}}
    demo = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(DEMO_CODE)], metadata=kernel)
    nbformat.write(demo, root / DEMO)
    port = free_port()
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "ws"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings")}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
               f"--ServerApp.root_dir={root}"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"jupyter lab exited: {server.stderr.read().decode()[-2000:]}")
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    OUT.mkdir(parents=True, exist_ok=True)
    with chromium(LOOPBACK_ONLY_FLAGS) as launched:
        yield launched


def open_lab(browser, lab: str, notebook: str):
    """A tab showing the notebook in a workspace of its own; tab.outside lists (and blocks)
    every request that leaves the machine: none should. Its own browser context, so that
    JupyterLab does not see a second window of the same workspace."""
    tab = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    tab.outside = []
    tab.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        (lab, "data:", "blob:")) else (tab.outside.append(route.request.url), route.abort()))
    tab.goto(f"{lab}/lab/workspaces/{Path(notebook).stem}/tree/{notebook}")
    return tab


@pytest.fixture(scope="module")
def page(lab: str, browser):
    tab = open_lab(browser, lab, NOTEBOOKS[0].name)
    tab.locator(".jp-Notebook details").first.wait_for(state="attached", timeout=60_000)
    yield tab
    tab.context.close()


def test_a_folded_solution_opens_on_click_with_highlighted_code(page) -> None:
    solution = page.locator(".jp-Notebook details").first
    solution.scroll_into_view_if_needed()
    assert not solution.evaluate("d => d.open")
    assert not solution.locator("pre").first.is_visible()
    page.screenshot(path=str(OUT / "solution-folded.png"))
    solution.locator("summary").click()
    assert solution.evaluate("d => d.open") and solution.locator("pre").first.is_visible()
    # JupyterLab highlights markdown code blocks with CodeMirror: each token becomes a
    # <span> with a generated class (such as "ͼs"); unhighlighted code is plain text.
    highlighted = solution.locator("pre code.language-python span[class]")
    highlighted.first.wait_for(timeout=10_000)
    assert highlighted.count() > 3
    page.screenshot(path=str(OUT / "solution-open.png"))


def test_no_news_popup_greets_the_student(page) -> None:
    page.wait_for_timeout(4000)  # JupyterLab asks a few seconds after it starts
    assert page.get_by_text(NEWS_QUESTION).count() == 0, "JupyterLab asks about Jupyter news"
    assert page.outside == [], f"JupyterLab reached out of the machine: {page.outside}"


def test_speaker_notes_are_hidden_until_one_click(page) -> None:
    """A notes cell shows only its label; one click on it shows the notes themselves."""
    from playwright.sync_api import expect

    first_notes = next(cell for cell in nbformat.read(NOTEBOOKS[0], as_version=4).cells
                       if cell.metadata.get("slideshow", {}).get("slide_type") == "notes")
    words = first_notes.source.split("**Say:**")[1].strip().split(".")[0]  # the first sentence
    placeholder = page.locator(".jp-InputPlaceholder").first
    placeholder.scroll_into_view_if_needed()
    expect(placeholder).to_have_text("Instructor notes", timeout=10_000)  # the cell may render late
    # The rendered notes: CodeMirror keeps a hidden copy of the source in the page too.
    notes = page.locator(".jp-RenderedMarkdown").get_by_text(words)
    assert notes.count() == 0 or not notes.first.is_visible()
    page.screenshot(path=str(OUT / "notes-collapsed.png"))
    placeholder.click()
    notes.first.wait_for(state="visible", timeout=10_000)
    page.screenshot(path=str(OUT / "notes-open.png"))


def test_a_demo_slider_redraws_its_one_figure(lab: str, browser) -> None:
    """Run d2l.demos.interact: the controls and one figure show; each step of the slider,
    moved by keyboard, replaces the figure in place: never two figures, not even for a moment."""
    tab = open_lab(browser, lab, DEMO)
    figures = tab.locator(FIGURE)
    handle = tab.locator(".jp-CodeCell .widget-slider .noUi-handle")
    try:
        # The status bar says so once the kernel is up; a cell run before that is not run.
        tab.get_by_text(f"{KERNEL} | Idle").wait_for(timeout=KERNEL_TIMEOUT_MS)
        tab.locator(".jp-CodeCell .cm-content").click()
        tab.keyboard.press("Shift+Enter")
        figures.first.wait_for(timeout=KERNEL_TIMEOUT_MS)
        handle.wait_for(timeout=10_000)
        assert figures.count() == 1, f"{figures.count()} figures: the demo shows one"
        first, value = figures.first.get_attribute("src"), float(handle.get_attribute("aria-valuenow"))
        tab.screenshot(path=str(OUT / "demo-before.png"))
        tab.evaluate(COUNT_FIGURES, FIGURE)
        for _ in range(SLIDER_STEPS):  # one step, one redraw: wait for each
            shown = figures.first.get_attribute("src")
            handle.press("ArrowRight")
            tab.wait_for_function(REDRAWN, arg=[FIGURE, shown], timeout=20_000)
        tab.screenshot(path=str(OUT / "demo-after.png"))
        assert float(handle.get_attribute("aria-valuenow")) > value, "the slider did not move"
        assert figures.first.get_attribute("src") != first
        most = tab.evaluate("() => window.mostFigures")
        assert most == figures.count() == 1, f"up to {most} figures while the slider moved: redraw in place"
        assert tab.outside == [], f"JupyterLab reached out of the machine: {tab.outside}"
    finally:
        tab.context.close()
