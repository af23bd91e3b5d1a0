"""Wrong answers to the exercises of notebook 11 get a hint about their mistake."""

from __future__ import annotations

import pytest

from exercise_cells import assert_wrong

NOTEBOOK = "11-custom-layers"

WRONG_ANSWERS = [
    # Exercise 1: Scale
    pytest.param("check_scale", """
class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.alpha = torch.ones(())

    def forward(self, X):
        return self.alpha * X
""", "self.alpha is a plain tensor", id="scale-plain-tensor"),
    pytest.param("check_scale", """
class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(()))

    def forward(self, X):
        return self.alpha.data * X
""", "is cut from autograd", id="scale-data-in-forward"),
    pytest.param("check_scale", """
class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.randn(()))

    def forward(self, X):
        return self.alpha * X
""", "initialize it to 1", id="scale-random-start"),
    pytest.param("check_scale", """
class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(()))

    def forward(self, X):
        X *= self.alpha
        return X
""", "changed its input X in place", id="scale-in-place"),
    pytest.param("check_scale", """
class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.tensor(1))

    def forward(self, X):
        return self.alpha * X
""", "not the integer torch.tensor(1)", id="scale-integer-parameter"),
    pytest.param("check_scale", """
class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(()))

    def forward(self, X):
        return X
""", "the output still equals X", id="scale-ignores-alpha"),
    pytest.param("check_scale", """
class Scale(nn.Module):
    def forward(self, X):
        self.alpha = nn.Parameter(torch.ones(()))
        return self.alpha * X
""", "creates its parameters in forward", id="scale-parameter-made-in-forward"),
    # Exercise 2: RowCentered
    pytest.param("check_row_centered", """
class RowCentered(nn.Module):
    def forward(self, X):
        return X - X.mean()
""", "one mean of the whole batch", id="row-centered-whole-batch"),
    pytest.param("check_row_centered", """
class RowCentered(nn.Module):
    def forward(self, X):
        return X - X.mean(dim=0, keepdim=True)
""", "you centered each column (feature) over the batch, dim=0", id="row-centered-dim-0"),
    pytest.param("check_row_centered", """
class RowCentered(nn.Module):
    def forward(self, X):
        return X - X.mean(dim=1)
""", "X.mean(dim=1, keepdim=True) has shape (4, 1)", id="row-centered-without-keepdim"),
    pytest.param("check_row_centered", """
class RowCentered(nn.Module):
    def forward(self, X):
        X -= X.mean(dim=1, keepdim=True)
        return X
""", "changed its input X in place", id="row-centered-in-place"),
    pytest.param("check_row_centered", """
class RowCentered(nn.Module):
    def forward(self, X):
        return (X - X.mean(dim=1, keepdim=True)) / X.std(dim=1, keepdim=True)
""", "divided by the standard deviation", id="row-centered-layer-norm"),
    pytest.param("check_row_centered", """
class RowCentered(nn.Module):
    def forward(self, X):
        return X - X.mean(dim=1, keepdim=True).detach()
""", "no .detach() on it", id="row-centered-detached-mean"),
    # Exercise 3: MyDense
    pytest.param("check_my_dense", """
class MyDense(nn.Module):
    def __init__(self, in_units, units, bias=True):
        super().__init__()
        bound = 1 / in_units ** 0.5
        self.weight = nn.Parameter((2 * torch.rand(units, in_units) - 1) * bound)
        self.bias = nn.Parameter(torch.zeros(units)) if bias else None

    def forward(self, X):
        Y = X @ self.weight.T
        return Y if self.bias is None else Y + self.bias
""", "the layout of nn.Linear", id="dense-weight-transposed"),
    pytest.param("check_my_dense", """
class MyDense(nn.Module):
    def __init__(self, in_units, units, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units) / in_units ** 0.5)
        self.bias = nn.Parameter(torch.zeros(units)) if bias else None

    def forward(self, X):
        Y = X @ self.weight
        return Y if self.bias is None else Y + self.bias
""", "draw uniform ones", id="dense-normal-init"),
    pytest.param("check_my_dense", """
class MyDense(nn.Module):
    def __init__(self, in_units, units, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(in_units, units) / in_units ** 0.5)
        self.bias = nn.Parameter(torch.zeros(units)) if bias else None

    def forward(self, X):
        Y = X @ self.weight
        return Y if self.bias is None else Y + self.bias
""", "no weight is clearly negative", id="dense-rand-not-shifted"),
    pytest.param("check_my_dense", """
class MyDense(nn.Module):
    def __init__(self, in_units, units, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(in_units, units))
        nn.init.kaiming_uniform_(self.weight, a=5 ** 0.5)
        self.bias = nn.Parameter(torch.zeros(units)) if bias else None

    def forward(self, X):
        Y = X @ self.weight
        return Y if self.bias is None else Y + self.bias
""", "nn.init takes fan_in from dimension 1", id="dense-kaiming-fan-in"),
    pytest.param("check_my_dense", """
class MyDense(nn.Module):
    def __init__(self, in_units, units, bias=True):
        super().__init__()
        bound = 1 / in_units ** 0.5
        self.weight = nn.Parameter((2 * torch.rand(in_units, units) - 1) * bound)
        self.bias = nn.Parameter(torch.randn(units)) if bias else None

    def forward(self, X):
        Y = X @ self.weight
        return Y if self.bias is None else Y + self.bias
""", "initialize it to zeros", id="dense-random-bias"),
    pytest.param("check_my_dense", """
class MyDense(nn.Module):
    def __init__(self, in_units, units, bias=True):
        super().__init__()
        bound = 1 / in_units ** 0.5
        self.weight = nn.Parameter((2 * torch.rand(in_units, units) - 1) * bound)
        self.bias = nn.Parameter(torch.zeros(units))

    def forward(self, X):
        return X @ self.weight + self.bias
""", "create the bias only when bias is True", id="dense-ignores-bias-flag"),
    pytest.param("check_my_dense", """
class MyDense(nn.Module):
    def __init__(self, in_units, units, bias=True):
        super().__init__()
        bound = 1 / in_units ** 0.5
        self.weight = nn.Parameter((2 * torch.rand(in_units, units) - 1) * bound)
        self.bias = nn.Parameter(torch.zeros(units)) if bias else None

    def forward(self, X):
        return X @ self.weight
""", "add the bias", id="dense-forgets-bias"),
    pytest.param("check_my_dense", """
class MyDense(nn.Module):
    def __init__(self, in_units, units, bias=True):
        super().__init__()
        bound = 1 / in_units ** 0.5
        self.weight = nn.Parameter((2 * torch.rand(in_units, units) - 1) * bound)
        self.bias = nn.Parameter(torch.zeros(units)) if bias else None

    def forward(self, X):
        Y = X @ self.weight.data
        return Y if self.bias is None else Y + self.bias.data
""", "is cut from autograd", id="dense-data-in-forward"),
    pytest.param("check_my_dense", """
class MyDense(nn.Module):
    def __init__(self, in_units, units, bias=True):
        super().__init__()
        bound = 1 / in_units ** 0.5
        self.weight = nn.Parameter((2 * torch.rand(in_units, units) - 1) * bound)
        self.bias = nn.Parameter(torch.zeros(units)) if bias else None

    def forward(self, X):
        return X @ self.weight + self.bias
""", "add the bias only when there is one", id="dense-adds-none-bias"),
    # Exercise 4: Quadratic
    pytest.param("check_quadratic", """
class Quadratic(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(units, in_units, in_units) / in_units)

    def forward(self, X):
        return torch.einsum("bi,bj,kij->bk", X, X, self.weight)
""", "put the output dimension last", id="quadratic-weight-transposed"),
    pytest.param("check_quadratic", """
class Quadratic(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, in_units, units))

    def forward(self, X):
        return torch.einsum("bi,bj,ijk->bk", X, X, self.weight)
""", "that of torch.randn alone: divide by in_units", id="quadratic-unscaled-init"),
    pytest.param("check_quadratic", """
class Quadratic(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, in_units, units) / in_units ** 0.5)

    def forward(self, X):
        return torch.einsum("bi,bj,ijk->bk", X, X, self.weight)
""", "= 1/sqrt(in_units)", id="quadratic-sqrt-init"),
    pytest.param("check_quadratic", """
class Quadratic(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, in_units, units) / in_units)

    def forward(self, X):
        return torch.einsum("bi,ijk->bk", X, self.weight)
""", "uses x_i only once", id="quadratic-forgets-x-j"),
    pytest.param("check_quadratic", """
class Quadratic(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = torch.randn(in_units, in_units, units) / in_units

    def forward(self, X):
        return torch.einsum("bi,bj,ijk->bk", X, X, self.weight)
""", "self.weight is a plain tensor", id="quadratic-plain-tensor"),
    pytest.param("check_quadratic", """
class Quadratic(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, in_units, units) / in_units)

    def forward(self, X):
        return torch.einsum("bi,bj,ijk->bk", X, X, self.weight.detach())
""", "is cut from autograd", id="quadratic-detached-weight"),
]


@pytest.mark.parametrize("checker, answer, hint", WRONG_ANSWERS)
def test_wrong_answer_gets_its_hint(checker: str, answer: str, hint: str) -> None:
    assert_wrong(NOTEBOOK, checker, answer, hint)
