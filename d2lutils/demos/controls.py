"""Turn a demo's ``render(**params) -> Figure`` into sliders (JupyterLab) or a gallery (web).

A demo is a module with three things:

- ``render(**params) -> Figure``: a pure function that draws one figure, with a text
  alternative, fast enough to redraw while a slider moves (no training inside);
- ``CONTROLS``: one :class:`Slider` or :class:`Choice` per parameter;
- ``GALLERY``: a few ``(caption, params)`` pairs, the demo at chosen settings.

:func:`interact` shows the controls and one figure, and replaces that figure in place
whenever a control changes (one figure per change, never a growing pile). :func:`gallery`
draws the renders of ``GALLERY`` side by side under their captions: what the website and the
decks show, since they cannot run the sliders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ..plotting import ALT_ATTRIBUTE, describe_figure

#: The plain-text form of the controls: what a reader without widgets sees instead.
OFFLINE_TEXT = ("Interactive demo: move the controls in JupyterLab to redraw the figure. "
                "Without JupyterLab, see the gallery below.")


@dataclass(frozen=True)
class Slider:
    """A numeric control from ``low`` to ``high``; ``log`` spaces it by powers of ten."""

    low: float
    high: float
    value: float
    step: float | None = None
    log: bool = False
    integer: bool = False

    def widget(self, name: str) -> Any:
        """The ipywidgets slider for the parameter ``name``."""
        import ipywidgets as widgets

        style = {"description_width": "initial"}
        if self.log:
            from math import log10
            return widgets.FloatLogSlider(value=self.value, min=log10(self.low),
                                          max=log10(self.high), step=self.step or 0.1,
                                          description=name, style=style, continuous_update=False)
        kind = widgets.IntSlider if self.integer else widgets.FloatSlider
        return kind(value=self.value, min=self.low, max=self.high, step=self.step or 1,
                    description=name, style=style, continuous_update=False)


@dataclass(frozen=True)
class Choice:
    """A control that picks one of ``options``."""

    options: Sequence[Any]
    value: Any

    def widget(self, name: str) -> Any:
        """The ipywidgets drop-down for the parameter ``name``."""
        import ipywidgets as widgets

        return widgets.Dropdown(options=list(self.options), value=self.value, description=name)


def defaults(demo: ModuleType) -> dict[str, Any]:
    """The starting value of every control of ``demo``."""
    return {name: control.value for name, control in demo.CONTROLS.items()}


class Demo:
    """The controls of ``demo`` and the one figure they redraw (see :func:`interact`)."""

    def __init__(self, demo: ModuleType, **fixed: Any) -> None:
        import ipywidgets as widgets

        self.render: Callable[..., Figure] = demo.render
        self.fixed = fixed
        self.controls = {name: control.widget(name) for name, control in demo.CONTROLS.items()}
        self.box = widgets.HBox(list(self.controls.values()),
                                layout=widgets.Layout(flex_flow="row wrap"))
        self.handle: Any = None
        for control in self.controls.values():
            control.observe(lambda _change: self.redraw(), names="value")

    def params(self) -> dict[str, Any]:
        return {**{name: control.value for name, control in self.controls.items()}, **self.fixed}

    def draw(self) -> Figure:
        """Render the figure for the current settings (closed for pyplot: we show it)."""
        figure = self.render(**self.params())
        plt.close(figure)
        return figure

    def show(self) -> None:
        """Display the controls, then the figure for their starting values."""
        from IPython.display import display

        bundle = self.box._repr_mimebundle_()
        display({**bundle, "text/plain": OFFLINE_TEXT}, raw=True)
        self.handle = display(self.draw(), display_id=True)

    def redraw(self) -> None:
        """Replace the figure with the one for the controls' new values."""
        figure = self.draw()
        if self.handle is not None:
            self.handle.update(figure)


def interact(demo: ModuleType, **fixed: Any) -> None:
    """Show ``demo``'s controls and its figure, redrawn in place when a control moves.

    ``fixed`` passes parameters that have no control (e.g. the image a kernel runs over).
    """
    Demo(demo, **fixed).show()


def gallery(demo: ModuleType, **fixed: Any) -> None:
    """Draw one figure: ``demo`` rendered at each setting of its ``GALLERY``, side by side,
    each panel under its caption; the alt text describes every panel. (Like any pyplot
    figure, a notebook shows it at the end of the cell.)"""
    import io
    import textwrap

    panels = []
    for caption, params in demo.GALLERY:
        figure = demo.render(**{**defaults(demo), **params, **fixed})
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        plt.close(figure)
        buffer.seek(0)
        panels.append((caption, plt.imread(buffer), getattr(figure, ALT_ATTRIBUTE, caption)))
    figure = plt.figure(figsize=(4.2 * len(panels), 3.4))
    for index, (caption, pixels, _) in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), index + 1)
        axes.imshow(pixels)
        axes.set_axis_off()
        axes.set_title("\n".join(textwrap.wrap(caption, 42)), fontsize=10)
    figure.subplots_adjust(left=0.01, right=0.99, wspace=0.05)
    describe_figure(f"The demo at {len(panels)} settings, side by side. " + " ".join(
        f"({index}) {caption}: {alt}" for index, (caption, _, alt) in enumerate(panels, 1)),
        figure)
