"""Wrong answers to the exercises of notebook 03 get a hint about their mistake."""

from __future__ import annotations

import pytest

from exercise_cells import assert_right, assert_wrong

NOTEBOOK = "03-linear-regression"

HUBER = [
    pytest.param("check_huber_loss", """
def huber_loss(y_hat, y, delta):
    error = y_hat - y
    return torch.where(error.abs() <= delta, error**2 / 2, delta * (error.abs() - delta / 2))
""", "broadcasts to every pair of examples", id="huber-forgets-to-reshape-y"),
    pytest.param("check_huber_loss", """
def huber_loss(y_hat, y, delta):
    error = y_hat - y.reshape(y_hat.shape)
    return torch.where(error.abs() <= delta, error**2, delta * (error.abs() - delta / 2))
""", "you forgot the / 2", id="huber-forgets-the-half"),
    pytest.param("check_huber_loss", """
def huber_loss(y_hat, y, delta):
    error = y_hat - y.reshape(y_hat.shape)
    return torch.where(error.abs() <= delta, error**2 / 2, delta * error.abs())
""", "you left out the - delta / 2", id="huber-pieces-do-not-meet"),
    pytest.param("check_huber_loss", """
def huber_loss(y_hat, y, delta):
    error = y_hat - y.reshape(y_hat.shape)
    return torch.where(error.abs() <= delta, error**2 / 2, delta * (error - delta / 2))
""", "use the absolute value", id="huber-forgets-abs"),
    pytest.param("check_huber_loss", """
def huber_loss(y_hat, y, delta):
    error = y_hat - y.reshape(y_hat.shape)
    return torch.where(error.abs() <= delta, error**2 / 2,
                       delta * (error.abs() - delta / 2)).mean()
""", "return one loss per example", id="huber-reduces-to-the-mean"),
    pytest.param("check_huber_loss", """
def huber_loss(y_hat, y, delta):
    error = y_hat - y.reshape(y_hat.shape)
    return torch.where(error.abs() <= 1, error**2 / 2, error.abs() - 0.5)
""", "ignores delta", id="huber-hard-codes-delta-1"),
    pytest.param("check_huber_loss", """
def huber_loss(y_hat, y, delta):
    errors = (y_hat - y.reshape(y_hat.shape)).reshape(-1).tolist()
    return torch.tensor([[e * e / 2 if abs(e) <= delta else delta * (abs(e) - delta / 2)]
                         for e in errors])
""", "has no gradient", id="huber-python-floats"),
]

MINIBATCHES = [
    pytest.param("check_minibatches", """
def minibatches(batch_size, *tensors):
    n = len(tensors[0])
    indices = torch.randperm(n)
    for i in range(n // batch_size):
        batch = indices[i * batch_size:(i + 1) * batch_size]
        yield tuple(t[batch] for t in tensors)
""", "the last, smaller batch of 3 is missing", id="drops-the-last-partial-batch"),
    pytest.param("check_minibatches", """
def minibatches(batch_size, *tensors):
    n = len(tensors[0])
    for start in range(0, n, batch_size):
        batch = torch.randint(0, n, (min(batch_size, n - start),))
        yield tuple(t[batch] for t in tensors)
""", "instead of drawing random indices for every batch", id="samples-with-replacement"),
    pytest.param("check_minibatches", """
def minibatches(batch_size, *tensors):
    n = len(tensors[0])
    shuffled = [t[torch.randperm(n)] for t in tensors]
    for start in range(0, n, batch_size):
        yield tuple(t[start:start + batch_size] for t in shuffled)
""", "no longer belong together", id="shuffles-each-tensor-separately"),
    pytest.param("check_minibatches", """
def minibatches(batch_size, *tensors):
    n = len(tensors[0])
    for start in range(0, n, batch_size):
        yield tuple(t[start:start + batch_size] for t in tensors)
""", "come in their original order", id="does-not-shuffle"),
    pytest.param("check_minibatches", """
def minibatches(batch_size, features, labels):
    indices = torch.randperm(len(features))
    for start in range(0, len(features), batch_size):
        batch = indices[start:start + batch_size]
        yield features[batch], labels[batch]
""", "takes 3 positional arguments but 4 were given", id="only-two-tensors"),
    pytest.param("check_minibatches", """
def minibatches(batch_size, *tensors):
    n = len(tensors[0])
    indices = torch.randperm(n)
    for start in range(0, n, batch_size):
        batch = indices[start:start + batch_size]
        yield [t[batch] for t in tensors[:2]]
""", "one tensor per input tensor (3 here)", id="yields-only-features-and-labels"),
    pytest.param("check_minibatches", """
def minibatches(batch_size, *tensors):
    indices = torch.randperm(len(tensors[0]))
    return [tuple(t[batch] for t in tensors) for batch in indices.split(batch_size)]
""", "returned a list; the task asks for a generator", id="returns-a-list"),
]

