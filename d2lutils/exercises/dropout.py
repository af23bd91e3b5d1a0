"""Checkers for the exercises of notebook 07, Dropout."""

from __future__ import annotations

from collections.abc import Callable

import torch

from .core import attempt, call, checker, expect, expect_tensor, expect_unchanged


def _zero_fraction(Y: torch.Tensor) -> float:
    return (Y == 0).float().mean().item()


@checker
def check_dropout_layer(dropout_layer: Callable[[torch.Tensor, float], torch.Tensor]) -> str:
    """``dropout_layer(X, p)``: inverted dropout, as derived in the notebook."""
    X = torch.rand(200, 500) + 0.5  # positive, so a dropped value is exactly 0
    original = X.clone()
    Y = attempt(dropout_layer, X, 0.5, name="dropout_layer(X, 0.5)")
    expect_tensor(Y, "dropout_layer(X, 0.5)", shape=X.shape, dtype=X.dtype)
    expect_unchanged(original, X, "X")
    kept = Y != 0
    expect(not torch.allclose(Y[kept], X[kept] * 0.5),
           "the kept values are multiplied by 1 - p; divide them by 1 - p instead")
    expect(not torch.allclose(Y[kept], X[kept]),
           f"the mean changed from {X.mean():.2f} to {Y.mean():.2f}: divide the kept "
           "values by 1 - p")
    expect(torch.allclose(Y[kept], X[kept] * 2),
           "each kept value should be X / (1 - p), i.e. 2 * X for p = 0.5")
    for p in (0.5, 0.2):
        Y = call(dropout_layer, X, p, name=f"dropout_layer(X, {p})")
        dropped = _zero_fraction(Y)
        expect(abs(dropped - p) < 0.02,
               f"with p = {p}, {dropped:.0%} of the values are zero instead of {p:.0%}: "
               "drop each value with probability p (keep it when rand >= p)")
    expect(torch.equal(call(dropout_layer, X, 0.0, name="dropout_layer(X, 0.0)"), X),
           "with p = 0 nothing may change: dropout_layer(X, 0.0) should equal X")
    Y = call(dropout_layer, X, 1.0, name="dropout_layer(X, 1.0)")
    expect(not Y.isnan().any(), "dropout_layer(X, 1.0) contains nan: with p = 1 return "
           "zeros instead of dividing by 1 - p = 0")
    expect(torch.equal(Y, torch.zeros_like(X)), "with p = 1 every value must be dropped")
    first, second = (call(dropout_layer, X, 0.5, name="dropout_layer(X, 0.5)") for _ in range(2))
    expect(not torch.equal(first, second),
           "two calls drop the same values: draw a new random mask on every call")
    return "inverted dropout: drops a fraction p, scales the rest by 1/(1-p), handles p = 0 and 1"
