"""Wrong answers to the exercises of notebook 14 get a hint about their mistake."""

from __future__ import annotations

import pytest

from exercise_cells import assert_right, assert_wrong

NOTEBOOK = "14-cnn-project"

WRONG_ANSWERS = [
    pytest.param("check_stack_output_size", """
def stack_output_size(n, layers):
    for k, p, s in layers:
        n = (n + 2 * p - k) / s + 1
    return n
""", "use floor division //", id="true-division"),
    pytest.param("check_stack_output_size", """
def stack_output_size(n, layers):
    for k, p, s in layers:
        n = (n + 2 * p - k) // s
    return n
""", "1 too small: add 1", id="forgets-plus-one"),
    pytest.param("check_stack_output_size", """
def stack_output_size(n, layers):
    for k, p, s in layers:
        n = (n + p - k) // s + 1
    return n
""", "on *both* sides", id="pads-one-side"),
    pytest.param("check_stack_output_size", """
import math

def stack_output_size(n, layers):
    for k, p, s in layers:
        n = math.ceil((n + 2 * p - k) / s) + 1
    return n
""", "rounded *down*", id="rounds-up"),
    pytest.param("check_stack_output_size", """
def stack_output_size(n, layers):
    out = n
    for k, p, s in layers:
        out = (n + 2 * p - k) // s + 1
    return out
""", "the next layer's input size", id="does-not-chain"),
    pytest.param("check_conv2d", """
def conv2d(X, K, b):
    c_out, c_in, kh, kw = K.shape
    Y = torch.zeros(c_out, X.shape[1] - kh + 1, X.shape[2] - kw + 1)
    for o in range(c_out):
        for i in range(Y.shape[1]):
            for j in range(Y.shape[2]):
                Y[o, i, j] = (X[:, i:i + kh, j:j + kw] * K[o]).sum()
    return Y
""", "the bias is missing", id="forgets-bias"),
    pytest.param("check_conv2d", """
def conv2d(X, K, b):
    c_out, c_in, kh, kw = K.shape
    K = torch.flip(K, dims=(2, 3))
    Y = torch.zeros(c_out, X.shape[1] - kh + 1, X.shape[2] - kw + 1)
    for o in range(c_out):
        for i in range(Y.shape[1]):
            for j in range(Y.shape[2]):
                Y[o, i, j] = (X[:, i:i + kh, j:j + kw] * K[o]).sum() + b[o]
    return Y
""", "the kernel is flipped", id="flips-the-kernel"),
    pytest.param("check_conv2d", """
def conv2d(X, K, b):
    c_out, c_in, kh, kw = K.shape
    Y = torch.zeros(c_out, c_in, X.shape[1] - kh + 1, X.shape[2] - kw + 1)
    for o in range(c_out):
        for c in range(c_in):
            for i in range(Y.shape[2]):
                for j in range(Y.shape[3]):
                    Y[o, c, i, j] = (X[c, i:i + kh, j:j + kw] * K[o, c]).sum() + b[o]
    return Y
""", "Sum over the input channels", id="keeps-input-channels-apart"),
    pytest.param("check_conv2d", """
def conv2d(X, K, b):
    c_out, c_in, kh, kw = K.shape
    Y = torch.zeros(c_out, X.shape[1] - kh + 1, X.shape[2] - kw + 1)
    for o in range(c_out):
        for i in range(Y.shape[1]):
            for j in range(Y.shape[2]):
                Y[o, i, j] = (X[:, i:i + kh, j:j + kw] * K[o]).sum()
    return Y + b
""", "add b[o] to output channel o", id="adds-bias-along-the-wrong-axis"),
    pytest.param("check_conv2d", """
def conv2d(X, K, b):
    c_out, c_in, kh, kw = K.shape
    Y = torch.zeros(c_out, X.shape[1] - kh + 1, X.shape[2] - kw + 1)
    for o in range(c_out):
        for i in range(Y.shape[1]):
            for j in range(Y.shape[2]):
                Y[o, i, j] = (X[:, i:i + kh, j:j + kw] * K[o]).mean() + b[o]
    return Y
""", "*sum* them (not mean)", id="averages-the-window"),
    pytest.param("check_conv2d", """
def conv2d(X, K, b):
    return F.conv2d(X.unsqueeze(0), K, b).squeeze(0)
""", "calls `torch.nn.functional.conv2d`; the task asks you to do this without it",
        id="calls-F-conv2d"),
    pytest.param("check_conv2d", """
def conv2d(X, K, b):
    layer = nn.Conv2d(K.shape[1], K.shape[0], K.shape[2:], dtype=X.dtype)
    with torch.no_grad():
        layer.weight.copy_(K)
        layer.bias.copy_(b)
        return layer(X)
""", "calls `torch.nn.functional.conv2d`", id="uses-nn-Conv2d"),
    pytest.param("check_conv2d", """
def conv2d(X, K, b):
    return torch.conv2d(X.unsqueeze(0), K, b).squeeze(0)
""", "calls `torch.conv2d`", id="calls-torch-conv2d"),
    pytest.param("check_confusion_rates", """
def confusion_rates(y, y_hat, num_classes):
    counts = torch.bincount(y * num_classes + y_hat).reshape(num_classes, num_classes)
    return counts / counts.sum(dim=1, keepdim=True).clamp(min=1)
""", "minlength=num_classes ** 2", id="no-minlength"),
    pytest.param("check_confusion_rates", """
def confusion_rates(y, y_hat, num_classes):
    counts = torch.bincount(y_hat * num_classes + y, minlength=num_classes ** 2)
    counts = counts.reshape(num_classes, num_classes).float()
    return counts / counts.sum(dim=1, keepdim=True).clamp(min=1)
""", "rows and columns are swapped", id="swaps-true-and-predicted"),
    pytest.param("check_confusion_rates", """
def confusion_rates(y, y_hat, num_classes):
    counts = torch.bincount(y * num_classes + y_hat, minlength=num_classes ** 2)
    counts = counts.reshape(num_classes, num_classes).float()
    return counts / counts.sum(dim=1).clamp(min=1)
""", "keep the summed dimension", id="forgets-keepdim"),
    pytest.param("check_confusion_rates", """
def confusion_rates(y, y_hat, num_classes):
    counts = torch.bincount(y * num_classes + y_hat, minlength=num_classes ** 2)
    counts = counts.reshape(num_classes, num_classes).float()
    return counts / counts.sum(dim=1, keepdim=True)
""", "clamped to at least 1", id="divides-zero-by-zero"),
    pytest.param("check_confusion_rates", """
def confusion_rates(y, y_hat, num_classes):
    num_classes = int(max(y.max(), y_hat.max())) + 1
    counts = torch.bincount(y * num_classes + y_hat, minlength=num_classes ** 2)
    counts = counts.reshape(num_classes, num_classes).float()
    return counts / counts.sum(dim=1, keepdim=True).clamp(min=1)
""", "not the largest label", id="num-classes-from-the-data"),
    pytest.param("check_confusion_rates", """
def confusion_rates(y, y_hat, num_classes):
    counts = torch.bincount(y * num_classes + y_hat, minlength=num_classes ** 2)
    return counts.reshape(num_classes, num_classes)
""", "holds integers", id="returns-counts"),
    pytest.param("check_top_confusions", """
def top_confusions(cm, n):
    counts, flat = cm.flatten().topk(n)
    k = len(cm)
    return [(int(i) // k, int(i) % k, int(c)) for c, i in zip(counts, flat)]
""", "a diagonal entry", id="keeps-the-diagonal"),
    pytest.param("check_top_confusions", """
def top_confusions(cm, n):
    cm.fill_diagonal_(-1)
    counts, flat = cm.flatten().topk(n)
    k = len(cm)
    return [(int(i) // k, int(i) % k, int(c)) for c, i in zip(counts, flat)]
""", "cm was changed in place", id="zeroes-the-diagonal-in-place"),
    pytest.param("check_top_confusions", """
def top_confusions(cm, n):
    off = cm.clone().fill_diagonal_(-1)
    counts, flat = off.flatten().topk(n)
    k = len(cm)
    return [(int(i) % k, int(i) // k, int(c)) for c, i in zip(counts, flat)]
""", "true and predicted are swapped", id="swaps-row-and-column"),
    pytest.param("check_top_confusions", """
def top_confusions(cm, n):
    off = cm.clone().fill_diagonal_(-1)
    counts, flat = off.flatten().sort()
    k = len(cm)
    return [(int(i) // k, int(i) % k, int(c)) for c, i in zip(counts[-n:], flat[-n:])]
""", "largest first", id="ascending-order"),
    pytest.param("check_top_confusions", """
def top_confusions(cm, n):
    off = cm.clone().fill_diagonal_(0)
    counts, flat = off.flatten().topk(n)
    k = len(cm)
    return [(int(i) // k, int(i) % k, int(c)) for c, i in zip(counts, flat)]
""", "a diagonal set to 0 or 1 ties with them", id="diagonal-set-to-0"),
    pytest.param("check_top_confusions", """
def top_confusions(cm, n):
    off = cm.clone().fill_diagonal_(1)
    counts, flat = off.flatten().topk(n)
    k = len(cm)
    return [(int(i) // k, int(i) % k, int(c)) for c, i in zip(counts, flat)]
""", "a diagonal set to 0 or 1 ties with them", id="diagonal-set-to-1"),
    pytest.param("check_top_confusions", """
def top_confusions(cm, n):
    k = len(cm)
    entries = [(i, j, int(cm[i, j])) for i in range(k) for j in range(k)
               if i != j and cm[i, j] > 0]
    return sorted(entries, key=lambda entry: -entry[2])[:n]
""", "an off-diagonal count of 0 is an entry too", id="skips-zero-counts"),
]

