"""Checkers for the exercises of notebook 14, Project: a CNN on Fashion-MNIST."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch.nn import functional as F

from .core import (StudentError, Wrong, attempt, call, checker, expect, expect_close,
                   expect_tensor, expect_unchanged)

Layer = tuple[int, int, int]  # (kernel size k, padding p, stride s)
#: Exercise 2 asks for loops and slicing: PyTorch's own convolutions are ruled out.
CONVOLUTIONS = ("torch.nn.functional.conv2d", "torch.conv2d")


def _as_int(value: Any, name: str) -> int:
    """``value`` as a Python int; a float, a tensor or anything else is :class:`Wrong`."""
    if isinstance(value, float):
        raise Wrong(f"{name} returned the float {value}; sizes are whole numbers: use floor "
                    "division // instead of /")
    if isinstance(value, torch.Tensor):
        raise Wrong(f"{name} returned a tensor; return a Python int (use // on ints, or .item())")
    expect(isinstance(value, int) and not isinstance(value, bool),
           f"{name} should return an int, but it returned a {type(value).__name__}")
    return value


def _size(n: int, k: int, p: int, s: int) -> int:
    return (n + 2 * p - k) // s + 1


def _stack_size(n: int, layers: Sequence[Layer]) -> int:
    for k, p, s in layers:
        n = _size(n, k, p, s)
    return n


def _one_layer_hint(n: int, k: int, p: int, s: int, got: int) -> str:
    """The most likely mistake behind a wrong size for a single layer."""
    want = _size(n, k, p, s)
    exact = (n + 2 * p - k) / s + 1
    if got == want - 1:
        return ("the result is 1 too small: add 1 after dividing (the first window "
                "position counts)")
    if got == (n + p - k) // s + 1:
        return "padding adds p pixels on *both* sides: use n + 2 * p - k"
    if got == math.ceil(exact) or got == round(exact):
        return (f"(n + 2p - k) / s + 1 = {exact} must be rounded *down* (a window that "
                "would stick out of the input does not count): use //")
    return f"expected floor((n + 2p - k) / s) + 1 = {want}"


@checker
def check_stack_output_size(stack_output_size: Callable[[int, list[Layer]], int]) -> str:
    """``stack_output_size(n, layers)``: the side length after a stack of conv/pool layers."""
    lenet = [(5, 2, 1), (2, 0, 2), (5, 0, 1), (2, 0, 2)]
    name = "stack_output_size(28, LeNet's layers)"
    got = _as_int(attempt(stack_output_size, 28, lenet, name=name), name)
    single = [(28, 5, 0, 1), (28, 5, 2, 1), (28, 2, 0, 2), (8, 3, 0, 2), (7, 3, 1, 2),
              (32, 3, 1, 2), (224, 7, 3, 2), (11, 4, 0, 3), (5, 5, 0, 1)]
    for n, k, p, s in single:
        name = f"stack_output_size({n}, [({k}, {p}, {s})])"
        value = _as_int(call(stack_output_size, n, [(k, p, s)], name=name), name)
        expect(value == _size(n, k, p, s),
               f"{name} returned {value} for n={n}, k={k}, p={p}, s={s}; "
               + _one_layer_hint(n, k, p, s, value))
    expect(got == 5, f"stack_output_size(28, LeNet's layers) returned {got}, expected 5: "
           "each layer's output size is the next layer's input size")
    stacks = [[(3, 1, 1), (3, 0, 2), (2, 0, 2)], [(7, 3, 2), (3, 1, 2), (3, 0, 1)]]
    for layers in stacks:
        name = f"stack_output_size(57, {layers})"
        value = _as_int(call(stack_output_size, 57, layers, name=name), name)
        expect(value == _stack_size(57, layers),
               f"{name} returned {value}, expected {_stack_size(57, layers)}: apply the "
               "formula once per layer, in order, feeding each result into the next layer")
    name = "stack_output_size(28, [])"
    value = _as_int(call(stack_output_size, 28, [], name=name), name)
    expect(value == 28, f"{name} returned {value}: with no layers the size stays 28")
    return ("floor((n + 2p - k) / s) + 1 per layer, chained through LeNet and other stacks, "
            "including inexact divisions and an empty stack")


def _reference_conv2d(X: torch.Tensor, K: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return F.conv2d(X.unsqueeze(0), K, b).squeeze(0)


@checker
def check_conv2d(conv2d: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
                 ) -> str:
    """``conv2d(X, K, b)``: several input and output channels, stride 1, no padding."""
    X = torch.randn(3, 6, 7)  # 3 input channels, not square
    K = torch.randn(2, 3, 2, 3)  # 2 output channels, a 2 x 3 kernel
    b = torch.randn(2) * 3
    originals = X.clone(), K.clone(), b.clone()
    name = "conv2d(X, K, b) with X of shape (3, 6, 7) and K of shape (2, 3, 2, 3)"
    try:
        Y = attempt(conv2d, X, K, b, name=name, forbidden=CONVOLUTIONS)
    except StudentError as err:
        if "must match the size" in str(err.__cause__):
            raise Wrong(f"{name} raised a shape error ({err.__cause__}). If it comes from "
                        "adding b: b holds one value per output channel, so add b[o] to "
                        "output channel o (or b[:, None, None] to the whole output)") from err
        raise
    for before, after, what in zip(originals, (X, K, b), "XKb"):
        expect_unchanged(before, after, what)
    expect_tensor(Y, "the output")
    want = _reference_conv2d(X, K, b)
    if Y.shape == (2, 3, 5, 5):
        raise Wrong("the output has shape (2, 3, 5, 5): one map per input channel. Sum over the "
                    "input channels, so that each output channel is one map")
    expect(Y.shape == want.shape,
           f"the output has shape {tuple(Y.shape)}, expected {tuple(want.shape)}: one map per "
           "output channel, of height 6 - 2 + 1 and width 7 - 3 + 1")
    Y = Y.detach().double()
    checks = [
        (want - b[:, None, None], "the bias is missing: add b[o] to every entry of output "
                                  "channel o"),
        (_reference_conv2d(X, K.flip(2, 3), b), "the kernel is flipped (that is the "
         "convolution of mathematics); deep learning's convolution is a cross-correlation: "
         "multiply the window by K[o] as it is"),
        ((want - b[:, None, None]) / 18 + b[:, None, None], "the products are averaged; "
         "*sum* them (not mean) over the window and the input channels"),
        (_reference_conv2d(X[:1], K[:, :1], b), "only input channel 0 is used: sum the products "
         "over all input channels"),
    ]
    for wrong, hint in checks:
        if torch.allclose(Y, wrong.double(), atol=1e-4):
            raise Wrong(hint)
    expect_close(Y, want, "the output", hint="entry (o, i, j) is b[o] + "
                 "(X[:, i:i+2, j:j+3] * K[o]).sum()")
    X2, K2, b2 = torch.randn(1, 5, 5), torch.randn(4, 1, 3, 3), torch.randn(4)
    Y2 = call(conv2d, X2, K2, b2, name="conv2d(X, K, b) with X (1, 5, 5), K (4, 1, 3, 3)",
              forbidden=CONVOLUTIONS)
    expect_close(Y2, _reference_conv2d(X2, K2, b2), "conv2d on a second input of shape "
                 "(1, 5, 5) with 4 output channels", hint="do not hard-code the shapes")
    return ("matches F.conv2d without calling it: sums over input channels, one map and one "
            "bias per output channel")


def _reference_counts(y: torch.Tensor, y_hat: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Entry (i, j): how many examples of true class i were predicted as j, by a plain loop."""
    counts = torch.zeros(num_classes, num_classes, dtype=torch.float64)
    for true, pred in zip(y.tolist(), y_hat.tolist()):
        counts[true, pred] += 1
    return counts


