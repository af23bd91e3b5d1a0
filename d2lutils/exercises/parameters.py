"""Checkers for the exercises of notebook 10, Parameter management.

1. ``init_mlp(net)``: Kaiming-normal weights and zero biases for every ``nn.Linear`` (with
   ``net.apply``), then a zero output layer, in place, other modules left alone.
2. ``sparse_uniform_(W, low, high)``: fill ``W`` in place from U(-high, high), then zero
   every entry with ``|w| < low``; the boundary ``|w| = low`` stays.
3. ``tied_mlp(num_inputs, num_hiddens, num_outputs)``: an MLP whose two middle layers share
   one weight (the same ``nn.Parameter``) but keep their own biases.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from torch.overrides import TorchFunctionMode

from .core import (
    StudentError,
    Wrong,
    attempt,
    call,
    checker,
    expect,
    expect_close,
    expect_tensor,
    not_attempted,
)

LEAF_HINT = ("a parameter requires grad, so autograd refuses in-place edits to it: make the "
             "edit inside `with torch.no_grad():` (the nn.init functions do that for you)")


def _cause(err: StudentError) -> str:
    """The type and message of the exception the student's code raised."""
    cause = err.__cause__
    return f"{type(cause).__name__}: {cause}"


# --- Exercise 1: Kaiming for the hidden layers, zeros for the output -----------------------

STD_TOL = 0.06  # relative gap allowed between a layer's weight std and its target
NORMAL_TAIL = 0.0833  # P(|z| > sqrt(3)) for a standard normal; 0 for a uniform of the same std


def _deep_net(sizes: tuple[int, ...], norm_after_first: bool) -> nn.Sequential:
    """``nn.Linear`` layers of the given widths with ReLUs between them (and an
    ``nn.LayerNorm`` after the first layer when asked), every bias non-zero, the LayerNorm's
    parameters set to distinctive values, so that any change to them shows."""
    layers: list[nn.Module] = []
    for index in range(len(sizes) - 1):
        if index:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(sizes[index], sizes[index + 1]))
        if index == 0 and norm_after_first:
            layers.append(nn.LayerNorm(sizes[1]))
    net = nn.Sequential(*layers)
    with torch.no_grad():
        for module in net:
            if isinstance(module, nn.LayerNorm):
                module.weight.copy_(torch.rand_like(module.weight) + 0.5)
                module.bias.copy_(torch.randn_like(module.bias))
            elif isinstance(module, nn.Linear):
                module.bias.copy_(torch.rand_like(module.bias) + 0.1)
    return net


def _init_error_hint(err: StudentError, net: nn.Sequential, with_norm: bool) -> str:
    """A hint for the exceptions an init function typically raises on ``net``."""
    text = _cause(err)
    missing = "has no attribute 'weight'" in text or "has no attribute 'bias'" in text
    if missing and with_norm:
        return ("your function failed on a deeper net, whose output layer is "
                f"net[{len(net) - 1}] (net[1] is an nn.LayerNorm): find the output layer "
                f"as net[-1], not by a fixed index, and touch only nn.Linear modules ({text})")
    if missing:
        return ("net.apply(fn) calls fn on every module, the nn.ReLU layers and the "
                "nn.Sequential itself included, and they have no weight: test "
                f"isinstance(m, nn.Linear) before touching m.weight ({text})")
    if "fewer than 2 dimensions" in text:
        if with_norm:
            return ("your function initialized the nn.LayerNorm's 1-D weight with Kaiming "
                    "(it failed on it): touch only nn.Linear modules, test "
                    "isinstance(m, nn.Linear)")
        return ("kaiming_normal_ needs a 2-D weight; a bias is 1-D: set the biases with "
                "nn.init.zeros_(m.bias)")
    if "leaf Variable" in text:
        return LEAF_HINT
    return f"{err} raised {text}"


class _ZeroWatch(TorchFunctionMode):
    """Notes whether ``tensor`` is all zeros after any torch operation that runs meanwhile,
    so that a zero the student wrote and then overwrote is still seen."""

    def __init__(self, tensor: torch.Tensor) -> None:
        super().__init__()
        self.tensor = tensor
        self.was_zero = False

    def __torch_function__(self, func: Callable, types: Any, args: Any = (),
                           kwargs: Any = None) -> Any:
        result = func(*args, **(kwargs or {}))
        self.was_zero = self.was_zero or not self.tensor.detach().any()
        return result


