"""Checkers for the exercises of notebook 13, GPUs: code that runs on any device.

1. ``to_device(batch, device)``: a copy of a batch of tensors nested in tuples, lists and
   dicts, with every tensor on ``device`` and everything else unchanged.
2. ``train_step(net, X, y, loss, optimizer, device)``: one training step that moves the
   data to ``device`` (where the model is) and returns the loss as a Python float.
3. ``accumulate_step(net, X, y, loss, optimizer, micro_batches)``: one step on a batch fed
   in ``micro_batches`` pieces of possibly different sizes, whose gradient is exactly that
   of the whole batch.

A machine without a GPU has one real device, so a tensor left on the CPU would go
unnoticed there. The checks therefore also use PyTorch's ``meta`` device (tensors with a
shape and a dtype but no values) as a second device, and CUDA too when there is a GPU.
While a student's function runs, ``.cuda()`` raises a hint: it ignores ``device``.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from .core import StudentError, Wrong, attempt, call, checker, expect

META = torch.device("meta")
CPU = torch.device("cpu")
#: torch.chunk splits 10 examples into 4 pieces as 3, 3, 3, 1; the task asks for tensor_split.
CHUNK = ("torch.chunk", "torch.Tensor.chunk")
CUDA_HINT = ("use .to(device) instead of .cuda(): .cuda() always goes to a CUDA GPU, "
             "whatever device is passed, and fails on a machine without one")


class _Hint(Exception):
    """Raised from inside the student's code by a probe; its message is the hint."""


def _second_devices() -> list[torch.device]:
    """The devices other than the CPU to check on: meta, and CUDA when available."""
    return [META] + ([torch.device("cuda", 0)] if torch.cuda.is_available() else [])


@contextlib.contextmanager
def _cuda_calls_refused() -> Iterator[None]:
    """While active, ``tensor.cuda()`` and ``module.cuda()`` raise the hint CUDA_HINT."""

    def refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise _Hint(CUDA_HINT)

    saved = [(cls, cls.__dict__.get("cuda")) for cls in (torch.Tensor, nn.Module)]
    for cls, _ in saved:
        cls.cuda = refuse
    try:
        yield
    finally:
        for cls, original in saved:
            if original is None:
                del cls.cuda
            else:
                cls.cuda = original


def _run(func: Any, *args: Any, name: str, first: bool = False,
         device: torch.device = CPU, forbidden: tuple[str, ...] = ()) -> Any:
    """Call the student's ``func`` (through ``attempt`` the first time); hints become Wrong.

    ``forbidden`` names functions the task rules out (see :func:`core.call`).
    """
    try:
        with _cuda_calls_refused():
            return (attempt if first else call)(func, *args, name=name, forbidden=forbidden)
    except StudentError as err:
        cause = err.__cause__
        if isinstance(cause, _Hint):
            raise Wrong(str(cause)) from None
        if device.type != "cuda" and any(word in str(cause) for word in ("CUDA", "NVIDIA")):
            raise Wrong(f"{name} tried to use a CUDA GPU although device is {device}: "
                        "do not write 'cuda' into the function, use .to(device)") from None
        raise


def _params(net: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in net.parameters()]


def _close(a: list[torch.Tensor], b: list[torch.Tensor], atol: float = 1e-9) -> bool:
    return all(torch.allclose(x.cpu(), y.cpu(), rtol=1e-7, atol=atol) for x, y in zip(a, b))


def _stale_gradients(net: nn.Module) -> None:
    """Fill every ``.grad`` with leftovers, as a backward pass before the call would."""
    for p in net.parameters():
        p.grad = torch.randn_like(p)


# Exercise 1 ------------------------------------------------------------------------------


def _nested_batch() -> dict:
    """A batch as real pipelines make it: tensors in dicts, tuples and lists, plus metadata."""
    return {
        "inputs": (torch.randn(3, 4), [torch.randn(3, 2), torch.randint(0, 9, (3,))]),
        "label": torch.randint(0, 5, (3,)),
        "info": {"ids": torch.arange(3), "name": "batch 7", "size": 3, "mask": None},
    }


def _path(path: str) -> str:
    return f"batch{path}" if path else "the result"


