"""Checkers for the exercises of notebook 11, Custom layers.

1. ``Scale()``: one learnable scalar ``alpha``, initialized to 1; returns ``alpha * X``.
2. ``RowCentered()``: subtracts from each example (row) its own mean, so that an example's
   output does not depend on the rest of the batch.
3. ``MyDense(in_units, units, bias=True)``: ``X @ W + b`` with ``W`` of shape
   (in_units, units) uniform in [-1/sqrt(in_units), 1/sqrt(in_units)], ``b`` zeros, and no
   bias at all when ``bias=False``.
4. ``Quadratic(in_units, units)``: ``y_k = sum_ij W_ijk x_i x_j`` with ``W`` of shape
   (in_units, in_units, units) drawn from N(0, 1/in_units^2).

Every checker builds the student's layer, calls it on random inputs, and tests what a
layer with parameters must get right: the parameters are registered, start at the asked
values and have the asked shapes, the output is right, gradients reach the parameters
(no ``.data`` in ``forward``) and the input is left unchanged.
"""

from __future__ import annotations

import functools
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from .core import (
    StudentError,
    Wrong,
    attempt,
    call,
    checker,
    expect,
    expect_close,
    expect_tensor,
)

# --- helpers shared by the checkers ----------------------------------------------------------


def _same(actual: torch.Tensor, expected: torch.Tensor) -> bool:
    """``actual`` equals ``expected`` up to rounding (shapes must match)."""
    return (actual.shape == expected.shape
            and torch.allclose(actual.detach().double(), expected.detach().double(),
                               rtol=1e-4, atol=1e-5))


def _build(cls: Any, *args: Any, name: str, **kwargs: Any) -> nn.Module:
    """Create the student's layer ``cls(*args, **kwargs)``; turn the usual crashes into hints."""
    try:
        layer = call(functools.partial(cls, **kwargs) if kwargs else cls, *args, name=name)
    except StudentError as err:
        text = str(err.__cause__)
        if "Module.__init__() call" in text:
            raise Wrong(f"{name} fails: call super().__init__() first in __init__, "
                        "before you assign any parameter or layer") from None
        if "floating point" in text:
            raise Wrong(f"{name} fails: a parameter must hold floats, e.g. torch.tensor(1.0) "
                        "or torch.ones(()), not the integer torch.tensor(1)") from None
        raise
    expect(isinstance(layer, nn.Module),
           f"{name} is of type {type(layer).__name__}; write the layer as a subclass of "
           "nn.Module (class ...(nn.Module))")
    return layer


def _plain_tensors(layer: nn.Module) -> list[str]:
    """Names of the tensor attributes of ``layer`` that are not registered as parameters."""
    return [key for key, value in vars(layer).items()
            if isinstance(value, torch.Tensor) and not isinstance(value, nn.Parameter)]


def _expect_parameters(layer: nn.Module, name: str, created: dict[str, nn.Parameter],
                       count: int) -> dict[str, nn.Parameter]:
    """``layer`` has ``count`` registered parameters, all created in ``__init__``; return them."""
    params = dict(layer.named_parameters())
    plain = _plain_tensors(layer)
    if not params and plain:
        raise Wrong(f"self.{plain[0]} is a plain tensor, so {name} has no registered "
                    "parameter: parameters(), optimizers and state_dict never see it and it "
                    f"gets no gradient; wrap it: self.{plain[0]} = nn.Parameter(...)")
    expect(bool(params), f"{name} has no registered parameter: create it in __init__ as "
                         "self.<name> = nn.Parameter(<tensor>) (a Python number is invisible too)")
    expect(bool(created), f"{name} creates its parameters in forward, so every call starts "
                          "from scratch: create them once, in __init__")
    expect(len(params) == count,
           f"{name} has {len(params)} registered parameters ({', '.join(params)}); "
           f"expected {count}")
    return params


def _expect_tracked(Y: torch.Tensor, name: str, params: str) -> None:
    """The output of the layer is part of the autograd graph of its parameters."""
    expect(Y.requires_grad,
           f"{name} is cut from autograd, so after backward {params} would have no gradient "
           "(.grad stays None) and never train: use the parameters themselves in forward "
           "(no .data, .detach(), .item() or torch.no_grad())")


