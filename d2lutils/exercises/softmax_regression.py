"""Checkers for the exercises of notebook 04, Softmax regression."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from .core import (StudentError, Wrong, attempt, call, checker, expect, expect_close,
                   expect_tensor, expect_unchanged)

KEEPDIM_HINT = ("keep the reduced dimension with keepdim=True, so that a row maximum or "
                "row sum has shape (n, 1) and broadcasts across its row")


def _is_shape_error(err: StudentError) -> bool:
    """Whether the student's code failed because two shapes do not broadcast."""
    cause = err.__cause__
    return isinstance(cause, RuntimeError) and "must match the size" in str(cause)


def _call(func: Callable[..., Any], *args: Any, name: str, first: bool = False,
          shape_hint: str = "", forbidden: Sequence[str] = ()) -> Any:
    """Call the student's ``func`` (via ``attempt`` the first time); a broadcasting
    error becomes :class:`Wrong` with ``shape_hint``. ``forbidden`` as in :func:`call`."""
    try:
        return (attempt if first else call)(func, *args, name=name, forbidden=forbidden)
    except StudentError as err:
        if shape_hint and _is_shape_error(err):
            raise Wrong(f"{name} raised a shape error ({err.__cause__}): {shape_hint}") from None
        raise


def _same(actual: torch.Tensor, expected: torch.Tensor) -> bool:
    """``actual`` equals ``expected`` up to rounding (same shape, no nan)."""
    return (actual.shape == expected.shape
            and torch.allclose(actual.detach().double(), expected.double(), rtol=1e-4, atol=1e-5))


# Exercise 1: a stable log-softmax ------------------------------------------------------------

#: The ready-made log-softmax the task rules out, in each of its spellings.
LOG_SOFTMAX = ("torch.log_softmax", "torch.Tensor.log_softmax",
               "torch.nn.functional.log_softmax", "torch.special.log_softmax")


def _log_softmax(O: torch.Tensor, dim: int = 1) -> torch.Tensor:
    O = O.double()
    return O - O.logsumexp(dim=dim, keepdim=True)


def _log_softmax_mistakes(L: torch.Tensor, O: torch.Tensor) -> None:
    """Name the common mistake that produced ``L`` from the logits ``O``, if it is one."""
    O = O.double()
    m = O.max(dim=1, keepdim=True).values
    log_sum = torch.exp(O - m).sum(dim=1, keepdim=True).log()
    mistakes = [
        (_log_softmax(O, dim=0), ("each column is normalised instead of each row: take the "
                                  "maximum and the sum over dim=1 (the classes), not dim=0")),
        (torch.softmax(O, dim=1), "these are the probabilities (softmax), not their logarithm"),
        (-_log_softmax(O), ("every value has the wrong sign: a log-probability is <= 0; "
                            "compute o_j - m - log(sum_k exp(o_k - m))")),
        (O - m + log_sum, ("the log of the sum has the wrong sign: subtract it, "
                           "o_j - m - log(sum_k exp(o_k - m))")),
        (O - m, "you subtracted only the row maximum m; subtract log(sum_k exp(o_k - m)) too"),
        (O - log_sum, "you subtracted log(sum_k exp(o_k - m)) but not the row maximum m itself"),
    ]
    for wrong, hint in mistakes:
        expect(not _same(L, wrong), hint)


