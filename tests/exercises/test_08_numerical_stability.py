"""Wrong answers to the exercises of notebook 08 get a hint about their mistake."""

from __future__ import annotations

import pytest

from exercise_cells import assert_right, assert_wrong

NOTEBOOK = "08-numerical-stability"

WRONG_ANSWERS = [
    # Exercise 1: Xavier normal, N(0, 2 / (fan_in + fan_out)), in place
    pytest.param("check_xavier_normal", """
def xavier_normal_(W):
    with torch.no_grad():
        W.normal_(0, 2 / (W.shape[0] + W.shape[1]))
    return W
""", "you used the variance as the standard deviation", id="xavier-variance-as-std"),
    pytest.param("check_xavier_normal", """
def xavier_normal_(W):
    with torch.no_grad():
        W.normal_(0, math.sqrt(6 / (W.shape[0] + W.shape[1])))
    return W
""", "is the bound a of xavier_uniform_", id="xavier-uniform-bound-as-std"),
    pytest.param("check_xavier_normal", """
def xavier_normal_(W):
    with torch.no_grad():
        W.normal_(0, math.sqrt(1 / W.shape[1]))
    return W
""", "1 / fan_in only keeps the forward pass", id="xavier-fan-in-only"),
    pytest.param("check_xavier_normal", """
def xavier_normal_(W):
    with torch.no_grad():
        W.normal_(0, math.sqrt(1 / (W.shape[0] + W.shape[1])))
    return W
""", "a factor 2 is missing", id="xavier-missing-factor-2"),
    pytest.param("check_xavier_normal", """
def xavier_normal_(W):
    fan_out, fan_in = W.shape
    return torch.randn(fan_out, fan_in) * math.sqrt(2 / (fan_in + fan_out))
""", "returned a new tensor and left W as it was", id="xavier-returns-a-new-tensor"),
    pytest.param("check_xavier_normal", """
def xavier_normal_(W):
    return W.normal_(0, math.sqrt(2 / (W.shape[0] + W.shape[1])))
""", "wrap the fill in `with torch.no_grad():`", id="xavier-without-no-grad"),
    pytest.param("check_xavier_normal", """
def xavier_normal_(W):
    with torch.no_grad():
        W.normal_(0, math.sqrt(2 / (W.shape[0] + W.shape[1])))
""", "end with `return W`", id="xavier-forgets-return"),
    pytest.param("check_xavier_normal", """
def xavier_normal_(W):
    with torch.no_grad():
        W.normal_()
    return W * math.sqrt(2 / (W.shape[0] + W.shape[1]))
""", "return W itself", id="xavier-scales-a-copy"),
    pytest.param("check_xavier_normal", """
def xavier_normal_(W):
    a = math.sqrt(6 / (W.shape[0] + W.shape[1]))
    with torch.no_grad():
        W.uniform_(-a, a)
    return W
""", "that is a uniform distribution", id="xavier-uniform-distribution"),
    pytest.param("check_xavier_normal", """
def xavier_normal_(W):
    return nn.init.xavier_normal_(W)
""", "calls `torch.nn.init.xavier_normal_`; the task asks you to do this without it",
        id="xavier-calls-nn-init"),
    pytest.param("check_xavier_normal", """
def xavier_normal_(W):
    fan_out, fan_in = W.shape
    return nn.init.normal_(W, 0, math.sqrt(2 / (fan_in + fan_out)))
""", "calls `torch.nn.init.normal_`", id="xavier-calls-nn-init-normal"),
    pytest.param("check_xavier_normal", """
def xavier_normal_(W):
    with torch.no_grad():
        W.copy_(torch.rand(W.shape) * math.sqrt(2 / (W.shape[0] + W.shape[1])))
    return W
""", "not 0", id="xavier-rand-is-not-centred"),
    pytest.param("check_xavier_normal", """
def xavier_normal_(W):
    with torch.no_grad():
        W.fill_(math.sqrt(2 / (W.shape[0] + W.shape[1])))
    return W
""", "draw each one at random", id="xavier-constant-fill"),
    # Exercise 2: the sigmoid's gradient s * (1 - s)
    pytest.param("check_sigmoid_grad", """
def sigmoid_grad(x):
    s = torch.sigmoid(x)
    return s * (1 + s)
""", "sign error", id="sigmoid-s-times-1-plus-s"),
    pytest.param("check_sigmoid_grad", """
def sigmoid_grad(x):
    return 1 - torch.sigmoid(x) ** 2
""", "the pattern of tanh'", id="sigmoid-1-minus-s-squared"),
    pytest.param("check_sigmoid_grad", """
def sigmoid_grad(x):
    return 1 - torch.tanh(x) ** 2
""", "that is the derivative of tanh", id="sigmoid-tanh-derivative"),
    pytest.param("check_sigmoid_grad", """
def sigmoid_grad(x):
    return x * (1 - x)
""", "you applied the formula to x itself", id="sigmoid-formula-on-x"),
    pytest.param("check_sigmoid_grad", """
def sigmoid_grad(x):
    return torch.exp(-x) / (1 + torch.exp(-x)) ** 2
""", "overflows float32 to inf", id="sigmoid-unstable-exp-formula"),
    pytest.param("check_sigmoid_grad", """
def sigmoid_grad(x):
    s = x.sigmoid_()
    return s * (1 - s)
""", "x was changed in place", id="sigmoid-in-place-on-x"),
    pytest.param("check_sigmoid_grad", """
def sigmoid_grad(x):
    return torch.sigmoid(x)
""", "you returned σ(x) itself", id="sigmoid-returns-sigmoid"),
    pytest.param("check_sigmoid_grad", """
def sigmoid_grad(x):
    return torch.exp(-x) / (1 + torch.exp(-x))
""", "you returned only 1 - σ(x)", id="sigmoid-forgets-the-square"),
    pytest.param("check_sigmoid_grad", """
def sigmoid_grad(x):
    x = x.detach().requires_grad_()
    torch.sigmoid(x).sum().backward()
    return x.grad
""", "calls `torch.Tensor.backward`; the task asks you to do this without it",
        id="sigmoid-by-backward"),
    pytest.param("check_sigmoid_grad", """
def sigmoid_grad(x):
    x = x.detach().requires_grad_()
    return torch.autograd.grad(torch.sigmoid(x).sum(), x)[0]
""", "calls `torch.autograd.grad`; the task asks you to do this without it",
        id="sigmoid-by-autograd-grad"),
    pytest.param("check_sigmoid_grad", """
def sigmoid_grad(x):
    return torch.func.vmap(torch.func.grad(torch.sigmoid))(x.flatten()).reshape(x.shape)
""", "calls `torch.func.grad`", id="sigmoid-by-func-grad"),
    pytest.param("check_sigmoid_grad", """
def sigmoid_grad(x):
    x = x.detach().requires_grad_()
    try:
        torch.sigmoid(x).sum().backward()
        return x.grad
    except Exception:
        s = torch.sigmoid(x.detach())
        return s * (1 - s)
""", "calls `torch.Tensor.backward`", id="sigmoid-autograd-caught"),
    # Exercise 3: Kaiming normal for ReLU, N(0, 2 / fan_in), fan_in = W.shape[1]
    pytest.param("check_kaiming_normal", """
def kaiming_normal_(W):
    with torch.no_grad():
        W.normal_(0, math.sqrt(2 / W.shape[0]))
    return W
""", "you used fan_out = W.shape[0]", id="kaiming-fan-out"),
    pytest.param("check_kaiming_normal", """
def kaiming_normal_(W):
    return nn.init.kaiming_normal_(W, nonlinearity="relu")
""", "calls `torch.nn.init.kaiming_normal_`; the task asks you to do this without it",
        id="kaiming-calls-nn-init"),
    pytest.param("check_kaiming_normal", """
def kaiming_normal_(W):
    return nn.init.kaiming_normal(W, nonlinearity="relu")
""", "calls `torch.nn.init.kaiming_normal`", id="kaiming-calls-deprecated-nn-init"),
    pytest.param("check_kaiming_normal", """
def kaiming_normal_(W):
    with torch.no_grad():
        W.normal_(0, 2 / W.shape[1])
    return W
""", "you used the variance as the standard deviation", id="kaiming-variance-as-std"),
    pytest.param("check_kaiming_normal", """
def kaiming_normal_(W):
    with torch.no_grad():
        W.normal_(0, math.sqrt(6 / W.shape[1]))
    return W
""", "is the bound of kaiming_uniform_", id="kaiming-uniform-bound-as-std"),
    pytest.param("check_kaiming_normal", """
def kaiming_normal_(W):
    with torch.no_grad():
        W.normal_(0, math.sqrt(1 / W.shape[1]))
    return W
""", "a factor 2 is missing", id="kaiming-missing-factor-2"),
    pytest.param("check_kaiming_normal", """
def kaiming_normal_(W):
    with torch.no_grad():
        W.normal_(0, math.sqrt(2 / (W.shape[0] + W.shape[1])))
    return W
""", "that is Xavier's variance", id="kaiming-xavier-formula"),
    pytest.param("check_kaiming_normal", """
def kaiming_normal_(W):
    return torch.randn(W.shape) * math.sqrt(2 / W.shape[1])
""", "returned a new tensor and left W as it was", id="kaiming-returns-a-new-tensor"),
    pytest.param("check_kaiming_normal", """
def kaiming_normal_(W):
    bound = math.sqrt(6 / W.shape[1])
    with torch.no_grad():
        W.uniform_(-bound, bound)
    return W
""", "that is a uniform distribution", id="kaiming-uniform-distribution"),
    pytest.param("check_kaiming_normal", """
def kaiming_normal_(W):
    W.data = torch.randn(W.shape) * math.sqrt(2 / W.shape[1])
    return torch.randn(W.shape)
""", "return W itself", id="kaiming-returns-another-tensor"),
]


