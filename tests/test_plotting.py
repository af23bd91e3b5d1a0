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


def test_describe_figure_refuses_an_empty_text() -> None:
    with pytest.raises(ValueError, match="alt must say what the figure shows"):
        d2l.describe_figure("  ")


def test_a_kernel_stores_each_figures_alt_text_in_its_output() -> None:
    """In Jupyter, plot(alt=), show_images(alt=), describe_figure and train's live plot all
    put their text alternative in the output's metadata; a figure without one has none."""
    import nbformat
    from nbclient import NotebookClient

    cells = [
        "import torch, matplotlib.pyplot as plt\nimport d2lutils as d2l",
        "d2l.plot([0, 1], [1, 0], alt='A line falling from 1 to 0')",
        "d2l.show_images(torch.zeros(2, 4, 4), 1, 2, alt='Two black squares')",
        "plt.plot([1, 2])\nd2l.describe_figure('A rising line')",
        "plt.plot([1, 2]);",
        "X = torch.randn(40, 2); y = (X[:, 0] > 0).long()\n"
        "net = torch.nn.Linear(2, 2)\n"
        "h = d2l.train(net, d2l.load_array((X, y), 20), d2l.load_array((X, y), 20),\n"
        "              torch.nn.CrossEntropyLoss(), 2, torch.optim.SGD(net.parameters(), 0.1))",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    alts = [[out.get("metadata", {}).get("image/png", {}).get("alt")
             for out in cell.outputs if "image/png" in out.get("data", {})]
            for cell in nb.cells[1:]]
    assert alts[:4] == [["A line falling from 1 to 0"], ["Two black squares"],
                        ["A rising line"], [None]]
    assert len(alts[4]) == 1 and alts[4][0].startswith("Training curves after 2 of 2 epochs:")


def test_curves_differ_by_a_colour_blind_safe_colour_and_a_line_style() -> None:
    d2l.plot([0, 1], [[0, 1], [1, 0], [0.5, 0.5]])
    lines = plt.gca().get_lines()
    colours = [matplotlib.colors.to_hex(line.get_color()).upper() for line in lines]
    assert colours == [c.upper() for c in d2l.plotting.PALETTE[:3]]
    assert len({line.get_linestyle() for line in lines}) == 3


def test_a_colour_in_the_format_wins_over_the_palette() -> None:
    d2l.plot([0, 1], [0, 1], fmts=["r:"])
    assert matplotlib.colors.to_hex(plt.gca().get_lines()[0].get_color()) == "#ff0000"


def test_plain_matplotlib_cycles_through_the_palette_and_line_styles() -> None:
    lines = [plt.plot([0, 1])[0] for _ in range(3)]
    assert [matplotlib.colors.to_hex(line.get_color()).upper() for line in lines] == [
        c.upper() for c in d2l.plotting.PALETTE[:3]]
    assert len({line.get_linestyle() for line in lines}) == 3
