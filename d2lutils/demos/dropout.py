"""Demo for notebook 07: what inverted dropout with probability p does to activations.

A fixed 8 x 16 block of hidden activations h goes through dropout (zero with probability
p, scale the rest by 1/(1-p)). Left: the activations after dropout. Right: their mean and
variance over many draws, against p: the mean stays at the mean of h, the variance grows.
"""

from __future__ import annotations

from functools import cache

import torch
from matplotlib.figure import Figure

from ..plotting import PALETTE, describe_figure
from .controls import Slider

CONTROLS = {"p": Slider(0.0, 0.9, 0.5, step=0.05)}
GALLERY = [("p = 0.1: a few zeros, the rest scaled by 1.11", {"p": 0.1}),
           ("p = 0.5: half the units dropped, the rest doubled", {"p": 0.5}),
           ("p = 0.9: almost all dropped, survivors x10; the variance explodes", {"p": 0.9})]
PS = torch.linspace(0, 0.9, 19)


def activations() -> torch.Tensor:
    """The fixed block of (non-negative) hidden activations."""
    return torch.rand(8, 16, generator=torch.Generator().manual_seed(0)) + 0.5


def dropout(h: torch.Tensor, p: float, generator: torch.Generator) -> torch.Tensor:
    """Inverted dropout, as notebook 07 derives it."""
    if p == 1:
        return torch.zeros_like(h)
    mask = (torch.rand(h.shape, generator=generator) > p).float()
    return mask * h / (1 - p)


@cache
def _statistics() -> torch.Tensor:
    """(mean, variance) of the dropped-out activations over 200 draws, for each p in PS."""
    h, generator = activations(), torch.Generator().manual_seed(1)
    rows = []
    for p in PS.tolist():
        draws = torch.stack([dropout(h, p, generator) for _ in range(200)])
        rows.append((draws.mean().item(), draws.var().item()))
    return torch.tensor(rows)


def render(p: float = 0.5) -> Figure:
    """The activations after one dropout draw, and their mean and variance against p."""
    h = activations()
    out = dropout(h, p, torch.Generator().manual_seed(2))
    stats = _statistics()
    figure = Figure(figsize=(9.0, 3.6))
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1], "wspace": 0.35})
    image = left.imshow(out.numpy(), cmap="cividis", vmin=0, vmax=15)
    figure.colorbar(image, ax=left, shrink=0.8)
    zeros = int((out == 0).sum())
    left.set(title=f"after dropout, p = {p:.2f}\n{zeros} of {out.numel()} are 0",
             xticks=[], yticks=[])
    right.plot(PS.numpy(), stats[:, 0].numpy(), color=PALETTE[0], linestyle="-", label="mean")
    right.plot(PS.numpy(), stats[:, 1].numpy(), color=PALETTE[1], linestyle="--", label="variance")
    right.axvline(p, color="k", linestyle=":", label=f"p = {p:.2f}")
    right.set(xlabel="drop probability p", yscale="log", title="over 200 draws")
    right.legend()
    right.grid(True)
    describe_figure(f"Left: an 8 by 16 block of activations after inverted dropout with p = {p:.2f}; "
                    f"{zeros} of {out.numel()} are zero and the rest are scaled by "
                    f"{1 / (1 - p):.2f}. Right: over 200 draws the mean stays near "
                    f"{h.mean():.2f} for every p while the variance grows from "
                    f"{stats[0, 1]:.3f} at p = 0 to {stats[-1, 1]:.1f} at p = 0.9.", figure)
    return figure
