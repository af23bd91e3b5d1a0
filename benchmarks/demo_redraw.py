"""Benchmark: how long one redraw of each interactive demo takes (budget: 0.3 s).

A redraw is what happens when a student moves a slider: ``render(**params)`` and the PNG
the notebook receives. Each demo is timed at its gallery settings, after one warm-up (which
fills the caches a demo computes once); the median per demo is reported, and the last line
is one JSON object with the slowest median and its ratio to the budget (<= 1 is on target).
"""

from __future__ import annotations

import io
import json
import statistics
import time

import matplotlib

matplotlib.use("agg")

from d2lutils import demos  # noqa: E402
from d2lutils.demos.controls import defaults  # noqa: E402

BUDGET_SECONDS = 0.3


def redraw_seconds(demo, params: dict) -> float:
    """Seconds for one render at ``params`` and its PNG, as the notebook gets it."""
    started = time.perf_counter()
    figure = demo.render(**{**defaults(demo), **params})
    figure.savefig(io.BytesIO(), format="png", bbox_inches="tight")
    return time.perf_counter() - started


def main() -> None:
    print(f"{'demo (notebook)':<34}{'median redraw s':>16}{'/ budget':>10}")
    medians = {}
    for notebook, demo in demos.DEMOS.items():
        for _, params in demo.GALLERY[:1]:
            redraw_seconds(demo, params)  # warm-up
        times = [redraw_seconds(demo, params) for _ in range(3) for _, params in demo.GALLERY]
        medians[notebook] = statistics.median(times)
        name = f"{demo.__name__.rpartition('.')[2]} ({notebook})"
        print(f"{name:<34}{medians[notebook]:>16.3f}{medians[notebook] / BUDGET_SECONDS:>9.2f}x")
    slowest = max(medians.values())
    print()
    print(json.dumps({"demo_redraw_max_seconds": round(slowest, 3),
                      "demo_redraw_vs_budget": round(slowest / BUDGET_SECONDS, 2)}))


if __name__ == "__main__":
    main()