@checker
def check_log_softmax(log_softmax: Callable[[torch.Tensor], torch.Tensor]) -> str:
    """``log_softmax(O)``: the log of softmax over each row, computed with log-sum-exp."""
    O = torch.randn(4, 6) * 3  # not square: dim=0 and dim=1 cannot be confused
    original = O.clone()
    L = _call(log_softmax, O, name="log_softmax(O)", first=True, shape_hint=KEEPDIM_HINT,
              forbidden=LOG_SOFTMAX)
    expect_tensor(L, "log_softmax(O)", shape=O.shape)
    expect(L.dtype.is_floating_point, f"log_softmax(O) has dtype {L.dtype}; log-probabilities "
           "are fractional numbers, compute them with float operations on O")
    expect_unchanged(original, O, "O")
    _log_softmax_mistakes(L, original)
    row_sums = L.detach().double().exp().sum(dim=1)
    expect(torch.allclose(row_sums, torch.ones(4, dtype=torch.float64), atol=1e-4),
           f"exp(log_softmax(O)) should sum to 1 in every row, but row 0 sums to "
           f"{row_sums[0]:.4g}; compute o_j - m - log(sum_k exp(o_k - m)) for each row")
    expect_close(L, _log_softmax(original), "log_softmax(O)",
                 "log_softmax(O)[i, j] = O[i, j] - m_i - log(sum_k exp(O[i, k] - m_i))")
    big = torch.tensor([[1000.0, 1001.0, 1002.0, 999.0, 990.0, 1003.0],
                        [-1000.0, -1001.0, -1002.0, -999.0, -990.0, -1003.0],
                        [10.0, -200.0, 0.0, 5.0, -50.0, 1.0],  # exp(-210) is 0 in float32
                        [5.0, -900.0, 0.0, 2.0, -1.0, 1.0]])  # exp(-905) is 0 in float64
    L = _call(log_softmax, big.clone(), name="log_softmax(O_big)", forbidden=LOG_SOFTMAX)
    expect_tensor(L, "log_softmax(O_big)", shape=big.shape)
    finite = L.detach().isfinite().all(dim=1)
    expect(bool(finite[0]), "logits near 1000 give inf or nan: exp(1000) overflows float32 "
           "(it holds up to about e^88); subtract each row's maximum before exp")
    expect(bool(finite[1]), "logits near -1000 give inf or nan: subtract each row's own maximum "
           "(O.max(dim=1, keepdim=True).values), not the maximum of the whole tensor")
    expect(bool(finite[2]), "the row [10, -200, 0, 5, -50, 1] gives -inf: log(softmax(O)) "
           "underflows, since exp(-210) is 0 in float32 and log(0) = -inf; compute "
           "o_j - m - log(sum_k exp(o_k - m)) without forming the probabilities")
    expect(bool(finite[3]), "the row [5, -900, 0, 2, -1, 1] gives -inf: log(softmax(O)) "
           "underflows even in float64, where exp(-905) is 0; compute "
           "o_j - m - log(sum_k exp(o_k - m)) without forming the probabilities")
    # Logits near 1000 leave float32 about 6e-5 of resolution, hence the looser atol.
    expect_close(L, _log_softmax(big), "log_softmax(O_big)",
                 "each row should be o_j - m - log(sum_k exp(o_k - m)) with m its own maximum",
                 atol=1e-3)
    return ("log_softmax is right, keeps O unchanged and stays finite for logits like "
            "1000, -1000 and rows hundreds apart")


# Exercise 2: cross-entropy with label smoothing -----------------------------------------------

def _smoothed(O: torch.Tensor, y: torch.Tensor, eps: float, *, spread: float | None = None,
              true_weight: float | None = None, dim: int = 1) -> torch.Tensor:
    """The mean smoothed cross-entropy; the keywords build the common wrong variants."""
    O = O.detach().double()
    k = O.shape[1]
    one_hot = torch.nn.functional.one_hot(y, num_classes=k).double()
    true_weight = 1 - eps if true_weight is None else true_weight
    spread = eps / k if spread is None else spread
    q = true_weight * one_hot + spread
    return -(q * _log_softmax(O, dim=dim)).sum(dim=1).mean()


def _smoothed_target(y: torch.Tensor, k: int, eps: float) -> torch.Tensor:
    return (1 - eps) * torch.nn.functional.one_hot(y, num_classes=k).double() + eps / k


def _cross_entropy_mistakes(loss: torch.Tensor, O: torch.Tensor, y: torch.Tensor,
                            eps: float) -> None:
    """Name the common mistake that produced ``loss``, if it is one."""
    n, k = O.shape
    right = _smoothed(O, y, eps)
    mistakes = [
        (-right, ("the loss is negative: the minus sign is missing, "
                  "the loss is -sum_j q_j log(y_hat_j)")),
        (right * n, (f"the loss is {n} times too large for a batch of {n}: you summed over "
                     "the batch; take the mean over the examples")),
        (right / k, (f"the loss is {k} times too small: torch.mean over the whole (n, k) tensor "
                     "also averages over the classes; sum over dim=1, then take the mean")),
        (_smoothed(O, y, 0.0), (f"the loss equals the plain cross-entropy: eps = {eps} changed "
                                "nothing; mix the target, q = (1 - eps) * one_hot + eps / k")),
        (_smoothed(O, y, eps, spread=eps / (k - 1), true_weight=1 - eps - eps / (k - 1)),
         ("you spread eps over the k - 1 wrong classes; here (as in PyTorch) eps / k goes to "
          "every one of the k classes, the true one included")),
        (_smoothed(O, y, eps, spread=eps), ("each row of q sums to more than 1: divide eps by "
                                            "the number of classes k")),
        (_smoothed(O, y, eps, true_weight=1.0), ("each row of q sums to more than 1: scale the "
                                                 "one-hot part by (1 - eps)")),
        (_smoothed(O, y, eps, dim=0), ("the softmax is taken over dim=0 (the examples); take "
                                       "the log-softmax over dim=1 (the classes)")),
    ]
    for wrong, hint in mistakes:
        expect(not _same(loss, wrong), hint)


