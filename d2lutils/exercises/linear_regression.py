"""Checkers for the exercises of notebook 03, Linear regression."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

import torch

from .core import (StudentError, Wrong, attempt, call, checker, expect, expect_close,
                   expect_tensor, expect_unchanged, not_attempted)

# ---------------------------------------------------------------- Exercise 1: Huber loss

#: Errors y_hat - y on both sides of delta = 1.5, negative and positive, all distinct.
_ERRORS = torch.tensor([-4.0, -2.5, -1.0, -0.3, 0.2, 0.9, 2.0, 3.5])


def _huber(error: torch.Tensor, delta: float) -> torch.Tensor:
    small = error.abs() <= delta
    return torch.where(small, error**2 / 2, delta * (error.abs() - delta / 2))


def _huber_mistake(got: torch.Tensor, error: torch.Tensor, delta: float) -> str:
    """The hint for a Huber loss of the right shape but wrong values."""
    small, big = error.abs() <= delta, error.abs() > delta
    right = _huber(error, delta)

    def matches(candidate: torch.Tensor, where: torch.Tensor) -> bool:
        return torch.allclose(got[where], candidate[where], atol=1e-5)

    if torch.allclose(got, _huber(error, 1.0), atol=1e-5):
        return f"your loss ignores delta (it uses delta = 1, not {delta}): use the argument"
    if matches(error**2, small):
        return ("for |y_hat - y| <= delta the loss is (y_hat - y)**2 / 2: you forgot the / 2")
    if not matches(right, small):
        return ("for |y_hat - y| <= delta the loss should be (y_hat - y)**2 / 2, "
                f"e.g. {right[small][0]:.4g} for an error of {error[small][0]:.4g}")
    if matches(error**2 / 2, big):
        return ("for |y_hat - y| > delta the loss must grow linearly, "
                "delta * (|y_hat - y| - delta / 2), not quadratically")
    if matches(delta * error.abs(), big):
        return ("the two pieces do not meet at |y_hat - y| = delta: the linear piece is "
                "delta * (|y_hat - y| - delta / 2), you left out the - delta / 2")
    if matches(error.abs() - delta / 2, big):
        return "the linear piece is delta * (|y_hat - y| - delta / 2): multiply by delta"
    negative = big & (error < 0)
    if matches(right, big & (error > 0)) and not matches(right, negative):
        return ("large negative errors give the wrong loss (a loss is never negative): "
                "use the absolute value |y_hat - y| in the linear piece")
    worst = int((got - right).abs().argmax())
    return (f"for an error y_hat - y = {error[worst]:.4g} (delta = {delta}) the loss should be "
            f"{right[worst]:.4g}, got {got[worst]:.4g}")


@checker
def check_huber_loss(huber_loss: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> str:
    """``huber_loss(y_hat, y, delta)``: the Huber loss of each example, shaped like ``y_hat``."""
    n, delta = len(_ERRORS), 1.5
    error = _ERRORS[torch.randperm(n)]
    y = torch.randn(n) * 3  # a label vector of shape (n,): the broadcasting trap
    y_hat = (y + error).reshape(n, 1).requires_grad_()
    originals = y_hat.detach().clone(), y.clone()
    name = f"huber_loss(y_hat, y, {delta})"
    loss = attempt(huber_loss, y_hat, y, delta, name=name)
    expect_tensor(loss, name)
    expect_unchanged(originals[0], y_hat.detach(), "y_hat")
    expect_unchanged(originals[1], y, "y")
    expect(loss.shape != (n, n),
           f"{name} has shape {(n, n)}: y_hat of shape {(n, 1)} minus y of shape {(n,)} "
           "broadcasts to every pair of examples; reshape y to y_hat.shape first")
    expect(loss.dim() > 0 and loss.numel() > 1,
           f"{name} is a single number: return one loss per example, shape {(n, 1)}, "
           "and leave the mean or sum to the training loop")
    expect(loss.shape != (n,), f"{name} has shape {(n,)}; it should keep y_hat's shape "
           f"{(n, 1)}: reshape y to y_hat.shape, not y_hat to y's")
    expect_tensor(loss, name, shape=(n, 1))
    got, error = loss.detach().reshape(-1).double(), error.double()  # any float dtype
    expect(torch.allclose(got, _huber(error, delta), atol=1e-5),
           _huber_mistake(got, error, delta))
    expect(loss.requires_grad, f"{name} has no gradient: build it from tensor operations "
           "(torch.where, abs) on y_hat, not from Python numbers or .item()")
    loss.sum().backward()
    expect_close(y_hat.grad.reshape(-1), error.clamp(-delta, delta), "the gradient of the loss",
                 "d loss / d y_hat should be y_hat - y, clipped to [-delta, delta]")
    small = call(huber_loss, y_hat.detach(), y.reshape(n, 1), 0.5,
                 name="huber_loss(y_hat, y, 0.5)")
    expect_close(small.reshape(-1), _huber(error, 0.5), "huber_loss(y_hat, y, 0.5)",
                 "with delta = 0.5 more of the errors fall in the linear piece")
    return ("Huber loss: quadratic up to delta and linear beyond, one value per example "
            "in y_hat's shape, for labels of shape (n,) and (n, 1), with the right gradient")


# -------------------------------------------------------- Exercise 2: minibatch iterator

def _epoch(minibatches: Callable[..., Iterable], batch_size: int,
           tensors: tuple[torch.Tensor, ...], first: bool = False) -> list:
    """The batches of one call ``minibatches(batch_size, *tensors)``, as a list."""
    name = f"minibatches({batch_size}, {', '.join('XYI'[:len(tensors)])})"
    if first:
        result = attempt(minibatches, batch_size, *tensors, name=name)
    else:
        result = call(minibatches, batch_size, *tensors, name=name)
    expect(inspect.isgenerator(result),
           f"{name} returned a {type(result).__name__}; the task asks for a generator: "
           "`yield` the batches one by one instead of building them all first")
    try:
        return list(result)
    except Exception as err:  # noqa: BLE001 - the student's generator raised
        raise StudentError(f"iterating over {name}") from err


def _batch_ids(batch: Any, count: int, index: int) -> torch.Tensor:
    """The example ids in one batch of (X, Y, I); checks that the rows stay together."""
    expect(isinstance(batch, (tuple, list)) and len(batch) == count,
           f"batch {index} is a {type(batch).__name__}"
           + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
           + f"; yield a tuple with one tensor per input tensor ({count} here)")
    for part in batch:
        expect(isinstance(part, torch.Tensor),
               f"batch {index} holds a {type(part).__name__}; yield tensors (rows of the inputs)")
    X, Y, I = batch
    expect(X.dim() == 2 and X.shape[1] == 2 and Y.shape[1:] == (1,) and I.dim() == 1,
           f"batch {index} has shapes {tuple(X.shape)}, {tuple(Y.shape)}, {tuple(I.shape)}; "
           "index the rows (dim 0) of each tensor: tensor[indices]")
    expect(torch.equal(X[:, 0].long(), I) and torch.equal(Y[:, 0].long(), 10 * I + 7),
           f"in batch {index} the rows of the tensors no longer belong together: index every "
           "tensor with the same indices (shuffle the indices, not each tensor)")
    return I


@checker
def check_minibatches(minibatches: Callable[..., Iterable]) -> str:
    """``minibatches(batch_size, *tensors)``: shuffled batches covering each row exactly once."""
    n, batch_size = 23, 5
    ids = torch.arange(n)
    X = torch.stack([ids, -ids], dim=1).float()
    Y = (10 * ids + 7).float().reshape(n, 1)
    tensors = (X, Y, ids)
    originals = tuple(t.clone() for t in tensors)
    batches = _epoch(minibatches, batch_size, tensors, first=True)
    for original, tensor, label in zip(originals, tensors, "XYI"):
        expect_unchanged(original, tensor, label)
    order = torch.cat([_batch_ids(b, 3, i) for i, b in enumerate(batches)]) if batches else ids[:0]
    counts = torch.bincount(order, minlength=n)
    repeated = int(counts.argmax())
    expect(counts.max() <= 1,
           f"example {repeated} comes {int(counts.max())} times in one epoch (and "
           f"{int((counts == 0).sum())} never): shuffle once with torch.randperm(n) and cut "
           "the permutation into slices, instead of drawing random indices for every batch")
    expect(len(batches) > 0, "one epoch yielded no batches at all")
    sizes = [len(b[2]) for b in batches]
    expect(not (sizes and set(sizes) == {batch_size} and len(order) == n - n % batch_size),
           f"one epoch covered {len(order)} of {n} examples, in batches of {sizes}: the last, "
           f"smaller batch of {n % batch_size} is missing; let the start index run up to n "
           "(range(0, n, batch_size))")
    expect(len(order) == n, f"one epoch covered {len(order)} of {n} examples, in batches of "
           f"{sizes}: every example must come exactly once")
    expected = [batch_size] * (n // batch_size) + [n % batch_size]
    expect(sizes == expected, f"the batch sizes are {sizes}, expected {expected}: every batch "
           "has batch_size examples except the last, which holds the rest")
    expect(not torch.equal(order, ids), "the examples come in their original order: shuffle "
           "the indices with torch.randperm before cutting them into batches")
    second = torch.cat([b[2] for b in _epoch(minibatches, batch_size, tensors)])
    expect(not torch.equal(order, second), "two epochs visit the examples in the same order: "
           "draw a new permutation on every call")
    whole = _epoch(minibatches, 30, tensors)
    expect([len(b[2]) for b in whole] == [n],
           f"with batch_size 30 > n = {n} there should be one batch of all {n} examples, got "
           f"batch sizes {[len(b[2]) for b in whole]}")
    pairs = _epoch(minibatches, 4, (X, Y))
    expect(all(isinstance(b, (tuple, list)) and len(b) == 2 for b in pairs),
           "called with two tensors, each batch should be a pair (X, Y): one entry per tensor")
    return ("minibatches: shuffled anew each epoch, every example exactly once, the last "
            "partial batch included, rows of all tensors kept together")


# ------------------------------------------------- Exercise 3: one SGD step, mean loss

def _reference_step(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor
                    ) -> tuple[float, torch.Tensor]:
    """The mean half squared loss and its gradient with respect to ``[w; b]``, flattened."""
    error = X @ w + b - y
    grad = torch.cat([(X.T @ error).reshape(-1), error.sum().reshape(1)]) / len(X)
    return (error**2 / 2).mean().item(), grad


def _flat(w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.cat([w.detach().reshape(-1), b.detach().reshape(-1)])


def _run_step(train_step: Callable[..., Any], args: tuple, name: str) -> Any:
    """Call ``train_step``; turn the two autograd errors students meet into hints."""
    try:
        return call(train_step, *args, name=name, allow_none=True)
    except StudentError as err:
        text = str(err.__cause__)
        if "leaf Variable that requires grad" in text:
            raise Wrong("autograd refuses an in-place update of w that it would record: "
                        "put the update inside `with torch.no_grad():`") from err
        if "NoneType" in text and "zero_" in text:
            raise Wrong("w.grad is None until the first backward(): zero the gradients "
                        "after the update, not before the backward pass") from err
        if "does not require grad" in text:
            raise Wrong("backward() found no graph: compute the loss and call backward() "
                        "outside torch.no_grad(); only the update goes inside") from err
        raise


def _scale_hint(ratio: float, n: int) -> str | None:
    """The hint for an update that is ``ratio`` times the right one (None if no rule fits)."""
    known = {
        float(n): f"the step is {n} times too large, {n} being the batch size: average the "
                  "loss over the batch (or divide a summed gradient by len(X))",
        1 / n: f"the step is {n} times too small, {n} being the batch size: the mean already "
               "divides by the batch size once, so do not divide by it again",
        2.0: "the step is twice too large: the loss of an example is (y_hat - y)**2 / 2, "
             "with the / 2",
        2.0 * n: f"the step is {2 * n} times too large: average over the batch (not sum) and "
                 "use half the squared error, (y_hat - y)**2 / 2",
        2.0 / n: f"the step is {n / 2:g} times too small: you divided by the batch size twice "
                 "(and left out the / 2 of the squared loss)",
        -1.0: "the parameters moved uphill: subtract lr * grad, do not add it",
    }
    for factor, hint in known.items():
        if abs(ratio - factor) < 1e-3 * abs(factor):
            return hint
    return None


def _expect_step(step: torch.Tensor, expected: torch.Tensor, n: int, name: str) -> None:
    """Check that ``[w; b]`` moved by ``expected``; name the mistake when it did not."""
    if torch.allclose(step, expected, rtol=1e-3, atol=1e-6):
        return
    ratio = float(step @ expected / (expected @ expected))
    if torch.allclose(step, ratio * expected, rtol=1e-3, atol=1e-6):  # right direction
        hint = _scale_hint(ratio, n)
        if hint:
            raise Wrong(hint)
        raise Wrong(f"in {name} w and b moved in the right direction, but {ratio:.3g} times "
                    f"as far as they should: use the mean loss over the {n} examples of "
                    "this batch (len(X)), and lr times its gradient")
    for part, label in ((step[:-1], "w"), (step[-1:], "b")):
        expect(bool(part.any()), f"in {name} {label} did not change: update both w and b")
    hint = "it should be lr times the gradient of the mean loss of this batch"
    expect_close(step[:-1], expected[:-1], f"w_before - w_after in {name}", hint)
    expect_close(step[-1:], expected[-1:], f"b_before - b_after in {name}", hint)


@checker
def check_train_step(train_step: Callable[..., Any]) -> str:
    """``train_step(X, y, w, b, lr)``: one SGD step on the mean squared loss; returns it."""
    n, lr = 8, 0.1
    X, y = torch.randn(n, 3), torch.randn(n, 1) * 2
    w = torch.randn(3, 1).requires_grad_()
    b = torch.randn(1).requires_grad_()
    before, originals = _flat(w, b), (X.clone(), y.clone())
    loss_before, grad = _reference_step(X, y, w.detach(), b.detach())
    name = f"train_step(X, y, w, b, lr={lr})"
    result = _run_step(train_step, (X, y, w, b, lr), name)
    moved = not torch.equal(_flat(w, b), before)
    if result is None and not moved:
        raise not_attempted(name)
    expect_unchanged(originals[0], X, "X")
    expect_unchanged(originals[1], y, "y")
    expect(moved, "w and b did not change: update them in place (w -= lr * w.grad) under "
           "torch.no_grad(); `w = w - ...` only makes a new local tensor")
    expect(w.is_leaf and w.requires_grad and b.is_leaf and b.requires_grad,
           "after the step w and b must still be parameters that autograd tracks "
           "(requires_grad=True): change their values, not their settings")
    _expect_step(before - _flat(w, b), lr * grad, n, "one step (a batch of 8)")
    expect(result is not None, f"{name} updated w and b but returned None: return the loss "
           "of the batch, before the step, as a float")
    expect(not isinstance(result, torch.Tensor) or result.numel() != n,
           f"{name} returned {n} values: return the mean loss over the batch, one number")
    expect(isinstance(result, float), f"{name} returned a {type(result).__name__}: return "
           "a Python float (loss.item()), so that a list of losses holds no autograd graphs")
    expect(abs(result - n * loss_before) > 1e-4 * n * loss_before,
           f"{name} returned the sum of the losses ({result:.4g}): return their mean")
    after, _ = _reference_step(X, y, w.detach(), b.detach())
    expect(abs(result - after) > 1e-6 or abs(after - loss_before) < 1e-6,
           f"{name} returned the loss after the update ({result:.4g}); return the loss that "
           f"the gradient came from, before the step ({loss_before:.4g})")
    expect(abs(result - loss_before) <= 1e-4 * loss_before,
           f"{name} returned {result:.4g}; the mean of (y_hat - y)**2 / 2 over the batch "
           f"is {loss_before:.4g}")
    X2, y2 = torch.randn(5, 3), torch.randn(5, 1)
    before, (_, grad2) = _flat(w, b), _reference_step(X2, y2, w.detach(), b.detach())
    _run_step(train_step, (X2, y2, w, b, lr), f"a second train_step(X2, y2, w, b, lr={lr})")
    step = before - _flat(w, b)
    expect(not torch.allclose(step, lr * (grad + grad2), rtol=1e-3, atol=1e-6),
           "the second step also used the gradient of the first batch: gradients add up "
           "across backward() calls, so zero w.grad and b.grad after each update")
    _expect_step(step, lr * grad2, 5, "a second step (a batch of 5)")
    return ("one SGD step on the mean squared loss: the right size for batches of 8 and 5, "
            "gradients reset between steps, the loss returned as a float")