RIGHT_ANSWERS = [
    pytest.param("check_conv2d", """
def conv2d(X, K, b):
    c_out, c_in, kh, kw = K.shape
    h, w = X.shape[1] - kh + 1, X.shape[2] - kw + 1
    Y = b.reshape(-1, 1, 1).repeat(1, h, w).double()
    for u in range(kh):  # each kernel position, for every window at once
        for v in range(kw):
            Y += torch.einsum("oc,chw->ohw", K[:, :, u, v].double(),
                              X[:, u:u + h, v:v + w].double())
    return Y
""", id="loops-over-the-kernel-in-float64"),
    pytest.param("check_top_confusions", """
def top_confusions(cm, n):
    k = len(cm)
    entries = [(i, j, int(cm[i, j])) for i in range(k) for j in range(k) if i != j]
    return sorted(entries, key=lambda entry: entry[2], reverse=True)[:n]
""", id="sorted-list-of-off-diagonal-entries"),
    pytest.param("check_top_confusions", """
def top_confusions(cm, n):
    off = cm.masked_fill(torch.eye(len(cm), dtype=torch.bool), -1)
    counts, flat = off.flatten().topk(n)
    rows, cols = torch.unravel_index(flat, cm.shape)
    return [(int(i), int(j), int(c)) for i, j, c in zip(rows, cols, counts)]
""", id="masked-fill-and-unravel"),
]


@pytest.mark.parametrize("checker, answer, hint", WRONG_ANSWERS)
def test_wrong_answer_gets_its_hint(checker: str, answer: str, hint: str) -> None:
    assert_wrong(NOTEBOOK, checker, answer, hint)


@pytest.mark.parametrize("checker, answer", RIGHT_ANSWERS)
def test_right_answer_written_differently_passes(checker: str, answer: str) -> None:
    assert_right(NOTEBOOK, checker, answer)
