"""Checkers for the exercises of notebook 07, Dropout.

1. ``dropout_per_feature(X, p)``: inverted dropout with one drop probability per column.
2. ``GaussianDropout(p)``: a module that multiplies by normal noise while training and is
   the identity in evaluation mode.
3. ``mc_predict(net, X, n)``: Monte Carlo dropout, the average of ``n`` train-mode softmax
   outputs, computed without gradients, leaving the net in the mode it was in.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from .core import (
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

# Drop probabilities per column for exercise 1: distinct, not sorted, with both edge cases.
COLUMN_P = (0.3, 0.0, 0.8, 0.5, 1.0, 0.1)
FRACTION_TOL = 0.03  # allowed gap between the fraction of zeros and p (5000 rows: sd < 0.008)


def _positive(*shape: int) -> torch.Tensor:
    """Distinct values in [0.5, 1.5): never 0, so a dropped value is exactly 0; mean 1."""
    return torch.rand(*shape) + 0.5


def _expect_floats(Y: object, name: str, shape: torch.Size) -> None:
    """``Y`` is a tensor of ``shape`` with floating-point values (any floating dtype)."""
    tensor = expect_tensor(Y, name, shape=shape)
    expect(tensor.is_floating_point(), f"{name} has dtype {tensor.dtype}; return float values "
           "(multiply X by the mask, do not return the mask itself)")


# Exercise 1 ------------------------------------------------------------------------------


def _check_fractions(Y: torch.Tensor, p: torch.Tensor) -> None:
    """The fraction of zeros in each column with p < 1 is close to that column's p."""
    frac = (Y == 0).float().mean(dim=0)
    some = p < 1
    gap = (frac - p).abs().where(some, torch.zeros_like(p))
    j = int(gap.argmax())
    pj, fj = p[j].item(), frac[j].item()
    where = f"column {j} (p = {pj:g}) has {fj:.0%} zeros instead of {pj:.0%}"
    if ((frac - (1 - p)).abs()[some] < FRACTION_TOL).all():
        raise Wrong(f"{where}: you keep each value with probability p; drop it with "
                    "probability p instead (keep it when rand >= p)")
    expect(gap[j] < FRACTION_TOL,
           f"{where}: drop X[i, j] with probability p[j] (compare torch.rand_like(X) with p, "
           "which broadcasts p over the rows)")


def _check_rescale(X: torch.Tensor, Y: torch.Tensor, p: torch.Tensor) -> None:
    """In each column with p < 1 every kept value is X / (1 - p)."""
    for j in (p < 1).nonzero().flatten().tolist():
        pj, kept = p[j].item(), Y[:, j] != 0
        ratio = Y[kept, j] / X[kept, j]
        want = 1 / (1 - pj)
        if torch.allclose(ratio, torch.full_like(ratio, want), rtol=1e-4):
            continue
        where = f"column {j} (p = {pj:g})"
        if pj > 0 and torch.allclose(ratio, torch.ones_like(ratio), rtol=1e-4):
            raise Wrong(f"the mean of {where} changed from {X[:, j].mean():.2f} to "
                        f"{Y[:, j].mean():.2f}: divide the kept values by 1 - p")
        if pj > 0 and torch.allclose(ratio, torch.full_like(ratio, 1 - pj), rtol=1e-4):
            raise Wrong(f"in {where} the kept values are multiplied by 1 - p; divide them "
                        "by 1 - p instead")
        raise Wrong(f"in {where} a kept value is {ratio.mean():.3g} * X; it should be "
                    f"X / (1 - p[{j}]) = {want:.3g} * X (divide each column by its own 1 - p)")


AMBIGUOUS = "Boolean value of Tensor"  # what `if tensor:` raises for more than one value


def _per_feature(dropout_per_feature: Callable, X: torch.Tensor, p: torch.Tensor,
                 first: bool = False) -> torch.Tensor:
    """Call the student's function; explain the error of an ``if`` on the tensor ``p``."""
    name = "dropout_per_feature(X, p)"
    try:
        return (attempt if first else call)(dropout_per_feature, X, p, name=name)
    except StudentError as err:
        if AMBIGUOUS not in str(err.__cause__):
            raise
        raise Wrong(f"{name} raised RuntimeError ({AMBIGUOUS} ... is ambiguous): p holds one "
                    "probability per column, so an `if` on p, such as `if p == 1:`, has no "
                    "single answer; handle all columns at once, e.g. with "
                    "torch.where(p < 1, 1 / (1 - p), 0.0)") from None


