"""Wrong answers to the exercises of notebook 04 get a hint about their mistake, and
correct answers written another way than the published solutions pass."""

from __future__ import annotations

import pytest

from exercise_cells import assert_right, assert_wrong

NOTEBOOK = "04-softmax-regression"

WRONG_ANSWERS = [
    # Exercise 1: log_softmax(O) -----------------------------------------------------------
    pytest.param("check_log_softmax", """
def log_softmax(O):
    m = O.max(dim=0, keepdim=True).values
    return O - m - torch.log(torch.exp(O - m).sum(dim=0, keepdim=True))
""", "over dim=1 (the classes), not dim=0", id="log-softmax-normalises-columns"),
    pytest.param("check_log_softmax", """
def log_softmax(O):
    m = O.max(dim=1).values
    return O - m - torch.log(torch.exp(O - m).sum(dim=1))
""", "keepdim=True", id="log-softmax-without-keepdim"),
    pytest.param("check_log_softmax", """
def log_softmax(O):
    return O - torch.log(torch.exp(O).sum(dim=1, keepdim=True))
""", "exp(1000) overflows", id="log-softmax-without-the-max"),
    pytest.param("check_log_softmax", """
def log_softmax(O):
    m = O.max()
    return O - m - torch.log(torch.exp(O - m).sum(dim=1, keepdim=True))
""", "not the maximum of the whole tensor", id="log-softmax-global-max"),
    pytest.param("check_log_softmax", """
def log_softmax(O):
    E = torch.exp(O - O.max(dim=1, keepdim=True).values)
    return torch.log(E / E.sum(dim=1, keepdim=True))
""", "log(softmax(O)) underflows", id="log-of-softmax"),
    pytest.param("check_log_softmax", """
def log_softmax(O):
    m = O.max(dim=1, keepdim=True).values
    return O - m + torch.log(torch.exp(O - m).sum(dim=1, keepdim=True))
""", "the log of the sum has the wrong sign", id="log-softmax-adds-the-log-sum"),
    pytest.param("check_log_softmax", """
def log_softmax(O):
    O -= O.max(dim=1, keepdim=True).values
    return O - torch.log(torch.exp(O).sum(dim=1, keepdim=True))
""", "changed in place", id="log-softmax-modifies-the-logits"),
    pytest.param("check_log_softmax", """
def log_softmax(O):
    return torch.log_softmax(O, dim=1)
""", "calls `torch.log_softmax`; the task asks you to do this without it",
                 id="log-softmax-calls-torch-log-softmax"),
    pytest.param("check_log_softmax", """
def log_softmax(O):
    return O.log_softmax(dim=1)
""", "calls `torch.Tensor.log_softmax`", id="log-softmax-calls-the-tensor-method"),
    pytest.param("check_log_softmax", """
def log_softmax(O):
    return nn.LogSoftmax(dim=1)(O)
""", "calls `torch.nn.functional.log_softmax`", id="log-softmax-through-nn-logsoftmax"),
    pytest.param("check_log_softmax", """
def log_softmax(O):
    try:
        return nn.functional.log_softmax(O, dim=1)
    except Exception:
        return O - torch.logsumexp(O, dim=1, keepdim=True)
""", "calls `torch.nn.functional.log_softmax`", id="log-softmax-tries-the-built-in-first"),
    pytest.param("check_log_softmax", """
def log_softmax(O):
    P = torch.softmax(O.double(), dim=1)  # float64 holds exp(-210), but not exp(-905)
    return torch.log(P)
""", "underflows even in float64", id="log-of-softmax-in-float64"),
    # Exercise 2: smoothed_cross_entropy(O, y, eps) ------------------------------------------
    pytest.param("check_smoothed_cross_entropy", """
def smoothed_cross_entropy(O, y, eps):
    k = O.shape[1]
    q = (1 - eps) * nn.functional.one_hot(y, num_classes=k) + eps / k
    return -(q * torch.log_softmax(O, dim=1)).sum()
""", "you summed over the batch", id="ce-sum-instead-of-mean"),
    pytest.param("check_smoothed_cross_entropy", """
def smoothed_cross_entropy(O, y, eps):
    k = O.shape[1]
    q = (1 - eps) * nn.functional.one_hot(y, num_classes=k) + eps / k
    return (q * torch.log_softmax(O, dim=1)).sum(dim=1).mean()
""", "the minus sign is missing", id="ce-missing-minus"),
    pytest.param("check_smoothed_cross_entropy", """
def smoothed_cross_entropy(O, y, eps):
    k = O.shape[1]
    q = (1 - eps) * nn.functional.one_hot(y, num_classes=k) + eps / k
    return -(q * torch.log(torch.softmax(O, dim=1))).sum(dim=1).mean()
""", "underflows to log(0) = -inf", id="ce-log-of-softmax"),
    pytest.param("check_smoothed_cross_entropy", """
def smoothed_cross_entropy(O, y, eps):
    k = O.shape[1]
    q = (1 - eps) * nn.functional.one_hot(y, num_classes=k) + eps / k
    return torch.mean(-q * torch.log_softmax(O, dim=1))
""", "also averages over the classes", id="ce-mean-over-all-elements"),
    pytest.param("check_smoothed_cross_entropy", """
def smoothed_cross_entropy(O, y, eps):
    k = O.shape[1]
    one_hot = nn.functional.one_hot(y, num_classes=k)
    q = (1 - eps) * one_hot + eps / (k - 1) * (1 - one_hot)
    return -(q * torch.log_softmax(O, dim=1)).sum(dim=1).mean()
""", "k - 1 wrong classes", id="ce-spreads-over-the-wrong-classes"),
    pytest.param("check_smoothed_cross_entropy", """
def smoothed_cross_entropy(O, y, eps):
    q = (1 - eps) * nn.functional.one_hot(y) + eps / O.shape[1]
    return -(q * torch.log_softmax(O, dim=1)).sum(dim=1).mean()
""", "pass num_classes=O.shape[1]", id="ce-one-hot-guesses-k"),
    pytest.param("check_smoothed_cross_entropy", """
def smoothed_cross_entropy(O, y, eps):
    k = O.shape[1]
    q = (1 - eps) * nn.functional.one_hot(y, num_classes=k) + eps / k
    return -(q * torch.log_softmax(O, dim=1)).sum(dim=1)
""", "one loss per example", id="ce-per-example"),
    pytest.param("check_smoothed_cross_entropy", """
def smoothed_cross_entropy(O, y, eps):
    return -torch.log_softmax(O, dim=1)[range(len(y)), y].mean()
""", "equals the plain cross-entropy", id="ce-ignores-eps"),
    pytest.param("check_smoothed_cross_entropy", """
def smoothed_cross_entropy(O, y, eps):
    k = O.shape[1]
    q = (1 - eps) * nn.functional.one_hot(y, num_classes=k) + eps / k
    return -(q * torch.log_softmax(O, dim=1)).sum(dim=1).mean().item()
""", "returned a Python number", id="ce-returns-item"),
    pytest.param("check_smoothed_cross_entropy", """
def smoothed_cross_entropy(O, y, eps):
    k = O.shape[1]
    O -= O.max(dim=1, keepdim=True).values
    log_p = O - torch.log(torch.exp(O).sum(dim=1, keepdim=True))
    q = (1 - eps) * nn.functional.one_hot(y, num_classes=k) + eps / k
    return -(q * log_p).sum(dim=1).mean()
""", "changed in place", id="ce-modifies-the-logits"),
    # Exercise 3: per_class_accuracy(y_hat, y, num_classes) ----------------------------------
    pytest.param("check_per_class_accuracy", """
def per_class_accuracy(y_hat, y, num_classes):
    predicted = y_hat.argmax(dim=1)
    return torch.stack([(y[predicted == c] == c).float().mean()
                        for c in range(num_classes)])
""", "that is the precision", id="per-class-precision"),
    pytest.param("check_per_class_accuracy", """
def per_class_accuracy(y_hat, y, num_classes):
    predicted = y_hat.argmax(dim=1)
    return torch.bincount(y[predicted == y], minlength=num_classes)
""", "counts of correct predictions", id="per-class-counts"),
    pytest.param("check_per_class_accuracy", """
def per_class_accuracy(y_hat, y, num_classes):
    predicted = y_hat.argmax(dim=0)
    correct = torch.bincount(y[predicted == y], minlength=num_classes)
    return correct / torch.bincount(y, minlength=num_classes)
""", "y_hat.argmax(dim=1)", id="per-class-argmax-dim-0"),
    pytest.param("check_per_class_accuracy", """
def per_class_accuracy(y_hat, y, num_classes):
    predicted = y_hat.argmax(dim=1)
    return torch.bincount(y[predicted == y]) / torch.bincount(y)
""", "one entry per class even when a class does not occur", id="per-class-no-minlength"),
    pytest.param("check_per_class_accuracy", """
def per_class_accuracy(y_hat, y, num_classes):
    predicted = y_hat.argmax(dim=1)
    correct = torch.bincount(y[predicted == y], minlength=num_classes)
    return correct / torch.bincount(y, minlength=num_classes).clamp(min=1)
""", "report nan, not 0", id="per-class-zero-for-absent-class"),
    pytest.param("check_per_class_accuracy", """
def per_class_accuracy(y_hat, y, num_classes):
    predicted = y_hat.argmax(dim=1)
    return torch.stack([(predicted == c).sum() / (y == c).sum() for c in range(num_classes)])
""", "counted how often c was predicted", id="per-class-counts-predictions"),
    pytest.param("check_per_class_accuracy", """
def per_class_accuracy(y_hat, y, num_classes):
    predicted = y_hat.argmax(dim=1)
    return torch.full((num_classes,), (predicted == y).float().mean().item())
""", "every class got the overall accuracy", id="per-class-overall-accuracy"),
]


@pytest.mark.parametrize("checker, answer, hint", WRONG_ANSWERS)
def test_wrong_answer_gets_its_hint(checker: str, answer: str, hint: str) -> None:
    assert_wrong(NOTEBOOK, checker, answer, hint)


RIGHT_ANSWERS = [
    pytest.param("check_log_softmax", """
def log_softmax(O):
    return O - torch.logsumexp(O, dim=1, keepdim=True)
""", id="log-softmax-with-logsumexp"),
    pytest.param("check_log_softmax", """
def log_softmax(O):
    O = O.double()  # float64 logits: another floating dtype is just as right
    m = O.max(dim=1, keepdim=True).values
    return O - m - torch.log(torch.exp(O - m).sum(dim=1, keepdim=True))
""", id="log-softmax-in-float64"),
    pytest.param("check_smoothed_cross_entropy", """
def smoothed_cross_entropy(O, y, eps):
    return nn.functional.cross_entropy(O, y, label_smoothing=eps)
""", id="smoothed-cross-entropy-built-in"),
]


@pytest.mark.parametrize("checker, answer", RIGHT_ANSWERS)
def test_correct_answer_written_differently_passes(checker: str, answer: str) -> None:
    assert_right(NOTEBOOK, checker, answer)
