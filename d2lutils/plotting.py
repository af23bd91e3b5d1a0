"""Plotting helpers: curves (``plot``) and image grids (``show_images``).

Figures default to :data:`FIGSIZE`, large enough to read on a projector.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes

#: Default figure size in inches (width, height).
FIGSIZE = (6.0, 3.6)


def set_figsize(figsize: tuple[float, float] = FIGSIZE) -> None:
    """Set the default size of new matplotlib figures."""
    plt.rcParams["figure.figsize"] = figsize


def set_axes(axes: Axes, xlabel: str | None = None, ylabel: str | None = None,
             xlim: tuple[float, float] | None = None, ylim: tuple[float, float] | None = None,
             xscale: str = "linear", yscale: str = "linear",
             legend: Sequence[str] | None = None) -> None:
    """Label, limit and scale ``axes``, add a legend if given, and draw a grid."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if xscale != axes.get_xscale():  # setting a scale resets category labels: only change
        axes.set_xscale(xscale)
    if yscale != axes.get_yscale():
        axes.set_yscale(yscale)
    if xlim:
        axes.set_xlim(xlim)
    if ylim:
        axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid(True)


def _as_list(values: Any) -> list[float]:
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().tolist()
    return list(values)


def _is_single_series(values: Any) -> bool:
    if isinstance(values, torch.Tensor):
        return values.dim() == 1
    return len(values) > 0 and not hasattr(values[0], "__len__")


def plot(X: Any, Y: Any = None, xlabel: str | None = None, ylabel: str | None = None,
         legend: Sequence[str] | None = None, xlim: tuple[float, float] | None = None,
         ylim: tuple[float, float] | None = None, xscale: str = "linear",
         yscale: str = "linear", fmts: Sequence[str] = ("-", "m--", "g-.", "r:"),
         figsize: tuple[float, float] = FIGSIZE, axes: Axes | None = None) -> None:
    """Plot one or several curves (on ``axes`` if given, else on a new figure).

    ``plot(x, y)`` draws one curve, ``plot(x, [y1, y2], legend=[...])`` several with a
    shared x, ``plot(y)`` uses 0, 1, 2, ... as x. Tensors are accepted (even ones that
    require gradients) and moved to the CPU.
    """
    if Y is None:
        X, Y = [[]], X
    if _is_single_series(X):
        X = [X]
    if _is_single_series(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    if axes is None:
        axes = plt.figure(figsize=figsize).gca()
    for x, y, fmt in zip(X, Y, list(fmts) * len(Y)):
        y = _as_list(y)
        x = _as_list(x) if len(x) else list(range(len(y)))
        axes.plot(x, y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)


def show_images(imgs: torch.Tensor | Sequence[Any], num_rows: int, num_cols: int,
                titles: Sequence[str] | None = None, scale: float = 1.5) -> list[Axes]:
    """Show images in a grid of ``num_rows`` x ``num_cols``, with optional titles.

    Accepts a batch of shape (N, H, W) or (N, 1, H, W), or a list of arrays/PIL images.
    """
    figsize = (num_cols * scale, num_rows * scale * 1.15)
    _, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False)
    axes = list(axes.flatten())
    for i, (ax, img) in enumerate(zip(axes, imgs)):
        if isinstance(img, torch.Tensor):
            img = img.detach().cpu().squeeze().numpy()
        ax.imshow(img, cmap="gray")
        ax.axis("off")
        if titles:
            ax.set_title(titles[i], fontsize=9)
    for ax in axes[len(imgs):]:
        ax.axis("off")
    return axes
