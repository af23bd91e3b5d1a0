"""Plotting helpers: curves (``plot``) and image grids (``show_images``).

Figures default to :data:`FIGSIZE`, large enough to read on a projector. Every figure a
notebook shows carries a text alternative (``alt=``, or :func:`describe_figure`): in a
Jupyter kernel it is stored in the output's metadata (``{"image/png": {"alt": ...}}``),
from where the website and the decks emit it as the image's ``alt``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

#: Default figure size in inches (width, height).
FIGSIZE = (6.0, 3.6)

#: The Okabe-Ito colours, safe for the common kinds of colour blindness, most distinct first.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
#: Line styles that go with :data:`PALETTE`, so that curves differ by more than colour.
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 1)), (0, (3, 1, 1, 1, 1, 1)))
#: ``plot`` and ``Animator`` formats: a line style each (the colour comes from the palette).
FMTS = ("-", "--", "-.", ":")


def line_colour(fmt: str, index: int) -> dict[str, str]:
    """``color=`` for curve ``index`` from :data:`PALETTE`, unless ``fmt`` names a colour."""
    return {} if set(fmt) & set("bgrcmykw") else {"color": PALETTE[index % len(PALETTE)]}


def use_course_style() -> None:
    """Make matplotlib draw with the colour-blind-safe palette and a line style per curve."""
    from cycler import cycler

    plt.rcParams["axes.prop_cycle"] = cycler(color=PALETTE) + cycler(linestyle=LINESTYLES)


#: The attribute of a matplotlib figure that holds its text alternative.
ALT_ATTRIBUTE = "d2l_alt"


def describe_figure(alt: str, figure: Figure | None = None) -> None:
    """Give ``figure`` (default: the current one) the text alternative ``alt``.

    Say what the figure shows, as you would to someone who cannot see it: "Training loss
    falls from 2.3 to 0.4 over 10 epochs", not "Figure 1".
    """
    if not alt or not alt.strip():
        raise ValueError("alt must say what the figure shows; it is empty")
    figure = plt.gcf() if figure is None else figure
    setattr(figure, ALT_ATTRIBUTE, " ".join(alt.split()))
    _store_alt_in_outputs()  # here: the inline backend sets its formatter at the first figure


def _with_alt(formatter: Callable[[Figure], Any]) -> Callable[[Figure], Any]:
    """Wrap IPython's PNG formatter of figures so that it returns the alt text as metadata."""
    if getattr(formatter, "adds_alt", False):
        return formatter

    def png_with_alt(figure: Figure) -> Any:
        data = formatter(figure)
        alt = getattr(figure, ALT_ATTRIBUTE, None)
        return (data, {"alt": alt}) if alt and data is not None else data

    png_with_alt.adds_alt = True  # type: ignore[attr-defined]
    return png_with_alt


def _store_alt_in_outputs() -> None:
    """In a Jupyter kernel, make every displayed figure carry its alt text in the output."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    png = shell.display_formatter.formatters["image/png"]
    try:
        current = png.lookup_by_type(Figure)
    except KeyError:  # no pyplot figure yet, so the inline backend has not set its own
        from IPython.core.pylabtools import print_figure
        current = functools.partial(print_figure, fmt="png", base64=True, bbox_inches="tight")
    png.for_type(Figure, _with_alt(current))


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
         yscale: str = "linear", fmts: Sequence[str] = FMTS,
         figsize: tuple[float, float] = FIGSIZE, axes: Axes | None = None,
         alt: str | None = None) -> None:
    """Plot one or several curves (on ``axes`` if given, else on a new figure).

    Curves take their colours from :data:`PALETTE` and their line styles from ``fmts``.

    ``plot(x, y)`` draws one curve, ``plot(x, [y1, y2], legend=[...])`` several with a
    shared x, ``plot(y)`` uses 0, 1, 2, ... as x. Tensors are accepted (even ones that
    require gradients) and moved to the CPU. ``alt`` is the figure's text alternative
    (see :func:`describe_figure`).
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
    for i, (x, y, fmt) in enumerate(zip(X, Y, list(fmts) * len(Y))):
        y = _as_list(y)
        x = _as_list(x) if len(x) else list(range(len(y)))
        axes.plot(x, y, fmt, **line_colour(fmt, i))
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
    if alt is not None:
        describe_figure(alt, axes.figure)


def show_images(imgs: torch.Tensor | Sequence[Any], num_rows: int, num_cols: int,
                titles: Sequence[str] | None = None, scale: float = 1.5,
                alt: str | None = None) -> list[Axes]:
    """Show images in a grid of ``num_rows`` x ``num_cols``, with optional titles.

    Accepts a batch of shape (N, H, W) or (N, 1, H, W), or a list of arrays/PIL images.
    ``alt`` is the figure's text alternative (see :func:`describe_figure`).
    """
    figsize = (num_cols * scale, num_rows * scale * 1.15)
    figure, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False)
    if alt is not None:
        describe_figure(alt, figure)
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


use_course_style()
