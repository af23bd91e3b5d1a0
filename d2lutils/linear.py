"""Linear regression from scratch: the model and its loss (derived in notebook 03)."""

from __future__ import annotations

import torch


def linreg(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The linear model ``Xw + b``: one prediction per row of ``X``."""
    return X @ w + b


def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Half the squared error of each example, not reduced; ``y`` takes ``y_hat``'s shape.

    The reshape matters: a ``(n,)`` target minus a ``(n, 1)`` prediction would broadcast
    to ``(n, n)`` and silently compare every prediction with every label.
    """
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2
