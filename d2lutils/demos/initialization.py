"""Demo for notebook 08: how the initial weight scale and the depth set the size of
activations and gradients, layer by layer.

A ReLU MLP of width 64 and ``depth`` layers, weights drawn from N(0, (scale * Kaiming std)²):
``scale = 1`` is Kaiming initialisation. One forward and backward pass on 256 random
inputs; the figure shows the standard deviation of each layer's output and of the gradient
of its weights (log scale).
"""

from __future__ import annotations

import math

import torch
from matplotlib.figure import Figure

from ..plotting import FIGSIZE, PALETTE, describe_figure
from .controls import Slider

CONTROLS = {"scale": Slider(0.25, 4.0, 1.0, step=0.05, log=True),
            "depth": Slider(2, 50, 20, integer=True)}
GALLERY = [("scale 0.5: activations and gradients vanish with depth", {"scale": 0.5}),
           ("scale 1 (Kaiming): the same size in every layer", {"scale": 1.0}),
           ("scale 2: they explode", {"scale": 2.0})]
WIDTH = 64


def layer_sizes(scale: float, depth: int) -> tuple[list[float], list[float]]:
    """Per layer: std of its output (after ReLU) and std of its weights' gradient."""
    generator = torch.Generator().manual_seed(0)
    std = scale * math.sqrt(2 / WIDTH)
    weights = [(torch.randn(WIDTH, WIDTH, generator=generator) * std).requires_grad_()
               for _ in range(depth)]
    h, outputs = torch.randn(256, WIDTH, generator=generator), []
    for weight in weights:
        h = torch.relu(h @ weight)
        outputs.append(h)
    h.sum().backward()
    return ([out.std().item() for out in outputs], [w.grad.std().item() for w in weights])


def render(scale: float = 1.0, depth: int = 20) -> Figure:
    """Activation and gradient size per layer for this weight scale and depth."""
    activations, gradients = layer_sizes(scale, int(depth))
    layers = range(1, int(depth) + 1)
    figure = Figure(figsize=FIGSIZE)
    axes = figure.subplots()
    axes.plot(layers, activations, color=PALETTE[0], linestyle="-", marker="o", markersize=3,
              label="std of the layer's output")
    axes.plot(layers, gradients, color=PALETTE[1], linestyle="--", marker="s", markersize=3,
              label="std of its weights' gradient")
    axes.set(xlabel="layer", yscale="log", title=f"scale = {scale:.2g} x Kaiming, depth {depth}")
    axes.legend()
    axes.grid(True)
    describe_figure(f"For a {depth}-layer ReLU network initialised at {scale:.2g} times the "
                    f"Kaiming scale, the output size goes from {activations[0]:.2g} in layer 1 "
                    f"to {activations[-1]:.2g} in layer {depth}, and the weight gradients from "
                    f"{gradients[0]:.2g} to {gradients[-1]:.2g} (log scale).", figure)
    return figure