def _rates(counts: torch.Tensor) -> torch.Tensor:
    return counts / counts.sum(dim=1, keepdim=True).clamp(min=1)


def _labels() -> tuple[torch.Tensor, torch.Tensor]:
    """Non-symmetric confusions among classes 0-4 of 6; class 5 never occurs, 4 is never true."""
    y = torch.tensor([0] * 40 + [1] * 30 + [2] * 20 + [3] * 10)
    y_hat = y.clone()
    y_hat[:8] = 1  # 0 -> 1 often
    y_hat[40:43] = 2  # 1 -> 2 a few times
    y_hat[70:72] = 0  # 2 -> 0 twice
    y_hat[90:95] = 4  # 3 -> 4: class 4 is predicted but never true
    order = torch.randperm(len(y))
    return y[order], y_hat[order]


def _rate_mistakes(counts: torch.Tensor) -> list[tuple[torch.Tensor, str]]:
    """What common wrong answers return for ``counts``, each with its hint (nan included)."""
    rows, columns = counts.sum(dim=1, keepdim=True), counts.sum(dim=0, keepdim=True)
    swapped = ("rows and columns are swapped: row i is the true class and column j the "
               "predicted one; count the index y * num_classes + y_hat")
    columns_hint = ("you divided by the column sums (the predictions per class); divide each "
                    "row by its own sum: counts.sum(dim=1, keepdim=True)")
    keepdim_hint = ("entry (i, j) was divided by the sum of row j: keep the summed dimension, "
                    "counts.sum(dim=1, keepdim=True), so that row i is divided by its own sum")
    nan_hint = ("rows 4 and 5 are nan: those classes have no examples and 0 / 0 = nan; "
                "divide by the row sums clamped to at least 1 (.clamp(min=1)) so they stay 0")
    return [
        (counts, "these are counts; divide each row by its sum (the number of examples of "
                 "that true class)"),
        (_rates(counts).T, swapped),
        (counts.T / counts.T.sum(dim=1, keepdim=True).clamp(min=1), swapped),
        (counts.T / counts.T.sum(dim=1, keepdim=True), swapped),
        (counts / columns.clamp(min=1), columns_hint),
        (counts / columns, columns_hint),
        (counts / rows.squeeze(1).clamp(min=1), keepdim_hint),
        (counts / rows.squeeze(1), keepdim_hint),
        (counts / rows, nan_hint),
    ]


