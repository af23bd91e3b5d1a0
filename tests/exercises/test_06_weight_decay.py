"""Wrong answers to the exercises of notebook 06 get a hint about their mistake."""

from __future__ import annotations

import pytest

from exercise_cells import assert_wrong

NOTEBOOK = "06-weight-decay"

WRONG_ANSWERS = [
    # Exercise 1: weight_penalty(net), half the sum of squares of every nn.Linear weight.
    pytest.param("check_weight_penalty", """
def weight_penalty(net):
    return sum((m.weight ** 2).sum() for m in net if isinstance(m, nn.Linear))
""", "lacks the factor 1/2", id="penalty-without-half"),
    pytest.param("check_weight_penalty", """
def weight_penalty(net):
    return sum((m.weight ** 2).mean() for m in net if isinstance(m, nn.Linear)) / 2
""", "add them up with .sum(), not .mean()", id="penalty-mean-for-sum"),
    pytest.param("check_weight_penalty", """
def weight_penalty(net):
    return sum(m.weight.sum() ** 2 for m in net if isinstance(m, nn.Linear)) / 2
""", "squares the sum of the weights", id="penalty-squares-the-sum"),
    pytest.param("check_weight_penalty", """
def weight_penalty(net):
    return sum(m.weight.abs().sum() for m in net if isinstance(m, nn.Linear)) / 2
""", "the L1 penalty", id="penalty-abs-for-square"),
    pytest.param("check_weight_penalty", """
def weight_penalty(net):
    return sum((p ** 2).sum() for p in net.parameters()) / 2
""", "it includes the biases", id="penalty-includes-biases"),
    pytest.param("check_weight_penalty", """
def weight_penalty(net):
    return ((net[0].weight ** 2).sum() + (net[2].weight ** 2).sum()) / 2
""", "it leaves out net[4].weight", id="penalty-forgets-a-layer"),
    pytest.param("check_weight_penalty", """
def weight_penalty(net):
    return sum((m.weight ** 2).sum().item() for m in net if isinstance(m, nn.Linear)) / 2
""", "return a tensor (no .item())", id="penalty-python-number"),
    # Exercise 2: decayed_sgd_step(w, grad, lr, wd) = (1 - lr * wd) * w - lr * grad.
    pytest.param("check_decayed_sgd_step", """
def decayed_sgd_step(w, grad, lr, wd):
    return (1 - lr * wd) * w + lr * grad
""", "the gradient step has the wrong sign", id="step-adds-the-gradient"),
    pytest.param("check_decayed_sgd_step", """
def decayed_sgd_step(w, grad, lr, wd):
    return w - lr * (grad - wd * w)
""", "decay must shrink it", id="step-grows-w"),
    pytest.param("check_decayed_sgd_step", """
def decayed_sgd_step(w, grad, lr, wd):
    return (1 - wd) * w - lr * grad
""", "scaled by the learning rate", id="step-decay-without-lr"),
    pytest.param("check_decayed_sgd_step", """
def decayed_sgd_step(w, grad, lr, wd):
    return (1 - lr * wd) * (w - lr * grad)
""", "decays the already updated w", id="step-decays-after-the-step"),
    pytest.param("check_decayed_sgd_step", """
def decayed_sgd_step(w, grad, lr, wd):
    return w - lr * (grad + wd * w / 2)
""", "is wd * w, not wd * w / 2", id="step-half-decay"),
    pytest.param("check_decayed_sgd_step", """
def decayed_sgd_step(w, grad, lr, wd):
    w -= lr * (grad + wd * w)
    return w
""", "w was changed in place", id="step-in-place"),
    # Exercise 3: param_groups(net, wd), the weights decayed by wd, the biases not at all.
    pytest.param("check_param_groups", """
def param_groups(net, wd):
    return [{"params": net.parameters(), "weight_decay": wd}]
""", "net[0].bias has weight_decay 0.3: do not decay the biases", id="groups-decay-biases"),
    pytest.param("check_param_groups", """
def param_groups(net, wd):
    return [{"params": net[0].weight, "weight_decay": wd},
            {"params": net[0].bias, "weight_decay": 0}]
""", "are in no group, so the optimizer would never train them", id="groups-forget-layers"),
    pytest.param("check_param_groups", """
def param_groups(net, wd):
    weights = [p for name, p in net.named_parameters() if name.endswith("weight")]
    return [{"params": weights, "weight_decay": wd},
            {"params": net.parameters(), "weight_decay": 0}]
""", "net[0].weight is listed 2 times", id="groups-list-a-weight-twice"),
    pytest.param("check_param_groups", """
def param_groups(net, wd):
    weights = [p for name, p in net.named_parameters() if name.endswith("weight")]
    return [{"params": weights, "weight_decay": wd}]
""", "would never train the biases", id="groups-leave-out-biases"),
    pytest.param("check_param_groups", """
def param_groups(net, wd):
    weights = [p for name, p in net.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in net.named_parameters() if name.endswith("bias")]
    return [{"params": weights, "weight_decay": wd}, {"params": biases}]
""", "group 1 has no 'weight_decay'", id="groups-bias-group-without-weight-decay"),
    pytest.param("check_param_groups", """
def param_groups(net, wd):
    return [{"params": [net[0].weight, net[2].weight, net[4].weight], "weight_decay": wd},
            {"params": [net[0].bias, net[2].bias, net[4].bias], "weight_decay": 0}]
""", "param_groups(other_net, 0.01) raised IndexError", id="groups-hard-code-three-layers"),
]


@pytest.mark.parametrize("checker, answer, hint", WRONG_ANSWERS)
def test_wrong_answer_gets_its_hint(checker: str, answer: str, hint: str) -> None:
    assert_wrong(NOTEBOOK, checker, answer, hint)