def _scalar_loss(value: Any, name: str, n: int, k: int) -> torch.Tensor:
    """Check that ``value`` is the batch's mean loss: a 0-dim tensor."""
    expect(not isinstance(value, (float, int)),
           f"{name} returned a Python number; return the tensor itself (no .item()), "
           "so that backward() can reach the logits")
    loss = expect_tensor(value, name)
    expect(tuple(loss.shape) != (n,), f"{name} has shape ({n},), one loss per example; "
           "return their mean over the batch, a single number")
    expect(tuple(loss.shape) != (n, k), f"{name} has shape ({n}, {k}); sum over the classes "
           "(dim=1), then take the mean over the batch")
    return expect_tensor(loss, name, shape=())


@checker
def check_smoothed_cross_entropy(
        smoothed_cross_entropy: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> str:
    """``smoothed_cross_entropy(O, y, eps)``: mean cross-entropy against smoothed targets."""
    n, k, eps = 6, 4, 0.1
    O = torch.randn(n, k) * 2
    y = torch.tensor([0, 3, 1, 3, 2, 0])
    originals = O.clone(), y.clone()
    name = f"smoothed_cross_entropy(O, y, {eps})"
    value = _call(smoothed_cross_entropy, O, y, eps, name=name, first=True,
                  shape_hint=KEEPDIM_HINT)
    loss = _scalar_loss(value, name, n, k)
    expect_unchanged(originals[0], O, "O")
    expect_unchanged(originals[1], y, "y")
    _cross_entropy_mistakes(loss, O, y, eps)
    expect_close(loss, _smoothed(O, y, eps), name,
                 "mean over the batch of -sum_j q_j log(y_hat_j), with "
                 "q = (1 - eps) * one_hot(y) + eps / k")
    for other in (0.0, 0.3):
        name = f"smoothed_cross_entropy(O, y, {other})"
        loss = _scalar_loss(call(smoothed_cross_entropy, O, y, other, name=name), name, n, k)
        expect_close(loss, _smoothed(O, y, other), name, "use the eps you are given")
    y_partial = torch.tensor([0, 1, 1, 2, 2, 0])  # the last class, 3, does not occur
    name = "smoothed_cross_entropy(O, y, 0.1) with no label 3 in y"
    loss = _call(smoothed_cross_entropy, O, y_partial, eps, name=name,
                 shape_hint="one_hot(y) guesses k from the largest label in y; pass "
                            "num_classes=O.shape[1]")
    expect_close(_scalar_loss(loss, name, n, k), _smoothed(O, y_partial, eps), name,
                 "take the number of classes k from O.shape[1], not from y")
    big = torch.tensor([[1000.0, -1000.0, 0.0, 10.0], [-1000.0, 1000.0, 5.0, 0.0],
                        [0.0, 1.0, -2.0, 1000.0]])
    y_big = torch.tensor([0, 2, 3])
    loss = call(smoothed_cross_entropy, big, y_big, eps, name="the loss for logits of ±1000")
    loss = _scalar_loss(loss, "the loss for logits of ±1000", 3, k)
    expect(bool(loss.isfinite()), f"the loss for logits of ±1000 is {loss.item()}: "
           "log(softmax(O)) underflows to log(0) = -inf; use a log-softmax built on "
           "log-sum-exp (torch.log_softmax, or yours from Exercise 1)")
    expect_close(loss, _smoothed(big, y_big, eps), "the loss for logits of ±1000")
    O_leaf = torch.randn(n, k, requires_grad=True)
    loss = call(smoothed_cross_entropy, O_leaf, y, eps, name=f"smoothed_cross_entropy(O, y, {eps})")
    expect(isinstance(loss, torch.Tensor) and loss.requires_grad,
           "no gradient reaches O: keep every step a torch operation on O "
           "(no .item(), .detach(), .numpy() or torch.tensor(...) on the way)")
    loss.backward()
    q = _smoothed_target(y, k, eps)
    expect_close(O_leaf.grad, (torch.softmax(O_leaf.detach().double(), dim=1) - q) / n,
                 "the gradient of the loss with respect to O",
                 "it should be (softmax(O) - q) / n")
    return ("smoothed cross-entropy: right value for eps = 0, 0.1 and 0.3, the mean over the "
            "batch, finite for logits of ±1000, and differentiable")


# Exercise 3: accuracy per class --------------------------------------------------------------

# True class and predicted class of 30 examples in 4 classes (shuffled by the checker).
# Per class: 9/10, 2/5, 4/8 and 7/7 correct, so recall, precision and overall accuracy differ.
_LABELS = [0] * 10 + [1] * 5 + [2] * 8 + [3] * 7
_PREDICTED = ([0] * 9 + [3]) + ([1] * 2 + [0, 0, 2]) + ([2] * 4 + [3, 3, 0, 1]) + [3] * 7


def _scores_for(predicted: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Random scores (negative ones too) whose argmax in each row is ``predicted``."""
    scores = torch.randn(len(predicted), num_classes) * 2
    top = scores.max(dim=1).values + 0.5 + torch.rand(len(predicted))
    scores[torch.arange(len(predicted)), predicted] = top
    return scores


def _per_class_mistakes(acc: torch.Tensor, y: torch.Tensor, predicted: torch.Tensor,
                        k: int) -> None:
    """Name the common mistake that produced ``acc``, if it is one."""
    correct = torch.bincount(y[predicted == y], minlength=k).double()
    examples = torch.bincount(y, minlength=k).double()
    predictions = torch.bincount(predicted, minlength=k).double()
    overall = (predicted == y).double().mean()
    acc = acc.detach().double()
    expect(not _same(acc, correct), "these are counts of correct predictions; divide each by "
           "the number of examples of that class")
    expect(not _same(acc, correct / predictions), "you divided by how often each class was "
           "predicted (that is the precision); divide by how often it is the true class")
    expect(not _same(acc, predictions / examples), "you counted how often c was predicted, "
           "right or wrong; count only the examples of class c that are predicted as c")
    expect(not _same(acc, correct / len(y)), f"you divided by all {len(y)} examples; divide "
           "by the number of examples whose true class is c")
    expect(not _same(acc, overall.expand(k)), f"every class got the overall accuracy "
           f"{overall:.3f}; count only the examples whose true class is c")


@checker
def check_per_class_accuracy(
        per_class_accuracy: Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor]) -> str:
    """``per_class_accuracy(y_hat, y, num_classes)``: the accuracy on each true class."""
    order = torch.randperm(len(_LABELS))
    y, predicted = torch.tensor(_LABELS)[order], torch.tensor(_PREDICTED)[order]
    k = 4
    y_hat = _scores_for(predicted, k)
    originals = y_hat.clone(), y.clone()
    name = f"per_class_accuracy(y_hat, y, {k})"
    acc = _call(per_class_accuracy, y_hat, y, k, name=name, first=True,
                shape_hint="the predicted classes are y_hat.argmax(dim=1), one per example "
                           "(row), the same shape as y")
    expect_tensor(acc, name, shape=(k,))
    expect_unchanged(originals[0], y_hat, "y_hat")
    expect_unchanged(originals[1], y, "y")
    _per_class_mistakes(acc, y, predicted, k)
    expect(acc.dtype.is_floating_point, f"{name} has dtype {acc.dtype}; accuracies are "
           "fractions, return a float tensor")
    expected = torch.tensor([9 / 10, 2 / 5, 4 / 8, 7 / 7])
    expect_close(acc, expected, name, "entry c = (correct predictions among the examples of "
                 "class c) / (number of examples of class c)")
    y_hat5 = torch.cat([y_hat, torch.full((len(y), 1), -100.0)], dim=1)  # class 4: no examples
    name = "per_class_accuracy(y_hat, y, 5) with no example of class 4"
    acc = call(per_class_accuracy, y_hat5, y, 5, name=name)
    expect(isinstance(acc, torch.Tensor) and tuple(acc.shape) == (5,),
           f"{name} should have shape (5,), one entry per class even when a class does not "
           "occur in y (loop over range(num_classes), or use bincount(..., minlength=num_classes))")
    expect(acc[4] != 0, "class 4 does not occur in y, so its accuracy is 0 / 0: "
           "report nan, not 0")
    expect_close(acc, torch.cat([expected, torch.tensor([float("nan")])]), name,
                 "the classes that occur keep their accuracy; class 4 gets nan")
    return ("per-class accuracy: correct / examples for each true class, floats, "
            "nan for a class without examples")