@checker
def check_confusion_rates(confusion_rates: Callable[[torch.Tensor, torch.Tensor, int],
                                                    torch.Tensor]) -> str:
    """``confusion_rates(y, y_hat, num_classes)``: a row-normalized confusion matrix."""
    y, y_hat = _labels()
    originals = y.clone(), y_hat.clone()
    name = "confusion_rates(y, y_hat, 6)"
    try:
        R = attempt(confusion_rates, y, y_hat, 6, name=name)
    except StudentError as err:
        if "invalid for input of size" in str(err.__cause__):
            raise Wrong(f"{name} cannot reshape the counts: torch.bincount returns only "
                        "max + 1 counts; pass minlength=num_classes ** 2") from err
        raise
    expect_unchanged(originals[0], y, "y")
    expect_unchanged(originals[1], y_hat, "y_hat")
    counts = _reference_counts(y, y_hat, 6)
    expect_tensor(R, name)
    if R.shape == (10, 10):
        raise Wrong(f"{name} has shape (10, 10): use num_classes, not 10")
    expect(R.shape == counts.shape,
           f"{name} has shape {tuple(R.shape)}, expected (6, 6): classes may be missing from "
           "the data, so use num_classes (minlength=num_classes ** 2), not the largest label")
    expect(R.is_floating_point(), f"{name} holds integers ({R.dtype}); return fractions: "
           "divide each row of counts by its sum")
    R = R.detach().double()
    for values, hint in _rate_mistakes(counts):
        if torch.allclose(R, values, atol=1e-6, equal_nan=True):
            raise Wrong(hint)
    expect(R.isfinite().all(), f"{name} contains nan or inf; an absent class must give a row "
           "of zeros")
    expect_close(R, _rates(counts), name, hint="entry (i, j) is the fraction of the examples "
                 "of true class i that were predicted as class j")
    y3, y_hat3 = torch.tensor([2, 2, 1, 0, 2]), torch.tensor([2, 1, 1, 0, 0])
    R3 = call(confusion_rates, y3, y_hat3, 3, name="confusion_rates on a second input")
    expect_close(R3, _rates(_reference_counts(y3, y_hat3, 3)),
                 "confusion_rates(tensor([2, 2, 1, 0, 2]), tensor([2, 1, 1, 0, 0]), 3)",
                 hint="do not hard-code the number of classes")
    return ("rows are true classes and sum to 1, columns are predictions, "
            "an absent class gives a row of zeros")


def _off_diagonal_order(cm: torch.Tensor) -> list[tuple[int, int, int]]:
    """Every off-diagonal (true, predicted, count), largest count first."""
    entries = [(i, j, int(cm[i, j])) for i in range(len(cm)) for j in range(len(cm)) if i != j]
    return sorted(entries, key=lambda entry: -entry[2])


