"""Demo for notebook 06: how the weight-decay strength λ trades train loss for test loss.

The notebook's problem: 200 features, 20 training examples, true weights all 0.01, weights
starting from N(0, 1). For each λ the demo computes exactly where 400 steps of gradient
descent (learning rate 0.003, as in the notebook's 100 epochs) on loss + λ/2 ||w||² end
up: on a quadratic loss that is a closed form, w_T = w* + (I - η H)^T (w_0 - w*), so no
training runs while the slider moves. The bias is not penalised and is fitted exactly.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from matplotlib.figure import Figure

from ..plotting import FIGSIZE, PALETTE, describe_figure
from .controls import Slider

CONTROLS = {"lam": Slider(1e-3, 100.0, 3.0, step=0.1, log=True)}
GALLERY = [("λ = 0.001: the random start stays in w, the test loss is large", {"lam": 1e-3}),
           ("λ = 3: the notebook's choice, close to the lowest test loss", {"lam": 3.0}),
           ("λ = 100: too strong, w is pulled to 0 and fits the training data no better "
            "than a constant", {"lam": 100.0})]
LAMBDAS = np.logspace(-3, 2, 51)
STEPS, LR = 400, 0.003
_D, _N_TRAIN, _N_TEST = 200, 20, 100


def _data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, _D))
    return X, X @ np.full(_D, 0.01) + 0.05 + rng.normal(scale=0.01, size=n)


@cache
def _problem() -> tuple[np.ndarray, ...]:
    """Train and test data, the random start w_0, and the eigen-decomposition of X^T X / n."""
    rng = np.random.default_rng(0)
    X, y, X_test, y_test = (*_data(_N_TRAIN, rng), *_data(_N_TEST, rng))
    Xc = X - X.mean(axis=0)
    eigenvalues, V = np.linalg.eigh(Xc.T @ Xc / _N_TRAIN)
    return X, y, X_test, y_test, rng.normal(size=_D), np.clip(eigenvalues, 0, None), V


def losses(lam: float) -> tuple[float, float, float]:
    """(train loss, test loss, ||w||) after training with weight decay ``lam``.

    The loss is the mean of (ŷ - y)² / 2, as in the notebook.
    """
    X, y, X_test, y_test, w0, eigenvalues, V = _problem()
    mean_x, mean_y = X.mean(axis=0), y.mean()
    target = V.T @ ((X - mean_x).T @ (y - mean_y) / _N_TRAIN)  # X^T y / n, in the eigenbasis
    w_star = target / (eigenvalues + lam)
    w = V @ (w_star + (1 - LR * (eigenvalues + lam)) ** STEPS * (V.T @ w0 - w_star))
    b = mean_y - mean_x @ w

    def loss(X_: np.ndarray, y_: np.ndarray) -> float:
        return float(0.5 * np.mean((X_ @ w + b - y_) ** 2))

    return loss(X, y), loss(X_test, y_test), float(np.linalg.norm(w))


@cache
def _curves() -> np.ndarray:
    return np.array([losses(lam) for lam in LAMBDAS])


def render(lam: float = 3.0) -> Figure:
    """Train and test loss against λ (log scales), with the chosen λ marked."""
    curves = _curves()
    train, test, norm = losses(lam)
    figure = Figure(figsize=FIGSIZE)
    axes = figure.subplots()
    axes.plot(LAMBDAS, curves[:, 0], color=PALETTE[0], linestyle="-", label="train loss")
    axes.plot(LAMBDAS, curves[:, 1], color=PALETTE[1], linestyle="--", label="test loss")
    axes.plot([lam, lam], [train, test], "ko", label=f"λ = {lam:.3g}")
    axes.set(xlabel="weight decay λ (log scale)", ylabel="loss (log scale)", xscale="log",
             yscale="log", title=f"λ = {lam:.3g}: ||w|| = {norm:.3f} (true: 0.141)")
    axes.legend()
    axes.grid(True)
    lowest = curves[:, 1].argmin()
    describe_figure(f"As weight decay λ grows from 0.001 to 100 (log scales), the train loss "
                    f"(solid) rises from {curves[0, 0]:.2g} to {curves[-1, 0]:.2g} and the test "
                    f"loss (dashed) falls from {curves[0, 1]:.3g} to its lowest, "
                    f"{curves[lowest, 1]:.2g} near λ = {LAMBDAS[lowest]:.2g}, and ends at "
                    f"{curves[-1, 1]:.2g}. At the marked λ = {lam:.3g}: train loss {train:.2g}, "
                    f"test loss {test:.2g}, weight norm {norm:.3f}.", figure)
    return figure
