"""pytest set-up for the whole repository: every notebook cell must survive a second run,
and the slowest work starts first."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.rerun_cells"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Notebooks first, the last (and longest, 14) first, then the tests.

    `make test` runs three workers that take one file at a time in this order
    (``--no-loadscope-reorder``): with the slowest files started first, the small test
    files fill the gaps and the workers finish close together. The sort is stable, so
    a notebook's cells keep their order."""
    notebooks = sorted({item.path for item in items if item.path.suffix == ".ipynb"}, reverse=True)
    rank = {path: number for number, path in enumerate(notebooks)}
    items.sort(key=lambda item: rank.get(item.path, len(rank)))
