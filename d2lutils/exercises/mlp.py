"""Checkers for the exercises of notebook 05, Multilayer perceptrons."""

from __future__ import annotations

from collections.abc import Callable

import torch

from .core import (AUTOGRAD, StudentError, Wrong, attempt, call, checker, expect, expect_close,
                   expect_tensor)

Tensor = torch.Tensor


# Exercise 1: ReLU with a mask ---------------------------------------------------------------

#: The ready-made ways to a ReLU that the task rules out: ReLU itself (``nn.ReLU`` calls
#: ``F.relu``), elementwise maxima and clamps. (``Tensor.max`` stays allowed: printing a
#: tensor calls it.)
READY_MADE_RELU = (
    "torch.relu", "torch.relu_", "torch.Tensor.relu", "torch.Tensor.relu_",
    "torch.nn.functional.relu", "torch.nn.functional.relu_", "torch.nn.functional.relu6",
    "torch.nn.functional.threshold", "torch.threshold",
    "torch.maximum", "torch.Tensor.maximum", "torch.fmax", "torch.Tensor.fmax",
    "torch.clamp", "torch.Tensor.clamp", "torch.Tensor.clamp_", "torch.clamp_min",
    "torch.Tensor.clamp_min", "torch.Tensor.clamp_min_",
    "torch.clip", "torch.Tensor.clip", "torch.Tensor.clip_",
)


def _signed_probe() -> Tensor:
    """Distinct float64 values of both signs, a few exact zeros, in a non-square 3-D shape."""
    X = torch.randn(3, 4, 5, dtype=torch.float64)
    X[0, 0, :2] = 0.0
    X[1, 2, 3] = 0.0
    return X


def _first(values: Tensor) -> float:
    return values.flatten()[0].item()


def _relu_first_call(masked_relu: Callable[[Tensor], Tensor], X: Tensor) -> object:
    """The first call of the student's function; Python's ``max(0, X)`` gets its own hint."""
    try:
        return attempt(masked_relu, X, name="masked_relu(X)", forbidden=READY_MADE_RELU)
    except StudentError as err:
        if "ambiguous" in str(err.__cause__):
            raise Wrong("Python's max(0, X) (or `if X > 0`) asks one yes/no question about the "
                        "whole tensor; compare every element with 0 instead, e.g. X * (X > 0)"
                        ) from err
        raise


def _relu_values(Y: Tensor, X: Tensor) -> None:
    """Check ReLU's values on the negative, positive and zero entries of ``X``."""
    neg, pos, zero = X < 0, X > 0, X == 0
    expect(not torch.equal(Y, (X > 0).to(Y.dtype)),
           "masked_relu(X) is 1 where X > 0 and 0 elsewhere: that is only the mask (and "
           "ReLU's derivative); multiply X by it")
    expect(Y.dtype == X.dtype,
           f"masked_relu(X) has dtype {Y.dtype}, but X is {X.dtype}: build the result from X "
           "with tensor operations (e.g. X * mask) so that it keeps X's dtype")
    expect(not (torch.allclose(Y[neg], X[neg]) and torch.all(Y[pos] == 0)),
           "masked_relu(X) keeps the negative values and zeroes the positive ones: the mask "
           "is the wrong way round, keep X where X > 0")
    expect(not torch.allclose(Y[neg], -X[neg]),
           "negative inputs came out positive: ReLU sets them to 0, it is not the absolute value")
    expect(not torch.allclose(Y[neg], X[neg]),
           "negative inputs pass through unchanged: ReLU must set every x < 0 to 0")
    bad = neg & (Y != 0)
    if bad.any():
        raise Wrong(f"masked_relu(X) should be 0 wherever X < 0, but "
                    f"masked_relu({_first(X[bad]):.3f}) = {_first(Y[bad]):.4g}")
    bad = pos & (Y != X)
    if bad.any():
        raise Wrong(f"masked_relu(x) should be x for x > 0, but "
                    f"masked_relu({_first(X[bad]):.3f}) = {_first(Y[bad]):.4g}")
    expect(torch.all(Y[zero] == 0), "masked_relu(0) should be 0")


