"""Checkers for the exercises of notebook 09, Layers and blocks.

1. ``Parallel(*blocks)``: runs every block on the same input and concatenates their
   outputs along dimension 1, its blocks registered as children.
2. ``Repeat(make_block, n, shared=False)``: n blocks made by ``make_block`` applied one
   after the other; independent copies, or one block reused n times when ``shared``.
3. ``Standardize(mean, std)``: ``(X - mean) / std`` with ``mean`` and ``std`` registered
   as buffers (saved in ``state_dict``, moved by ``.to``, never trained), of shape (d,) or
   (1, d), in any floating dtype.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import torch
from torch import nn

from .core import (
    Wrong,
    attempt,
    call,
    checker,
    expect,
    expect_close,
    expect_tensor,
    expect_unchanged,
)

REGISTER_HINT = ("a plain list, tuple or dict of blocks is invisible to nn.Module: "
                 "store the blocks in an nn.ModuleList (self.blocks = nn.ModuleList(...))")


def _ids(tensors: Iterable[torch.Tensor]) -> set[int]:
    return {id(t) for t in tensors}


def _param_ids(*blocks: nn.Module) -> set[int]:
    return {id(p) for block in blocks for p in block.parameters()}


def _expect_module(value: object, what: str, name: str) -> nn.Module:
    expect(isinstance(value, nn.Module),
           f"{what} is of type {type(value).__name__}, not an nn.Module: write "
           f"class {name}(nn.Module) and call super().__init__() first in __init__")
    return value


def _expect_registers(net: nn.Module, blocks: Sequence[nn.Module], what: str) -> None:
    """``net.parameters()`` holds exactly the parameters of ``blocks``, each once."""
    want, got = _param_ids(*blocks), _ids(net.parameters())
    expect(got, f"{what} has no parameters, although its blocks have {len(want)} "
                f"parameter tensors: {REGISTER_HINT}")
    missing = len(want - got)
    if missing and len(got) == len(want):
        raise Wrong(f"the parameters of {what} are copies, not the blocks' own tensors: "
                    "keep the blocks you were given (no copy.deepcopy, no new layers)")
    expect(not missing, f"{what} registers only {len(want) - missing} of the "
                        f"{len(want)} parameter tensors of its blocks: register every block "
                        "(an nn.ModuleList of all of them)")
    expect(not got - want, f"{what} has {len(got - want)} parameter tensors that belong to "
                           "none of its blocks: do not create layers of your own")


# Exercise 1 ------------------------------------------------------------------------------


def _square_blocks(width: int, count: int) -> list[nn.Module]:
    """``count`` blocks that keep the width; all but the first end in tanh, so no two
    compute the same function and chaining them differs from running them side by side."""
    blocks: list[nn.Module] = [nn.Linear(width, width)]
    for _ in range(count - 1):
        blocks.append(nn.Sequential(nn.Linear(width, width), nn.Tanh()))
    return blocks


def _parallel_mistakes(outputs: list[torch.Tensor], X: torch.Tensor, Y: torch.Tensor,
                       blocks: list[nn.Module]) -> None:
    """Name the mistake when ``Y`` is a known wrong way to join ``outputs``."""
    want = torch.cat(outputs, dim=1)
    if tuple(Y.shape) == tuple(torch.cat(outputs, dim=0).shape):
        raise Wrong(f"the output has shape {tuple(Y.shape)} instead of {tuple(want.shape)}: "
                    "you joined the outputs along dim 0 (more rows, as if more examples); "
                    "concatenate along dim=1 (more columns)")
    if Y.dim() == want.dim() + 1:
        raise Wrong(f"the output has shape {tuple(Y.shape)}, one dimension too many: "
                    "torch.stack adds a new dimension; torch.cat(..., dim=1) joins along "
                    "an existing one")
    if tuple(Y.shape) == tuple(outputs[0].shape):
        if torch.allclose(Y, sum(outputs)):
            raise Wrong("you added the outputs of the blocks; concatenate them instead "
                        "with torch.cat(outputs, dim=1)")
        for i, out in enumerate(outputs):
            if torch.allclose(Y, out):
                raise Wrong(f"the output is that of block {i} alone: collect the output of "
                            "every block in a list and concatenate them all")
    chained, Z = [], X
    for block in blocks:
        Z = block(Z)
        chained.append(Z)
    if tuple(Y.shape) == tuple(Z.shape) and torch.allclose(Y, Z):
        raise Wrong("you chained the blocks (each one got the previous output), like "
                    "nn.Sequential; give every block the same input X and concatenate "
                    "their outputs")
    if tuple(Y.shape) == tuple(want.shape):
        if torch.allclose(Y, torch.cat(chained, dim=1)):
            raise Wrong("block 1 got the output of block 0 as its input: give every block "
                        "the same input X")
        if torch.allclose(Y, torch.cat(outputs[::-1], dim=1)):
            raise Wrong("the outputs are joined in reverse order: block 0's output comes "
                        "first, as the blocks were given")
    expect_close(Y, want, "Parallel(*blocks)(X)",
                 hint="it should be torch.cat([block(X) for block in blocks], dim=1)")


def _check_parallel_3d(net: nn.Module, blocks: list[nn.Module]) -> None:
    """On a 3-D input dim 1 is not the last dimension: joining along dim=-1 shows."""
    X = torch.randn(2, 4, 5)
    name = "Parallel(a, b, c)(X3)"
    Y = expect_tensor(call(net, X, name=name), name)
    want = torch.cat([block(X) for block in blocks], dim=1)
    if tuple(Y.shape) == tuple(torch.cat([block(X) for block in blocks], dim=-1).shape):
        raise Wrong(f"for an input X3 of shape {tuple(X.shape)} the output has shape "
                    f"{tuple(Y.shape)} instead of {tuple(want.shape)}: you joined along the "
                    "last dimension (dim=-1); the task says dim=1, for images the channels")
    expect_close(Y, want, name, hint="concatenate along dim=1")


@checker
def check_parallel(Parallel: type) -> str:
    """``Parallel(*blocks)``: every block on the same X, outputs joined along dim 1."""
    blocks = _square_blocks(5, 3)
    net = _expect_module(call(Parallel, *blocks, name="Parallel(a, b, c)"),
                         "Parallel(a, b, c)", "Parallel")
    X = torch.randn(7, 5)
    X0 = X.clone()
    name = "Parallel(a, b, c)(X)"
    Y = expect_tensor(attempt(net, X, name=name), name)
    expect_unchanged(X0, X, "X")
    _expect_registers(net, blocks, "Parallel(a, b, c)")
    with torch.no_grad():
        outputs = [block(X) for block in blocks]
        _parallel_mistakes(outputs, X, Y.detach(), blocks)
        _check_parallel_3d(net, blocks)
    expect(Y.requires_grad, f"{name} does not track gradients: call the blocks themselves "
                            "and do not detach their outputs")
    # blocks of different widths: the output widths add up, in the order of the blocks
    blocks = [nn.Linear(5, 3), nn.Sequential(nn.Linear(5, 4), nn.ReLU()), nn.Linear(5, 2)]
    net = call(Parallel, *blocks, name="Parallel(a, b, c)")
    _expect_registers(net, blocks, "Parallel(a, b, c)")
    with torch.no_grad():
        Y = expect_tensor(call(net, X, name=name), name)
        expect_close(Y, torch.cat([block(X) for block in blocks], dim=1), name,
                     hint="with blocks of 3, 4 and 2 outputs the result has 3 + 4 + 2 = 9 "
                          "columns, block 0's first")
    return ("Parallel registers its blocks, runs each on the same input and concatenates "
            "their outputs along dim 1, in order (2-D and 3-D inputs, blocks of different widths)")


# Exercise 2 ------------------------------------------------------------------------------


class _Factory:
    """A ``make_block`` that records every block it makes (different weights each time)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.made: list[nn.Module] = []

    def __call__(self) -> nn.Module:
        block = nn.Sequential(nn.Linear(self.width, self.width), nn.Tanh())
        with torch.no_grad():
            for param in block.parameters():
                param.copy_(torch.randn_like(param))
        self.made.append(block)
        return block


