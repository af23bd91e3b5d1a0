"""Demo for notebook 05: an activation function and its derivative (by autograd)."""

from __future__ import annotations

import torch
from matplotlib.figure import Figure
from torch.nn import functional as F

from ..plotting import FIGSIZE, PALETTE, describe_figure
from .controls import Choice

FUNCTIONS = {"relu": F.relu, "leaky_relu": F.leaky_relu, "sigmoid": torch.sigmoid,
             "tanh": torch.tanh, "gelu": F.gelu, "silu": F.silu, "softplus": F.softplus}
CONTROLS = {"name": Choice(tuple(FUNCTIONS), "relu")}
GALLERY = [("ReLU: the derivative jumps from 0 to 1", {"name": "relu"}),
           ("Sigmoid: the derivative is at most 0.25", {"name": "sigmoid"}),
           ("GELU: smooth, slightly negative for x < 0", {"name": "gelu"})]


def curves(name: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """x in [-6, 6], f(x) and f'(x) for the activation ``name``."""
    x = torch.linspace(-6, 6, 241, requires_grad=True)
    y = FUNCTIONS[name](x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    return x.detach(), y.detach(), grad


def render(name: str = "relu") -> Figure:
    """``name``(x) and its derivative on [-6, 6]."""
    x, y, grad = curves(name)
    figure = Figure(figsize=FIGSIZE)
    axes = figure.subplots()
    axes.plot(x.numpy(), y.numpy(), color=PALETTE[0], linestyle="-", label=f"{name}(x)")
    axes.plot(x.numpy(), grad.numpy(), color=PALETTE[1], linestyle="--", label=f"derivative of {name}")
    axes.set(xlabel="x", title=name)
    axes.legend()
    axes.grid(True)
    describe_figure(f"{name}(x) (solid) and its derivative (dashed) for x from -6 to 6: the "
                    f"function goes from {y[0]:.2f} to {y[-1]:.2f}; the derivative lies between "
                    f"{grad.min():.2f} and {grad.max():.2f}.", figure)
    return figure
