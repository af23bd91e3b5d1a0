"""Wrong answers to the exercises of notebook 02 get a hint about their mistake."""

from __future__ import annotations

import pytest

from exercise_cells import assert_right, assert_wrong

NOTEBOOK = "02-autograd"

WRONG_ANSWERS = [
    # Exercise 1: f(x) = x * exp(-x**2), f'(x) = (1 - 2x**2) * exp(-x**2)
    pytest.param("check_grad_by_hand", """
def grad_by_hand(x):
    return (1 + 2 * x ** 2) * torch.exp(-x ** 2)
""", "sign error", id="sign-error-in-chain-rule"),
    pytest.param("check_grad_by_hand", """
def grad_by_hand(x):
    return (1 - x ** 2) * torch.exp(-x ** 2)
""", "a factor 2 is missing", id="missing-factor-2"),
    pytest.param("check_grad_by_hand", """
def grad_by_hand(x):
    return -2 * x ** 2 * torch.exp(-x ** 2)
""", "you kept only x * g'(x)", id="forgets-product-rule"),
    pytest.param("check_grad_by_hand", """
def grad_by_hand(x):
    return -2 * x * torch.exp(-x ** 2)
""", "derivative of exp(-x**2) alone", id="differentiates-only-the-exponential"),
    pytest.param("check_grad_by_hand", """
def grad_by_hand(x):
    x.requires_grad_()
    return ((1 - 2 * x ** 2) * torch.exp(-x ** 2)).detach()
""", "switched on requires_grad of the caller's x", id="tracks-the-input-in-place"),
    pytest.param("check_grad_by_hand", """
def grad_by_hand(x):
    x = x.detach().requires_grad_()
    (x * torch.exp(-x ** 2)).sum().backward()
    return x.grad
""", "calls `torch.Tensor.backward`; the task asks you to do this without it",
        id="uses-backward"),
    pytest.param("check_grad_by_hand", """
def grad_by_hand(x):
    x = x.detach().requires_grad_()
    (grad,) = torch.autograd.grad((x * torch.exp(-x ** 2)).sum(), x)
    return grad
""", "calls `torch.autograd.grad`; the task asks you to do this without it",
        id="uses-autograd-grad"),
    pytest.param("check_grad_by_hand", """
def grad_by_hand(x):
    f = lambda t: t * torch.exp(-t ** 2)
    return torch.func.vmap(torch.func.grad(f))(x.reshape(-1)).reshape(x.shape)
""", "calls `torch.func.grad`", id="uses-torch-func-grad"),
    pytest.param("check_grad_by_hand", """
def grad_by_hand(x):
    x = x.clone().requires_grad_()
    return (1 - 2 * x ** 2) * torch.exp(-x ** 2)
""", "still requires grad", id="returns-a-tracked-tensor"),
    pytest.param("check_grad_by_hand", """
def grad_by_hand(x):
    return x * torch.exp(-x ** 2)
""", "you returned f(x) itself", id="returns-f-not-its-derivative"),
    pytest.param("check_grad_by_hand", """
def grad_by_hand(x):
    return (1 - 2 * x ** 2) * torch.exp(-x)
""", "autograd gives", id="wrong-formula-gets-the-point"),
    # Exercise 2: the gradient of each loss on its own
    pytest.param("check_two_gradients", """
def two_gradients(w, loss_a, loss_b):
    loss_a(w).backward()
    grad_a = w.grad
    loss_b(w).backward()
    grad_b = w.grad
    w.grad = None
    return grad_a, grad_b
""", "backward() adds to w.grad", id="forgets-to-reset-the-gradient"),
    pytest.param("check_two_gradients", """
def two_gradients(w, loss_a, loss_b):
    loss_a(w).backward()
    grad_a = w.grad.clone()
    loss_b(w).backward()
    grad_b = w.grad.clone()
    w.grad = None
    return grad_a, grad_b
""", "grad_b also holds grad_a", id="accumulates-into-the-second-gradient"),
    pytest.param("check_two_gradients", """
def two_gradients(w, loss_a, loss_b):
    loss_a(w).backward()
    grad_a = w.grad
    w.grad.zero_()
    loss_b(w).backward()
    grad_b = w.grad
    w.grad = None
    return grad_a, grad_b
""", "w.grad.zero_() works in place", id="zero-in-place-aliases-grad-a"),
    pytest.param("check_two_gradients", """
def two_gradients(w, loss_a, loss_b):
    loss_a(w).backward()
    grad_a = w.grad
    w.grad = None
    loss_b(w).backward()
    grad_b = w.grad
    return grad_a, grad_b
""", "w.grad still holds a gradient", id="leaves-the-gradient-behind"),
    pytest.param("check_two_gradients", """
def two_gradients(w, loss_a, loss_b):
    (loss_a(w) + loss_b(w)).backward()
    grad = w.grad
    w.grad = None
    return grad, grad
""", "both equal the gradient of loss_a + loss_b", id="sums-the-losses"),
    pytest.param("check_two_gradients", """
def two_gradients(w, loss_a, loss_b):
    loss_a(w).backward()
    grad_a = w.grad.clone()
    w.grad.zero_()
    loss_b(w).backward()
    grad_b = w.grad
    w.grad.zero_()
    return grad_a, grad_b
""", "grad_b is all zeros", id="zeroes-the-returned-gradient"),
    pytest.param("check_two_gradients", """
def two_gradients(w, loss_a, loss_b):
    (grad_a,) = torch.autograd.grad(loss_a(w), w)
    (grad_b,) = torch.autograd.grad(loss_b(w), w)
    return grad_a, grad_b
""", "calls `torch.autograd.grad`; the task asks you to do this without it",
        id="uses-autograd-grad-not-backward"),
    # Exercise 3: y = x**2 * sin(x) with sin(x) detached: dy/dx = 2x sin(x)
    pytest.param("check_grad_sin_frozen", """
def grad_sin_frozen(x):
    x = x.detach().requires_grad_()
    y = x ** 2 * torch.sin(x)
    y.sum().backward()
    return x.grad
""", "the full derivative", id="forgets-to-detach"),
    pytest.param("check_grad_sin_frozen", """
def grad_sin_frozen(x):
    x = x.detach().requires_grad_()
    y = x ** 2
    y.sum().backward()
    return x.grad
""", "a detached factor is a constant, not zero", id="drops-the-detached-factor"),
    pytest.param("check_grad_sin_frozen", """
def grad_sin_frozen(x):
    x.requires_grad_()
    y = x ** 2 * torch.sin(x).detach()
    y.sum().backward()
    return x.grad
""", "switched on requires_grad of the caller's x", id="tracks-the-input-in-place"),
    pytest.param("check_grad_sin_frozen", """
def grad_sin_frozen(x):
    x = x.detach().requires_grad_()
    return 2 * x * torch.sin(x.detach())
""", "still requires grad", id="returns-a-tracked-tensor"),
    pytest.param("check_grad_sin_frozen", """
def grad_sin_frozen(x):
    x = x.detach().requires_grad_()
    y = x.detach() ** 2 * torch.sin(x)
    y.sum().backward()
    return x.grad
""", "you detached x**2 instead of sin(x)", id="detaches-the-wrong-factor"),
]


