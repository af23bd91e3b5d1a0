"""Demo for notebook 04: dividing the logits by a temperature before the softmax."""

from __future__ import annotations

import torch
from matplotlib.figure import Figure

from ..fashion_mnist import fashion_mnist_labels
from ..plotting import FIGSIZE, PALETTE, describe_figure
from .controls import Slider

CONTROLS = {"temperature": Slider(0.05, 20.0, 1.0, step=0.05, log=True)}
GALLERY = [("Cold, T = 0.1: almost all the probability on the largest logit", {"temperature": 0.1}),
           ("T = 1: the plain softmax", {"temperature": 1.0}),
           ("Hot, T = 10: close to uniform", {"temperature": 10.0})]
#: The logits of one example, as an untrained-then-trained model might give them.
LOGITS = torch.tensor([1.2, -0.5, 2.0, 0.3, 2.6, -1.4, 1.7, -2.0, 0.1, -0.8])


def probabilities(temperature: float) -> torch.Tensor:
    """softmax(LOGITS / temperature)."""
    return torch.softmax(LOGITS / temperature, dim=0)


def render(temperature: float = 1.0) -> Figure:
    """The ten class probabilities of one example at this temperature."""
    probs = probabilities(temperature)
    names = fashion_mnist_labels(range(len(LOGITS)))
    figure = Figure(figsize=FIGSIZE)
    axes = figure.subplots()
    axes.bar(range(len(probs)), probs.tolist(), color=PALETTE[0])
    axes.set_xticks(range(len(probs)), names, rotation=45, ha="right")
    axes.set(ylabel="probability", ylim=(0, 1), title=f"softmax(logits / {temperature:.3g})")
    axes.grid(True, axis="y")
    top = int(probs.argmax())
    describe_figure(f"Bar chart of the softmax probabilities of ten Fashion-MNIST classes at "
                    f"temperature {temperature:.3g}: {names[top]} gets {probs[top]:.2f}, the "
                    f"smallest class gets {probs.min():.3f}; a uniform guess would be 0.10.", figure)
    return figure
