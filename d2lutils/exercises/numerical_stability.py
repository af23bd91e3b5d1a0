"""Checkers for the exercises of notebook 08, Numerical stability and initialization."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import torch
from torch import nn

from .core import (
    AUTOGRAD,
    not_attempted,
    NotAttempted,
    StudentError,
    Wrong,
    attempt,
    call,
    checker,
    expect,
    expect_close,
    expect_tensor,
    expect_unchanged,
)

Init = Callable[[torch.Tensor], torch.Tensor]
#: A known wrong variance: how to compute it from (fan_in, fan_out), and the hint to give.
Mistake = tuple[Callable[[int, int], float], str]

# --- helpers shared by the two initializers --------------------------------------------------

#: Every initializer of ``torch.nn.init`` (the deprecated names without ``_`` too): the two
#: initializer tasks say "do not call nn.init". ``calculate_gain`` only computes a number.
NN_INIT = tuple(f"torch.nn.init.{name}" for name, value in vars(nn.init).items()
                if inspect.isfunction(value) and value.__module__ == "torch.nn.init"
                and not name.startswith("_") and name != "calculate_gain")

VAR_RTOL = 0.03  # a variance within 3 % counts as equal (a 360,000-entry sample is within 0.5 %)
SHAPES = ((200, 1800), (1800, 200))  # (fan_out, fan_in): large, far from square, both ways


def _fill(init: Init, W: torch.Tensor, name: str, first: bool) -> torch.Tensor:
    """Call ``init(W)``; check it filled W in place and returned W itself; return W.

    On the ``first`` call an untouched W and a None result mean the stub. Calling any
    function of ``nn.init`` is :class:`Wrong`: the task is to do it by hand.
    """
    before = W.detach().clone()
    try:
        result = call(init, W, name=name, allow_none=True, forbidden=NN_INIT)
    except StudentError as err:
        expect("leaf Variable" not in str(err.__cause__),
               f"{name} failed on a weight that requires grad (like layer.weight): PyTorch "
               "refuses in-place changes that autograd would track; wrap the fill in "
               "`with torch.no_grad():`, as nn.init does")
        raise
    changed = not torch.equal(before, W.detach())
    if result is None:
        if not changed and first:
            raise not_attempted(name)
        raise Wrong(f"{name} filled W but returned None; end with `return W`, as the "
                    "functions of nn.init do" if changed else
                    f"{name} returned None and left W as it was: fill W in place, return W")
    how = "fill W itself, in place (e.g. W.normal_(0, std) inside torch.no_grad()), and return W"
    expect(changed or result is not W, f"{name} returned W as it was: {how}")
    expect(changed, f"{name} returned a new tensor and left W as it was: {how}")
    expect(result is W, f"{name} changed W but returned another tensor: return W itself "
           "(the same object), so that init(layer.weight) keeps the layer's parameter")
    return W


def _expect_variance(W: torch.Tensor, name: str, expected: float, formula: str,
                     mistakes: list[Mistake]) -> None:
    """Check that the entries of W look like N(0, ``expected``); name the mistake if not."""
    fan_out, fan_in = W.shape
    shape = f"W has shape (fan_out, fan_in) = ({fan_out}, {fan_in})"
    values = W.detach().double().flatten()
    expect(bool(values.isfinite().all()), f"{name} put inf or nan into W")
    mean, var = values.mean().item(), values.var().item()
    expect(var > 0, f"every entry of W is {values[0]:.3g}: draw each one at random, or the "
           "hidden units start (and stay) identical")
    std = math.sqrt(expected)
    expect(abs(mean) < 0.05 * std,
           f"the entries of W have mean {mean:.3g}, not 0 (their std should be {std:.3g}): "
           "draw them from a normal distribution centred at 0 (torch.rand is uniform on "
           "[0, 1))")
    tails = (values.abs() > math.sqrt(3 * var)).double().mean().item()
    expect(tails > 0.02,
           f"every entry of W lies within ±{values.abs().max():.3g}: that is a uniform "
           "distribution (about 8 % of normal samples fall beyond sqrt(3) std); draw from a "
           "normal distribution with W.normal_(0, std)")
    if abs(var / expected - 1) < VAR_RTOL:
        return
    for variance, hint in mistakes:
        if abs(var / variance(fan_in, fan_out) - 1) < VAR_RTOL:
            raise Wrong(f"the entries of W have variance {var:.3g}, expected {formula} = "
                        f"{expected:.3g}: {hint} ({shape})")
    raise Wrong(f"the entries of W have variance {var:.3g}, expected {formula} = "
                f"{expected:.3g}; {shape}, and the std is the square root of the variance")


def _check_init(init: Init, name: str, variance: Callable[[int, int], float], formula: str,
                mistakes: list[Mistake]) -> None:
    """Run ``init`` on plain tensors of both SHAPES and on an ``nn.Parameter``; check each."""
    for index, shape in enumerate(SHAPES):
        W = torch.zeros(shape)
        _fill(init, W, name, first=index == 0)
        fan_out, fan_in = shape
        _expect_variance(W, name, variance(fan_in, fan_out), formula, mistakes)
    weight = nn.Parameter(torch.zeros(SHAPES[0]))
    _fill(init, weight, f"{name} on an nn.Parameter", first=False)
    expect(weight.requires_grad and weight.grad_fn is None,
           f"{name} changed whether W requires grad; leave that as it was (fill W under "
           "torch.no_grad() instead)")
    _expect_variance(weight, name, variance(SHAPES[0][1], SHAPES[0][0]), formula, mistakes)


UNSCALED = "a standard normal has variance 1; multiply it by the std"
NO_SQRT = "you used the variance as the standard deviation; std = sqrt(variance)"


# --- Exercise 1: Xavier normal, by hand ------------------------------------------------------


def _xavier_mistakes() -> list[Mistake]:
    both = "Xavier averages the two conditions: 2 / (fan_in + fan_out)"
    return [
        (lambda i, o: 1.0, UNSCALED + ", sqrt(2 / (fan_in + fan_out))"),
        (lambda i, o: (2 / (i + o)) ** 2, NO_SQRT),
        (lambda i, o: 6 / (i + o), ("sqrt(6 / (fan_in + fan_out)) is the bound a of "
         "xavier_uniform_, not a standard deviation; for a normal distribution "
         "std = sqrt(2 / (fan_in + fan_out))")),
        (lambda i, o: 1 / (i + o), ("a factor 2 is missing: the variance is 2 / (fan_in + "
         "fan_out), the inverse of the average (fan_in + fan_out) / 2")),
        (lambda i, o: 1 / i, f"1 / fan_in only keeps the forward pass; {both}"),
        (lambda i, o: 2 / i, f"2 / fan_in uses only fan_in; {both}"),
        (lambda i, o: 1 / o, f"1 / fan_out only keeps the backward pass; {both}"),
        (lambda i, o: 2 / o, f"2 / fan_out uses only fan_out; {both}"),
    ]


@checker
def check_xavier_normal(xavier_normal_: Init) -> str:
    """``xavier_normal_(W)``: fill W in place with N(0, 2 / (fan_in + fan_out)), return W."""
    _check_init(xavier_normal_, "xavier_normal_(W)", lambda i, o: 2 / (i + o),
                "2 / (fan_in + fan_out)", _xavier_mistakes())
    return ("W is filled in place with mean 0 and variance 2 / (fan_in + fan_out), from a "
            "normal distribution, for (200, 1800) and (1800, 200), and also on an nn.Parameter")


# --- Exercise 2: the sigmoid's gradient ------------------------------------------------------


def _sigmoid_autograd(x: torch.Tensor) -> torch.Tensor:
    """dσ/dx at every element of ``x``, by autograd (the reference)."""
    leaf = x.detach().clone().requires_grad_()
    torch.sigmoid(leaf).sum().backward()
    return leaf.grad


def _same(actual: torch.Tensor, expected: torch.Tensor) -> bool:
    return (actual.shape == expected.shape
            and torch.allclose(actual.detach().double(), expected.double(), rtol=1e-4, atol=1e-5))


def _sigmoid_mistakes(x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Common wrong derivatives of the sigmoid, each with its hint."""
    s = torch.sigmoid(x)
    return {
        "you returned σ(x) itself; return its derivative σ(x) (1 - σ(x))": s,
        "sign error: the derivative is σ(x) (1 - σ(x)), not σ(x) (1 + σ(x))": s * (1 + s),
        "1 - σ(x)² is the pattern of tanh' = 1 - tanh(x)²; the sigmoid's derivative is "
        "σ(x) (1 - σ(x))": 1 - s ** 2,
        "that is the derivative of tanh, 1 - tanh(x)²; the sigmoid's is σ(x) (1 - σ(x))":
            1 - torch.tanh(x) ** 2,
        "you applied the formula to x itself; apply it to s = torch.sigmoid(x) and return "
        "s * (1 - s)": x * (1 - x),
        "σ(x) (1 - σ(x)) has two factors; you returned only 1 - σ(x) (or e^-x / (1 + e^-x), "
        "whose denominator should be squared)": 1 - s,
        "the sign is wrong: the sigmoid increases everywhere, so its slope is positive":
            -s * (1 - s),
    }


