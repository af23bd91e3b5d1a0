"""Wrong answers to the exercises of notebook 07 get a hint about their mistake."""

from __future__ import annotations

import pytest

from exercise_cells import assert_wrong

NOTEBOOK = "07-dropout"

WRONG_ANSWERS = [
    pytest.param("check_dropout_layer", """
def dropout_layer(X, p):
    return (torch.rand_like(X) >= p) * X
""", "divide the kept values by 1 - p", id="forgets-to-rescale"),
    pytest.param("check_dropout_layer", """
def dropout_layer(X, p):
    return (torch.rand_like(X) < p) * X / (1 - p)
""", "80% of the values are zero instead of 20%", id="keeps-with-probability-p"),
    pytest.param("check_dropout_layer", """
def dropout_layer(X, p):
    return (torch.rand_like(X) >= p) * X / (1 - p)
""", "contains nan", id="divides-by-zero-at-p-1"),
    pytest.param("check_dropout_layer", """
def dropout_layer(X, p):
    X[torch.rand_like(X) < p] = 0
    return X / (1 - p) if p < 1 else X
""", "changed in place", id="modifies-the-input"),
]


@pytest.mark.parametrize("checker, answer, hint", WRONG_ANSWERS)
def test_wrong_answer_gets_its_hint(checker: str, answer: str, hint: str) -> None:
    assert_wrong(NOTEBOOK, checker, answer, hint)
