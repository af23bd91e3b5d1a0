"""Training and evaluation loops for classifiers, plus minibatch SGD from scratch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from .animator import Animator
from .plotting import describe_figure
from .metrics import Accumulator, Timer, accuracy

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]
Updater = torch.optim.Optimizer | Callable[[int], None]


def sgd(params: Sequence[torch.Tensor], lr: float, batch_size: int) -> None:
    """Minibatch stochastic gradient descent, for a loss *summed* over the batch.

    Updates each parameter in place by ``-lr * grad / batch_size`` and zeroes its gradient.
    """
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def _model_device(net: nn.Module | Callable, device: torch.device | str | None) -> torch.device:
    if device is not None:
        return torch.device(device)
    if isinstance(net, nn.Module):
        param = next(net.parameters(), None)
        if param is not None:
            return param.device
    return torch.device("cpu")


def evaluate_accuracy(net: nn.Module | Callable, data_iter: Batches,
                      device: torch.device | str | None = None) -> float:
    """Fraction of correct predictions of ``net`` over ``data_iter``.

    Runs in evaluation mode (dropout off) without tracking gradients, then restores the
    mode the net was in. Batches are moved to ``device`` (default: where the net is).
    """
    device = _model_device(net, device)
    was_training = isinstance(net, nn.Module) and net.training
    if isinstance(net, nn.Module):
        net.eval()
    metric = Accumulator(2)  # correct predictions, examples
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            metric.add(accuracy(net(X), y), y.numel())
    if was_training:
        net.train()
    return metric[0] / metric[1]


def train_epoch(net: nn.Module | Callable, train_iter: Batches, loss: Callable,
                updater: Updater, device: torch.device | str | None = None
                ) -> tuple[float, float]:
    """Train ``net`` for one pass over ``train_iter``; return (mean loss, accuracy).

    ``updater`` is a torch optimizer (the loss is averaged over the batch) or a
    function ``updater(batch_size)`` such as ``lambda n: sgd(params, lr, n)`` (the
    loss is summed, as from-scratch SGD expects). ``loss`` may reduce or not.
    """
    device = _model_device(net, device)
    if isinstance(net, nn.Module):
        net.train()
    metric = Accumulator(3)  # summed loss, correct predictions, examples
    for X, y in train_iter:
        X, y = X.to(device), y.to(device)
        y_hat = net(X)
        l = loss(y_hat, y)
        total = l.sum() if l.dim() else l * y.numel()
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            (total / y.numel()).backward()
            updater.step()
        else:
            total.backward()
            updater(y.numel())
        metric.add(total.detach(), accuracy(y_hat.detach(), y), y.numel())
    return metric[0] / metric[2], metric[1] / metric[2]


@dataclass
class History:
    """Per-epoch results of :func:`train`; ``dataclasses.asdict(history)`` fits in a checkpoint."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    seconds: float = 0.0
    examples_per_sec: float = 0.0

    @property
    def epochs(self) -> int:
        """Number of epochs trained so far."""
        return len(self.train_loss)

    def __str__(self) -> str:
        return (f"train loss {self.train_loss[-1]:.3f}, train acc {self.train_acc[-1]:.3f}, "
                f"test acc {self.test_acc[-1]:.3f}")

    def describe(self, num_epochs: int) -> str:
        """A text alternative for the plot of this history (out of ``num_epochs`` epochs)."""
        if not self.epochs:
            return f"Training curves over {num_epochs} epochs; no epoch has finished yet."
        def span(values: list[float]) -> str:
            return f"{values[0]:.3f} to {values[-1]:.3f}"
        return (f"Training curves after {self.epochs} of {num_epochs} epochs: train loss goes "
                f"from {span(self.train_loss)}, train accuracy from {span(self.train_acc)}, "
                f"test accuracy from {span(self.test_acc)}.")


Scheduler = torch.optim.lr_scheduler.LRScheduler


def train(net: nn.Module | Callable, train_iter: Batches, test_iter: Batches,
          loss: Callable, num_epochs: int, updater: Updater,
          device: torch.device | str | None = None, animate: bool = True,
          ylim: tuple[float, float] = (0.0, 1.0), scheduler: Scheduler | None = None,
          on_epoch_end: Callable[[int, History], object] | None = None,
          history: History | None = None) -> History:
    """Train a classifier up to epoch ``num_epochs`` and return its :class:`History`.

    Batches are moved to ``device`` (default: where the net's parameters are; move the
    net there first). With ``animate`` a live plot shows train loss, train accuracy and
    test accuracy after every epoch. The train accuracy is measured while training, so
    with dropout on.

    - ``scheduler``: a learning-rate scheduler, stepped once after every epoch.
    - ``on_epoch_end(epoch, history)``: called after every epoch (counted from 1), e.g.
      to save a checkpoint.
    - ``history``: the history of an interrupted run, to resume it. Training continues
      with epoch ``history.epochs + 1``, and the plot shows the earlier epochs too.
    """
    device = _model_device(net, device)
    history = history if history is not None else History()
    animator = (Animator(xlabel="epoch", xlim=(1, num_epochs), ylim=ylim,
                         legend=["train loss", "train acc", "test acc"],
                         alt=history.describe(num_epochs))
                if animate else None)
    for epoch, point in enumerate(zip(history.train_loss, history.train_acc, history.test_acc)):
        if animator:  # the resumed run's earlier epochs (the alt text already covers them)
            animator.add(epoch + 1, point)
    timer, examples = Timer(), history.examples_per_sec * history.seconds
    for epoch in range(history.epochs, num_epochs):
        timer.start()
        train_loss, train_acc = train_epoch(net, train_iter, loss, updater, device)
        timer.stop()
        examples += getattr(train_iter, "num_examples", 0)
        test_acc = evaluate_accuracy(net, test_iter, device)
        history.train_loss.append(train_loss)
        history.train_acc.append(train_acc)
        history.test_acc.append(test_acc)
        history.seconds += timer.times[-1]
        history.examples_per_sec = examples / history.seconds if history.seconds else 0.0
        if scheduler is not None:
            scheduler.step()
        if animator:
            describe_figure(history.describe(num_epochs), animator.fig)
            animator.add(epoch + 1, (train_loss, train_acc, test_acc))
        if on_epoch_end is not None:
            on_epoch_end(epoch + 1, history)
    return history
