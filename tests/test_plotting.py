"""Plotting helpers draw what they are given, tensors included."""

from __future__ import annotations

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import d2lutils as d2l  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_plot_several_curves_with_a_shared_x_and_a_legend() -> None:
    x = torch.arange(0.0, 3.0, 0.5, requires_grad=True)
    d2l.plot(x, [x ** 2, 2 * x], xlabel="x", legend=["f", "g"], yscale="log")
    axes = plt.gca()
    assert len(axes.lines) == 2
    assert list(axes.lines[0].get_ydata()) == pytest.approx([0, 0.25, 1, 2.25, 4, 6.25])
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["f", "g"]
    assert axes.get_yscale() == "log" and axes.get_xlabel() == "x"


def test_plot_of_y_alone_uses_the_index_as_x() -> None:
    d2l.plot([3.0, 1.0, 2.0])
    assert list(plt.gca().lines[0].get_xdata()) == [0, 1, 2]


def test_show_images_titles_each_image() -> None:
    images = torch.rand(6, 1, 28, 28)
    axes = d2l.show_images(images, 2, 4, titles=list("abcdef"))
    assert len(axes) == 8
    assert [ax.get_title() for ax in axes[:6]] == list("abcdef")
    assert all(len(ax.images) == 1 for ax in axes[:6]) and not axes[7].images


def test_animator_collects_points_per_curve() -> None:
    animator = d2l.Animator(legend=["loss", "acc"])
    animator.add(1, (0.5, None))
    animator.add(2, (0.25, 0.9))
    assert animator.X == [[1.0, 2.0], [2.0]] and animator.Y == [[0.5, 0.25], [0.9]]
    assert len(animator.axes.lines) == 2


def test_set_axes_keeps_category_labels() -> None:
    _, axes = plt.subplots()
    axes.barh(["shirt", "bag"], [0.6, 0.9])
    d2l.set_axes(axes, xlabel="accuracy", xlim=(0, 1))
    axes.figure.canvas.draw()
    assert [t.get_text() for t in axes.get_yticklabels()] == ["shirt", "bag"]