@checker
def check_sigmoid_grad(sigmoid_grad: Callable[[torch.Tensor], torch.Tensor]) -> str:
    """``sigmoid_grad(x)``: σ'(x) = σ(x) (1 - σ(x)) elementwise, stable for large |x|, without
    autograd (the check's own reference uses it)."""
    x = torch.linspace(-8, 8, 161)
    original = x.clone()
    name = "sigmoid_grad(x)"
    result = attempt(sigmoid_grad, x, name=name, forbidden=AUTOGRAD)
    expect(not x.requires_grad,
           f"{name} switched on requires_grad of the caller's x (requires_grad_() works in "
           "place); the formula needs no autograd: leave x as it is")
    expect_unchanged(original, x, "x")
    expect_tensor(result, name, shape=x.shape)
    expect(not result.requires_grad, f"the result of {name} still requires grad (it is part "
           "of a graph); compute it from the plain x, or .detach() it")
    for hint, wrong in _sigmoid_mistakes(x).items():
        expect(not _same(result, wrong), hint)
    expected = _sigmoid_autograd(x)
    worst = int((result.detach().double() - expected.double()).abs().argmax())
    expect(_same(result, expected),
           f"at x = {x[worst]:.1f} your derivative is {result[worst]:.4g}, autograd gives "
           f"{expected[worst]:.4g}; check your formula at that point")
    far = torch.tensor([-100.0, -50.0, 0.0, 50.0, 100.0])
    result = expect_tensor(call(sigmoid_grad, far, name="sigmoid_grad(x)", forbidden=AUTOGRAD),
                           name, shape=far.shape)
    bad = ~result.isfinite()
    if bool(bad.any()):
        raise Wrong(f"sigmoid_grad gives {result[bad][0].item()} at x = {far[bad][0]:.0f}: "
                    "e^100 overflows float32 to inf (anything above e^88 does), and inf / inf "
                    "= nan. Compute s = torch.sigmoid(x) first (it is stable) and return "
                    "s * (1 - s)")
    expect_close(result, _sigmoid_autograd(far), "sigmoid_grad(x) for x = ±50, ±100",
                 hint="far from 0 the sigmoid saturates and its gradient is 0")
    X = torch.randn(3, 4) * 3
    expect_close(call(sigmoid_grad, X, name="sigmoid_grad(X)", forbidden=AUTOGRAD),
                 _sigmoid_autograd(X),
                 "sigmoid_grad(X) for a 3x4 X", hint="apply the formula to each element")
    return ("σ'(x) = σ(x)(1 - σ(x)) agrees with autograd on [-8, 8], at x = ±100 (no nan) "
            "and on a 3x4 tensor")