def _expect_grad(param: nn.Parameter, expected: torch.Tensor, name: str, hint: str) -> None:
    """After backward, ``param.grad`` exists and equals ``expected``."""
    expect(param.grad is not None,
           f"{name} is None after backward: forward used a copy of the parameter that is cut "
           "from autograd (.data, .detach(), .item()); use the parameter itself")
    expect_close(param.grad.reshape(expected.shape), expected, name, hint=hint)


def _expect_input_kept(before: torch.Tensor, X: torch.Tensor, name: str,
                       fix: str = "build and return a new tensor") -> None:
    """The layer left its input ``X`` equal to its copy ``before``; ``fix`` says how."""
    expect(torch.equal(before, X),
           f"{name} changed its input X in place (X -= ..., X *= ..., X.sub_(...)): a layer "
           f"must leave X as it was, since the caller and autograd may still need it; {fix}")


def _rows_with_different_means(rows: int, cols: int) -> torch.Tensor:
    """Distinct values, negative and positive, whose rows and columns have different means."""
    return (torch.randn(rows, cols) + 3 * torch.arange(rows).unsqueeze(1)
            - torch.arange(cols) - 2.0)


# --- Exercise 1: Scale ------------------------------------------------------------------------


@checker
def check_scale(Scale: type) -> str:
    """``Scale()``: one learnable scalar alpha, initialized to 1; ``forward(X) = alpha * X``."""
    layer = _build(Scale, name="Scale()")
    created = dict(layer.named_parameters())
    X = torch.randn(4, 6)
    before = X.clone()
    Y = attempt(layer, X, name="Scale()(X)")
    _expect_input_kept(before, X, "Scale()", "return self.alpha * X, a new tensor")
    (pname, alpha), = _expect_parameters(layer, "Scale()", created, count=1).items()
    expect(alpha.numel() == 1,
           f"self.{pname} has shape {tuple(alpha.shape)}; alpha is one number for the whole "
           "input: nn.Parameter(torch.ones(())) or nn.Parameter(torch.tensor(1.0))")
    start = alpha.item()
    expect(start == 1.0, f"alpha starts at {start:.4g}; initialize it to 1, so that a new Scale "
                         "layer returns its input unchanged")
    expect_tensor(Y, "Scale()(X)", shape=X.shape)
    expect_close(Y, X, "Scale()(X) with alpha = 1", hint="with alpha = 1 the output equals X")
    with torch.no_grad():
        alpha.fill_(2.5)
    Y = call(layer, X, name="Scale()(X)")
    _expect_input_kept(before, X, "Scale()", "return self.alpha * X, a new tensor")
    expect(not _same(Y, X), "after setting alpha to 2.5 the output still equals X: multiply "
                            f"by self.{pname} in forward, not by a constant or a copy")
    expect_close(Y, 2.5 * X, "Scale()(X) with alpha = 2.5", hint="the output is alpha * X")
    _expect_tracked(Y, "Scale()(X)", f"self.{pname}")
    G = torch.randn_like(X)
    (Y * G).sum().backward()
    _expect_grad(alpha, (X * G).sum(), f"self.{pname}.grad",
                 hint="for the loss sum(G * alpha * X) it is sum(G * X)")
    return ("Scale: one registered parameter starting at 1 (the layer starts as the identity), "
            "output alpha * X, the right gradient for alpha, X left unchanged")


# --- Exercise 2: RowCentered ------------------------------------------------------------------


def _attempt_row_centered(layer: nn.Module, X: torch.Tensor) -> torch.Tensor:
    """The first call; a missing ``keepdim`` (a shape mismatch) gets its hint."""
    try:
        return attempt(layer, X, name="RowCentered()(X)")
    except StudentError as err:
        cause = err.__cause__
        if not (isinstance(cause, RuntimeError) and "must match the size" in str(cause)):
            raise
        rows, cols = X.shape
        raise Wrong(f"for X of shape ({rows}, {cols}), X.mean(dim=1) has shape ({rows},), "
                    f"which lines up with the {cols} columns, not with the {rows} rows: keep "
                    f"the dimension, X.mean(dim=1, keepdim=True) has shape ({rows}, 1)") from None


