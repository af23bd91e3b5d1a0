"""Training and evaluation loops: they learn, respect train/eval mode and track no
gradients while evaluating."""

from __future__ import annotations

import copy
import dataclasses
import os
import subprocess
import sys
import textwrap

import torch
from torch import nn

import d2lutils as d2l


class ModeProbe(nn.Module):
    """Records, for every forward call, whether it ran in training mode with gradients."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[bool, bool]] = []

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        self.calls.append((self.training, torch.is_grad_enabled()))
        return X


def blobs(n: int = 600) -> tuple[torch.Tensor, torch.Tensor]:
    """Three well separated Gaussian clusters in 2-D."""
    centers = torch.tensor([[0.0, 4.0], [4.0, -2.0], [-4.0, -2.0]])
    y = torch.arange(n) % 3
    return centers[y] + torch.randn(n, 2), y


def test_accuracy_counts_correct_predictions() -> None:
    y_hat = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert d2l.accuracy(y_hat, torch.tensor([1, 0, 0])) == 2.0
    assert d2l.accuracy(torch.tensor([1, 1]), torch.tensor([1, 0])) == 1.0


def test_accumulator_and_timer() -> None:
    acc = d2l.Accumulator(2)
    acc.add(1, 2.5)
    acc.add(torch.tensor(2.0), 0.5)
    assert acc.data == [3.0, 3.0]
    acc.reset()
    assert acc[0] == 0.0
    timer = d2l.Timer()
    timer.times = [1.0, 2.0, 3.0]
    assert timer.sum() == 6.0 and timer.avg() == 2.0 and timer.cumsum() == [1.0, 3.0, 6.0]


def test_scratch_sgd_steps_against_the_gradient() -> None:
    w = torch.tensor([1.0, -1.0], requires_grad=True)
    (w ** 2).sum().backward()  # gradient 2w
    d2l.sgd([w], lr=0.5, batch_size=2)
    assert torch.allclose(w, torch.tensor([0.5, -0.5])) and w.grad.abs().sum() == 0


def test_train_learns_and_reports_history() -> None:
    d2l.set_seed(0)
    train_iter = d2l.load_array(blobs(), batch_size=32)
    test_iter = d2l.load_array(blobs(), batch_size=64, is_train=False)
    net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    history = d2l.train(net, train_iter, test_iter, nn.CrossEntropyLoss(), 5,
                        torch.optim.SGD(net.parameters(), lr=0.1), animate=False)
    assert len(history.train_loss) == len(history.test_acc) == 5
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.test_acc[-1] > 0.95
    assert history.test_acc[-1] == d2l.evaluate_accuracy(net, test_iter)


def test_scheduler_steps_once_per_epoch() -> None:
    net = nn.Linear(2, 3)
    data = d2l.load_array(blobs(96), batch_size=32)  # 3 optimizer steps per epoch
    optimizer = torch.optim.SGD(net.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    seen = []
    d2l.train(net, data, data, nn.CrossEntropyLoss(), 3, optimizer, animate=False,
              scheduler=scheduler,
              on_epoch_end=lambda epoch, h: seen.append((epoch, optimizer.param_groups[0]["lr"],
                                                          h.epochs)))
    assert seen == [(1, 0.5, 1), (2, 0.25, 2), (3, 0.125, 3)]


def test_resuming_with_the_history_ends_where_an_uninterrupted_run_ends() -> None:
    def run(epochs: int, state: dict | None = None):
        d2l.set_seed(3)
        data = d2l.load_array(blobs(), batch_size=32)
        net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
        optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
        history = None
        if state:
            net.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            torch.set_rng_state(state["rng"])
            history = d2l.History(**state["history"])
        saved = {}
        def save(epoch: int, h: d2l.History) -> None:
            saved[epoch] = copy.deepcopy({
                "model": net.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "rng": torch.get_rng_state(),
                "history": dataclasses.asdict(h)})
        history = d2l.train(net, data, data, nn.CrossEntropyLoss(), epochs, optimizer,
                            animate=False, scheduler=scheduler, on_epoch_end=save,
                            history=history)
        return net, history, saved

    full, full_history, saved = run(5)
    resumed, resumed_history, _ = run(5, state=saved[2])
    assert sorted(saved) == [1, 2, 3, 4, 5]
    for a, b in zip(full.parameters(), resumed.parameters()):
        assert torch.equal(a, b)
    assert resumed_history.train_loss == full_history.train_loss
    assert resumed_history.epochs == 5


def test_scratch_updater_with_unreduced_loss_matches_optimizer() -> None:
    """A summed loss + sgd(params, lr, n) takes the same steps as a mean loss + SGD."""
    X, y = blobs(96)
    nets = []
    for scratch in (True, False):
        d2l.set_seed(1)
        net = nn.Linear(2, 3)
        if scratch:
            loss = nn.CrossEntropyLoss(reduction="none")
            updater = lambda n, net=net: d2l.sgd(list(net.parameters()), 0.1, n)  # noqa: E731
        else:
            loss, updater = nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.1)
        d2l.train_epoch(net, d2l.load_array((X, y), 32, is_train=False), loss, updater)
        nets.append(net)
    for a, b in zip(nets[0].parameters(), nets[1].parameters()):
        assert torch.allclose(a, b, atol=1e-6)


def test_modes_train_with_gradients_and_evaluate_without() -> None:
    probe = ModeProbe()
    net = nn.Sequential(probe, nn.Linear(2, 3))
    data = d2l.load_array(blobs(64), batch_size=32)
    d2l.train(net, data, data, nn.CrossEntropyLoss(), 1,
              torch.optim.SGD(net.parameters(), lr=0.1), animate=False)
    assert probe.calls == [(True, True)] * 2 + [(False, False)] * 2


def test_evaluate_accuracy_restores_the_previous_mode() -> None:
    net = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5))
    data = d2l.load_array(blobs(64), batch_size=32)
    net.train()
    d2l.evaluate_accuracy(net, data)
    assert net.training
    net.eval()
    d2l.evaluate_accuracy(net, data)
    assert not net.training


def test_softmax_regression_on_real_fashion_mnist_learns() -> None:
    d2l.set_seed(0)
    train_iter, test_iter = d2l.load_fashion_mnist(256)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    history = d2l.train(net, train_iter, test_iter, nn.CrossEntropyLoss(), 1,
                        torch.optim.SGD(net.parameters(), lr=0.1), animate=False)
    assert history.test_acc[0] > 0.7 and history.examples_per_sec > 0


def test_live_plot_prints_nothing_in_a_plain_script() -> None:
    """d2l-en issue #1961: as a script, the animator must not print <Figure ...> lines."""
    script = textwrap.dedent("""
        import d2lutils as d2l
        animator = d2l.Animator(xlabel="epoch", legend=["a", "b"])
        for epoch in range(5):
            animator.add(epoch, (epoch, epoch ** 2))
        print("done")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "MPLBACKEND": "agg"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "done\n" and "Figure" not in result.stderr


def test_live_plot_keeps_one_output_in_a_notebook(tmp_path) -> None:
    """In a real kernel the figure is updated in place: the cell ends with one output."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import d2lutils as d2l\n"
        "animator = d2l.Animator(legend=['loss'])\n"
        "for epoch in range(5):\n"
        "    animator.add(epoch, [1 / (epoch + 1)])")]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute(cwd=str(tmp_path))
    outputs = nb.cells[0].outputs
    assert len(outputs) == 1 and outputs[0].output_type == "display_data"
    assert outputs[0].data["text/plain"].startswith("<Figure size")
    assert "image/png" in outputs[0].data