def _relu_gradient(masked_relu: Callable[[Tensor], Tensor], X: Tensor) -> None:
    """Check that ReLU's gradient is 0 at negative and 1 at positive inputs."""
    leaf = X.clone().requires_grad_()
    Y = call(masked_relu, leaf, name="masked_relu(X)", forbidden=READY_MADE_RELU)
    expect(isinstance(Y, Tensor) and Y.requires_grad,
           "masked_relu(X) does not track gradients: compute it from X with tensor operations, "
           "without .detach(), .data, .numpy(), .tolist() or torch.tensor(...)")
    grad, = torch.autograd.grad(Y.sum(), leaf, allow_unused=True)
    expect(grad is not None, "masked_relu(X) does not depend on X for autograd: build it from X")
    wrong = grad[(X < 0) & (grad != 0)]
    if wrong.numel():
        raise Wrong(f"the gradient at negative inputs is {_first(wrong):g}, expected 0: the "
                    "values were zeroed where autograd cannot see it (under torch.no_grad() "
                    "or through .data); use X * mask or torch.where instead")
    expect(torch.all(grad[X > 0] == 1), "the gradient at positive inputs should be 1")


@checker
def check_masked_relu(masked_relu: Callable[[Tensor], Tensor]) -> str:
    """``masked_relu(X)``: element-wise max(x, 0) through the mask X > 0, a new tensor, with
    the right gradient, and none of the ready-made ReLUs, maxima or clamps."""
    X = _signed_probe()
    original = X.clone()
    Y = _relu_first_call(masked_relu, X)
    expect(torch.equal(X, original),
           "masked_relu(X) changed X in place (e.g. X[X < 0] = 0): the caller's tensor "
           "must stay as it was, so build a new one, e.g. X * (X > 0)")
    expect(not isinstance(Y, tuple),
           "masked_relu(X) returned a pair: torch.max(X, 0) is the largest value along dim 0 "
           "(and its index); ReLU compares every element with 0")
    expect_tensor(Y, "masked_relu(X)")
    expect(Y.dtype != torch.bool,
           "masked_relu(X) returned booleans: X > 0 is only the mask; multiply X by it")
    expect_tensor(Y, "masked_relu(X)", shape=X.shape)
    _relu_values(Y, X)
    _relu_gradient(masked_relu, X)
    return ("masked_relu sets negatives and 0 to 0, keeps positives, shape and dtype, leaves X "
            "alone, and its gradient is 0 for x < 0 and 1 for x > 0")


# Exercise 2: the MLP's forward pass ---------------------------------------------------------

N, PIXELS, HIDDEN, OUTPUTS = 6, 784, 32, 5


def _mlp_params() -> tuple[Tensor, ...]:
    """An image batch and parameters whose biases and outputs have both signs."""
    X = torch.rand(N, 1, 28, 28)
    W1 = torch.randn(PIXELS, HIDDEN) * 0.1
    b1 = torch.randn(HIDDEN)
    W2 = torch.randn(HIDDEN, OUTPUTS) * 0.5
    b2 = torch.randn(OUTPUTS)
    return X, W1, b1, W2, b2


def _wrong_forwards(X: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor
                    ) -> list[tuple[Tensor, str]]:
    """Outputs of common wrong forward passes, each with the hint for that mistake."""
    flat = X.reshape(X.shape[0], -1)
    A = flat @ W1
    H = torch.relu(A + b1)
    scores = H @ W2 + b2
    scrambled = X.reshape(-1, X.shape[0]).T @ W1
    return [
        (torch.relu(scores),
         ("the scores are never negative: you applied ReLU to the output layer too. Only the "
          "hidden layer gets a ReLU; return O = H @ W2 + b2 as it is")),
        (torch.softmax(scores, dim=1),
         ("each row sums to 1: return the raw scores H @ W2 + b2; softmax belongs to the loss "
          "(nn.CrossEntropyLoss applies it)")),
        (torch.relu(A) @ W2, "both biases are missing: H = relu(X @ W1 + b1), O = H @ W2 + b2"),
        (torch.relu(A) @ W2 + b2, "b1 is missing: H = relu(X @ W1 + b1)"),
        (H @ W2, "b2 is missing: O = H @ W2 + b2"),
        ((torch.relu(A) + b1) @ W2 + b2,
         "b1 is added after the ReLU; add it before: H = relu(X @ W1 + b1)"),
        ((A + b1) @ W2 + b2,
         ("there is no ReLU: without it the two layers collapse into one linear layer. "
          "Use H = relu(X @ W1 + b1)")),
        (torch.relu(scrambled + b1) @ W2 + b2,
         ("each row must hold the 784 pixels of one image: flatten with "
          "X.reshape(X.shape[0], -1), not X.reshape(-1, n).T")),
    ]


