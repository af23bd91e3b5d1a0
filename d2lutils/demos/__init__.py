"""Interactive demos: turn a knob, see the figure change.

One module per demo, each with a pure ``render(**params) -> Figure`` (fast, no training
inside), its ``CONTROLS`` and a ``GALLERY`` of chosen settings; :mod:`.controls` turns them
into sliders (``interact``) or a static gallery (``gallery``). In a notebook::

    d2l.demos.interact(d2l.demos.dropout)   # sliders and one figure, redrawn in place
    d2l.demos.gallery(d2l.demos.dropout)    # the same demo at a few settings, with captions
"""

from . import (activations, convolution, dropout, initialization, learning_rate,
               softmax_temperature, weight_decay)
from .controls import Choice, Demo, Slider, gallery, interact

#: Every demo, by the notebook that shows it.
DEMOS = {"03": learning_rate, "04": softmax_temperature, "05": activations,
         "06": weight_decay, "07": dropout, "08": initialization, "14": convolution}

__all__ = ["DEMOS", "Choice", "Demo", "Slider", "activations", "convolution", "dropout",
           "gallery", "initialization", "interact", "learning_rate", "softmax_temperature",
           "weight_decay"]
