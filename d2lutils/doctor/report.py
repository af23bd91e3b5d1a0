"""How the doctor shows its results: lines for people, JSON for tools, a bug-report block."""

from __future__ import annotations

import json
import platform
import sys
from dataclasses import asdict
from pathlib import Path

from .checks import Result, Setup, describe, requirements


def text(results: list[Result], quick: bool) -> str:
    """The report for a terminal. The quick form shows only the ✘ lines (nothing when all is
    well); the full form shows every line, a verdict and the bug-report block."""
    problems = [result for result in results if not result.ok]
    if quick:
        if not problems:
            return ""
        return "\n".join([r.line() for r in problems] +
                         ["Run `make doctor` in the course folder for the full check."])
    count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
    verdict = ("All is well." if not problems else
               f"{count}. Fix them from the top: one fix can clear the lines below it.")
    return "\n".join([r.line() for r in results] + ["", verdict])


def redact(text: str, root: Path) -> str:
    """``text`` without personal paths: the course folder becomes <course>, the home folder ~."""
    for path, name in ((root.resolve(), "<course>"), (root, "<course>"), (Path.home(), "~")):
        if str(path) not in ("", "/"):
            text = text.replace(str(path), name)
    return text


def _packages(setup: Setup) -> str:
    """Installed versions of the packages pyproject.toml asks for."""
    core, dev = requirements(setup)
    versions = []
    for requirement in core + dev:
        try:
            versions.append(f"{requirement.name} {setup.version(requirement.name)}")
        except Exception:  # noqa: BLE001 - missing or broken metadata
            versions.append(f"{requirement.name} (not installed)")
    return ", ".join(versions)


def bug_report(results: list[Result], setup: Setup) -> str:
    """Versions, OS, device and every check line, to paste into a bug report.

    It names no path outside the course folder but the home folder as ~.
    """
    code, commit = setup.run(["git", "-C", str(setup.root), "rev-parse", "--short", "HEAD"])
    try:
        packages = _packages(setup)
    except Exception as error:  # noqa: BLE001 - the block must never fail
        packages = f"(cannot be listed: {describe(error)})"
    lines = [
        f"course:   {'commit ' + commit.strip() if code == 0 else 'not a git checkout'}",
        f"OS:       {platform.platform()}",
        f"Python:   {platform.python_version()} ({platform.python_implementation()}), {sys.executable}",
        f"packages: {packages}",
        "checks:",
        *(result.line() for result in results),
    ]
    return redact("\n".join(lines), setup.root)


def as_json(results: list[Result], setup: Setup) -> str:
    """Everything, for tools: overall ok, each result and the bug-report block."""
    return json.dumps({"ok": all(r.ok for r in results), "checks": [asdict(r) for r in results],
                       "bug_report": bug_report(results, setup)}, indent=2, ensure_ascii=False)
