"""Checkers for the exercises of notebook 06, Weight decay."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

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

# --- helpers shared by the checkers ----------------------------------------------------------


def _mlp(sizes: Sequence[int]) -> nn.Sequential:
    """``nn.Linear`` layers of the given widths with a ReLU between them, every parameter
    (biases too) drawn from N(0, 1), so that weights and biases are distinct and sizeable."""
    layers: list[nn.Module] = []
    for index, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        if index:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(fan_in, fan_out))
    net = nn.Sequential(*layers)
    with torch.no_grad():
        for param in net.parameters():
            param.copy_(torch.randn_like(param))
    return net


def _label(name: str) -> str:
    """``net[2].weight`` for the parameter name ``2.weight`` of an ``nn.Sequential``."""
    layer, _, kind = name.rpartition(".")
    return f"net[{layer}].{kind}" if layer.isdigit() else f"net.{name}"


def _snapshot(net: nn.Module) -> dict[str, torch.Tensor]:
    return {name: param.detach().clone() for name, param in net.named_parameters()}


def _expect_net_unchanged(before: dict[str, torch.Tensor], net: nn.Module) -> None:
    for name, param in net.named_parameters():
        expect_unchanged(before[name], param.detach(), _label(name))


# --- Exercise 1: the L2 penalty of a network's weights --------------------------------------

#: Ways to turn one tensor into a number, the right one ("sq") and what students write instead.
_TERMS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sq": lambda t: (t ** 2).sum(),
    "abs": lambda t: t.abs().sum(),
    "norm": lambda t: t.norm(),
    "mean": lambda t: (t ** 2).mean(),
    "sqsum": lambda t: t.sum() ** 2,
}
_TERM_HINTS = {
    "abs": "it adds up absolute values |w|, which is the L1 penalty; square each weight instead",
    "norm": "it adds up the norms ||W||, not their squares; square each weight: (W ** 2).sum()",
    "mean": "it averages the squares; add them up with .sum(), not .mean()",
    "sqsum": "it squares the sum of the weights; square each weight first, then sum: "
             "(W ** 2).sum()",
}


def _penalty_variants(net: nn.Module) -> list[tuple[float, list[str]]]:
    """Every (value, mistakes) a wrong penalty of ``net`` could plausibly produce."""
    linears = [(name, m) for name, m in net.named_modules() if isinstance(m, nn.Linear)]
    variants = []
    for term, half, with_bias in itertools.product(_TERMS, (True, False), (False, True)):
        for size in range(len(linears), 0, -1):
            for chosen in itertools.combinations(linears, size):
                tensors = [m.weight for _, m in chosen] + [m.bias for _, m in chosen if with_bias]
                value = sum(_TERMS[term](t.detach()).item() for t in tensors) / (2 if half else 1)
                mistakes = [] if term == "sq" else [_TERM_HINTS[term]]
                if size < len(linears):
                    missing = [f"net[{name}].weight" for name, m in linears
                               if (name, m) not in chosen]
                    mistakes.append(f"it leaves out {', '.join(missing)}; add the weight of "
                                    "every nn.Linear layer")
                if with_bias:
                    mistakes.append("it includes the biases; penalize the weights only "
                                    "(each nn.Linear's .weight, not its .bias)")
                if not half:
                    mistakes.append("it lacks the factor 1/2; divide the sum of squares by 2")
                variants.append((value, mistakes))
    return variants


def _expect_penalty_value(penalty: Any, net: nn.Module, name: str) -> None:
    expect(not isinstance(penalty, (int, float)),
           f"{name} returned the Python number {penalty:.4g}; return a tensor (no .item()), "
           "so that the penalty can be backpropagated")
    expect_tensor(penalty, name)
    expect(penalty.numel() == 1, f"{name} has shape {tuple(penalty.shape)}; it should be one "
           "number (a scalar tensor): sum over every weight of every layer")
    got = penalty.detach().double().item()
    variants = _penalty_variants(net)
    right = variants[0][0]
    if math.isclose(got, right, rel_tol=1e-4):
        return
    for value, mistakes in variants[1:]:
        if math.isclose(got, value, rel_tol=1e-4):
            raise Wrong(f"{name} = {got:.4g}, expected {right:.4g}: " + "; ".join(mistakes))
    raise Wrong(f"{name} = {got:.4g}, expected {right:.4g} (half the sum of the squares of "
                "every nn.Linear weight, biases left out)")


@checker
def check_weight_penalty(weight_penalty: Callable[[nn.Module], torch.Tensor]) -> str:
    """``weight_penalty(net)``: half the sum of squares of every ``nn.Linear`` weight of ``net``."""
    net = _mlp([5, 4, 3, 2])
    before = _snapshot(net)
    penalty = attempt(weight_penalty, net, name="weight_penalty(net)")
    _expect_net_unchanged(before, net)
    _expect_penalty_value(penalty, net, "weight_penalty(net)")
    expect(penalty.requires_grad, "weight_penalty(net) has no gradient: build it from the "
           "parameters with torch operations (no .item(), .data, .detach() or torch.tensor)")
    penalty.sum().backward()
    for name, param in net.named_parameters():
        if name.endswith("weight"):
            expect(param.grad is not None, f"no gradient reaches {_label(name)}: compute the "
                   "penalty from the parameters themselves, not from a copy")
            expect_close(param.grad, param.detach(), f"the gradient of {_label(name)}",
                         hint="the gradient of (1/2) * sum(W ** 2) is W itself")
        else:
            expect(param.grad is None or not param.grad.any(),
                   f"{_label(name)} gets a gradient from the penalty; leave the biases out")
    other = _mlp([6, 3, 1])
    _expect_penalty_value(call(weight_penalty, other, name="weight_penalty(other_net)"),
                          other, "weight_penalty(other_net) for a net with 2 Linear layers")
    return ("weight_penalty sums W ** 2 / 2 over every nn.Linear weight, leaves the biases "
            "out, and its gradient is W")


# --- Exercise 2: one SGD step with weight decay ----------------------------------------------


def _sgd_reference(w: torch.Tensor, grad: torch.Tensor, lr: float, wd: float) -> torch.Tensor:
    """What ``torch.optim.SGD(weight_decay=wd)`` makes of ``w`` in one step."""
    param = nn.Parameter(w.clone())
    param.grad = grad.clone()
    torch.optim.SGD([param], lr=lr, weight_decay=wd).step()
    return param.detach()


def _step_mistakes(w: torch.Tensor, grad: torch.Tensor, lr: float,
                   wd: float) -> list[tuple[torch.Tensor, str]]:
    """The updates students write instead of ``(1 - lr * wd) * w - lr * grad``, with hints."""
    return [
        (w - lr * grad,
         "w was not decayed: shrink it by the factor (1 - lr * wd) before subtracting lr * grad"),
        ((1 - lr * wd) * w + lr * grad,
         "the gradient step has the wrong sign: subtract lr * grad, do not add it"),
        ((1 + lr * wd) * w - lr * grad,
         "w grows by (1 + lr * wd): decay must shrink it; the factor is 1 - lr * wd"),
        ((1 + lr * wd) * w + lr * grad,
         "the whole update has the wrong sign: w - lr * (grad + wd * w)"),
        ((1 - wd) * w - lr * grad,
         ("w shrinks by (1 - wd); the decay is part of the step, so it is scaled by the "
          "learning rate: (1 - lr * wd)")),
        ((1 - lr * wd) * (w - lr * grad),
         "it decays the already updated w; decay the old w: (1 - lr * wd) * w - lr * grad"),
        ((1 - lr * wd / 2) * w - lr * grad,
         "the gradient of (wd / 2) * ||w||^2 is wd * w, not wd * w / 2"),
        ((1 - lr * wd) * w, "the gradient is missing: subtract lr * grad as well"),
    ]


@checker
def check_decayed_sgd_step(
        decayed_sgd_step: Callable[[torch.Tensor, torch.Tensor, float, float], torch.Tensor],
) -> str:
    """``decayed_sgd_step(w, grad, lr, wd)``: one SGD step on the loss plus (wd/2)||w||^2."""
    w, grad = torch.randn(3, 5), torch.randn(3, 5)
    w_copy, grad_copy = w.clone(), grad.clone()
    lr, wd = 0.1, 0.5
    name = f"decayed_sgd_step(w, grad, lr={lr}, wd={wd})"
    new = attempt(decayed_sgd_step, w, grad, lr, wd, name=name)
    expect_unchanged(w_copy, w, "w")
    expect_unchanged(grad_copy, grad, "grad")
    expect_tensor(new, name, shape=w.shape)
    expected = _sgd_reference(w, grad, lr, wd)
    if not torch.allclose(new, expected, atol=1e-6):
        for wrong, hint in _step_mistakes(w, grad, lr, wd):
            expect(not torch.allclose(new, wrong, atol=1e-6), hint)
    for rate, decay in ((lr, wd), (0.03, 2.0), (0.2, 0.0)):
        name = f"decayed_sgd_step(w, grad, lr={rate}, wd={decay})"
        expect_close(call(decayed_sgd_step, w, grad, rate, decay, name=name),
                     _sgd_reference(w, grad, rate, decay), name,
                     hint="torch.optim.SGD(weight_decay=wd) gives (1 - lr * wd) * w - lr * grad")
    return ("decayed_sgd_step matches torch.optim.SGD(weight_decay=wd) for three (lr, wd) and "
            "leaves w and grad unchanged")


# --- Exercise 3: parameter groups that decay the weights only --------------------------------


def _as_list(params: Any) -> list[Any]:
    return [params] if isinstance(params, torch.Tensor) else list(params)


def _read_groups(groups: Any, name: str) -> list[dict[str, Any]]:
    """The student's groups with each ``params`` turned into a list (a generator is read once)."""
    expect(isinstance(groups, (list, tuple)),
           f"{name} should return a list of dicts (parameter groups), got "
           f"{type(groups).__name__}")
    read = []
    for index, group in enumerate(groups):
        expect(isinstance(group, dict) and "params" in group,
               f"group {index} should be a dict with the key 'params', got {group!r:.60}")
        expect("weight_decay" in group,
               f"group {index} has no 'weight_decay'; give every group its own (0 for the "
               "biases), or it silently takes whatever default the optimizer is given")
        read.append({**group, "params": _as_list(group["params"])})
    return read


