"""The exercise core: one verdict line, never a crash, the student's RNG left alone."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from d2lutils.exercises.core import (CHECKERS, FAIL, PASS, attempt, call, checker, expect,
                                     expect_attempted, expect_close, expect_tensor,
                                     expect_unchanged, verdict)


def double_check(double) -> str:
    """A checker for ``double(x) = 2 * x``, as the notebook modules write them."""
    x = torch.randn(5)
    y = attempt(double, x, name="double(x)")
    expect_tensor(y, "double(x)", shape=x.shape)
    expect(not torch.allclose(y, x), "double(x) returned x itself: multiply by 2")
    expect_close(y, 2 * x, "double(x)", hint="multiply by 2")
    return "double doubles"


@pytest.mark.parametrize("answer, line", [
    (lambda x: 2 * x, f"{PASS} double doubles"),
    (lambda x: x, f"{FAIL} double(x) returned x itself: multiply by 2"),
    (lambda x: None, f"{FAIL} not attempted yet: write double above, run it, then run this check"),
    (lambda x: ..., f"{FAIL} not attempted yet: write double above, run it, then run this check"),
    (lambda x: x.tolist(), f"{FAIL} double(x) should be a tensor, but it is of type list"),
    (lambda x: x[:2] * 2, f"{FAIL} double(x) has shape (2,), expected (5,)"),
    (lambda x: 1 / 0, f"{FAIL} double(x) raised ZeroDivisionError: division by zero"),
    ("not a function", f"{FAIL} double should be a function, but it is of type str"),
])
def test_each_outcome_is_one_line(answer, line: str) -> None:
    assert verdict(double_check, answer).startswith(line)
    assert "\n" not in verdict(double_check, answer)


def test_expect_close_names_the_worst_element() -> None:
    answer = lambda x: torch.where(torch.arange(5) == 3, 0.0, 2 * x)  # noqa: E731
    assert verdict(double_check, answer).startswith(f"{FAIL} double(x) is off at index (3,): got 0")


def test_a_crash_inside_the_checker_is_a_fail_line_not_an_exception() -> None:
    def fragile(value) -> str:
        return value.no_such_attribute  # an answer of a type nobody expected
    assert verdict(fragile, 3).startswith(f"{FAIL} could not check this answer (AttributeError")


def test_the_checker_prints_exactly_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    run = checker(double_check)
    assert run(lambda x: x * 2) is None  # nothing for the notebook to display
    assert capsys.readouterr().out == f"{PASS} double doubles\n"
    assert CHECKERS["test_exercise_core.double_check"] is run
    del CHECKERS["test_exercise_core.double_check"]


def test_checks_are_seeded_and_leave_the_students_random_numbers_alone() -> None:
    seen = []
    def record(_) -> str:
        seen.append((torch.rand(3), random.random(), np.random.rand()))
        return "ok"
    torch.manual_seed(7), random.seed(7), np.random.seed(7)
    expected = torch.rand(2), random.random(), np.random.rand()
    torch.manual_seed(7), random.seed(7), np.random.seed(7)
    verdict(record, None), verdict(record, None)
    after = torch.rand(2), random.random(), np.random.rand()
    assert torch.equal(seen[0][0], seen[1][0]) and seen[0][1:] == seen[1][1:]
    assert torch.equal(after[0], expected[0]) and after[1:] == expected[1:]


def test_helpers_for_values_and_calls() -> None:
    def in_place(f) -> str:
        x = torch.ones(3)
        before = x.clone()
        call(f, x, name="f(x)")
        expect_unchanged(before, x, "x")
        return "x untouched"
    assert verdict(in_place, lambda x: x + 1) == f"{PASS} x untouched"
    assert verdict(in_place, lambda x: x.add_(1)).startswith(f"{FAIL} x was changed in place")
    assert verdict(lambda v: expect_attempted(v, "answer") or "x", ...).startswith(
        f"{FAIL} not attempted yet: write answer above, run it, then run this check")
    assert verdict(lambda f: call(f, name="f()"), lambda: None).startswith(
        f"{FAIL} f() returned None; did you forget `return`?")
    assert verdict(lambda t: expect_tensor(t, "t", dtype=torch.long) and "x",
                   torch.ones(2)).startswith(f"{FAIL} t has dtype torch.float32, expected torch.int64")


def _norm_check(norm) -> str:
    """A checker for the Euclidean norm of a vector that rules out ``torch.linalg.norm``."""
    x = torch.tensor([3.0, 4.0])
    result = attempt(norm, x, name="norm(x)", forbidden=("torch.linalg.norm", "torch.Tensor.norm"))
    expect_close(result, torch.tensor(5.0), "norm(x)")
    return "norm by hand"


@pytest.mark.parametrize("answer", [
    lambda x: torch.linalg.norm(x),
    lambda x: x.norm(),
])
def test_a_forbidden_function_is_wrong_and_named(answer) -> None:
    line = verdict(_norm_check, answer)
    assert line.startswith(f"{FAIL} norm(x) calls `torch.") and "without it" in line, line


def test_a_forbidden_call_caught_by_the_student_still_counts() -> None:
    def sly(x):
        try:
            return torch.linalg.norm(x)
        except Exception:  # noqa: BLE001
            return x.pow(2).sum().sqrt()
    assert "calls `torch.linalg.norm`" in verdict(_norm_check, sly)


def test_forbidden_functions_are_put_back_afterwards() -> None:
    before = torch.linalg.norm, torch.Tensor.norm
    assert verdict(_norm_check, lambda x: x.pow(2).sum().sqrt()).startswith(PASS)
    verdict(_norm_check, lambda x: x.norm())
    assert (torch.linalg.norm, torch.Tensor.norm) == before
    assert "norm" not in vars(torch.Tensor) or vars(torch.Tensor)["norm"] is before[1]
    assert float(torch.tensor([3.0, 4.0]).norm()) == 5.0
