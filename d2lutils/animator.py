"""A live plot that redraws itself in place while a model trains."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.backends import BackendFilter, backend_registry
from matplotlib.ticker import MaxNLocator

from .plotting import FIGSIZE, FMTS, describe_figure, line_colour, set_axes

_WINDOW_BACKENDS = set(backend_registry.list_builtin(BackendFilter.INTERACTIVE))


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, VS Code, nbval), False in a plain script."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class Animator:
    """Add points to one or several curves and redraw the figure in place.

    In a notebook the figure is shown once with ``display(..., display_id=True)`` and
    updated in place, so a cell keeps a single output however many points are added.
    In a plain Python script nothing is printed: the figure is redrawn only if the
    matplotlib backend has a window, and :meth:`show` or :meth:`save` can be called at
    the end.
    """

    def __init__(self, xlabel: str | None = None, ylabel: str | None = None,
                 legend: Sequence[str] | None = None,
                 xlim: tuple[float, float] | None = None,
                 ylim: tuple[float, float] | None = None,
                 xscale: str = "linear", yscale: str = "linear",
                 fmts: Sequence[str] = FMTS,
                 figsize: tuple[float, float] = FIGSIZE, alt: str | None = None) -> None:
        self.fig, self.axes = plt.subplots(figsize=figsize)
        if alt is not None:  # the text alternative (see d2lutils.plotting.describe_figure)
            describe_figure(alt, self.fig)
        self._config = dict(xlabel=xlabel, ylabel=ylabel, xlim=xlim, ylim=ylim,
                            xscale=xscale, yscale=yscale, legend=legend)
        self.fmts = fmts
        self.X: list[list[float]] = []
        self.Y: list[list[float]] = []
        self._handle = None
        if _in_notebook():
            from IPython.display import display

            plt.close(self.fig)  # we display it ourselves; stop the inline backend repeating it
            self._handle = display(self.fig, display_id=True)

    def add(self, x: float, y: float | Sequence[float | None]) -> None:
        """Add the point ``(x, y[i])`` to curve ``i`` (a ``None`` in ``y`` is skipped)."""
        ys = list(y) if isinstance(y, Sequence) else [y]
        if not self.X:
            self.X = [[] for _ in ys]
            self.Y = [[] for _ in ys]
        for i, value in enumerate(ys):
            if value is not None:
                self.X[i].append(float(x))
                self.Y[i].append(float(value))
        self._redraw()

    def _redraw(self) -> None:
        self.axes.cla()
        for i, (x, y, fmt) in enumerate(zip(self.X, self.Y, self.fmts)):
            self.axes.plot(x, y, fmt, **line_colour(fmt, i))
        set_axes(self.axes, **self._config)
        self.axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole
        if self._handle is not None:
            self._handle.update(self.fig)
        elif plt.get_backend().lower() in _WINDOW_BACKENDS:
            plt.pause(0.001)  # let a script's plot window redraw

    def show(self) -> None:
        """Show the final figure in a script with a window backend (blocks until closed)."""
        plt.show()

    def save(self, path: str) -> None:
        """Save the current figure, e.g. at the end of a script."""
        self.fig.savefig(path, bbox_inches="tight")