def _expect_row_means_removed(Y: torch.Tensor, X: torch.Tensor, name: str) -> None:
    """``Y`` is ``X`` minus each row's mean; the usual wrong variants get their hint."""
    expect_tensor(Y, name, shape=X.shape)
    mistakes = {
        "you subtracted one mean of the whole batch (that is CenteredLayer): subtract each "
        "row's own mean, X.mean(dim=1, keepdim=True)": X - X.mean(),
        "you centered each column (feature) over the batch, dim=0, so an example's output "
        "still depends on the others: take the mean of each row, over its features, dim=1":
            X - X.mean(dim=0),
        "you subtracted each row's sum; subtract its mean (.mean, not .sum)":
            X - X.sum(dim=1, keepdim=True),
        "you also divided by the standard deviation (that is a layer norm); only subtract "
        "the mean": (X - X.mean(dim=1, keepdim=True)) / X.std(dim=1, keepdim=True),
    }
    if X.shape[0] == X.shape[1]:
        mistakes = {"on a square X, X - X.mean(dim=1) runs without an error but subtracts row "
                    "j's mean from column j: use X.mean(dim=1, keepdim=True)":
                        X - X.mean(dim=1), **mistakes}
    for hint, wrong in mistakes.items():
        expect(not _same(Y, wrong), hint)
    expect_close(Y, X - X.mean(dim=1, keepdim=True), name,
                 hint="every row should have its own mean subtracted")


@checker
def check_row_centered(RowCentered: type) -> str:
    """``RowCentered()``: ``X`` minus the mean of each row; no parameters, X unchanged."""
    layer = _build(RowCentered, name="RowCentered()")
    X = _rows_with_different_means(4, 6)
    before = X.clone()
    Y = _attempt_row_centered(layer, X)
    _expect_input_kept(before, X, "RowCentered()", "return X - ..., a new tensor")
    expect(not list(layer.parameters()),
           "RowCentered() has parameters, but it has nothing to learn: only define forward")
    _expect_row_means_removed(Y, X, "RowCentered()(X)")
    for i in range(len(X)):
        alone = call(layer, X[i:i + 1], name=f"RowCentered()(X[{i}:{i + 1}])")
        expect_close(alone, Y[i:i + 1], f"the output for example {i} alone",
                     hint="an example's output must not depend on the rest of the batch")
    S = _rows_with_different_means(5, 5)
    _expect_row_means_removed(call(layer, S, name="RowCentered()(S)"), S,
                              "RowCentered()(S) for a 5 x 5 S")
    leaf = X.clone().requires_grad_()
    out = call(layer, leaf, name="RowCentered()(X)")
    expect(out.requires_grad, "RowCentered()(X) is cut from autograd, so the layers before it "
                              "would never get a gradient: no .data or .detach() in forward")
    G = torch.randn_like(X)
    (out * G).sum().backward()
    expect(leaf.grad is not None, "no gradient reaches X through RowCentered: build the output "
                                  "from X with torch operations")
    expect_close(leaf.grad, G - G.mean(dim=1, keepdim=True), "the gradient with respect to X",
                 hint="the mean must stay in the graph (no .detach() on it)")
    return ("RowCentered: each row minus its own mean (wide and square inputs), an example gets "
            "the same output alone as in a batch, no parameters, X unchanged, gradients flow")


# --- Exercise 3: MyDense with a given init and an optional bias -------------------------------