def _expect_groups(groups: list[dict[str, Any]], net: nn.Module, wd: float, name: str) -> None:
    names = {id(param): _label(key) for key, param in net.named_parameters()}
    seen: dict[int, list[float]] = {}
    for index, group in enumerate(groups):
        for param in group["params"]:
            expect(id(param) in names, f"group {index} of {name} holds a tensor that is not a "
                   "parameter of net; use the tensors of net.named_parameters()")
            seen.setdefault(id(param), []).append(group["weight_decay"])
    for key, label in names.items():
        count = len(seen.get(key, []))
        expect(count <= 1, f"{label} is listed {count} times; list every parameter exactly once "
               "(the optimizer refuses a parameter that is in two groups)")
    missing = [label for key, label in names.items() if key not in seen]
    if missing and all(label.endswith(".bias") for label in missing):
        raise Wrong(f"{', '.join(missing)} are in no group, so the optimizer would never "
                    "train the biases; put them in a group with weight_decay 0")
    one = len(missing) == 1
    expect(not missing, f"{', '.join(missing)} {'is' if one else 'are'} in no group, so the "
           f"optimizer would never train {'it' if one else 'them'}; cover every layer of net")
    for key, label in names.items():
        decay = seen[key][0]
        if label.endswith(".bias"):
            expect(decay == 0, f"{label} has weight_decay {decay}: do not decay the biases; "
                   "put them in a group with weight_decay 0")
        else:
            expect(decay == wd, f"{label} has weight_decay {decay}, expected {wd} (the wd "
                   "argument): every weight is decayed")