def _run_init(init_mlp: Callable, net: nn.Sequential, name: str, first: bool) -> bool:
    """Call ``init_mlp(net)``; the untouched stub (returns None, changes nothing) is
    :class:`NotAttempted`. Return whether the output layer's weight was all zeros at some
    point of the call."""
    before = {key: param.detach().clone() for key, param in net.named_parameters()}
    output_weight = [m for m in net if isinstance(m, nn.Linear)][-1].weight
    try:
        with _ZeroWatch(output_weight) as watch:
            result = call(init_mlp, net, name=name, allow_none=True)
    except StudentError as err:
        raise Wrong(_init_error_hint(err, net, with_norm=not first)) from None
    if result is None or result is Ellipsis:
        unchanged = all(key in before and torch.equal(before[key], param)
                        for key, param in net.named_parameters())
        if first and unchanged:
            raise not_attempted(name)
        raise Wrong(f"{name} returned None: end with `return net` (net.apply returns net too)")
    expect(result is net, f"{name} returned a {type(result).__name__} that is not net: "
                          "initialize net in place and return net itself")
    return watch.was_zero


def _expect_same_parameters(net: nn.Module, originals: dict[str, nn.Parameter]) -> None:
    for key, param in net.named_parameters():
        expect(param is originals[key],
               f"net.{key} is a new Parameter object: an optimizer built before the init "
               "still holds the old one. Fill the existing tensor in place "
               "(nn.init.kaiming_normal_(m.weight), nn.init.zeros_(m.bias))")


def _expect_kaiming(weight: torch.Tensor, before: torch.Tensor, where: str) -> None:
    """``weight`` looks like a draw of N(0, 2 / fan_in)."""
    fan_out, fan_in = weight.shape
    w = weight.detach()
    expect(not torch.equal(w, before),
           f"{where}.weight still has PyTorch's default init: apply kaiming_normal_ to the "
           "weight of every nn.Linear, the hidden layers included")
    expect(w.abs().max() > 0,
           f"{where}.weight is all zeros: then every hidden unit computes the same thing "
           "(notebook 08); only the output layer net[-1] gets a zero weight")
    std, want = w.std().item(), math.sqrt(2 / fan_in)
    scales = [  # (the std a common mistake gives, the hint for it)
        (math.sqrt(2 / fan_out), ("it uses fan_out = out_features; Kaiming for the forward "
                                  "pass divides by fan_in = in_features (keep mode='fan_in')")),
        (math.sqrt(2 / (fan_in + fan_out)), ("that is Xavier's scale sqrt(2 / (fan_in + "
                                             "fan_out)); use nn.init.kaiming_normal_")),
        (math.sqrt(1 / fan_in), ("the factor 2 for ReLU is missing: use the default "
                                 "nonlinearity (or nonlinearity='relu'), not 'linear'")),
    ]
    if abs(std / want - 1) > STD_TOL:
        for scale, hint in scales:
            if abs(std / scale - 1) < STD_TOL:
                raise Wrong(f"{where}.weight has std {std:.3f} instead of "
                            f"sqrt(2 / {fan_in}) = {want:.3f}: {hint}")
        raise Wrong(f"{where}.weight has std {std:.3f}; Kaiming normal for in_features = "
                    f"{fan_in} gives sqrt(2 / {fan_in}) = {want:.3f} (nn.init.kaiming_normal_)")
    expect(abs(w.mean().item()) < 4 * want / math.sqrt(w.numel()),
           f"{where}.weight has mean {w.mean().item():.3f}; a Kaiming draw has mean 0")
    tail = (w.abs() > math.sqrt(3) * std).float().mean().item()
    expect(tail > NORMAL_TAIL / 2,
           f"{where}.weight has the right std, but only {tail:.1%} of its values lie beyond "
           "sqrt(3) std (a normal has 8.3%, a uniform none): that is kaiming_uniform_; draw "
           "from a normal with nn.init.kaiming_normal_")


