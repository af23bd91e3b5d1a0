"""Demo for notebook 03: how the learning rate and the batch size shape the loss curve.

Minibatch SGD on the notebook's synthetic linear-regression problem (1000 examples,
y = Xw + b + noise), two epochs, recomputed in NumPy at every redraw (a few milliseconds).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..plotting import FIGSIZE, PALETTE, describe_figure
from .controls import Choice, Slider

CONTROLS = {"lr": Slider(0.001, 3.0, 0.03, step=0.1, log=True),
            "batch_size": Choice((1, 10, 100, 1000), 10)}
GALLERY = [("Too small: lr = 0.003 barely moves in two epochs", {"lr": 0.003}),
           ("About right: lr = 0.03 reaches the noise floor", {"lr": 0.03}),
           ("Too large: lr = 2.5 diverges", {"lr": 2.5}),
           ("Batch size 1000 (full batch): one step per epoch", {"lr": 0.03, "batch_size": 1000})]
EPOCHS = 2
_W, _B, _N = np.array([2.0, -3.4]), 4.2, 1000


def _problem() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(_N, 2))
    return X, X @ _W + _B + rng.normal(scale=0.01, size=_N)


def losses(lr: float, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(epochs seen, mean squared loss / 2 on all examples) after every SGD step."""
    X, y = _problem()
    Xb = np.hstack([X, np.ones((_N, 1))])
    theta, rng = np.zeros(3), np.random.default_rng(1)
    seen, loss = [0.0], [0.5 * np.mean((Xb @ theta - y) ** 2)]
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(EPOCHS):
            order = rng.permutation(_N)
            for start in range(0, _N, batch_size):
                rows = order[start:start + batch_size]
                theta = theta - lr * Xb[rows].T @ (Xb[rows] @ theta - y[rows]) / len(rows)
                seen.append(epoch + (start + len(rows)) / _N)
                loss.append(0.5 * np.mean((Xb @ theta - y) ** 2))
    return np.array(seen), np.nan_to_num(np.array(loss), nan=np.inf)


def render(lr: float = 0.03, batch_size: int = 10) -> Figure:
    """The full-data loss after every step of SGD with this learning rate and batch size."""
    seen, loss = losses(lr, int(batch_size))
    figure = Figure(figsize=FIGSIZE)
    axes = figure.subplots()
    shown = np.clip(loss, 1e-6, 1e6)
    axes.plot(seen, shown, color=PALETTE[0], marker="o" if len(seen) < 30 else None)
    axes.set(xlabel="epoch", ylabel="loss (log scale)", yscale="log", ylim=(1e-6, 1e6),
             title=f"lr = {lr:.3g}, batch size = {batch_size}")
    axes.grid(True)
    end = "diverges past 1e6" if not np.isfinite(loss[-1]) or loss[-1] > 1e6 else f"ends at {loss[-1]:.2g}"
    describe_figure(f"Loss of linear regression on a log scale over {EPOCHS} epochs of SGD with "
                    f"learning rate {lr:.3g} and batch size {batch_size}: it starts at "
                    f"{loss[0]:.3g} and {end}, after {len(seen) - 1} steps.", figure)
    return figure
