"""Wrong answers to the exercises of notebook 01 get a hint about their mistake."""

from __future__ import annotations

import pytest

from exercise_cells import assert_right, assert_wrong

NOTEBOOK = "01-tensors"

WRONG_ANSWERS = [
    # Exercise 1: pairwise distances by broadcasting
    pytest.param("check_pairwise_distances", """
def pairwise_distances(P, Q):
    return ((P - Q) ** 2).sum(dim=1).sqrt()
""", "do not broadcast against each other", id="distances-without-new-dimensions"),
    pytest.param("check_pairwise_distances", """
def pairwise_distances(P, Q):
    return ((P.unsqueeze(0) - Q.unsqueeze(1)) ** 2).sum(dim=-1).sqrt()
""", "expected (len(P), len(Q)) = (5, 7)", id="distances-transposed"),
    pytest.param("check_pairwise_distances", """
def pairwise_distances(P, Q):
    return ((P.unsqueeze(1) - Q.unsqueeze(0)) ** 2).sum(dim=0).sqrt()
""", "you summed over the points", id="distances-sum-over-wrong-dim"),
    pytest.param("check_pairwise_distances", """
def pairwise_distances(P, Q):
    return ((P.unsqueeze(1) - Q.unsqueeze(0)) ** 2).sum(dim=-1)
""", "squared distances: take the square root", id="distances-without-sqrt"),
    pytest.param("check_pairwise_distances", """
def pairwise_distances(P, Q):
    return ((P.unsqueeze(1) - Q.unsqueeze(0)).sum(dim=-1) ** 2).sqrt()
""", "square each coordinate difference before you sum", id="distances-square-after-sum"),
    pytest.param("check_pairwise_distances", """
def pairwise_distances(P, Q):
    return torch.cdist(P, Q)
""", "calls `torch.cdist`; the task asks you to do this without it", id="distances-cdist"),
    pytest.param("check_pairwise_distances", """
def pairwise_distances(P, Q):
    try:
        return torch.functional.cdist(P, Q)
    except Exception:
        return ((P.unsqueeze(1) - Q.unsqueeze(0)) ** 2).sum(dim=-1).sqrt()
""", "calls `torch.functional.cdist`", id="distances-cdist-caught"),
    # Exercise 2: center the rows in place
    pytest.param("check_center_rows", """
def center_rows_(X):
    X -= X.mean(dim=1)
    return X
""", "keepdim=True", id="center-without-keepdim"),
    pytest.param("check_center_rows", """
def center_rows_(X):
    X -= X.mean(dim=0)
    return X
""", "you subtracted each column's mean (dim=0)", id="center-columns-instead"),
    pytest.param("check_center_rows", """
def center_rows_(X):
    X = X - X.mean(dim=1, keepdim=True)
    return X
""", "the returned values are right, but X itself did not change", id="center-new-tensor"),
    pytest.param("check_center_rows", """
def center_rows_(X):
    X -= X.mean()
    return X
""", "the mean of all elements", id="center-global-mean"),
    pytest.param("check_center_rows", """
def center_rows_(X):
    X -= X.mean(dim=1, keepdim=True)
""", "returned None: end with `return X`", id="center-forgets-return"),
    pytest.param("check_center_rows", """
def center_rows_(X):
    X.data = X - X.mean(dim=1, keepdim=True)
    return X
""", "X now points at new memory", id="center-replaces-data"),
    pytest.param("check_center_rows", """
def center_rows_(X):
    X -= X.mean(dim=1, keepdim=True)
    return X.clone()
""", "return X itself", id="center-returns-a-copy"),
    # Exercise 3: a snapshot that does not share memory
    pytest.param("check_snapshot", """
def snapshot(W):
    return W.reshape(-1)
""", "shares memory with W", id="snapshot-reshape-is-a-view"),
    pytest.param("check_snapshot", """
def snapshot(W):
    return W.flatten()
""", "shares memory with W", id="snapshot-flatten-is-a-view"),
    pytest.param("check_snapshot", """
def snapshot(W):
    return W.clone().view(-1)
""", "view fails on a non-contiguous tensor", id="snapshot-view-after-clone"),
    pytest.param("check_snapshot", """
def snapshot(W):
    return W.T.reshape(-1).clone()
""", "column by column", id="snapshot-column-order"),
    pytest.param("check_snapshot", """
def snapshot(W):
    return W.clone()
""", "make it 1-D", id="snapshot-not-flat"),
    pytest.param("check_snapshot", """
def snapshot(W):
    return torch.from_numpy(W.numpy().ravel())
""", "shares memory with W", id="snapshot-numpy-round-trip"),
    pytest.param("check_snapshot", """
def snapshot(W):
    return W.reshape(-1).half()
""", "cannot hold W's torch.float32 values exactly", id="snapshot-loses-precision"),
    # Exercise 5: a band matrix of any shape
    pytest.param("check_band", """
def band(rows, cols):
    ones = torch.ones(rows, cols)
    main = torch.triu(torch.tril(ones))
    above = torch.triu(torch.tril(ones, diagonal=-1), diagonal=-1)
    below = torch.triu(torch.tril(ones, diagonal=1), diagonal=1)
    return main + 2 * above - below
""", "has the 2s below and the -1s above", id="band-offsets-swapped"),
    pytest.param("check_band", """
def band(rows, cols):
    ones = torch.ones(rows, rows)
    main = torch.triu(torch.tril(ones))
    above = torch.triu(torch.tril(ones, diagonal=1), diagonal=1)
    below = torch.triu(torch.tril(ones, diagonal=-1), diagonal=-1)
    return main + 2 * above - below
""", "the matrix need not be square", id="band-square-only"),
    pytest.param("check_band", """
def band(rows, cols):
    ones = torch.ones(rows, cols)
    main = torch.triu(torch.tril(ones))
    return main + 2 * torch.triu(ones, diagonal=1) - torch.tril(ones, diagonal=-1)
""", "the diagonal j = i - 2 should all be 0", id="band-whole-triangles"),
    pytest.param("check_band", """
def band(rows, cols):
    ones = torch.ones(rows, cols)
    main = torch.triu(torch.tril(ones))
    above = torch.triu(ones, diagonal=2) - torch.triu(ones, diagonal=3)
    below = torch.tril(ones, diagonal=-1) - torch.tril(ones, diagonal=-2)
    return main + 2 * above - below
""", "just above the main diagonal (j = i + 1) should all be 2", id="band-off-by-one"),
    pytest.param("check_band", """
def band(rows, cols):
    ones = torch.ones(rows, cols, dtype=torch.long)
    main = torch.triu(torch.tril(ones))
    above = torch.triu(torch.tril(ones, diagonal=1), diagonal=1)
    below = torch.triu(torch.tril(ones, diagonal=-1), diagonal=-1)
    return main + 2 * above - below
""", "return a float tensor", id="band-integer-dtype"),
]


@pytest.mark.parametrize("checker, answer, hint", WRONG_ANSWERS)
def test_wrong_answer_gets_its_hint(checker: str, answer: str, hint: str) -> None:
    assert_wrong(NOTEBOOK, checker, answer, hint)


RIGHT_ANSWERS = [
    pytest.param("check_pairwise_distances", """
def pairwise_distances(P, Q):
    return (P[:, None, :] - Q[None, :, :]).norm(dim=-1)
""", id="distances-with-norm"),
    pytest.param("check_pairwise_distances", """
def pairwise_distances(P, Q):
    diff = P.double().unsqueeze(1) - Q.double().unsqueeze(0)
    return (diff ** 2).sum(dim=-1).sqrt()
""", id="distances-in-float64"),
    pytest.param("check_snapshot", """
def snapshot(W):
    return W.flatten().double()
""", id="snapshot-in-float64"),
]


@pytest.mark.parametrize("checker, answer", RIGHT_ANSWERS)
def test_correct_answer_written_differently_passes(checker: str, answer: str) -> None:
    assert_right(NOTEBOOK, checker, answer)