def _chain(blocks: Sequence[nn.Module], X: torch.Tensor) -> torch.Tensor:
    for block in blocks:
        X = block(X)
    return X


def _repeat_output_mistakes(Y: torch.Tensor, X: torch.Tensor, made: list[nn.Module],
                            want: torch.Tensor, name: str) -> None:
    if len(made) > 1 and torch.allclose(Y, _chain(made[::-1], X)):
        raise Wrong("the blocks ran in reverse order: apply them in the order make_block "
                    "made them (the first one made gets X)")
    for i, block in enumerate(made):
        if torch.allclose(Y, block(X)):
            raise Wrong(f"the output is block {i} applied once: feed each block's output to "
                        "the next (X = block(X) in a loop) and return the last one")
    if torch.allclose(Y, X):
        raise Wrong("the output equals the input: forward must apply the blocks")
    expect_close(Y, want, name, hint="apply the blocks one after the other, the first made first")


def _check_independent(Repeat: type, n: int, first: bool) -> None:
    make_block = _Factory(4)
    label = f"Repeat(make_block, {n})"
    net = _expect_module(call(Repeat, make_block, n, name=label), label, "Repeat")
    X = torch.randn(6, 4)
    Y = (attempt if first else call)(net, X, name=f"{label}(X)")
    expect_tensor(Y, f"{label}(X)", shape=X.shape)
    made = make_block.made
    expect(len(made) != 1 or len(list(net.parameters())) <= 2,
           "make_block was called once and the other blocks are copies of that one, so all "
           "start from the same weights: call make_block() n times instead")
    expect(len(made) != 1,
           f"make_block was called once, so the {n} blocks are one and the same block: "
           "[make_block()] * n repeats one object; call make_block() n times "
           "([make_block() for _ in range(n)])")
    expect(len(made) == n, f"make_block was called {len(made)} times for n = {n}; call it "
                           "exactly n times, once per block")
    _expect_registers(net, made, label)
    with torch.no_grad():
        _repeat_output_mistakes(Y.detach(), X, made, _chain(made, X), f"{label}(X)")


