"""Demo for notebook 14: what a 3 x 3 convolution kernel does to an image."""

from __future__ import annotations

import torch
from matplotlib.figure import Figure
from torch.nn import functional as F

from ..plotting import describe_figure
from .controls import Choice

KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "blur": [[1 / 9] * 3] * 3,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "vertical edges": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
    "horizontal edges": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
    "outline": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
}
CONTROLS = {"kernel": Choice(tuple(KERNELS), "vertical edges")}
GALLERY = [("Vertical edges: strong where brightness changes from left to right",
            {"kernel": "vertical edges"}),
           ("Horizontal edges: strong where it changes from top to bottom",
            {"kernel": "horizontal edges"}),
           ("Blur: each pixel becomes the mean of its 3 x 3 neighbourhood", {"kernel": "blur"})]


def default_image() -> torch.Tensor:
    """A 28 x 28 test image: a bright square and a diagonal bar on black."""
    image = torch.zeros(28, 28)
    image[6:16, 6:16] = 1.0
    for i in range(28):
        image[i, max(0, i - 2):i + 2] = 0.6
    return image


def convolve(image: torch.Tensor, kernel: str) -> torch.Tensor:
    """The image (H, W) convolved with the named kernel, same size (zero padding)."""
    weight = torch.tensor(KERNELS[kernel], dtype=image.dtype).reshape(1, 1, 3, 3)
    return F.conv2d(image.reshape(1, 1, *image.shape[-2:]), weight, padding=1)[0, 0]


def render(kernel: str = "vertical edges", image: torch.Tensor | None = None) -> Figure:
    """The input image, the kernel with its numbers, and the output of the convolution."""
    image = default_image() if image is None else image.detach().reshape(image.shape[-2:]).float()
    output = convolve(image, kernel)
    figure = Figure(figsize=(9.0, 3.2))
    left, middle, right = figure.subplots(1, 3, gridspec_kw={"wspace": 0.3})
    left.imshow(image.numpy(), cmap="gray")
    left.set_title("input")
    weights = torch.tensor(KERNELS[kernel], dtype=torch.float32)
    middle.imshow(weights.numpy(), cmap="cividis")
    for (i, j), value in zip(((i, j) for i in range(3) for j in range(3)), weights.flatten()):
        middle.text(j, i, f"{value:.2g}", ha="center", va="center", color="w" if value < weights.mean() else "k")
    middle.set_title(f"kernel: {kernel}")
    shown = right.imshow(output.numpy(), cmap="cividis")
    figure.colorbar(shown, ax=right, shrink=0.8)
    right.set_title("output")
    for axes in (left, middle, right):
        axes.set(xticks=[], yticks=[])
    describe_figure(f"A 28 by 28 grey image, the 3 by 3 {kernel} kernel with its weights, and the "
                    f"output of the convolution, with values from {output.min():.2f} to "
                    f"{output.max():.2f}.", figure)
    return figure