def _check_init(init_mlp: Callable, sizes: tuple[int, ...], first: bool) -> None:
    net = _deep_net(sizes, norm_after_first=not first)
    name = "init_mlp(net)"
    originals = dict(net.named_parameters())
    before = {key: param.detach().clone() for key, param in originals.items()}
    output_was_zero = _run_init(init_mlp, net, name, first)
    _expect_same_parameters(net, originals)
    for index, module in enumerate(net):
        if isinstance(module, nn.LayerNorm):
            for kind in ("weight", "bias"):
                expect(torch.equal(getattr(module, kind).detach(), before[f"{index}.{kind}"]),
                       f"net[{index}] is an nn.LayerNorm and its {kind} changed: initialize "
                       "only nn.Linear modules (test isinstance(m, nn.Linear))")
    linears = [(index, m) for index, m in enumerate(net) if isinstance(m, nn.Linear)]
    for index, module in linears:
        bias, old = module.bias.detach(), before[f"{index}.bias"]
        expect(not torch.equal(bias, old),
               f"net[{index}].bias still has its old values: set every bias to zero with "
               "nn.init.zeros_(m.bias)")
        expect(not bias.any(), f"net[{index}].bias is not zero (its std is {bias.std():.3f}): "
                               "biases are not drawn like weights; use nn.init.zeros_(m.bias)")
    out_index, out = linears[-1]
    out_w = out.weight.detach()
    if out_w.any():
        kaiming = abs(out_w.std().item() / math.sqrt(2 / out.in_features) - 1) < 3 * STD_TOL
        if kaiming and output_was_zero:
            raise Wrong(f"the output layer net[{out_index}] still has Kaiming weights: you "
                        "zeroed net[-1].weight, but net.apply ran after that and overwrote it; "
                        "zero it after net.apply")
        if kaiming:
            raise Wrong(f"the output layer net[{out_index}] still has the Kaiming weight that "
                        "net.apply gave it: zero its weight, nn.init.zeros_(net[-1].weight) "
                        "(its bias is zero already, like every bias)")
        raise Wrong(f"the output layer net[{out_index}] has a non-zero weight: set "
                    "net[-1].weight to zero (nn.init.zeros_)")
    for index, module in linears[:-1]:
        _expect_kaiming(module.weight, before[f"{index}.weight"], f"net[{index}]")


@checker
def check_init_mlp(init_mlp: Callable[[nn.Sequential], nn.Sequential]) -> str:
    """``init_mlp(net)``: Kaiming-normal hidden weights, zero biases, a zero output layer."""
    _check_init(init_mlp, (30, 200, 120, 10), first=True)
    _check_init(init_mlp, (40, 128, 96, 48, 3), first=False)
    return ("Kaiming-normal hidden weights (std sqrt(2 / fan_in), normal), every bias zero, a "
            "zero output layer, same Parameter objects, LayerNorm and ReLU left alone; "
            "tested on two nets of different depth")


# --- Exercise 2: a custom sparse uniform init ------------------------------------------------


def _replayed_draw(shape: tuple[int, ...], high: float) -> torch.Tensor:
    """What ``nn.init.uniform_(W, -high, high)`` will draw next; the random state is kept."""
    state = torch.get_rng_state()
    draw = torch.empty(shape).uniform_(-high, high)
    torch.set_rng_state(state)
    return draw


def _at(index: torch.Tensor) -> str:
    return "W[" + ", ".join(str(int(i)) for i in index) + "]"


def _explain_pattern(Y: torch.Tensor, R: torch.Tensor, low: float) -> None:
    """The kept values are the draw ``R``; say which entries were zeroed or kept wrongly."""
    zeroed, small = Y == 0, R.abs() < low
    boundary = (R.abs() == low) & zeroed
    if torch.equal(Y, torch.where(R.abs() < 5, torch.zeros_like(R), R)):
        raise Wrong(f"you zeroed the entries with |w| < 5, but low = {low:.7g} here: use the "
                    "arguments low and high, not the numbers of the example")
    if boundary.any() and not (zeroed & ~small & (R.abs() != low)).any():
        at = boundary.nonzero()[0]
        raise Wrong(f"{_at(at)} = {R[tuple(at)].item():.7g} has |w| exactly equal to low = "
                    f"{low:.7g} and you set it to zero: zero only where |w| < low (use <, not "
                    "<=); an entry with |w| >= low stays")
    negative = zeroed & ~small & (R < 0)
    if negative.any() and not (zeroed & ~small & (R > 0)).any():
        at = negative.nonzero()[0]
        raise Wrong(f"{_at(at)} = {R[tuple(at)].item():.4g} was set to zero although |w| >= "
                    "low: compare the absolute value |w| (W.abs()) with low, not w itself")
    if (zeroed & ~small).any() and not (zeroed & small).any():
        raise Wrong("you zeroed the large entries and kept the small ones: set to zero where "
                    "|w| < low")
    left = ~zeroed & small
    if left.any():
        at = left.nonzero()[0]
        raise Wrong(f"{_at(at)} = {Y[tuple(at)].item():.4g} has |w| < low = {low:.4g} but is "
                    "not zero: after the draw, set every entry with |w| < low to zero")
    wrong = zeroed & ~small
    at = wrong.nonzero()[0]
    raise Wrong(f"{_at(at)} = {R[tuple(at)].item():.4g} was set to zero although |w| >= low "
                f"= {low:.4g}: zero only the entries with |w| < low")