@pytest.mark.parametrize("checker, answer, hint", WRONG_ANSWERS)
def test_wrong_answer_gets_its_hint(checker: str, answer: str, hint: str) -> None:
    assert_wrong(NOTEBOOK, checker, answer, hint)


RIGHT_ANSWERS = [
    pytest.param("check_grad_by_hand", """
def grad_by_hand(x):
    x = x.double()
    return torch.exp(-x * x) * (1 - 2 * x * x)
""", id="grad-by-hand-in-float64"),
    pytest.param("check_two_gradients", """
def two_gradients(w, loss_a, loss_b):
    loss_a(w).backward()
    grad_a = w.grad.clone()
    w.grad.zero_()
    loss_b(w).backward()
    grad_b = w.grad.clone()
    w.grad = None
    return grad_a, grad_b
""", id="two-gradients-with-clone-and-zero"),
    pytest.param("check_grad_sin_frozen", """
def grad_sin_frozen(x):
    x = x.double().requires_grad_()
    (x ** 2 * x.detach().sin()).sum().backward()
    return x.grad
""", id="grad-sin-frozen-in-float64"),
]


@pytest.mark.parametrize("checker, answer", RIGHT_ANSWERS)
def test_correct_answer_written_differently_passes(checker: str, answer: str) -> None:
    assert_right(NOTEBOOK, checker, answer)