def _expect_step_decays_weights(groups: list[dict[str, Any]], net: nn.Module, wd: float,
                                lr: float = 0.1) -> None:
    """One real SGD step with zero gradients: weights shrink by 1 - lr * wd, biases stay."""
    before = _snapshot(net)
    for param in net.parameters():
        param.grad = torch.zeros_like(param)
    torch.optim.SGD(groups, lr=lr).step()
    for key, param in net.named_parameters():
        factor = 1.0 if key.endswith("bias") else 1 - lr * wd
        expect_close(param.detach(), factor * before[key], f"{_label(key)} after one SGD step",
                     hint="build the optimizer from these groups: weights shrink, biases stay")


@checker
def check_param_groups(param_groups: Callable[[nn.Module, float], list[dict[str, Any]]]) -> str:
    """``param_groups(net, wd)``: optimizer groups that decay every weight and no bias."""
    net = _mlp([4, 5, 3, 2])
    name = "param_groups(net, 0.3)"
    groups = _read_groups(attempt(param_groups, net, 0.3, name=name), name)
    _expect_groups(groups, net, 0.3, name)
    _expect_step_decays_weights(groups, net, 0.3)
    other = _mlp([3, 4, 1])
    name = "param_groups(other_net, 0.01)"
    groups = _read_groups(call(param_groups, other, 0.01, name=name), name)
    _expect_groups(groups, other, 0.01, name + " (a net with 2 Linear layers)")
    _expect_step_decays_weights(groups, other, 0.01)
    return ("param_groups lists every parameter once, decays every weight by wd and no bias; "
            "checked with a real SGD step on two nets")