def _compare(got: Any, given: Any, device: torch.device, path: str = "") -> None:
    """``got`` must have the structure of ``given``, with every tensor on ``device``."""
    where = _path(path)
    if isinstance(given, torch.Tensor):
        expect(isinstance(got, torch.Tensor),
               f"{where} should be a tensor, but it is of type {type(got).__name__}")
        expect(got.device == device,
               f"{where} is on {got.device}, but should be on {device}: every tensor, however "
               "deeply nested, must be moved (call to_device on the elements of every list, "
               "tuple and dict)")
        expect(got.shape == given.shape and got.dtype == given.dtype,
               f"{where} has shape {tuple(got.shape)} and dtype {got.dtype}, expected "
               f"{tuple(given.shape)} and {given.dtype}: only change the device (.to(device))")
        if device.type != "meta":
            expect(torch.equal(got.cpu(), given), f"{where} has other values than before the move")
        return
    if not isinstance(given, (tuple, list, dict)):
        expect(got is given or (type(got) is type(given) and got == given),
               f"{where} was {given!r} and became {got!r}: leave values that are not tensors "
               "unchanged")
        return
    kind = type(given).__name__
    expect(type(got) is type(given),
           f"{where} is a {type(got).__name__}, but the batch had a {kind} there: keep the type "
           f"of every container (build a {kind} again, e.g. {kind}(...))")
    if isinstance(given, dict):
        expect(list(got) == list(given),
               f"{where} has the keys {list(got)}, expected {list(given)}: keep every key")
        for key in given:
            _compare(got[key], given[key], device, f"{path}[{key!r}]")
        return
    expect(len(got) == len(given),
           f"{where} has {len(got)} elements, expected {len(given)}: keep every element")
    for i, (item, original) in enumerate(zip(got, given)):
        _compare(item, original, device, f"{path}[{i}]")


def _check_untouched(batch: Any, before: Any, path: str = "") -> None:
    """The batch given to ``to_device`` must still hold its CPU tensors afterwards."""
    if isinstance(before, torch.Tensor):
        expect(isinstance(batch, torch.Tensor) and batch.device == before.device,
               f"to_device changed the batch it was given: {_path(path)} is no longer the "
               "tensor on the CPU; build new lists and dicts instead of assigning into the "
               "old ones")
    elif isinstance(before, dict):
        for key in before:
            _check_untouched(batch[key], before[key], f"{path}[{key!r}]")
    elif isinstance(before, (list, tuple)):
        for i, (item, original) in enumerate(zip(batch, before)):
            _check_untouched(item, original, f"{path}[{i}]")


def _to_device_call(to_device: Callable, batch: Any, device: torch.device, first: bool = False
                    ) -> Any:
    name = f"to_device(batch, {str(device)!r})"
    before = copy.deepcopy(batch)
    try:
        result = _run(to_device, batch, device, name=name, first=first, device=device)
        _check_untouched(batch, before)
        return result
    except StudentError as err:
        cause = err.__cause__
        if isinstance(cause, AttributeError) and "has no attribute 'to'" in str(cause):
            kind = str(cause).split("'")[1]
            if kind in ("list", "tuple", "dict"):
                raise Wrong(f"{name} called .to on a {kind} inside the batch: call to_device "
                            f"itself on the elements of a {kind} (recursively), so that nested "
                            "tensors are moved too") from None
            raise Wrong(f"{name} called .to on a {kind}: leave values that are not tensors "
                        "(numbers, strings, None) as they are") from None
        raise


@checker
def check_to_device(to_device: Callable[[Any, torch.device], Any]) -> str:
    """``to_device(batch, device)``: the same nested structure, every tensor on ``device``."""
    X, y = torch.randn(3, 4), torch.randint(0, 5, (3,))
    flat = (X, y)
    got = _to_device_call(to_device, flat, META, first=True)
    _compare(got, flat, META)
    for batch in ([X, y, torch.randn(3)], {"image": X, "label": y}):
        _compare(_to_device_call(to_device, batch, META), batch, META)
    nested = _nested_batch()
    for device in _second_devices() + [CPU]:
        _compare(_to_device_call(to_device, nested, device), nested, device)
    devices = ", ".join(str(d) for d in _second_devices())
    return ("to_device keeps tuples, lists and dicts (nested too) and non-tensors as they "
            f"are and moves every tensor; checked on {devices} and cpu")


# Exercise 2 ------------------------------------------------------------------------------