def _expect_uniform_init(W: torch.Tensor, in_units: int, units: int, name: str) -> None:
    """``W`` is uniform in [-b, b] with b = 1/sqrt(in_units): it fills the range, no more."""
    bound = in_units ** -0.5
    low, high = W.min().item(), W.max().item()
    seen = f"{name} ranges over [{low:.3f}, {high:.3f}]"
    inside = low > -bound * 1.0001 and high < bound * 1.0001
    expect(low < -0.5 * bound,
           f"{seen}: no weight is clearly negative; torch.rand draws from [0, 1), map it to "
           "[-1, 1) first: 2 * torch.rand(...) - 1")
    if abs(max(-low, high) - units ** -0.5) < 0.01 * units ** -0.5:
        raise Wrong(f"{seen}, that is ±1/sqrt(units): nn.init takes fan_in from dimension 1, "
                    "which is units for a weight of shape (in_units, units); compute the bound "
                    "1/sqrt(in_units) yourself")
    expect(inside or abs(W.std().item() - bound) > 0.1 * bound,
           f"{seen}: normal values with standard deviation 1/sqrt(in_units) spill past "
           f"±1/sqrt(in_units) = ±{bound:.3f}; draw uniform ones (torch.rand or "
           "nn.init.uniform_)")
    expect(inside, f"{seen}, past ±1/sqrt(in_units) = ±{bound:.3f}: scale uniform values "
                   "in [-1, 1) by 1/sqrt(in_units)")
    expect(high > 0.9 * bound and low < -0.9 * bound,
           f"{seen}, a narrower range than ±1/sqrt(in_units) = ±{bound:.3f}: scale uniform "
           "values in [-1, 1) by in_units ** -0.5")


def _expect_dense_forward(Y: torch.Tensor, X: torch.Tensor, W: torch.Tensor,
                          b: torch.Tensor | None, name: str) -> None:
    """``Y`` is ``X @ W + b`` (or ``X @ W`` without a bias)."""
    expect_tensor(Y, name, shape=(len(X), W.shape[1]))
    right = X @ W + (0 if b is None else b)
    expect(not (b is not None and _same(Y, X @ W)),
           f"{name} equals X @ W: add the bias, X @ self.weight + self.bias")
    expect(not _same(Y, F.relu(right)),
           f"{name} applies a ReLU: MyDense is a linear layer, put nn.ReLU() after it instead")
    expect_close(Y, right, name, hint="the output is X @ W + b, with W of shape (in_units, units)")


def _dense_parameters(layer: nn.Module, name: str, created: dict[str, nn.Parameter],
                      in_units: int, units: int) -> tuple[nn.Parameter, nn.Parameter]:
    """The weight and bias of ``MyDense(in_units, units)``, with their shapes and start values."""
    params = _expect_parameters(layer, name, created, count=2)
    expect(set(params) == {"weight", "bias"},
           f"{name} has parameters named {', '.join(params)}; name them weight and bias")
    W, b = params["weight"], params["bias"]
    expect(tuple(W.shape) != (units, in_units),
           f"weight has shape {tuple(W.shape)} = (units, in_units), the layout of nn.Linear; "
           f"the task asks for (in_units, units) = {(in_units, units)}, so that forward is X @ W")
    expect_tensor(W, "weight", shape=(in_units, units))
    expect_tensor(b, "bias", shape=(units,))
    expect(not b.detach().any(), f"bias starts at values up to {b.detach().abs().max():.3g}; "
                                 "initialize it to zeros: torch.zeros(units)")
    _expect_uniform_init(W.detach(), in_units, units, "weight")
    return W, b


@checker
def check_my_dense(MyDense: type) -> str:
    """``MyDense(in_units, units, bias=True)``: uniform weight, zero bias, optional bias."""
    in_units, units = 64, 48
    name = f"MyDense({in_units}, {units})"
    layer = _build(MyDense, in_units, units, name=name)
    created = dict(layer.named_parameters())
    X = torch.randn(10, in_units)
    before = X.clone()
    Y = attempt(layer, X, name=f"{name}(X)")
    _expect_input_kept(before, X, name)
    W, b = _dense_parameters(layer, name, created, in_units, units)
    with torch.no_grad():
        b.copy_(torch.randn(units))  # a nonzero bias, so that a missing "+ b" shows
    Y = call(layer, X, name=f"{name}(X)")
    _expect_dense_forward(Y, X, W.detach(), b.detach(), f"{name}(X)")
    _expect_tracked(Y, f"{name}(X)", "weight and bias")
    G = torch.randn_like(Y)
    (Y * G).sum().backward()
    _expect_grad(W, X.T @ G, "weight.grad", hint="for the loss sum(G * (X @ W + b)) it is X.T @ G")
    _expect_grad(b, G.sum(dim=0), "bias.grad", hint="for the loss sum(G * (X @ W + b)) it is "
                                                    "G.sum(dim=0)")
    name = f"MyDense({in_units}, {units}, bias=False)"
    plain = _build(MyDense, in_units, units, name=name, bias=False)
    params = dict(plain.named_parameters())
    expect(set(params) == {"weight"},
           f"{name} has the parameters {', '.join(params) or 'none'}; it should have only "
           "weight: create the bias only when bias is True (else self.bias = None)")
    try:
        Y = call(plain, X, name=f"{name}(X)")
    except StudentError as err:
        if not (isinstance(err.__cause__, TypeError) and "NoneType" in str(err.__cause__)):
            raise
        raise Wrong(f"{name}(X) fails on self.bias, which is None: add the bias only when "
                    "there is one (if self.bias is not None)") from None
    _expect_dense_forward(Y, X, params["weight"].detach(), None, f"{name}(X)")
    return ("MyDense: weight (in_units, units) uniform in ±1/sqrt(in_units), bias zeros, "
            "output X @ W + b, gradients for both, and only a weight when bias=False")


