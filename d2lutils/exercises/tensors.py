"""Checkers for the exercises of notebook 01, Tensors."""

from __future__ import annotations

from collections.abc import Callable

import torch

from .core import (NotAttempted, StudentError, Wrong, attempt, call, checker, expect,
                   expect_close, expect_tensor, expect_unchanged)


def _raised(err: StudentError, text: str) -> bool:
    """True if the student's code raised a RuntimeError whose message contains ``text``."""
    return isinstance(err.__cause__, RuntimeError) and text in str(err.__cause__)


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and torch.allclose(a.double(), b.double(), atol=1e-5)


def _shares_memory(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


# Exercise 1: pairwise distances by broadcasting -------------------------------------------

#: The task says "no torch.cdist" (``torch.functional.cdist`` is the same function).
_NO_CDIST = ("torch.cdist", "torch.functional.cdist")


def _distance_shape_hint(D: torch.Tensor, n: int, m: int, d: int) -> str:
    """Why ``D`` (from ``n`` and ``m`` points in ``d`` dimensions) has the wrong shape."""
    shape = tuple(D.shape)
    if shape == (m, n):
        return (f"D has shape {shape}, but row i belongs to P[i]: expected (len(P), len(Q)) = "
                f"({n}, {m}); give P the new dimension at 1 and Q at 0")
    if shape == (n, m, d):
        return (f"D has shape {shape}: these are the coordinate differences; square them, "
                "sum over the last dim (the coordinates) and take the square root")
    if len(shape) == 2 and shape[-1] == d:
        return (f"D has shape {shape}, expected ({n}, {m}): you summed over the points; "
                "sum over the coordinates, the last dim (dim=-1)")
    return f"D has shape {shape}, expected ({n}, {m}): one distance per pair (P[i], Q[j])"


def _expect_distances(D: torch.Tensor, P: torch.Tensor, Q: torch.Tensor, name: str) -> None:
    expect_tensor(D, name)
    expect(tuple(D.shape) == (len(P), len(Q)), _distance_shape_hint(D, len(P), len(Q), P.shape[1]))
    diff = P.unsqueeze(1) - Q.unsqueeze(0)  # (n, m, d)
    expected = diff.pow(2).sum(dim=-1).sqrt()
    mistakes = ((expected ** 2, "these are squared distances: take the square root"),
                (diff.abs().sum(dim=-1), ("you summed absolute differences; the Euclidean "
                                          "distance is the square root of the sum of squares")),
                (diff.sum(dim=-1).abs(),
                 "square each coordinate difference before you sum them, not after"))
    for wrong, hint in mistakes:  # (in one dimension some of them coincide with the right one)
        expect(_close(D, expected) or not _close(D, wrong), hint)
    expect_close(D, expected, name, hint="D[i, j] should be the distance between P[i] and Q[j]")


@checker
def check_pairwise_distances(
        pairwise_distances: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> str:
    """``pairwise_distances(P, Q)``: all Euclidean distances between two point sets."""
    P, Q = torch.randn(5, 3), torch.randn(7, 3)
    originals = P.clone(), Q.clone()
    try:
        D = attempt(pairwise_distances, P, Q, name="pairwise_distances(P, Q)",
                    forbidden=_NO_CDIST)
    except StudentError as err:
        if not _raised(err, "must match the size"):
            raise
        raise Wrong("P (5, 3) and Q (7, 3) do not broadcast against each other: give them "
                    "shapes (5, 1, 3) and (1, 7, 3) with unsqueeze, so that every point of P "
                    "meets every point of Q") from None
    expect_unchanged(originals[0], P, "P")
    expect_unchanged(originals[1], Q, "Q")
    _expect_distances(D, P, Q, "pairwise_distances(P, Q)")
    for n, m, d in ((2, 4, 4), (4, 4, 2), (1, 6, 1)):
        P, Q = torch.randn(n, d) * 3, torch.randn(m, d) - 1
        name = f"pairwise_distances(P, Q) for P {(n, d)} and Q {(m, d)}"
        _expect_distances(call(pairwise_distances, P, Q, name=name, forbidden=_NO_CDIST),
                          P, Q, name)
    return ("pairwise_distances: D[i, j] = |P[i] - Q[j]|, shape (len(P), len(Q)), "
            "for point sets of different sizes and dimensions")


# Exercise 2: center the rows in place ------------------------------------------------------


def _rows_with_different_means(rows: int, cols: int) -> torch.Tensor:
    return torch.randn(rows, cols) + 3 * torch.arange(rows, dtype=torch.float32).unsqueeze(1) - 4


def _attempt_center_rows(center_rows_: Callable, X: torch.Tensor) -> torch.Tensor:
    """The first call: turn the two typical crashes into hints."""
    original = X.clone()
    try:
        return attempt(center_rows_, X, name="center_rows_(X)")
    except NotAttempted:
        expect(torch.equal(X, original), "center_rows_(X) changed X but returned None: "
                                         "end with `return X`")
        raise
    except StudentError as err:
        if not _raised(err, "must match the size"):
            raise
        raise Wrong("X.mean(dim=1) has shape (4,), which lines up with the 6 columns of X, "
                    "not with its 4 rows: keep the dimension, X.mean(dim=1, keepdim=True) "
                    "has shape (4, 1)") from None


@checker
def check_center_rows(center_rows_: Callable[[torch.Tensor], torch.Tensor]) -> str:
    """``center_rows_(X)``: subtract each row's mean from X in place and return X."""
    X = _rows_with_different_means(4, 6)
    original, address = X.clone(), X.data_ptr()
    result = _attempt_center_rows(center_rows_, X)
    expected = original - original.mean(dim=1, keepdim=True)
    if torch.equal(X, original):
        right = isinstance(result, torch.Tensor) and _close(result, expected)
        raise Wrong(("the returned values are right, but " if right else "")
                    + "X itself did not change: `X = X - ...` and X.sub(...) build a new "
                    "tensor; write into X with X -= ..., X.sub_(...) or X[:] = ...")
    expect(X.data_ptr() == address,
           "X now points at new memory (X.data = ... allocates it); write into the memory X "
           "already has with X -= ... or X[:] = ...")
    expect(result is X, "return X itself, the tensor you changed, not a new tensor or a copy "
                        "(in-place methods return their tensor so that calls chain)")
    expect(not _close(X, original - original.mean(dim=0)),
           "you subtracted each column's mean (dim=0); a row's mean runs along the row, "
           "over its columns: dim=1")
    expect(not _close(X, original - original.mean()),
           "you subtracted the mean of all elements; subtract one mean per row: "
           "X.mean(dim=1, keepdim=True)")
    expect_close(X, expected, "X after center_rows_(X)",
                 hint="every row should have its own mean subtracted")
    S = _rows_with_different_means(5, 5)
    original = S.clone()
    call(center_rows_, S, name="center_rows_(S) for a 5 x 5 S")
    expect(not _close(S, original - original.mean(dim=1)),
           "on a square matrix S - S.mean(dim=1) runs without an error but subtracts row j's "
           "mean from column j: use S.mean(dim=1, keepdim=True)")
    expect_close(S, original - original.mean(dim=1, keepdim=True), "S after center_rows_(S)",
                 hint="every row should have its own mean subtracted")
    return ("center_rows_: every row has mean 0, X was changed in place (same object, "
            "same memory) and returned, for wide and square X")


# Exercise 3: a snapshot that does not share memory ----------------------------------------


def _expect_row_order(S: torch.Tensor, W: torch.Tensor, name: str) -> None:
    n = W.numel()
    if S.dim() != 1:
        expect_tensor(S, name, shape=(n,))  # the generic message names both shapes
    expect(S.numel() == n, f"{name} has {S.numel()} elements, W has {n}")
    by_columns = W.T.reshape(-1)
    expect(_close(S, W.reshape(-1)) or not _close(S, by_columns),
           f"{name} lists W column by column; list it row by row, as W.reshape(-1) does")
    expect_close(S, W.reshape(-1), name, hint="it should hold W's elements row by row")


def _expect_exact_dtype(S: torch.Tensor, dtype: torch.dtype, name: str) -> None:
    """``S`` holds values of ``dtype`` exactly: the same dtype or a wider floating one."""
    wider = S.is_floating_point() and torch.finfo(S.dtype).bits > torch.finfo(dtype).bits
    expect(S.dtype == dtype or wider,
           f"{name} has dtype {S.dtype}, which cannot hold W's {dtype} values exactly: "
           "keep W's dtype")


@checker
def check_snapshot(snapshot: Callable[[torch.Tensor], torch.Tensor]) -> str:
    """``snapshot(W)``: a flat copy of W that later in-place updates of W leave alone."""
    W = torch.randn(3, 4)
    original = W.clone()
    S = attempt(snapshot, W, name="snapshot(W)")
    expect_tensor(S, "snapshot(W)")
    expect_unchanged(original, W, "W")
    if S.shape == W.shape:
        raise Wrong("snapshot(W) has W's shape (3, 4); make it 1-D with reshape(-1)")
    _expect_exact_dtype(S, W.dtype, "snapshot(W)")
    _expect_row_order(S, original, "snapshot(W)")
    expect(not _shares_memory(S, W),
           "snapshot(W) shares memory with W, so an in-place update of W would change it "
           "too (reshape, view, flatten and .numpy() give views when they can): copy with "
           ".clone()")
    W.add_(1)  # what an optimizer step does to a weight
    expect(torch.equal(S, original.reshape(-1)),
           "the snapshot changed when W was updated in place: it must be a copy (.clone())")
    Wt = torch.randn(4, 3).T  # not contiguous
    try:
        St = call(snapshot, Wt, name="snapshot(W.T)")
    except StudentError as err:
        if not _raised(err, "view size is not compatible"):
            raise
        raise Wrong("view fails on a non-contiguous tensor such as W.T (clone keeps its "
                    "layout): use reshape(-1) or flatten(), then .clone()") from None
    expect_tensor(St, "snapshot(W.T)")
    _expect_row_order(St, Wt, "snapshot(W.T)")
    return ("snapshot: a 1-D copy in row order that stays put when W changes in place, "
            "also for a non-contiguous W.T")


# Exercise 5: a band matrix of any shape ----------------------------------------------------

_BAND = {-1: -1.0, 0: 1.0, 1: 2.0}  # diagonal offset j - i -> value
_WHERE = {-1: "just below the main diagonal (j = i - 1)", 0: "on the main diagonal (j = i)",
          1: "just above the main diagonal (j = i + 1)"}


def _reference_band(rows: int, cols: int, values: dict[int, float]) -> torch.Tensor:
    offset = torch.arange(cols) - torch.arange(rows).unsqueeze(1)  # j - i
    band = torch.zeros(rows, cols)
    for k, value in values.items():
        band[offset == k] = value
    return band


def _expect_band(B: torch.Tensor, rows: int, cols: int, name: str) -> None:
    expect_tensor(B, name)
    shape = tuple(B.shape)
    expect(shape not in ((rows, rows), (cols, cols)) or rows == cols,
           f"{name} has shape {shape}, expected ({rows}, {cols}): the matrix need not be "
           "square; start from torch.ones(rows, cols)")
    expect_tensor(B, name, shape=(rows, cols))
    expect(B.is_floating_point(), f"{name} has dtype {B.dtype}; return a float tensor "
                                  "(torch.ones is float32)")
    swapped = {-1: _BAND[1], 0: _BAND[0], 1: _BAND[-1]}
    expect(_close(B, _reference_band(rows, cols, _BAND))
           or not _close(B, _reference_band(rows, cols, swapped)),
           f"{name} has the 2s below and the -1s above the main diagonal: diagonal=1 is the "
           "diagonal above (j = i + 1), diagonal=-1 the one below (j = i - 1)")
    for k in range(-(rows - 1), cols):
        got = torch.diagonal(B, offset=k)
        want = _BAND.get(k, 0.0)
        if not torch.allclose(got.double(), torch.full_like(got.double(), want)):
            where = _WHERE.get(k, f"on the diagonal j = i {'+' if k > 0 else '-'} {abs(k)}")
            raise Wrong(f"{name}: the elements {where} should all be {want:g}, got "
                        f"{[round(v, 4) for v in got.tolist()]}; tril(M, k) keeps j - i <= k "
                        "and triu(M, k) keeps j - i >= k")


@checker
def check_band(band: Callable[[int, int], torch.Tensor]) -> str:
    """``band(rows, cols)``: 1 on the main diagonal, 2 above, -1 below, 0 elsewhere."""
    B = attempt(band, 3, 5, name="band(3, 5)")
    _expect_band(B, 3, 5, "band(3, 5)")
    for rows, cols in ((5, 3), (4, 4), (1, 4), (6, 2)):
        name = f"band({rows}, {cols})"
        _expect_band(call(band, rows, cols, name=name), rows, cols, name)
    return ("band: 1 on the main diagonal, 2 above, -1 below, 0 elsewhere, for wide, tall "
            "and square shapes")