# --- Exercise 3: Kaiming (He) normal for ReLU, by hand ---------------------------------------


def _kaiming_mistakes() -> list[Mistake]:
    fan_in = "fan_in is the number of inputs, W.shape[1]"
    return [
        (lambda i, o: 1.0, UNSCALED + ", sqrt(2 / fan_in)"),
        (lambda i, o: (2 / i) ** 2, NO_SQRT),
        (lambda i, o: 6 / i, ("sqrt(6 / fan_in) is the bound of kaiming_uniform_, not a "
         "standard deviation; for a normal distribution std = sqrt(2 / fan_in)")),
        (lambda i, o: 2 / o, f"you used fan_out = W.shape[0]; {fan_in}"),
        (lambda i, o: 1 / o, f"you used fan_out = W.shape[0] and dropped the 2; {fan_in}"),
        (lambda i, o: 1 / i, ("a factor 2 is missing: ReLU zeroes half of its inputs, so "
         "Kaiming doubles the variance to 2 / fan_in")),
        (lambda i, o: 2 / (i + o), ("that is Xavier's variance; for ReLU, Kaiming uses "
         "2 / fan_in")),
    ]


@checker
def check_kaiming_normal(kaiming_normal_: Init) -> str:
    """``kaiming_normal_(W)``: fill W in place with N(0, 2 / fan_in), return W."""
    _check_init(kaiming_normal_, "kaiming_normal_(W)", lambda i, o: 2 / i, "2 / fan_in",
                _kaiming_mistakes())
    return ("W is filled in place with mean 0 and variance 2 / fan_in (fan_in = W.shape[1]), "
            "from a normal distribution, for (200, 1800) and (1800, 200), and also on an "
            "nn.Parameter")
