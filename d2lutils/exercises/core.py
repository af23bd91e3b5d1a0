"""The small core every exercise checker is built on.

A checker is a function decorated with :func:`checker`. It receives what the student
wrote (a function, a module, a tensor, a number), tests its *behaviour* on inputs it
makes itself, and either returns the success message or raises:

- :class:`Wrong` with a hint about the specific mistake;
- :class:`NotAttempted` when the answer is still the stub.

The decorator turns that into exactly one printed line, ``✔ ...`` or ``✘ ...``. An
exception raised by the student's code is caught and reported as a ``✘`` line that names
it; a checker never crashes on a wrong answer. Random inputs are drawn inside
:func:`checker` from a fixed seed, on a forked generator, so a check gives the same
verdict every time and does not change the random numbers of the notebook around it.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import random
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import torch

PASS = "✔"
FAIL = "✘"
SEED = 1234  # the seed every check starts from; the grader sets a hidden one (d2lutils.grading)

#: Every way to ask autograd for a gradient, for tasks that say "by hand" or "without autograd".
AUTOGRAD = ("torch.Tensor.backward", "torch.autograd.backward", "torch.autograd.grad",
            "torch.autograd.functional.jacobian", "torch.autograd.functional.vjp",
            "torch.func.grad", "torch.func.grad_and_value", "torch.func.vjp",
            "torch.func.jacrev", "torch.func.jacfwd")

#: Every checker defined with :func:`checker`, by module and name, e.g. "dropout.check_mc_predict"
#: (the tests make sure each one is used by a notebook and rejects wrong answers).
CHECKERS: dict[str, Callable[..., None]] = {}


class Wrong(Exception):
    """The answer is wrong; the message is the hint the student sees."""


class NotAttempted(Exception):
    """The answer is still the untouched stub; the message says what to write."""


def not_attempted(name: str) -> NotAttempted:
    """The verdict for an untouched stub; ``name`` is how the call is shown, e.g. "f(x)".

    One short line (it must fit a projected slide): what to write, and what to run.
    """
    return NotAttempted(f"write {name.split('(')[0].strip()} above, run it, then run this check")


class StudentError(Exception):
    """The student's code raised an exception; the original one is ``__cause__``."""


def verdict(check: Callable[..., str], *args: Any, **kwargs: Any) -> str:
    """Run ``check(*args, **kwargs)`` and return the one line to print for its result."""
    gpus = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=gpus):
        state = random.getstate(), np.random.get_state()
        torch.manual_seed(SEED)
        random.seed(SEED)
        np.random.seed(SEED)
        try:
            message = check(*args, **kwargs)
        except NotAttempted as err:
            return f"{FAIL} not attempted yet: {err}"
        except Wrong as err:
            return f"{FAIL} {err}"
        except StudentError as err:
            cause = err.__cause__
            return f"{FAIL} {err} raised {type(cause).__name__}: {_one_line(cause)}"
        except Exception as err:  # noqa: BLE001 - an odd answer must not crash the check
            return (f"{FAIL} could not check this answer ({type(err).__name__}: "
                    f"{_one_line(err)}); compare its type and shape with the task")
        finally:
            random.setstate(state[0])
            np.random.set_state(state[1])
    return f"{PASS} {message}"


def checker(check: Callable[..., str]) -> Callable[..., None]:
    """Decorate ``check`` (which returns a success message) so that it prints one verdict line."""

    @functools.wraps(check)
    def run(*args: Any, **kwargs: Any) -> None:
        # One write, line and newline together: a kernel could send two writes apart.
        sys.stdout.write(verdict(check, *args, **kwargs) + "\n")

    CHECKERS[f"{check.__module__.rpartition('.')[2]}.{check.__name__}"] = run
    return run


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= 160 else text[:157] + "..."


def _is_stub(value: Any) -> bool:
    return value is None or value is Ellipsis


def attempt(func: Any, *args: Any, name: str, forbidden: Sequence[str] = ()) -> Any:
    """Call the student's ``func`` for the first time; ``name`` is how the call is shown.

    Raises :class:`NotAttempted` when ``func`` is the stub (it returns ``None`` or ``...``)
    and :class:`StudentError` when it raises; ``forbidden`` as in :func:`call`.
    """
    result = call(func, *args, name=name, allow_none=True, forbidden=forbidden)
    if _is_stub(result):
        raise not_attempted(name)
    return result


