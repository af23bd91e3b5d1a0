"""What a student sees in JupyterLab: folded solutions that open, highlighted; speaker
notes collapsed until clicked; no news popup.

Starts `jupyter lab` (the server `make lab` starts) on a copy of notebook 01 in a temporary
folder, with a fresh user config, and opens it in headless Chromium (Playwright).
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

import pytest

from browser import LOOPBACK_ONLY_FLAGS, find_chromium
from exercise_cells import NOTEBOOKS, ROOT

OUT = ROOT / "build" / "jupyterlab-test"
NEWS_QUESTION = "official Jupyter news"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    """The URL of a running JupyterLab whose root holds a copy of the first notebook."""
    home = tmp_path_factory.mktemp("lab")
    root = home / "notebooks"
    root.mkdir()
    shutil.copy(NOTEBOOKS[0], root)
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
        yield f"{url}/lab/tree/{NOTEBOOKS[0].name}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def page(lab: str):
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=LOOPBACK_ONLY_FLAGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 900})
        tab.outside = []  # requests that left the machine: none should
        local = lab.split("/lab/")[0]
        tab.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            (local, "data:", "blob:")) else (tab.outside.append(route.request.url), route.abort()))
        tab.goto(lab)
        tab.locator(".jp-Notebook details").first.wait_for(state="attached", timeout=60_000)
        yield tab
        browser.close()


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
    import nbformat

    first_notes = next(cell for cell in nbformat.read(NOTEBOOKS[0], as_version=4).cells
                       if cell.metadata.get("slideshow", {}).get("slide_type") == "notes")
    words = first_notes.source.split("**Say:**")[1].strip().split(".")[0]  # the first sentence
    placeholder = page.locator(".jp-InputPlaceholder").first
    placeholder.scroll_into_view_if_needed()
    assert placeholder.inner_text().strip() == "Instructor notes"
    assert page.get_by_text(words).count() == 0 or not page.get_by_text(words).first.is_visible()
    page.screenshot(path=str(OUT / "notes-collapsed.png"))
    placeholder.click()
    page.get_by_text(words).first.wait_for(state="visible", timeout=10_000)
    page.screenshot(path=str(OUT / "notes-open.png"))