def _diagnose_error(mlp_forward: Callable[..., Tensor], params: tuple[Tensor, ...],
                    expected: Tensor, err: StudentError) -> Wrong | None:
    """Find why the student's forward pass raised by trying it on inputs it might expect."""
    X, W1, b1, W2, b2 = params
    flat = X.reshape(X.shape[0], -1)
    probes = [
        ((flat, W1, b1, W2, b2),
         ("it works on a flat (n, 784) batch but not on images of shape (n, 1, 28, 28): "
          "flatten X first, X.reshape(X.shape[0], -1)")),
        ((X, W1.T, b1, W2.T, b2),
         (f"it works only when the weights are transposed: here W1 is {tuple(W1.shape)} "
          f"(inputs, hidden) and W2 is {tuple(W2.shape)} (hidden, outputs), so compute X @ W1 "
          "and H @ W2 without .T (nn.Linear stores the transpose)")),
        ((flat, W1.T, b1, W2.T, b2),
         ("the images are not flattened and the weights are transposed: use "
          "X.reshape(X.shape[0], -1) @ W1, and H @ W2 without .T")),
    ]
    for args, hint in probes:
        try:
            out = call(mlp_forward, *args, name="mlp_forward")
        except (StudentError, Wrong):
            continue
        if (isinstance(out, Tensor) and out.shape == expected.shape and torch.allclose(
                out.detach().to(expected.dtype), expected, rtol=1e-4, atol=1e-4)):
            return Wrong(f"mlp_forward raised {type(err.__cause__).__name__}; {hint}")
    return None


def _mlp_first_call(mlp_forward: Callable[..., Tensor], params: tuple[Tensor, ...],
                    expected: Tensor) -> object:
    try:
        return attempt(mlp_forward, *params, name="mlp_forward(X, W1, b1, W2, b2)")
    except StudentError as err:
        diagnosis = _diagnose_error(mlp_forward, params, expected, err)
        if diagnosis is not None:
            raise diagnosis from err
        if "must match the size" in str(err.__cause__):
            raise Wrong(f"mlp_forward raised {type(err.__cause__).__name__}: a bias does not "
                        "fit its layer. Add b1, of shape (h,), to the (n, h) product as it "
                        "is (broadcasting repeats it for every row); do not reshape it into "
                        "a column") from err
        raise


def _expect_batch_of_one(mlp_forward: Callable[..., Tensor], params: tuple[Tensor, ...]) -> None:
    """A batch of one image must give one row of scores (squeeze() drops the batch)."""
    X, W1, b1, W2, b2 = params
    hint = ("flatten with X.reshape(X.shape[0], -1), which keeps the batch dimension "
            "(squeeze() and flatten() drop it when there is one image)")
    try:
        one = call(mlp_forward, X[:1], W1, b1, W2, b2, name="mlp_forward(X[:1], W1, b1, W2, b2)")
    except StudentError as err:
        raise Wrong(f"for one image, shape (1, 1, 28, 28), mlp_forward raised "
                    f"{type(err.__cause__).__name__}: {hint}") from err
    shape = tuple(getattr(one, "shape", ()))
    expect(shape == (1, OUTPUTS), f"for one image the output should have shape "
           f"(1, {OUTPUTS}), got {shape}: {hint}")