def _as_triples(result: Any, name: str) -> list[tuple[int, int, int]]:
    expect(isinstance(result, (list, tuple)),
           f"{name} should return a list of (true, predicted, count) tuples, not a "
           f"{type(result).__name__}")
    triples = []
    for item in result:
        expect(isinstance(item, (list, tuple)) and len(item) == 3,
               f"{name} returned {item!r} as one entry; each entry is a tuple "
               "(true class, predicted class, count)")
        try:
            triples.append(tuple(int(value) for value in item))
        except (TypeError, ValueError, RuntimeError) as err:
            raise Wrong(f"{name} returned {item!r}: its entries must be whole numbers") from err
    return triples


def _confusions() -> torch.Tensor:
    """A 5 x 5 confusion matrix: big diagonal, distinct off-diagonal counts, not symmetric."""
    cm = torch.zeros(5, 5, dtype=torch.int64)
    cm[~torch.eye(5, dtype=torch.bool)] = torch.randperm(20) + 1  # 1..20 in random order
    cm[range(5), range(5)] = torch.tensor([90, 85, 70, 95, 80])
    return cm


def _check_sparse(top_confusions: Callable[[torch.Tensor, int], list]) -> None:
    """Few mistakes: most off-diagonal counts are 0, so the diagonal must sort below 0."""
    cm = torch.tensor([[50, 3, 0], [0, 40, 0], [0, 0, 60]])
    for n in (3, 6):
        name = f"top_confusions({cm.tolist()}, {n})"
        got = _as_triples(call(top_confusions, cm, n, name=name), name)
        expect(len(got) == n, f"{name} returned {len(got)} entries, expected {n}: an "
               "off-diagonal count of 0 is an entry too, return n of them in any case")
        for entry in got:
            expect(entry[0] != entry[1],
                   f"{name} includes {entry}, a diagonal entry: with few mistakes most "
                   "off-diagonal counts are 0, and a diagonal set to 0 or 1 ties with them or "
                   "beats them. Set the diagonal of a copy to -1, below every count")
        expect(len(set(got)) == n, f"{name} returned an entry twice: {got}")
        expect([count for _, _, count in got] == [3] + [0] * (n - 1)
               and all(count == cm[true, pred] for true, pred, count in got),
               f"{name} returned {got}; expected (0, 1, 3) first, then off-diagonal "
               "entries with the count 0")


@checker
def check_top_confusions(top_confusions: Callable[[torch.Tensor, int], list]) -> str:
    """``top_confusions(cm, n)``: the n largest off-diagonal entries, largest first."""
    cm = _confusions()
    original = cm.clone()
    name = "top_confusions(cm, 3)"
    got = _as_triples(attempt(top_confusions, cm, 3, name=name), name)
    expect_unchanged(original, cm, "cm")
    ranked = _off_diagonal_order(cm)
    want = ranked[:3]
    expect(len(got) == 3, f"{name} returned {len(got)} entries, expected 3")
    for entry in got:
        expect(entry[0] != entry[1], f"{name} includes {entry}, a diagonal entry: those are "
               "the correct predictions. Leave the diagonal out, e.g. set it to -1 on a copy "
               "of cm")
    expect(got != [(pred, true, count) for true, pred, count in want],
           "true and predicted are swapped: the row is the true class, the column the "
           "predicted one (flat index k -> (k // num_classes, k % num_classes))")
    for true, pred, count in got:
        expect(count == cm[true, pred],
               f"{name} returned ({true}, {pred}, {count}) but cm[{true}, {pred}] is "
               f"{int(cm[true, pred])}: the count must be the matrix entry")
    expect(got not in (ranked[::-1][:3], want[::-1]),
           f"{name} returned {got}: sort by count, largest first (torch.topk does that)")
    expect(got == want, f"{name} returned {got}, expected {want}: the 3 largest counts off "
           "the diagonal, largest first")
    cm6 = torch.randperm(36).reshape(6, 6) + 1
    cm6.fill_diagonal_(500)
    got6 = _as_triples(call(top_confusions, cm6, 1, name="top_confusions(cm6, 1)"),
                       "top_confusions(cm6, 1)")
    want6 = _off_diagonal_order(cm6)[:1]
    expect(got6 == want6, f"top_confusions(cm6, 1) on a 6 x 6 matrix returned {got6}, "
           f"expected {want6}: do not hard-code the number of classes")
    _check_sparse(top_confusions)
    return ("the n largest off-diagonal entries as (true, predicted, count), largest first, "
            "also when most of them are 0")
