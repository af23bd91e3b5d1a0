"""tests/ci.py: which values of CI count as a CI run, and that a missing prerequisite fails there."""

from __future__ import annotations

import pytest

from browser import require_assets
from ci import on_ci, skip_or_fail
from publish import assets


@pytest.mark.parametrize("value", ["true", "True", "1", "yes", "gitlab"])
def test_ci_set_to_a_true_value_is_ci(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", value)
    assert on_ci()
    with pytest.raises(pytest.fail.Exception, match="Chromium is missing"):
        skip_or_fail("Chromium is missing")


@pytest.mark.parametrize("value", [None, "", "0", "false", "FALSE", "False", "no", "No", "off", " false "])
def test_ci_unset_or_false_is_not_ci(value: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert not on_ci()
    with pytest.raises(pytest.skip.Exception, match="Chromium is missing"):
        skip_or_fail("Chromium is missing")


def test_missing_javascript_fails_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decks and website need the pinned JavaScript: on CI its absence is a failure, not a skip."""
    monkeypatch.setattr(assets, "missing", lambda: list(assets.load_lock().values())[:1])
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="make env"):
        require_assets()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="make env"):
        require_assets()
