"""The interactive demos: every render over a grid of its settings, the property each one
shows, and the widget layer driven without a browser (the browser test is in
test_jupyterlab.py; the redraw time is measured by `make bench`)."""

from __future__ import annotations

import itertools
import math
import warnings

import matplotlib
import pytest
import torch
from matplotlib.figure import Figure

matplotlib.use("agg")

from d2lutils import demos  # noqa: E402
from d2lutils.demos import controls  # noqa: E402
from d2lutils.plotting import ALT_ATTRIBUTE  # noqa: E402


def settings(control) -> list:
    """A few values of one control: its ends, its start and a middle value."""
    if isinstance(control, controls.Choice):
        return list(control.options)
    middle = (math.sqrt(control.low * control.high) if control.log
              else (control.low + control.high) / 2)
    values = [control.low, control.value, middle, control.high]
    return [round(v) for v in values] if control.integer else values


def grid(module) -> list[dict]:
    names = list(module.CONTROLS)
    return [dict(zip(names, values)) for values in
            itertools.product(*(settings(module.CONTROLS[name]) for name in names))]


@pytest.mark.parametrize("notebook, module", demos.DEMOS.items(), ids=list(demos.DEMOS))
def test_render_draws_one_described_figure_for_every_setting(notebook, module) -> None:
    for params in grid(module):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            figure = module.render(**params)
        assert isinstance(figure, Figure) and figure.axes, params
        alt = getattr(figure, ALT_ATTRIBUTE, "")
        assert len(alt.split()) > 10, (params, alt)
        figure.canvas.draw()  # everything in it can be drawn


@pytest.mark.parametrize("notebook, module", demos.DEMOS.items(), ids=list(demos.DEMOS))
def test_gallery_settings_are_valid_controls(notebook, module) -> None:
    assert len(module.GALLERY) >= 3
    for caption, params in module.GALLERY:
        assert caption and set(params) <= set(module.CONTROLS), caption
        for name, value in params.items():
            control = module.CONTROLS[name]
            if isinstance(control, controls.Choice):
                assert value in control.options
            else:
                assert control.low <= value <= control.high


def test_learning_rate_too_small_right_and_too_large() -> None:
    final = {lr: demos.learning_rate.losses(lr, 10)[1][-1] for lr in (0.003, 0.03, 2.5)}
    start = demos.learning_rate.losses(0.03, 10)[1][0]
    assert final[0.03] < 1e-3 < final[0.003] < start < final[2.5]
    seen, _ = demos.learning_rate.losses(0.03, 1000)
    assert len(seen) == 1 + demos.learning_rate.EPOCHS  # full batch: one step per epoch


def test_a_higher_temperature_spreads_the_probabilities() -> None:
    entropy = [-(p * p.log()).sum().item() for p in map(
        demos.softmax_temperature.probabilities, (0.05, 0.5, 1, 5, 20))]
    assert entropy == sorted(entropy) and entropy[0] < 0.01 and entropy[-1] > math.log(10) - 0.01


def test_activation_derivatives() -> None:
    _, _, sigmoid_grad = demos.activations.curves("sigmoid")
    assert sigmoid_grad.max().item() == pytest.approx(0.25, abs=1e-3)
    x, _, relu_grad = demos.activations.curves("relu")
    assert set(relu_grad[x != 0].tolist()) == {0.0, 1.0}


def test_weight_decay_trades_train_loss_for_test_loss() -> None:
    curves = demos.weight_decay._curves()
    assert (curves[1:, 0] >= curves[:-1, 0] - 1e-12).all()  # train loss only rises with λ
    weak, good = demos.weight_decay.losses(1e-3), demos.weight_decay.losses(3.0)
    assert weak[1] > 100 * good[1] and weak[2] > good[2]  # test loss and ||w|| fall


def test_more_dropout_more_zeros_same_mean() -> None:
    h = demos.dropout.activations()
    zeros = [(demos.dropout.dropout(h, p, torch.Generator().manual_seed(2)) == 0).sum().item()
             for p in (0.1, 0.5, 0.9)]
    assert zeros == sorted(zeros) and zeros[0] < zeros[-1]
    means = demos.dropout._statistics()[:, 0]
    assert torch.allclose(means, h.mean().expand_as(means), rtol=0.1)


def test_initialization_scale_makes_signals_vanish_or_explode() -> None:
    small, _ = demos.initialization.layer_sizes(0.5, 20)
    kaiming, _ = demos.initialization.layer_sizes(1.0, 20)
    large, _ = demos.initialization.layer_sizes(2.0, 20)
    assert small[-1] < small[0] / 100 and large[-1] > large[0] * 100
    assert 1 / 3 < kaiming[-1] / kaiming[0] < 3


def test_convolution_kernels() -> None:
    image = demos.convolution.default_image()
    assert torch.equal(demos.convolution.convolve(image, "identity"), image)
    stripes = torch.zeros(28, 28)
    stripes[::4] = 1.0  # horizontal lines only
    assert demos.convolution.convolve(stripes, "vertical edges")[:, 1:-1].abs().max() == 0
    assert demos.convolution.convolve(stripes, "horizontal edges").abs().max() > 1


class FakeHandle:
    """Stands in for IPython's display handle: records what the demo shows."""

    def __init__(self) -> None:
        self.shown: list[Figure] = []

    def update(self, figure: Figure) -> None:
        self.shown.append(figure)


@pytest.mark.parametrize("notebook, module", demos.DEMOS.items(), ids=list(demos.DEMOS))
def test_moving_a_control_redraws_one_figure_for_the_new_value(notebook, module) -> None:
    demo = controls.Demo(module)
    demo.handle = FakeHandle()
    name, control = next(iter(module.CONTROLS.items()))
    widget = demo.controls[name]
    new = (control.options[-1] if isinstance(control, controls.Choice)
           else widget.max if not control.log else 10 ** widget.max)
    widget.value = new
    assert len(demo.handle.shown) == 1
    assert demo.params()[name] == widget.value
    expected = getattr(module.render(**demo.params()), ALT_ATTRIBUTE)
    assert getattr(demo.handle.shown[0], ALT_ATTRIBUTE) == expected


def test_in_a_kernel_the_demo_leaves_its_controls_and_one_figure_and_the_gallery_one_more() -> None:
    import nbformat
    from nbclient import NotebookClient

    cells = ["import d2lutils as d2l", "d2l.demos.interact(d2l.demos.dropout)",
             "d2l.demos.gallery(d2l.demos.dropout)"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    controls_out, figure_out = nb.cells[1].outputs
    assert "application/vnd.jupyter.widget-view+json" in controls_out.data
    assert controls_out.data["text/plain"] == controls.OFFLINE_TEXT
    assert figure_out.metadata["image/png"]["alt"].startswith("Left: an 8 by 16 block")
    (gallery,) = nb.cells[2].outputs  # one figure, one panel per setting
    alt = gallery.metadata["image/png"]["alt"]
    assert all(caption in alt for caption, _ in demos.dropout.GALLERY)
