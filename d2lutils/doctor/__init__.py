"""``make doctor``: what is wrong with a set-up, and the one command that fixes each thing.

    python -m d2lutils doctor            # every check, a verdict and a block for bug reports
    python -m d2lutils doctor --quick    # only what is wrong (nothing when all is well)
    python -m d2lutils doctor --json     # the same, for tools

In a notebook, :func:`report_problems` prints the ✘ lines of the quick form. Each check
prints one line: ✔ and what it found, or ✘ and its fix. The checks, in order: the Python
version, the pinned packages, ``import torch``, the notebooks' kernel, the device (CUDA,
Apple MPS or CPU; set ``D2L_EXPECT_GPU=1`` where a GPU must be used), Fashion-MNIST, free
disk space; the full form adds the slide and website assets, JupyterLab's extensions and
offline readiness. The exit status is 0 when all is well, 1 otherwise.

This package imports nothing heavy at module level and never raises from a check: a check
that cannot run is a ✘ line with the reason, e.g. when ``import torch`` itself fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from typing import NoReturn

from . import report
from .checks import CHECKS, QUICK, CannotCheck, Result, Setup, check_offline, describe, fail

__all__ = ["Result", "Setup", "check", "fail_on_use", "main", "report_problems"]


def _run(name: str, check: Callable[..., list[Result]], setup: Setup, *args) -> list[Result]:
    """The results of one check, each tagged with its name; an error becomes a ✘ line."""
    try:
        results = check(setup, *args)
    except CannotCheck as why:
        results = [fail(f"the {name} check cannot run: {why}", why.fix)]
    except Exception as error:  # noqa: BLE001 - the doctor must never crash
        results = [fail(f"the {name} check could not run: {describe(error)}",
                        "report it, with the block from `make doctor`")]
    return [dataclasses.replace(result, check=name) for result in results]


def check(setup: Setup | None = None) -> list[Result]:
    """Run the checks (only the quick ones if ``setup.quick``) and return every result."""
    setup = setup or Setup()
    results: list[Result] = []
    for name in QUICK if setup.quick else CHECKS:
        results += _run(name, CHECKS[name], setup)
    if not setup.quick:
        results += _run("offline", check_offline, setup, results)
    return results


def report_problems() -> None:
    """Print what is wrong with the set-up, a ✘ line with its fix for each problem, and
    nothing when all is well. For the first cell of the first notebook (under a second)."""
    output = report.text(check(Setup(quick=True, in_kernel=True)), quick=True)
    if output:
        print(output)


def main(argv: list[str] | None = None) -> int:
    """``python -m d2lutils doctor``: print the report; 0 when all is well, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m d2lutils doctor", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="only the fast checks, printing only what is wrong (make lab and make test run it)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON, for tools")
    args = parser.parse_args(argv)
    setup = Setup(quick=args.quick)
    results = check(setup)
    if args.json:
        print(report.as_json(results, setup))
    elif args.quick:
        if output := report.text(results, quick=True):
            print(output)
    else:
        print(report.text(results, quick=False))
        print("\nFor a bug report, paste this block (it shows no personal paths):\n```\n"
              f"{report.bug_report(results, setup)}\n```")
    return 0 if all(result.ok for result in results) else 1


def fail_on_use(error: BaseException, package: str) -> Callable[[str], NoReturn]:
    """The module ``__getattr__`` of d2lutils after its helpers failed to import.

    ``import d2lutils`` then still works, so that ``python -m d2lutils doctor`` and the
    first cell of notebook 01 can say what is wrong (e.g. a broken torch). Using any
    helper raises ImportError that names the original error and ``make doctor``.
    """
    def __getattr__(name: str) -> NoReturn:
        if name not in vars(sys.modules[package]).get("__all__", ()):
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        raise ImportError(f"{package}.{name} is unavailable: importing {package}'s helpers "
                          f"failed ({describe(error)}). Run `make doctor` in the course folder: "
                          "it names the problem and its fix.") from error
    return __getattr__