TRAIN_STEP = [
    pytest.param("check_train_step", """
def train_step(X, y, w, b, lr):
    l = d2l.squared_loss(d2l.linreg(X, w, b), y).sum()
    l.backward()
    with torch.no_grad():
        for param in (w, b):
            param -= lr * param.grad
            param.grad.zero_()
    return l.item() / len(X)
""", "8 times too large, 8 being the batch size", id="sums-and-never-divides"),
    pytest.param("check_train_step", """
def train_step(X, y, w, b, lr):
    l = d2l.squared_loss(d2l.linreg(X, w, b), y).mean()
    l.backward()
    d2l.sgd([w, b], lr, len(X))
    return l.item()
""", "do not divide by it again", id="divides-by-the-batch-size-twice"),
    pytest.param("check_train_step", """
def train_step(X, y, w, b, lr):
    l = ((d2l.linreg(X, w, b) - y) ** 2).mean()
    l.backward()
    with torch.no_grad():
        for param in (w, b):
            param -= lr * param.grad
            param.grad.zero_()
    return l.item() / 2
""", "twice too large", id="forgets-the-half"),
    pytest.param("check_train_step", """
def train_step(X, y, w, b, lr):
    l = d2l.squared_loss(d2l.linreg(X, w, b), y).mean()
    l.backward()
    with torch.no_grad():
        for param in (w, b):
            param -= lr * param.grad
    return l.item()
""", "zero w.grad and b.grad after each update", id="forgets-to-zero-the-gradients"),
    pytest.param("check_train_step", """
def train_step(X, y, w, b, lr):
    l = d2l.squared_loss(d2l.linreg(X, w, b), y).mean()
    l.backward()
    for param in (w, b):
        param -= lr * param.grad
        param.grad.zero_()
    return l.item()
""", "inside `with torch.no_grad():`", id="updates-outside-no-grad"),
    pytest.param("check_train_step", """
def train_step(X, y, w, b, lr):
    l = d2l.squared_loss(d2l.linreg(X, w, b), y).mean()
    l.backward()
    with torch.no_grad():
        w = w - lr * w.grad
        b = b - lr * b.grad
    return l.item()
""", "w and b did not change", id="rebinds-instead-of-updating"),
    pytest.param("check_train_step", """
def train_step(X, y, w, b, lr):
    w.grad.zero_()
    b.grad.zero_()
    l = d2l.squared_loss(d2l.linreg(X, w, b), y).mean()
    l.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    return l.item()
""", "w.grad is None until the first backward()", id="zeroes-a-gradient-that-is-none"),
    pytest.param("check_train_step", """
def train_step(X, y, w, b, lr):
    l = d2l.squared_loss(d2l.linreg(X, w, b), y).mean()
    l.backward()
    with torch.no_grad():
        for param in (w, b):
            param -= lr * param.grad
            param.grad.zero_()
    return l
""", "return a Python float", id="returns-the-loss-tensor"),
    pytest.param("check_train_step", """
def train_step(X, y, w, b, lr):
    l = d2l.squared_loss(d2l.linreg(X, w, b), y).mean()
    l.backward()
    with torch.no_grad():
        w -= lr * w.grad
        w.grad.zero_()
    return l.item()
""", "b did not change", id="updates-only-w"),
    pytest.param("check_train_step", """
def train_step(X, y, w, b, lr):
    l = d2l.squared_loss(d2l.linreg(X, w, b), y).mean()
    l.backward()
    with torch.no_grad():
        for param in (w, b):
            param -= lr * param.grad
            param.grad.zero_()
        return d2l.squared_loss(d2l.linreg(X, w, b), y).mean().item()
""", "returned the loss after the update", id="returns-the-loss-after-the-step"),
]

WRONG_ANSWERS = HUBER + MINIBATCHES + TRAIN_STEP


@pytest.mark.parametrize("checker, answer, hint", WRONG_ANSWERS)
def test_wrong_answer_gets_its_hint(checker: str, answer: str, hint: str) -> None:
    assert_wrong(NOTEBOOK, checker, answer, hint)


RIGHT_ANSWERS = [
    pytest.param("check_huber_loss", """
def huber_loss(y_hat, y, delta):
    error = (y_hat - y.reshape(y_hat.shape)).double()
    quadratic = error.abs().clamp(max=delta)
    return quadratic ** 2 / 2 + delta * (error.abs() - quadratic)
""", id="huber-clamped-in-float64"),
    pytest.param("check_minibatches", """
def minibatches(batch_size, *tensors):
    indices = torch.randperm(len(tensors[0]))
    return (tuple(t[batch] for t in tensors) for batch in indices.split(batch_size))
""", id="minibatches-generator-expression"),
]


@pytest.mark.parametrize("checker, answer", RIGHT_ANSWERS)
def test_correct_answer_written_differently_passes(checker: str, answer: str) -> None:
    assert_right(NOTEBOOK, checker, answer)
