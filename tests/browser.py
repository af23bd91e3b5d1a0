"""What the browser tests share: finding Chromium, flags for no network, and the assets.

Chromium is needed: Debian/Ubuntu `apt-get install chromium` (.ci/run does), or set
CHROMIUM to a Chrome or Chromium binary. Without it the browser tests skip, except on CI
(see tests/ci.py), where they fail. The same holds for the pinned JavaScript that
`make env` caches.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ci import skip_or_fail
from publish import assets

# Flags for a root CI container, a clean profile, and no network at all: every host name
# resolves to nothing, and whatever skips name resolution goes to a proxy that is not there.
NO_NETWORK_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
]
# The same for a page served on 127.0.0.1: loopback is reached directly, not through the proxy.
LOOPBACK_ONLY_FLAGS = [flag for flag in NO_NETWORK_FLAGS
                       if not flag.startswith(("--proxy-bypass-list", "--host-resolver-rules"))]
LOOPBACK_ONLY_FLAGS += ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
                        "--proxy-bypass-list=127.0.0.1"]


def require_assets() -> None:
    """Skip (fail on CI) with the command to run when the pinned JavaScript is not cached."""
    absent = assets.missing()
    if absent:
        names = ", ".join(f"{package.name} {package.version}" for package in absent)
        skip_or_fail(f"{names} not in {assets.DEFAULT_CACHE}: run `{assets.FETCH_COMMAND}` once "
                     "while online; after that decks and website build offline.")


def find_chromium() -> str:
    """The Chromium (or Chrome) binary to test with; skips (fails on CI) without one."""
    configured = os.environ.get("CHROMIUM")
    if configured:
        if not shutil.which(configured):
            pytest.fail(f"CHROMIUM={configured} is not an executable; unset it or point it at Chrome/Chromium.")
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if path := shutil.which(name):
            return path
    skip_or_fail(
        "Chromium is not installed, so the pages cannot be tested in a browser. Install it "
        "(Debian/Ubuntu: apt-get install chromium; .ci/run does) or set CHROMIUM=/path/to/chrome.")
    raise AssertionError("unreachable")


@contextmanager
def chromium(flags: list[str] = NO_NETWORK_FLAGS) -> Iterator:
    """A headless Chromium (Playwright's Browser) started with ``flags``, closed afterwards."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=flags)
        try:
            yield browser
        finally:
            browser.close()