def _check_shared(Repeat: type, n: int) -> None:
    make_block = _Factory(4)
    label = f"Repeat(make_block, {n}, shared=True)"
    make = functools.partial(Repeat, shared=True)
    net = _expect_module(call(make, make_block, n, name=label), label, "Repeat")
    X = torch.randn(6, 4)
    Y = expect_tensor(call(net, X, name=f"{label}(X)"), f"{label}(X)", shape=X.shape)
    made = make_block.made
    expect(len(made) == 1, f"with shared=True make_block was called {len(made)} times: call "
                           "it once and reuse that one block n times (its parameters are "
                           "then shared)")
    block = made[0]
    _expect_registers(net, made, label)
    with torch.no_grad():
        want = _chain([block] * n, X)
        if torch.allclose(Y, block(X)):
            raise Wrong("the shared block was applied once: apply it n times, feeding each "
                        "output back in")
        expect_close(Y, want, f"{label}(X)", hint="apply the one block n times in a row")


@checker
def check_repeat(Repeat: type) -> str:
    """``Repeat(make_block, n, shared=False)``: n blocks in a row, copies or one reused."""
    _check_independent(Repeat, 3, first=True)
    _check_independent(Repeat, 2, first=False)
    _check_shared(Repeat, 3)
    return ("Repeat makes n independent registered blocks and applies them in order; with "
            "shared=True it makes one block and applies it n times (parameters counted once)")


# Exercise 3 ------------------------------------------------------------------------------


def _expect_buffers(net: nn.Module) -> None:
    """``mean`` and ``std`` are persistent buffers, and the module has no parameters."""
    for name, param in net.named_parameters():
        if not param.requires_grad:
            raise Wrong(f"{name} is an nn.Parameter with requires_grad=False: a frozen "
                        "parameter is still a parameter (the optimizer gets it from "
                        "parameters()); use self.register_buffer instead")
        raise Wrong(f"{name} is an nn.Parameter, so the optimizer would train it: a constant "
                    f"is a buffer, self.register_buffer({name.split('.')[-1]!r}, ...)")
    buffers, saved = dict(net.named_buffers()), net.state_dict()
    for key in ("mean", "std"):
        if key in buffers and key not in saved:
            raise Wrong(f"the buffer {key} is not in state_dict: persistent=False leaves it "
                        "out; drop that argument")
        if key not in buffers and isinstance(getattr(net, key, None), torch.Tensor):
            raise Wrong(f"{key} is a plain tensor attribute: it is not in state_dict and "
                        f".to() does not move it; use self.register_buffer({key!r}, ...)")
        expect(key in buffers, f"Standardize has no buffer named {key!r}: register it with "
                               f"self.register_buffer({key!r}, {key})")


