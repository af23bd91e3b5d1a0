"""Wrong answers to the exercises of notebook 05 get a hint about their mistake, and
correct answers written another way than the published solutions pass."""

from __future__ import annotations

import pytest

from exercise_cells import assert_right, assert_wrong

NOTEBOOK = "05-mlp"

WRONG_ANSWERS = [
    # Exercise 1: masked_relu(X)
    pytest.param("check_masked_relu", """
def masked_relu(X):
    X[X < 0] = 0
    return X
""", "changed X in place", id="relu-zeroes-the-input-in-place"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return X.clamp_(min=0)
""", "calls `torch.Tensor.clamp_`; the task asks you to do this without it",
                 id="relu-clamps-in-place"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return torch.relu(X)
""", "calls `torch.relu`; the task asks you to do this without it", id="relu-calls-torch-relu"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return nn.functional.relu(X)
""", "calls `torch.nn.functional.relu`", id="relu-calls-functional-relu"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return nn.ReLU()(X)
""", "calls `torch.nn.functional.relu`", id="relu-through-the-nn-relu-layer"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return X.relu()
""", "calls `torch.Tensor.relu`", id="relu-calls-the-tensor-method"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return X.clamp(min=0)
""", "calls `torch.Tensor.clamp`", id="relu-clamps"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return torch.clip(X, min=0)
""", "calls `torch.clip`", id="relu-clips"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return torch.maximum(X, torch.zeros_like(X))
""", "calls `torch.maximum`", id="relu-calls-torch-maximum"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    try:
        return torch.relu(X)
    except Exception:
        return X * (X > 0)
""", "calls `torch.relu`", id="relu-tries-the-built-in-first"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return X > 0
""", "X > 0 is only the mask; multiply X by it", id="relu-returns-the-boolean-mask"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return (X > 0).float()
""", "that is only the mask", id="relu-returns-the-mask-as-numbers"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return max(0, X)
""", "Python's max(0, X)", id="relu-python-max"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return torch.max(X, 0)
""", "torch.max(X, 0) is the largest value along dim 0", id="relu-torch-max-reduces"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return X * (X < 0)
""", "the mask is the wrong way round", id="relu-keeps-the-negatives"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return torch.where(X > 0, X, 0.01 * X)
""", "should be 0 wherever X < 0", id="relu-leaky"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    Y = X.clone()
    with torch.no_grad():
        Y[Y < 0] = 0
    return Y
""", "the gradient at negative inputs is 1, expected 0", id="relu-zeroes-under-no-grad"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return torch.tensor([max(0.0, v) for v in X.flatten().tolist()]).reshape(X.shape)
""", "has dtype torch.float32, but X is torch.float64", id="relu-python-loop"),
    # Exercise 2: mlp_forward(X, W1, b1, W2, b2)
    pytest.param("check_mlp_forward", """
def mlp_forward(X, W1, b1, W2, b2):
    X = X.reshape(X.shape[0], -1)
    H = torch.relu(X @ W1 + b1)
    return torch.relu(H @ W2 + b2)
""", "you applied ReLU to the output layer too", id="mlp-relu-on-the-output"),
    pytest.param("check_mlp_forward", """
def mlp_forward(X, W1, b1, W2, b2):
    X = X.reshape(X.shape[0], -1)
    H = torch.relu(X @ W1)
    return H @ W2 + b2
""", "b1 is missing", id="mlp-missing-hidden-bias"),
    pytest.param("check_mlp_forward", """
def mlp_forward(X, W1, b1, W2, b2):
    X = X.reshape(X.shape[0], -1)
    return torch.relu(X @ W1 + b1) @ W2
""", "b2 is missing", id="mlp-missing-output-bias"),
    pytest.param("check_mlp_forward", """
def mlp_forward(X, W1, b1, W2, b2):
    X = X.reshape(X.shape[0], -1)
    H = torch.relu(X @ W1.T + b1)
    return H @ W2.T + b2
""", "it works only when the weights are transposed", id="mlp-transposed-weights"),
    pytest.param("check_mlp_forward", """
def mlp_forward(X, W1, b1, W2, b2):
    H = torch.relu(X @ W1 + b1)
    return H @ W2 + b2
""", "flatten X first", id="mlp-forgets-to-flatten"),
    pytest.param("check_mlp_forward", """
def mlp_forward(X, W1, b1, W2, b2):
    X = X.reshape(X.shape[0], -1)
    H = torch.relu(W1.T @ X.T + b1.reshape(-1, 1))
    return W2.T @ H + b2.reshape(-1, 1)
""", "one row per image", id="mlp-examples-in-columns"),
    pytest.param("check_mlp_forward", """
def mlp_forward(X, W1, b1, W2, b2):
    X = X.reshape(X.shape[0], -1)
    H = torch.relu(X @ W1 + b1.reshape(-1, 1))
    return H @ W2 + b2.reshape(-1, 1)
""", "do not reshape it into a column", id="mlp-bias-as-a-column"),
    pytest.param("check_mlp_forward", """
def mlp_forward(X, W1, b1, W2, b2):
    X = X.reshape(X.shape[0], -1)
    H = torch.relu(X @ W1) + b1
    return H @ W2 + b2
""", "b1 is added after the ReLU", id="mlp-bias-after-relu"),
    pytest.param("check_mlp_forward", """
def mlp_forward(X, W1, b1, W2, b2):
    X = X.reshape(X.shape[0], -1)
    H = torch.relu(X @ W1 + b1)
    return torch.softmax(H @ W2 + b2, dim=1)
""", "softmax belongs to the loss", id="mlp-softmax-in-the-model"),
    pytest.param("check_mlp_forward", """
def mlp_forward(X, W1, b1, W2, b2):
    X = X.squeeze()  # drop the channel dimension
    H = torch.relu(X.reshape(X.shape[0], -1) @ W1 + b1)
    return H @ W2 + b2
""", "which keeps the batch dimension", id="mlp-squeeze-drops-the-batch-of-one"),
    # Exercise 3: silu_grad(x) by hand
    pytest.param("check_silu_grad", """
def silu_grad(x):
    s = torch.sigmoid(x)
    return s * (1 - s)
""", "the derivative of the sigmoid alone", id="silu-grad-is-sigmoid-grad"),
    pytest.param("check_silu_grad", """
def silu_grad(x):
    return torch.sigmoid(x)
""", "only the first term of the product rule", id="silu-grad-first-term-only"),
    pytest.param("check_silu_grad", """
def silu_grad(x):
    s = torch.sigmoid(x)
    return s + x * s
""", "σ'(x) is σ(x)(1 - σ(x)), not σ(x)", id="silu-grad-wrong-sigmoid-derivative"),
    pytest.param("check_silu_grad", """
def silu_grad(x):
    s = torch.sigmoid(x)
    return x * s * (1 - s)
""", "the σ(x) term of the product rule is missing", id="silu-grad-drops-sigma"),
    pytest.param("check_silu_grad", """
def silu_grad(x):
    s = torch.sigmoid(x)
    return s + s * (1 - s)
""", "the factor x is missing", id="silu-grad-drops-x"),
    pytest.param("check_silu_grad", """
def silu_grad(x):
    return 1 - torch.tanh(x) ** 2
""", "silu_grad(x) is off at index", id="silu-grad-tanh-formula"),
    pytest.param("check_silu_grad", """
def silu_grad(x):
    x = x.detach().requires_grad_()
    (x * torch.sigmoid(x)).sum().backward()
    return x.grad
""", "calls `torch.Tensor.backward`; the task asks you to do this without it",
                 id="silu-grad-with-backward"),
    pytest.param("check_silu_grad", """
def silu_grad(x):
    x = x.detach().requires_grad_()
    grad, = torch.autograd.grad(nn.functional.silu(x).sum(), x)
    return grad
""", "calls `torch.autograd.grad`", id="silu-grad-with-autograd-grad"),
    pytest.param("check_silu_grad", """
def silu_grad(x):
    silu_grad_of_one = torch.func.grad(lambda t: t * torch.sigmoid(t))
    return torch.func.vmap(silu_grad_of_one)(x.flatten()).reshape(x.shape)
""", "calls `torch.func.grad`", id="silu-grad-with-torch-func"),
]


@pytest.mark.parametrize("checker, answer, hint", WRONG_ANSWERS)
def test_wrong_answer_gets_its_hint(checker: str, answer: str, hint: str) -> None:
    assert_wrong(NOTEBOOK, checker, answer, hint)


RIGHT_ANSWERS = [
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return torch.where(X > 0, X, torch.zeros_like(X))
""", id="relu-with-where"),
    pytest.param("check_masked_relu", """
def masked_relu(X):
    return X.masked_fill(X <= 0, 0.0)
""", id="relu-with-masked-fill"),
    pytest.param("check_silu_grad", """
def silu_grad(x):
    x = x.float()  # float32 is just as right; the check allows for its rounding
    s = torch.sigmoid(x)
    return s * (1 + x * (1 - s))
""", id="silu-grad-in-float32"),
]


@pytest.mark.parametrize("checker, answer", RIGHT_ANSWERS)
def test_correct_answer_written_differently_passes(checker: str, answer: str) -> None:
    assert_right(NOTEBOOK, checker, answer)