class _Net(nn.Module):
    """A small MLP that refuses an input on another device than its parameters."""

    def __init__(self, inputs: int = 5, hidden: int = 8, outputs: int = 3) -> None:
        super().__init__()
        self.hidden = nn.Linear(inputs, hidden, dtype=torch.float64)
        self.out = nn.Linear(hidden, outputs, dtype=torch.float64)
        self.batch_sizes: list[int] = []

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        here = self.out.weight.device
        if X.device != here:
            raise _Hint(f"net(X) got X on {X.device}, but the model is on {here}: "
                        "move X to device before calling net (X.to(device))")
        self.batch_sizes.append(len(X))
        return self.out(torch.tanh(self.hidden(X)))


class _Loss:
    """Cross-entropy that refuses labels on another device than the predictions.

    On the meta device (no values) it returns a stand-in 0 on the CPU, so that the
    student's backward(), step() and item() still run.
    """

    def __call__(self, y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if y.device != y_hat.device:
            raise _Hint(f"y is on {y.device}, but net(X) is on {y_hat.device}: move y to "
                        "device as well (y.to(device))")
        if y_hat.device.type == "meta":
            return torch.zeros((), requires_grad=True)
        return F.cross_entropy(y_hat, y)


def _sgd_step(net: nn.Module, X: torch.Tensor, y: torch.Tensor, lr: float,
              extra: list[torch.Tensor] | None = None) -> tuple[float, list[torch.Tensor]]:
    """The loss of ``net`` and its parameters after one SGD step (``net`` is not changed).

    ``extra`` is added to the gradient, as a leftover gradient would be.
    """
    net = copy.deepcopy(net)
    net.zero_grad()
    loss = F.cross_entropy(net(X), y)
    loss.backward()
    with torch.no_grad():
        for i, p in enumerate(net.parameters()):
            p -= lr * (p.grad if extra is None else p.grad + extra[i])
    return loss.item(), _params(net)


def _diagnose_step(net: nn.Module, start: list[torch.Tensor], stale: list[torch.Tensor],
                   want: list[torch.Tensor], lr: float, X: torch.Tensor, y: torch.Tensor) -> None:
    """Name the mistake when the parameters after one step are not ``want``."""
    after = _params(net)
    if _close(after, want):
        return
    expect(not _close(after, start),
           "the parameters did not change: call loss.backward() and then optimizer.step() "
           "(and zero_grad before backward, not between backward and step)")
    with_stale = _sgd_step(_with_params(net, start), X, y, lr, extra=stale)[1]
    expect(not _close(after, with_stale),
           "the gradient left in .grad before the call was added to the new one: call "
           "optimizer.zero_grad() before loss.backward()")
    stale_only = [p - lr * g for p, g in zip(start, stale)]
    expect(not _close(after, stale_only),
           "optimizer.step() used the old gradient: call it after loss.backward()")
    raise Wrong("after one call the parameters differ from one SGD step on the mean "
                "cross-entropy of the batch: compute loss(net(X), y), then zero_grad, "
                "backward and step")


def _with_params(net: nn.Module, params: list[torch.Tensor]) -> nn.Module:
    """A copy of ``net`` with the given parameter values."""
    clone = copy.deepcopy(net)
    with torch.no_grad():
        for p, value in zip(clone.parameters(), params):
            p.copy_(value)
    return clone


def _check_loss_value(result: Any, want: float, after: float, name: str) -> None:
    expect(not isinstance(result, torch.Tensor),
           f"{name} returned a tensor: return the loss as a Python float with .item() "
           "(a tensor keeps its graph alive and, on a GPU, its memory)")
    expect(isinstance(result, float), f"{name} returned a {type(result).__name__}: return "
                                      "the loss as a Python float (loss.item())")
    if not math.isclose(result, want, rel_tol=1e-6) and math.isclose(result, after, rel_tol=1e-6):
        raise Wrong(f"{name} returned {result:.4f}, the loss after the step: return the loss "
                    f"computed before optimizer.step(), {want:.4f}")
    expect(math.isclose(result, want, rel_tol=1e-6),
           f"{name} returned {result:.4f}, expected the batch's mean loss {want:.4f}")


def _check_train_step_on(train_step: Callable, device: torch.device, lr: float,
                         name: str) -> None:
    """Model on ``device``, data on the CPU: the step must move the data, not the model."""
    net, X, y = _Net(), torch.randn(6, 5, dtype=torch.float64), torch.randint(0, 3, (6,))
    want_loss, want = _sgd_step(net, X, y, lr)
    net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    result = _run(train_step, net, X, y, _Loss(), optimizer, device, name=name, device=device)
    expect(all(p.device == device for p in net.parameters()),
           f"with device {device} the model ended on another device: leave it where it is")
    expect(isinstance(result, float) and not isinstance(result, torch.Tensor),
           f"with device {device}, {name} returned a {type(result).__name__}: return "
           "loss.item(), a Python float")
    if device.type != "meta":
        expect(_close(_params(net), want, atol=1e-9),
               f"on {device} the step gives other parameters than on the CPU")
        expect(math.isclose(result, want_loss, rel_tol=1e-6),
               f"on {device} {name} returned {result:.4f}, expected {want_loss:.4f}")


@checker
def check_train_step(train_step: Callable[..., float]) -> str:
    """``train_step(net, X, y, loss, optimizer, device)``: one SGD step, the loss as a float."""
    lr, name = 0.5, "train_step(net, X, y, loss, optimizer, device)"
    net, X, y = _Net(), torch.randn(7, 5, dtype=torch.float64), torch.randint(0, 3, (7,))
    want_loss, want = _sgd_step(net, X, y, lr)
    start = _params(net)
    _stale_gradients(net)
    stale = [p.grad.clone() for p in net.parameters()]
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    result = _run(train_step, net, X, y, _Loss(), optimizer, CPU, name=name, first=True)
    _diagnose_step(net, start, stale, want, lr, X, y)
    _check_loss_value(result, want_loss, _sgd_step(net, X, y, lr)[0], name)
    for device in _second_devices():
        _check_train_step_on(train_step, device, lr, name)
    devices = ", ".join(str(d) for d in _second_devices())
    return ("train_step moves X and y to the model's device, clears old gradients, takes one "
            f"step and returns the loss as a float; checked on cpu, {devices}")


# Exercise 3 ------------------------------------------------------------------------------


class _CountingSGD(torch.optim.SGD):
    """SGD that counts its steps."""

    def __init__(self, params: Any, lr: float) -> None:
        super().__init__(params, lr=lr)
        self.steps = 0

    def step(self, closure: Any = None) -> Any:
        self.steps += 1
        return super().step(closure)


def _grads(net: nn.Module, X: torch.Tensor, y: torch.Tensor) -> tuple[float, list[torch.Tensor]]:
    """The mean loss of ``net`` on (X, y) and its gradient."""
    net = copy.deepcopy(net)
    net.zero_grad()
    loss = F.cross_entropy(net(X), y)
    loss.backward()
    return loss.item(), [p.grad for p in net.parameters()]


def _add(*grads: list[torch.Tensor]) -> list[torch.Tensor]:
    return [sum(parts) for parts in zip(*grads)]


def _accumulate_case(accumulate_step: Callable, n: int, k: int, device: torch.device,
                     first: bool) -> None:
    """Check one call with a batch of ``n`` examples in ``k`` micro-batches on ``device``."""
    lr = 0.5
    name = f"accumulate_step(net, X, y, loss, optimizer, {k})"
    net = _Net(inputs=6, outputs=4).to(device)
    X = torch.randn(n, 6, dtype=torch.float64, device=device)
    y = torch.randint(0, 4, (n,), device=device)
    start = _params(net)
    full_loss, full = _grads(net, X, y)
    parts = list(zip(torch.tensor_split(X, k), torch.tensor_split(y, k)))
    sizes = [len(Xp) for Xp, _ in parts]
    piece = [_grads(net, Xp, yp) for Xp, yp in parts]
    _stale_gradients(net)
    stale = [p.grad.clone() for p in net.parameters()]
    net.batch_sizes.clear()
    optimizer = _CountingSGD(net.parameters(), lr=lr)
    result = _run(accumulate_step, net, X, y, nn.CrossEntropyLoss(), optimizer, k, name=name,
                  first=first, device=device, forbidden=CHUNK)
    seen = net.batch_sizes
    expect(max(seen, default=0) < n or k == 1,
           f"net was called on all {n} examples at once: run it on one micro-batch at a time "
           f"(torch.tensor_split(X, {k}) gives pieces of {sizes}), so that only one piece's "
           "activations are in memory")
    expect(sorted(seen) == sorted(sizes),
           f"net ran on pieces of {seen} examples; expected {k} pieces of {sizes}: split with "
           f"torch.tensor_split(X, micro_batches) (X.split(k) makes pieces of k examples)")
    expect(optimizer.steps > 0, "the parameters were not updated: call optimizer.step() once, "
                                "after the loop over the micro-batches")
    expect(optimizer.steps == 1,
           f"optimizer.step() ran {optimizer.steps} times: take a single step, after the loop, "
           "so that it uses the gradient of the whole batch")
    used = [(p0 - p.detach()) / lr for p0, p in zip(start, net.parameters())]
    if not _close(used, full, atol=1e-7):
        _diagnose_accumulation(used, full, stale, piece, sizes, n, k)
    _check_accumulated_loss(result, full_loss, [loss for loss, _ in piece], sizes, n, name)


def _diagnose_accumulation(used: list[torch.Tensor], full: list[torch.Tensor],
                           stale: list[torch.Tensor], piece: list, sizes: list[int], n: int,
                           k: int) -> None:
    """Name the mistake when the step's gradient ``used`` is not the full batch's."""
    grads = [g for _, g in piece]

    def close(other: list[torch.Tensor]) -> bool:
        return _close(used, other, atol=1e-7)

    expect(not close(_add(full, stale)),
           "the gradient left in .grad before the call was added: call optimizer.zero_grad() "
           "once, before the loop")
    last = grads[-1]
    expect(not any(close([g * scale for g in last]) for scale in (1, sizes[-1] / n, 1 / k)),
           "only the last micro-batch's gradient was used: call zero_grad once before the "
           "loop, not inside it (backward adds to .grad, which is what accumulates)")
    if close(_add(*grads)):
        raise Wrong(f"the step used about {k} times the batch's gradient: you added the "
                    "micro-batches' mean losses without scaling them; scale each by its share "
                    "of the batch, len(X_part) / len(X)")
    if close([g / k for g in _add(*grads)]):
        raise Wrong(f"you divided every micro-batch loss by micro_batches = {k}, but the pieces "
                    f"have {sizes} examples: weight each by its own share, len(X_part) / len(X) "
                    f"(dividing by {k} is right only when the pieces are equally large)")
    raise Wrong("the step used another gradient than that of the whole batch's mean loss: "
                "backward() each piece's loss times len(X_part) / len(X)")


def _check_accumulated_loss(result: Any, want: float, losses: list[float], sizes: list[int],
                            n: int, name: str) -> None:
    expect(not isinstance(result, torch.Tensor),
           f"{name} returned a tensor: return a Python float (add up the pieces' .item())")
    expect(isinstance(result, float), f"{name} returned a {type(result).__name__}: return the "
                                      "batch's mean loss as a Python float")
    if math.isclose(result, sum(losses), rel_tol=1e-6) and not math.isclose(want, sum(losses)):
        raise Wrong(f"{name} returned {result:.4f}, the sum of the pieces' mean losses: return "
                    f"the whole batch's mean loss, {want:.4f} (add up the scaled losses)")
    if len(losses) > 1 and math.isclose(result, losses[-1], rel_tol=1e-6):
        raise Wrong(f"{name} returned {result:.4f}, the last piece's loss: return the whole "
                    f"batch's mean loss, {want:.4f} (add up the scaled losses)")
    expect(math.isclose(result, want, rel_tol=1e-6),
           f"{name} returned {result:.4f}, expected the whole batch's mean loss {want:.4f} "
           "(the sum of each piece's loss times len(X_part) / len(X))")


@checker
def check_accumulate_step(accumulate_step: Callable[..., float]) -> str:
    """``accumulate_step(...)``: one step with the exact gradient of the whole batch."""
    _accumulate_case(accumulate_step, n=11, k=3, device=CPU, first=True)  # pieces of 4, 4, 3
    _accumulate_case(accumulate_step, n=12, k=4, device=CPU, first=False)  # 4 pieces of 3
    _accumulate_case(accumulate_step, n=10, k=4, device=CPU, first=False)  # 3, 3, 2, 2
    _accumulate_case(accumulate_step, n=5, k=1, device=CPU, first=False)
    if torch.cuda.is_available():
        _accumulate_case(accumulate_step, n=11, k=3, device=torch.device("cuda", 0), first=False)
    return ("accumulate_step feeds the micro-batches one at a time, weights each loss by its "
            "share of the batch, and takes one step with exactly the whole batch's gradient "
            "(pieces of 4, 4, 3, of 3, 3, 3, 3 and of 3, 3, 2, 2)")