@checker
def check_dropout_per_feature(
        dropout_per_feature: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> str:
    """``dropout_per_feature(X, p)``: inverted dropout, drop probability ``p[j]`` in column j."""
    X, p = _positive(5000, len(COLUMN_P)), torch.tensor(COLUMN_P)
    X0, p0 = X.clone(), p.clone()
    name = "dropout_per_feature(X, p)"
    Y = _per_feature(dropout_per_feature, X, p, first=True)
    _expect_floats(Y, name, X.shape)
    expect_unchanged(X0, X, "X")
    expect_unchanged(p0, p, "p")
    kept = (Y != 0) & Y.isfinite()
    expect(not (kept == kept[0]).all(),
           "every row has the same mask: draw one random number per element "
           "(torch.rand_like(X)), not one per column")
    _check_fractions(Y, p)
    for j in (p == 1).nonzero().flatten().tolist():
        expect(Y[:, j].isfinite().all(),
               f"column {j} (p = 1) contains nan or inf: where p = 1 return 0 instead of "
               "dividing by 1 - p = 0 (torch.where helps)")
        expect(torch.equal(Y[:, j], torch.zeros_like(Y[:, j])),
               f"column {j} has p = 1, so every value in it must be dropped (set to 0)")
    expect(Y.isfinite().all(), f"{name} contains nan or inf where p < 1")
    _check_rescale(X, Y, p)
    again = _per_feature(dropout_per_feature, X, p)
    expect(not torch.equal(Y, again),
           "two calls drop the same values: draw a new random mask on every call")
    small = _positive(7, 3)
    expect(torch.equal(_per_feature(dropout_per_feature, small, torch.zeros(3)), small),
           "with p = 0 in every column nothing may change: the result should equal X")
    return ("per-feature inverted dropout: column j loses a fraction p[j], the rest is "
            "scaled by 1/(1-p[j]), p = 0 and p = 1 handled, a new mask every call")


# Exercise 2 ------------------------------------------------------------------------------


def _factor_problems(X: torch.Tensor, Y: torch.Tensor, p: float) -> None:
    """Y / X must be independent normal factors with mean 1 and variance p / (1 - p)."""
    expect(not torch.equal(Y, X),
           "in training mode the output equals X: multiply X by random noise while "
           "self.training is True")
    expect((Y == 0).float().mean() < 0.05,
           "some outputs are exactly 0: that is Bernoulli dropout; Gaussian dropout "
           "multiplies every value by a normal random factor instead")
    R = Y / X
    expect(R.std() > 1e-6, "every value got the same random factor: draw one per element "
                           "(torch.randn_like(X))")
    expect(not torch.allclose(R[0], R[1]), "the rows share the same noise: draw noise of "
                                           "X's full shape (torch.randn_like(X))")
    small, large = R[X < 0.75].var(), R[X > 1.25].var()
    expect(small < 1.5 * large,
           "the noise does not scale with X: multiply X by (1 + sigma * eps) instead of "
           "adding noise to X")
    expect(R.min() < 1, "every factor is >= 1: eps must be standard normal "
                        "(torch.randn_like), not uniform in [0, 1) (torch.rand_like)")
    mean, var, want = R.mean().item(), R.var().item(), p / (1 - p)
    expect(abs(mean - 1) < 0.02,
           f"the mean changed from {X.mean():.2f} to {Y.mean():.2f}: the random factor "
           f"has mean {mean:.2f}, but it must have mean 1 (use 1 + sigma * eps, not sigma * eps)")
    if abs(var - want**2) < 0.03 * want**2:
        raise Wrong(f"the random factor has variance {var:.3f} = (p/(1-p))^2 for p = {p:g}: "
                    "p/(1-p) is the variance, so sigma is its square root")
    expect(abs(var - want) < 0.03 * want,
           f"the random factor Y / X has variance {var:.3f}; for p = {p:g} it should be "
           f"p / (1 - p) = {want:.3f}, the variance of inverted dropout's factor xi / (1 - p)")
    within = ((R - 1).abs() < want**0.5).float().mean().item()
    expect(abs(within - 0.683) < 0.02,
           f"{within:.0%} of the factors lie within one sigma of 1 instead of 68%: draw a "
           "normal eps with torch.randn_like(X)")


@checker
def check_gaussian_dropout(GaussianDropout: type) -> str:
    """``GaussianDropout(p)``: normal noise of mean 1, variance p/(1-p) in training only."""
    layer = call(GaussianDropout, 0.6, name="GaussianDropout(0.6)")
    expect(isinstance(layer, nn.Module),
           "GaussianDropout should be a subclass of nn.Module (class GaussianDropout(nn.Module))")
    expect(not list(layer.parameters()),
           "GaussianDropout(0.6) has trainable parameters: store p as a plain number "
           "(self.p = p), not as an nn.Parameter")
    layer.train()
    X = _positive(400, 500)
    X0 = X.clone()
    Y = attempt(layer, X, name="GaussianDropout(0.6)(X) in training mode")
    _expect_floats(Y, "GaussianDropout(0.6)(X)", X.shape)
    expect_unchanged(X0, X, "X")
    _factor_problems(X, Y, 0.6)
    expect(not torch.equal(Y, call(layer, X, name="GaussianDropout(0.6)(X)")),
           "two calls give the same output: draw new noise in forward on every call, "
           "not once in __init__")
    _factor_problems(X, call(GaussianDropout(0.2).train(), X, name="GaussianDropout(0.2)(X)"), 0.2)
    unchanged = call(GaussianDropout(0.0).train(), X, name="GaussianDropout(0.0)(X)")
    expect(torch.allclose(unchanged, X), "with p = 0 the layer must return X unchanged")
    layer.eval()
    expect(torch.equal(call(layer, X, name="GaussianDropout(0.6)(X) in eval mode"), X),
           "in eval mode the layer must return X unchanged: add noise only when "
           "self.training is True")
    return ("Gaussian dropout: a fresh normal factor per element, mean 1 and variance "
            "p/(1-p) in training mode, the identity in eval mode")


# Exercise 3 ------------------------------------------------------------------------------


class _Probe(nn.Module):
    """A stand-in network that records how it is called.

    In training mode its k-th call returns the k-th of a list of random logits (as if
    dropout drew a new mask), in evaluation mode always the same logits. Its outputs
    depend on a parameter, so they track gradients unless called under ``no_grad``.
    """

    def __init__(self, batch: int, classes: int, samples: int) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))
        self.train_logits = torch.randn(samples, batch, classes) * 4
        self.eval_logits = torch.randn(batch, classes) * 4
        self.calls: list[tuple[bool, bool]] = []  # (training, grad enabled) per call

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        draw = sum(training for training, _ in self.calls) % len(self.train_logits)
        self.calls.append((self.training, torch.is_grad_enabled()))
        logits = self.train_logits[draw] if self.training else self.eval_logits
        return logits[:len(X)] * self.scale