def _explain_draw(Y: torch.Tensor, high: float) -> None:
    """The kept values are not the replayed draw; say what is wrong with them."""
    kept = Y[Y != 0]
    expect(kept.numel() > 0, "every entry of W is zero: draw from U(-high, high) first "
                             "(nn.init.uniform_(W, -high, high)), then zero the small ones")
    top = kept.abs().max().item()
    expect(top <= high, f"W holds {top:.4g}, beyond high = {high:g}: draw from "
                        "[-high, high] (nn.init.uniform_(W, -high, high))")
    expect(kept.min() < 0, "W has no negative entries: draw from [-high, high] "
                           "(nn.init.uniform_(W, -high, high)), not from [0, high]")
    raise Wrong("the kept values are not the draw of nn.init.uniform_(W, -high, high) from the "
                "current random state: draw with nn.init.uniform_ (or W.uniform_), once, so "
                "that the check can replay your draw and test the boundary |w| = low")


def _check_sparse_call(func: Callable, W: torch.Tensor, low: float, high: float,
                       first: bool) -> None:
    """Call ``func(W, low, high)`` and compare W with the replayed draw, zeroed below low."""
    name = f"sparse_uniform_(W, {low:.7g}, {high:g})"
    with torch.no_grad():
        W.copy_(torch.full_like(W, 123.0))  # a value no correct answer leaves behind
    R = _replayed_draw(tuple(W.shape), high)
    expected = torch.where(R.abs() < low, torch.zeros_like(R), R)
    storage, was_param = W.data_ptr(), isinstance(W, nn.Parameter)
    try:
        result = (attempt if first else call)(func, W, low, high, name=name)
    except StudentError as err:
        if "leaf Variable" in _cause(err):
            raise Wrong(f"W requires grad: {LEAF_HINT}") from None
        raise
    Y = W.detach()
    if result is not W:
        if isinstance(result, torch.Tensor) and torch.equal(result.detach(), expected):
            raise Wrong(f"{name} returned a new tensor with the right values, but W itself "
                        "was not filled in place: write into W (W[mask] = 0 or W.mul_(...) "
                        "inside torch.no_grad()) and return W")
        raise Wrong(f"{name} should return W itself (as nn.init functions do), not a new "
                    f"{type(result).__name__}")
    expect(W.data_ptr() == storage,
           "W's memory was replaced (W.data = ... or W.set_): fill the existing tensor in "
           "place, e.g. nn.init.uniform_(W, ...) then W[mask] = 0")
    expect(not (Y == 123.0).any(), f"{name} left some of W's old values: fill every entry")
    expect(not was_param or (W.requires_grad and W.grad_fn is None),
           "W is no longer a leaf that requires grad: edit it inside torch.no_grad()")
    if torch.equal(Y, expected):
        return
    same_draw = torch.equal(Y[Y != 0], R[Y != 0])
    if same_draw:
        _explain_pattern(Y, R, low)
    _explain_draw(Y, high)


@checker
def check_sparse_uniform_(sparse_uniform_: Callable[[torch.Tensor, float, float],
                                                    torch.Tensor]) -> str:
    """``sparse_uniform_(W, low, high)``: U(-high, high) in place, zero where |w| < low."""
    W = nn.Parameter(torch.empty(300, 200))
    _check_sparse_call(sparse_uniform_, W, 5.0, 10.0, first=True)
    zeros = (W == 0).float().mean().item()
    expect(abs(zeros - 0.5) < 0.02, f"{zeros:.0%} of W are zero; with low = 5, high = 10 "
                                    "about half should be")
    # low equal to the magnitude of one entry of the next draw: that entry lies on the boundary
    R = _replayed_draw(tuple(W.shape), 10.0)
    low = R.abs().flatten()[(R.abs() - 4.0).abs().argmin()].item()
    _check_sparse_call(sparse_uniform_, W, low, 10.0, first=False)
    _check_sparse_call(sparse_uniform_, torch.empty(7, 3, 5), 0.5, 2.0, first=False)
    return ("W filled in place from U(-high, high), every entry with |w| < low set to zero and "
            "|w| = low kept, W returned, still a leaf parameter; tested on a 3-D tensor too")


# --- Exercise 3: two layers that share one weight -------------------------------------------