def call(func: Any, *args: Any, name: str, allow_none: bool = False,
         forbidden: Sequence[str] = ()) -> Any:
    """Call the student's ``func``; wrap what it raises in :class:`StudentError`.

    A ``None`` result is :class:`Wrong` (a forgotten ``return``) unless ``allow_none``.
    ``forbidden`` names functions the task rules out, e.g. ``("torch.cdist",)``: while
    ``func`` runs they raise, and any use of one is :class:`Wrong`, even if caught.
    """
    if not callable(func):
        raise Wrong(f"{name.split('(')[0]} should be a function, but it is of type "
                    f"{type(func).__name__}")
    with forbidding(forbidden) as used:
        try:
            result = func(*args)
        except Exception as err:  # noqa: BLE001 - reported to the student, never re-raised
            if used:
                break_rule(name, used)
            raise StudentError(name) from err
    if used:
        break_rule(name, used)
    if result is None and not allow_none:
        raise Wrong(f"{name} returned None; did you forget `return`?")
    return result


class Forbidden(Exception):
    """Raised by a function the task rules out, while the student's code runs."""


@contextlib.contextmanager
def forbidding(paths: Sequence[str]) -> Iterator[list[str]]:
    """Make each function named in ``paths`` (e.g. ``"torch.Tensor.relu"``) raise meanwhile.

    Yields the list of the paths that were called, so that a use caught by a ``try`` in the
    student's code is still seen. Every function is put back on exit.
    """
    used: list[str] = []
    originals = []
    try:
        for path in paths:
            module, _, rest = path.partition(".")
            owner: Any = importlib.import_module(module)
            *parents, attr = rest.split(".")
            for parent in parents:
                owner = getattr(owner, parent)
            getattr(owner, attr)  # a misspelt path fails here, not silently
            originals.append((owner, attr, vars(owner).get(attr)))
            setattr(owner, attr, _refusal(path, used))
        yield used
    finally:
        for owner, attr, original in reversed(originals):
            if original is None:  # inherited (e.g. a method of the C tensor base): unshadow
                delattr(owner, attr)
            else:
                setattr(owner, attr, original)


def _refusal(path: str, used: list[str]) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        used.append(path)
        raise Forbidden(f"{path} is ruled out by this exercise")
    return refuse


def break_rule(name: str, used: Sequence[str]) -> None:
    """Raise :class:`Wrong`: ``name`` called the ruled-out functions ``used``."""
    names = ", ".join(f"`{path}`" for path in dict.fromkeys(used))
    raise Wrong(f"{name} calls {names}; the task asks you to do this without it")


def expect(condition: bool, hint: str) -> None:
    """Raise :class:`Wrong` with ``hint`` unless ``condition`` holds."""
    if not condition:
        raise Wrong(hint)


def expect_attempted(value: Any, name: str) -> None:
    """Raise :class:`NotAttempted` when ``value`` is still the stub's ``...`` or ``None``."""
    if _is_stub(value):
        raise not_attempted(name)


def expect_tensor(value: Any, name: str, shape: Sequence[int] | None = None,
                  dtype: torch.dtype | None = None) -> torch.Tensor:
    """Check that ``value`` is a tensor (of ``shape`` and ``dtype`` if given); return it."""
    expect(isinstance(value, torch.Tensor),
           f"{name} should be a tensor, but it is of type {type(value).__name__}")
    if shape is not None:
        expect(tuple(value.shape) == tuple(shape),
               f"{name} has shape {tuple(value.shape)}, expected {tuple(shape)}")
    if dtype is not None:
        expect(value.dtype == dtype, f"{name} has dtype {value.dtype}, expected {dtype}")
    return value


def expect_close(actual: torch.Tensor, expected: torch.Tensor, name: str,
                 hint: str = "", rtol: float = 1e-4, atol: float = 1e-5) -> None:
    """Check that ``actual`` equals ``expected`` up to rounding; name the worst element if not."""
    expect_tensor(actual, name, shape=expected.shape)
    actual, expected = actual.detach().double(), expected.detach().double()
    if torch.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True):
        return
    # The element that breaks the tolerance by the most (not the largest absolute gap).
    excess = (actual - expected).abs() - (atol + rtol * expected.abs())
    gap = excess.nan_to_num(nan=float("inf"))
    worst = tuple(int(i) for i in torch.unravel_index(gap.argmax(), expected.shape))
    got, want = actual[worst].item(), expected[worst].item()
    digits = next(d for d in (4, 6, 8, 17) if f"{got:.{d}g}" != f"{want:.{d}g}" or d == 17)
    where = f" at index {worst}" if expected.dim() else ""
    raise Wrong(f"{name} is off{where}: got {got:.{digits}g}, expected {want:.{digits}g}"
                + (f"; {hint}" if hint else ""))


def expect_unchanged(before: torch.Tensor, after: torch.Tensor, name: str) -> None:
    """Check that the student's code left ``after`` equal to the copy ``before``."""
    expect(torch.equal(before, after),
           f"{name} was changed in place; work on a copy or build a new tensor instead")