@pytest.mark.parametrize("checker, answer, hint", WRONG_ANSWERS)
def test_wrong_answer_gets_its_hint(checker: str, answer: str, hint: str) -> None:
    assert_wrong(NOTEBOOK, checker, answer, hint)


RIGHT_ANSWERS = [
    pytest.param("check_xavier_normal", """
def xavier_normal_(W):
    fan_out, fan_in = W.shape
    with torch.no_grad():
        W.copy_(torch.randn(fan_out, fan_in) * math.sqrt(2 / (fan_in + fan_out)))
    return W
""", id="xavier-copy-of-scaled-randn"),
    pytest.param("check_sigmoid_grad", """
def sigmoid_grad(x):
    return torch.sigmoid(x) * torch.sigmoid(-x)
""", id="sigmoid-times-sigmoid-of-minus-x"),
    pytest.param("check_sigmoid_grad", """
def sigmoid_grad(x):
    s = torch.sigmoid(x.double())
    return s * (1 - s)
""", id="sigmoid-in-float64"),
    pytest.param("check_kaiming_normal", """
def kaiming_normal_(W):
    with torch.no_grad():
        W.normal_(0, (2 / W.size(1)) ** 0.5)
    return W
""", id="kaiming-size-1"),
]


@pytest.mark.parametrize("checker, answer", RIGHT_ANSWERS)
def test_right_answer_written_differently_passes(checker: str, answer: str) -> None:
    assert_right(NOTEBOOK, checker, answer)