def _expect_structure(net: Any, sizes: tuple[int, int, int], name: str) -> None:
    expect(isinstance(net, nn.Sequential),
           f"{name} should return an nn.Sequential, got a {type(net).__name__}")
    expect(len(net) == 7, f"{name} has {len(net)} modules; expected 7: Linear, ReLU, Linear, "
                          "ReLU, Linear, ReLU, Linear")
    d, h, k = sizes
    shapes = {0: (h, d), 2: (h, h), 4: (h, h), 6: (k, h)}
    for index, module in enumerate(net):
        if index % 2:
            expect(isinstance(module, nn.ReLU), f"net[{index}] should be an nn.ReLU, got "
                                                f"{type(module).__name__}")
            continue
        expect(isinstance(module, nn.Linear),
               f"net[{index}] should be an nn.Linear, got {type(module).__name__}")
        expect(tuple(module.weight.shape) == shapes[index],
               f"net[{index}].weight of {name} has shape {tuple(module.weight.shape)}, "
               f"expected {shapes[index]}")
        expect(module.bias is not None, f"net[{index}] has no bias; keep the default bias=True")


def _expect_tied(net: nn.Sequential) -> None:
    first, second = net[2], net[4]
    expect(first is not second,
           "net[2] and net[4] are the same layer, so they share the bias too: create two "
           "nn.Linear layers and share only the weight (second.weight = first.weight)")
    if first.weight is not second.weight:
        w1, w2 = first.weight, second.weight
        if w1.data_ptr() == w2.data_ptr():
            raise Wrong("net[2].weight and net[4].weight share memory but are two Parameter "
                        "objects (.data = ... or nn.Parameter(first.weight)): each gets only "
                        "its own gradient and parameters() lists both; assign the Parameter: "
                        "second.weight = first.weight")
        if torch.equal(w1.detach(), w2.detach()):
            raise Wrong("net[4].weight is a copy of net[2].weight (equal values, separate "
                        "memory, e.g. copy.deepcopy or copy_): the two drift apart as soon as "
                        "training changes one; assign the Parameter: second.weight = "
                        "first.weight")
        raise Wrong("net[2] and net[4] have independent weights: share one weight by "
                    "assigning the Parameter, second.weight = first.weight")
    expect(first.bias is not second.bias,
           "net[2] and net[4] share their bias too: each keeps its own bias, only the weight "
           "is shared")


def _expect_tied_gradients(net: nn.Sequential, d: int) -> None:
    """The shared weight's gradient is the sum of the gradients of its two uses."""
    X, V = torch.randn(6, d), torch.randn(6, net[6].out_features)
    params = {key: p.detach().clone().requires_grad_() for key, p in net.named_parameters()}
    W_a = net[2].weight.detach().clone().requires_grad_()  # the first use
    W_b = net[2].weight.detach().clone().requires_grad_()  # the second use
    H = F.relu(F.linear(X, params["0.weight"], params["0.bias"]))
    H = F.relu(F.linear(H, W_a, params["2.bias"]))
    H = F.relu(F.linear(H, W_b, params["4.bias"]))
    (F.linear(H, params["6.weight"], params["6.bias"]) * V).sum().backward()
    net.zero_grad()
    out = call(net, X, name="net(X)")
    expect_tensor(out, "net(X)", shape=(6, net[6].out_features))
    (out * V).sum().backward()
    grad = net[2].weight.grad
    expect(grad is not None, "net[2].weight got no gradient: use the layers in forward")
    expect_close(grad, W_a.grad + W_b.grad, "the gradient of the shared weight",
                 hint="it should be the sum of the gradients of its two uses")
    expect_close(net[4].bias.grad, params["4.bias"].grad, "net[4].bias.grad")


@checker
def check_tied_mlp(tied_mlp: Callable[[int, int, int], nn.Sequential]) -> str:
    """``tied_mlp(d, h, k)``: an MLP whose layers net[2] and net[4] share one weight."""
    sizes = (5, 16, 3)
    net = attempt(tied_mlp, *sizes, name="tied_mlp(5, 16, 3)")
    _expect_structure(net, sizes, "tied_mlp(5, 16, 3)")
    _expect_tied(net)
    count = len(list(net.parameters()))
    expect(count == 7, f"net.parameters() yields {count} tensors; with the weight shared it "
                       "should yield 7 (4 weights - 1 shared + 4 biases)")
    _expect_tied_gradients(net, sizes[0])
    other = call(tied_mlp, *sizes, name="tied_mlp(5, 16, 3)")
    expect(other[2].weight is not net[2].weight,
           "two calls of tied_mlp return nets that share a weight: create the layers inside "
           "the function, so that each net gets its own")
    small = call(tied_mlp, 3, 7, 2, name="tied_mlp(3, 7, 2)")
    _expect_structure(small, (3, 7, 2), "tied_mlp(3, 7, 2)")
    _expect_tied(small)
    return ("net[2] and net[4] share one weight (the same Parameter, listed once by "
            "parameters(), its gradient the sum of both uses) and keep their own biases; "
            "each call builds a fresh net")
