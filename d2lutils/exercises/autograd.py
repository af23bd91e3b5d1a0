"""Checkers for the exercises of notebook 02, Automatic differentiation."""

from __future__ import annotations

from collections.abc import Callable

import torch

from .core import (
    AUTOGRAD,
    attempt,
    call,
    checker,
    expect,
    expect_close,
    expect_tensor,
    expect_unchanged,
)

Loss = Callable[[torch.Tensor], torch.Tensor]

#: Exercise 2 asks for backward(): every other way to a gradient is ruled out.
_NOT_BACKWARD = tuple(path for path in AUTOGRAD if not path.endswith(".backward"))


def _autograd(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """df/dx at every element of ``x`` for an elementwise ``f``, by autograd (the reference)."""
    leaf = x.detach().clone().requires_grad_()
    f(leaf).sum().backward()
    return leaf.grad


def _same(actual: torch.Tensor, expected: torch.Tensor) -> bool:
    """``actual`` equals ``expected`` up to rounding (shapes must match)."""
    return (actual.shape == expected.shape
            and torch.allclose(actual.detach().double(), expected.double(), rtol=1e-4, atol=1e-5))


def _first_match(result: torch.Tensor, mistakes: dict[str, torch.Tensor]) -> None:
    """Raise :class:`Wrong` with the hint of the first known mistake that ``result`` equals."""
    for hint, wrong in mistakes.items():
        expect(not _same(result, wrong), hint)


def _expect_input_untouched(x: torch.Tensor, original: torch.Tensor, name: str) -> None:
    """The student's function left the plain tensor ``x`` as it was: values and tracking."""
    expect(not x.requires_grad,
           f"{name} switched on requires_grad of the caller's x (requires_grad_() works in "
           "place); track a copy instead: x = x.detach().requires_grad_()")
    expect_unchanged(original, x, "x")


def _expect_untracked(result: torch.Tensor, name: str, fix: str) -> None:
    """``result`` is a plain tensor, not part of a graph; ``fix`` says how to get one."""
    expect(not result.requires_grad,
           f"{name} still requires grad (it is part of a graph): {fix}")


# Exercise 1 ------------------------------------------------------------------------------


def _f(x: torch.Tensor) -> torch.Tensor:
    return x * torch.exp(-x ** 2)


def _grad_by_hand_mistakes(x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Common wrong derivatives of x * exp(-x**2), each with its hint."""
    g = torch.exp(-x ** 2)
    return {
        "you returned f(x) itself; return its derivative f'(x)": x * g,
        "sign error: the derivative of -x**2 is -2x, so the factor in front of exp(-x**2) "
        "is (1 - 2x**2), not (1 + 2x**2)": (1 + 2 * x ** 2) * g,
        "the whole result has the wrong sign: at x = 0 the slope of f is +1": -(1 - 2 * x ** 2) * g,
        "a factor 2 is missing: by the chain rule, d/dx exp(-x**2) = -2x * exp(-x**2)":
            (1 - x ** 2) * g,
        "the product rule gives two terms, d/dx [x * g(x)] = g(x) + x * g'(x); "
        "you kept only x * g'(x)": -2 * x ** 2 * g,
        "the product rule gives two terms, d/dx [x * g(x)] = g(x) + x * g'(x); "
        "you kept only g(x)": g,
        "that is the derivative of exp(-x**2) alone; f multiplies it by x, "
        "so use the product rule": -2 * x * g,
        "the product x * (-2x) is -2x**2, not -2x": (1 - 2 * x) * g,
    }


@checker
def check_grad_by_hand(grad_by_hand: Callable[[torch.Tensor], torch.Tensor]) -> str:
    """``grad_by_hand(x)``: f'(x) for f(x) = x * exp(-x**2), from a formula, elementwise."""
    x = torch.linspace(-3, 3, 61)
    original = x.clone()
    name = "grad_by_hand(x)"
    result = attempt(grad_by_hand, x, name=name, forbidden=AUTOGRAD)
    _expect_input_untouched(x, original, name)
    expect_tensor(result, name, shape=x.shape)
    _expect_untracked(result, f"the result of {name}",
                      "compute the formula from the plain x, not from a tracked copy")
    expected = _autograd(_f, x)
    _first_match(result, _grad_by_hand_mistakes(x))
    worst = int((result.detach().double() - expected.double()).abs().argmax())
    expect(_same(result, expected),
           f"at x = {x[worst]:.2f} your derivative is {result[worst]:.4f}, autograd gives "
           f"{expected[worst]:.4f}; check your formula at that point")
    X = torch.randn(3, 4) * 2  # a 2-D input: the formula must work elementwise
    result = call(grad_by_hand, X, name="grad_by_hand(X)", forbidden=AUTOGRAD)
    expect_close(result, _autograd(_f, X), "grad_by_hand(X) for a 3x4 X",
                 hint="apply the formula to each element")
    return ("your f'(x) = (1 - 2x²)·exp(-x²) agrees with autograd at 61 points in [-3, 3] "
            "and on a 3x4 tensor")


# Exercise 2 ------------------------------------------------------------------------------


def _losses(c: torch.Tensor) -> tuple[Loss, Loss]:
    """Two losses of w with different gradients: 2w and c."""
    return (lambda w: (w ** 2).sum()), (lambda w: (c * w).sum())


@checker
def check_two_gradients(two_gradients: Callable[[torch.Tensor, Loss, Loss], object]) -> str:
    """``two_gradients(w, loss_a, loss_b)``: each loss's own gradient, w.grad left None."""
    w = torch.randn(2, 3).requires_grad_()
    c = torch.randn(2, 3) + 3  # so that the gradients 2w and c differ everywhere
    loss_a, loss_b = _losses(c)
    original = w.detach().clone()
    name = "two_gradients(w, loss_a, loss_b)"
    result = attempt(two_gradients, w, loss_a, loss_b, name=name, forbidden=_NOT_BACKWARD)
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           f"{name} should return a pair (grad_a, grad_b), but it returned a "
           f"{type(result).__name__}" + (f" of length {len(result)}"
                                         if isinstance(result, (tuple, list)) else ""))
    grad_a, grad_b = result
    expect_unchanged(original, w.detach(), "w")
    expect(w.requires_grad, f"{name} switched off requires_grad of w; leave w as it was")
    for value, label in ((grad_a, "grad_a"), (grad_b, "grad_b")):
        expect_tensor(value, label, shape=w.shape)
    true_a, true_b, both = 2 * original, c, 2 * original + c
    expect(not (_same(grad_a, both) and _same(grad_b, both)),
           "grad_a and grad_b both equal the gradient of loss_a + loss_b: backward() adds "
           "to w.grad, in place; call backward() on each loss on its own and set "
           "w.grad = None in between")
    expect(not _same(grad_b, both),
           "grad_b also holds grad_a: backward() adds to w.grad, so set w.grad = None "
           "between the two backward() calls")
    expect(grad_a is not grad_b,
           "grad_a and grad_b are the same tensor object: w.grad.zero_() works in place, so "
           "it also changed the grad_a you saved; set w.grad = None instead (or save "
           "w.grad.clone())")
    for value, label in ((grad_a, "grad_a"), (grad_b, "grad_b")):
        expect(bool(value.any()),
               f"{label} is all zeros: zero_() on w.grad also emptied the tensor you return; "
               "set w.grad = None instead")
    expect(not (_same(grad_a, true_b) and _same(grad_b, true_a)),
           "the two gradients are swapped: return (grad_a, grad_b) in that order")
    expect_close(grad_a, true_a, "grad_a", hint="it should be the gradient of loss_a(w) alone")
    expect_close(grad_b, true_b, "grad_b", hint="it should be the gradient of loss_b(w) alone")
    for value, label in ((grad_a, "grad_a"), (grad_b, "grad_b")):
        _expect_untracked(value, label, "return w.grad itself, or .detach() it")
    expect(w.grad is None,
           f"w.grad still holds a gradient after {name} returns; set w.grad = None at the "
           "end, so that the next backward() starts from zero")
    return ("each gradient belongs to its own loss (nothing accumulated), "
            "and w is left as it was with w.grad = None")


# Exercise 3 ------------------------------------------------------------------------------


@checker
def check_grad_sin_frozen(grad_sin_frozen: Callable[[torch.Tensor], torch.Tensor]) -> str:
    """``grad_sin_frozen(x)``: dy/dx of y = x**2 * sin(x) with sin(x) detached, i.e. 2x sin(x)."""
    x = torch.randn(4, 6) * 2
    original = x.clone()
    name = "grad_sin_frozen(x)"
    result = attempt(grad_sin_frozen, x, name=name)
    _expect_input_untouched(x, original, name)
    expect_tensor(result, name, shape=x.shape)
    _expect_untracked(result, f"the result of {name}",
                      "return the .grad of your tracked copy, or .detach() the result")
    _first_match(result, {
        "you returned y itself; return its gradient dy/dx": x ** 2 * torch.sin(x),
        "this is the full derivative, through sin(x) as well: compute the factor from "
        "x.detach() so that autograd treats it as a constant": 2 * x * torch.sin(x)
        + x ** 2 * torch.cos(x),
        "a detached factor is a constant, not zero: its value sin(x) still multiplies 2x":
            2 * x,
        "you detached x**2 instead of sin(x)": x ** 2 * torch.cos(x),
    })
    expect_close(result, 2 * x * torch.sin(x), name,
                 hint="with sin(x) held constant, y = x**2 * const")
    return ("the gradient with sin(x) detached is 2x·sin(x), returned as a plain tensor; "
            "x is left as it was")
