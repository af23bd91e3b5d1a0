"""What the tests do differently on CI: there, a missing prerequisite fails instead of skipping.

CI services set the environment variable CI (GitHub Actions and GitLab set CI=true; .ci/run
sets it too). Unset, empty, "0", "false", "no" and "off" (in any case) mean "not CI", so
that `CI=false make test` on a laptop skips what the laptop lacks.
"""

from __future__ import annotations

import os

import pytest

NOT_CI = frozenset({"", "0", "false", "no", "off"})


def on_ci() -> bool:
    """True when the CI environment variable says this is a CI run."""
    return os.environ.get("CI", "").strip().lower() not in NOT_CI


def skip_or_fail(reason: str) -> None:
    """Fail on CI, where everything must run; skip elsewhere."""
    if on_ci():
        pytest.fail(reason)
    pytest.skip(reason)