def _check_mc_call(mc_predict: Callable, n: int, start_training: bool, first: bool) -> None:
    """Call ``mc_predict(net, X, n)`` on a probe net that starts in the given mode."""
    batch, classes = 6, 4
    probe = _Probe(batch, classes, samples=20)
    net = nn.Sequential(nn.Flatten(), probe).train(start_training)
    X = torch.randn(batch, 1, 2, 3)
    name = f"mc_predict(net, X, {n})"
    probs = (attempt if first else call)(mc_predict, net, X, n, name=name)
    expect(not any(grad for _, grad in probe.calls) and not getattr(probs, "requires_grad", False),
           "net ran with gradient tracking on: wrap the n forward passes in torch.no_grad()")
    draws = sum(training for training, _ in probe.calls)
    expect(draws > 0, "net ran in evaluation mode, so dropout was off: call net.train() "
                      "before the passes (it switches every layer; setting net.training = "
                      "True does not)")
    expect(draws == n, f"net was called {draws} times in training mode; expected n = {n} "
                       "(one forward pass per sample)")
    before = "training" if start_training else "evaluation"
    expect(all(m.training == start_training for m in net.modules()),
           f"net was in {before} mode before {name} and is not after it: remember "
           "net.training at the start and restore it at the end (net.train(was_training))")
    expect_tensor(probs, name, shape=(batch, classes))
    logits = probe.train_logits[:n]
    want = F.softmax(logits, dim=2).mean(dim=0)
    if torch.allclose(probs, F.softmax(logits.mean(dim=0), dim=1), atol=1e-5):
        raise Wrong("you averaged the logits: apply softmax to each output first, then "
                    "average the probabilities")
    if torch.allclose(probs, F.softmax(logits, dim=1).mean(dim=0), atol=1e-5):
        raise Wrong("each row should sum to 1; you took the softmax over the batch: use dim=1")
    if torch.allclose(probs, n * want, atol=1e-5):
        raise Wrong(f"the result is the sum of the {n} softmax outputs: divide by n (or use mean)")
    expect_close(probs, want, name, hint="the mean over n passes of softmax(net(X), dim=1)")


@checker
def check_mc_predict(mc_predict: Callable[[nn.Module, torch.Tensor, int], torch.Tensor]) -> str:
    """``mc_predict(net, X, n)``: average of n train-mode softmax outputs, mode restored."""
    _check_mc_call(mc_predict, n=5, start_training=False, first=True)
    _check_mc_call(mc_predict, n=3, start_training=True, first=False)
    return ("Monte Carlo dropout: n train-mode passes under no_grad, softmax averaged, and "
            "the net left in the mode it was in (tested from eval and from train mode)")