@checker
def check_mlp_forward(mlp_forward: Callable[..., Tensor]) -> str:
    """``mlp_forward(X, W1, b1, W2, b2)``: flatten, hidden layer with ReLU, raw output scores."""
    params = _mlp_params()
    X, W1, b1, W2, b2 = params
    originals = [p.clone() for p in params]
    expected = torch.relu(X.reshape(N, -1) @ W1 + b1) @ W2 + b2
    name = "mlp_forward(X, W1, b1, W2, b2)"
    scores = _mlp_first_call(mlp_forward, params, expected)
    expect_tensor(scores, name)
    expect(tuple(scores.shape) != (OUTPUTS, N),
           f"the output has shape {tuple(scores.shape)}, expected {(N, OUTPUTS)}: one row per "
           "image. Keep the examples in rows: X @ W1, not W1.T @ X.T")
    expect_tensor(scores, name, shape=(N, OUTPUTS))
    expect(all(torch.equal(p, q) for p, q in zip(params, originals, strict=True)),
           "mlp_forward changed X or a parameter in place; compute new tensors instead")
    got = scores.detach().to(expected.dtype)
    if not torch.allclose(got, expected, rtol=1e-4, atol=1e-4):
        for wrong, hint in _wrong_forwards(*params):
            expect(not torch.allclose(got, wrong, rtol=1e-4, atol=1e-4), hint)
    expect_close(scores, expected, name, "H = relu(X.reshape(n, -1) @ W1 + b1), O = H @ W2 + b2",
                 atol=1e-4)
    _expect_batch_of_one(mlp_forward, params)
    leaves = [p.clone().requires_grad_() for p in (W1, b1, W2, b2)]
    scores = call(mlp_forward, X, *leaves, name=name)
    expect(scores.requires_grad, "the output does not track gradients: do not use .detach(), .data "
           "or torch.tensor(...) inside the forward pass")
    grads = torch.autograd.grad(scores.sum(), leaves, allow_unused=True)
    expect(all(g is not None for g in grads), "some parameter gets no gradient: every one of "
           "W1, b1, W2, b2 must take part in the computation")
    return ("mlp_forward flattens the images, adds both biases, applies ReLU to the hidden "
            "layer only, returns (n, outputs) scores and passes gradients to every parameter")


# Exercise 3: a derivative by hand -----------------------------------------------------------

def _silu_grad_autograd(x: Tensor) -> Tensor:
    leaf = x.clone().requires_grad_()
    grad, = torch.autograd.grad(torch.nn.functional.silu(leaf).sum(), leaf)
    return grad


def _wrong_silu_grads(x: Tensor) -> list[tuple[Tensor, str]]:
    """Common wrong derivatives of x * sigmoid(x), each with the hint for that mistake."""
    s = torch.sigmoid(x)
    return [
        (x * s, "that is SiLU itself, x·σ(x), not its derivative"),
        (s * (1 - s),
         ("that is σ'(x), the derivative of the sigmoid alone; SiLU is the product x·σ(x), so "
          "use the product rule: σ(x) + x·σ'(x)")),
        (s, "that is only the first term of the product rule: d/dx [x·σ(x)] = σ(x) + x·σ'(x)"),
        (x * s * (1 - s),
         "the σ(x) term of the product rule is missing: d/dx [x·σ(x)] = σ(x) + x·σ'(x)"),
        (s + s * (1 - s), "the factor x is missing in the second term: σ(x) + x·σ'(x)"),
        (s + x * s, "σ'(x) is σ(x)(1 - σ(x)), not σ(x)"),
        (s - x * s * (1 - s), "the sign of the second term is wrong: σ(x) + x·σ'(x)"),
        (s + x * (1 - s), "σ'(x) is σ(x)(1 - σ(x)), not 1 - σ(x)"),
    ]


@checker
def check_silu_grad(silu_grad: Callable[[Tensor], Tensor]) -> str:
    """``silu_grad(x)``: the derivative of x * sigmoid(x), computed by hand (no autograd).

    Any floating dtype is right: the tolerance follows the precision of the answer's dtype.
    """
    x = torch.randn(4, 7, dtype=torch.float64) * 3
    x[0, :5] = torch.tensor([-6.0, -1.0, 0.0, 1.0, 6.0], dtype=torch.float64)
    original = x.clone()
    name = "silu_grad(x)"
    g = attempt(silu_grad, x, name=name, forbidden=AUTOGRAD)
    expect(torch.equal(x, original), "silu_grad changed x in place; compute a new tensor")
    expect_tensor(g, name, shape=x.shape)
    expect(g.dtype.is_floating_point, f"silu_grad(x) has dtype {g.dtype}; a derivative takes "
           "fractional values, compute it with float operations on x")
    atol = max(1e-6, 8 * torch.finfo(g.dtype).eps)  # float32 rounds at about 1e-7
    expected = _silu_grad_autograd(x)
    got = g.detach().double()
    if not torch.allclose(got, expected, atol=atol):
        for wrong, hint in _wrong_silu_grads(x):
            expect(not torch.allclose(got, wrong, atol=atol), hint)
    expect_close(g, expected, name, "compare σ(x) + x·σ(x)(1 - σ(x)) with yours", atol=atol)
    return ("silu_grad matches autograd at negative, zero and positive x: "
            "σ(x) + x·σ(x)(1 - σ(x)), by hand, x left unchanged")