# --- Exercise 4: a quadratic layer with einsum ------------------------------------------------


def _expect_quadratic_init(W: torch.Tensor, in_units: int) -> None:
    """The entries of ``W`` have standard deviation 1/in_units (600 draws: within 15%)."""
    std, want = W.std().item(), 1 / in_units
    expect(abs(std - 1) > 0.15,
           f"weight has standard deviation {std:.3f}, that of torch.randn alone: divide by "
           f"in_units, for a standard deviation of 1/in_units = {want:.3f}")
    expect(abs(std - in_units ** -0.5) > 0.15 * in_units ** -0.5,
           f"weight has standard deviation {std:.3f} = 1/sqrt(in_units): the sum has "
           "in_units² terms, so divide by in_units itself (standard deviation "
           f"{want:.3f})")
    expect(abs(std - want) < 0.15 * want,
           f"weight has standard deviation {std:.3f}; draw it as torch.randn(...) / in_units "
           f"(standard deviation {want:.3f})")


@checker
def check_quadratic(Quadratic: type) -> str:
    """``Quadratic(in_units, units)``: ``y_k = sum_ij W_ijk x_i x_j``, W (in, in, units)."""
    in_units, units = 10, 6
    name = f"Quadratic({in_units}, {units})"
    layer = _build(Quadratic, in_units, units, name=name)
    created = dict(layer.named_parameters())
    X = torch.randn(7, in_units)
    before = X.clone()
    Y = attempt(layer, X, name=f"{name}(X)")
    _expect_input_kept(before, X, name)
    (pname, W), = _expect_parameters(layer, name, created, count=1).items()
    expect(tuple(W.shape) != (units, in_units, in_units),
           f"self.{pname} has shape {tuple(W.shape)} = (units, in_units, in_units); put the "
           f"output dimension last: (in_units, in_units, units) = {(in_units, in_units, units)}")
    expect_tensor(W, f"self.{pname}", shape=(in_units, in_units, units))
    _expect_quadratic_init(W.detach(), in_units)
    expect_tensor(Y, f"{name}(X)", shape=(len(X), units))
    Wd = W.detach()
    expect(not _same(Y, torch.einsum("bi,ijk->bk", X, Wd)),
           f"{name}(X) uses x_i only once: every term is W_ijk * x_i * x_j, so X appears twice, "
           "torch.einsum('bi,bj,ijk->bk', X, X, W)")
    expect_close(Y, torch.einsum("bi,bj,ijk->bk", X, X, Wd), f"{name}(X)",
                 hint="y[b, k] = sum over i, j of W[i, j, k] * X[b, i] * X[b, j]")
    _expect_tracked(Y, f"{name}(X)", f"self.{pname}")
    G = torch.randn_like(Y)
    (Y * G).sum().backward()
    _expect_grad(W, torch.einsum("bi,bj,bk->ijk", X, X, G), f"self.{pname}.grad",
                 hint="for the loss sum(G * Y) it is sum over b of X[b, i] * X[b, j] * G[b, k]")
    return ("Quadratic: one registered weight of shape (in_units, in_units, units) with "
            "standard deviation 1/in_units, y_k = sum_ij W_ijk x_i x_j, the right gradient")