def _expect_buffer_values(net: nn.Module, **given: torch.Tensor) -> None:
    """Each buffer holds the values it was given; a shape such as (1, d) that broadcasts
    over the rows of X in the same way, or another floating dtype, is fine."""
    for key, values in given.items():
        buffer = getattr(net, key).detach()
        same = (buffer.numel() == values.numel() and buffer.is_floating_point()
                and torch.equal(buffer.reshape(-1).double(), values.double()))
        expect(same, f"the buffer {key} holds {_short(buffer)}, not the {key} given to "
                     f"Standardize(mean, std), {_short(values)}: register the tensor {key} "
                     "itself (shape (d,), or (1, d) to match the rows of X)")


def _short(values: torch.Tensor) -> str:
    """A tensor in a few characters: its shape and first values."""
    head = ", ".join(f"{v:.3g}" for v in values.reshape(-1)[:3].tolist())
    more = ", ..." if values.numel() > 3 else ""
    return f"shape {tuple(values.shape)} [{head}{more}]"


def _standardize_mistakes(Y: torch.Tensor, X: torch.Tensor, mean: torch.Tensor,
                          std: torch.Tensor) -> None:
    Y, X, mean, std = (t.double() for t in (Y, X, mean, std))  # any floating dtype will do
    want = (X - mean) / std
    batch = ("you used the batch's own mean and std: use the constants stored in the "
             "buffers, the same for every batch")
    wrong = [
        ((X - X.mean(dim=0)) / X.std(dim=0), batch),
        ((X - X.mean(dim=0)) / X.std(dim=0, correction=0), batch),
        (X * std + mean, "you computed X * std + mean, the inverse: subtract, then divide"),
        ((X - mean) / std**2, "you divided by std ** 2, the variance; divide by std"),
        ((X - mean) * std, "you multiplied by std; divide by it"),
        (X / std - mean, "you divided before subtracting: write (X - mean) / std"),
        (X - mean / std, "only the mean was divided by std: write (X - mean) / std"),
        (X - mean, "you only subtracted the mean; divide by std too"),
    ]
    for value, hint in wrong:
        if torch.allclose(Y, value, atol=1e-5):
            raise Wrong(hint)
    expect_close(Y, want, "Standardize(mean, std)(X)", hint="it should be (X - mean) / std, "
                 "column j using mean[j] and std[j]")


@checker
def check_standardize(Standardize: type) -> str:
    """``Standardize(mean, std)``: ``(X - mean) / std`` with the constants as buffers."""
    mean = torch.tensor([2.0, -1.0, 0.5, 3.0, -4.0])
    std = torch.tensor([0.5, 2.0, 1.5, 4.0, 0.25])
    net = _expect_module(call(Standardize, mean.clone(), std.clone(),
                              name="Standardize(mean, std)"),
                         "Standardize(mean, std)", "Standardize")
    X = torch.randn(7, 5) * 3
    X0 = X.clone()
    name = "Standardize(mean, std)(X)"
    Y = expect_tensor(attempt(net, X, name=name), name, shape=X.shape)
    expect_unchanged(X0, X, "X")
    _expect_buffers(net)
    _expect_buffer_values(net, mean=mean, std=std)
    with torch.no_grad():
        _standardize_mistakes(Y.detach(), X, mean, std)
        fresh = call(Standardize, torch.zeros(5), torch.ones(5),
                     name="Standardize(zeros, ones)")
        fresh.load_state_dict(net.state_dict())
        expect_close(call(fresh, X, name=name), Y,
                     "the output after load_state_dict",
                     hint="forward uses a value that is not in state_dict (such as a "
                          "precomputed 1 / std kept as a plain attribute): compute from the "
                          "buffers self.mean and self.std")
        net.to(torch.float64)
        expect(net.mean.dtype == torch.float64 and net.std.dtype == torch.float64,
               "after .to(torch.float64) the buffers are still float32")
        Y64 = call(net, X.double(), name="Standardize(...).to(torch.float64)(X)")
        expect_tensor(Y64, "the output after .to(torch.float64)", dtype=torch.float64)
        expect_close(Y64, (X.double() - mean.double()) / std.double(),
                     "the output after .to(torch.float64)")
    return ("Standardize computes (X - mean) / std with mean and std as buffers: no "
            "parameters, saved in and loaded from state_dict, moved by .to(torch.float64)")
