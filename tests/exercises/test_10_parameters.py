"""Wrong answers to the exercises of notebook 10 get a hint about their mistake."""

from __future__ import annotations

import pytest

from exercise_cells import assert_wrong

NOTEBOOK = "10-parameters"

# Exercise 1, with the line that differs marked: init_mlp(net) = Kaiming-normal weights and
# zero biases for every nn.Linear via apply, then a zero output weight.
INIT = """
def init_mlp(net):
    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight)
            nn.init.zeros_(m.bias)
    net.apply(init_weights)
    nn.init.zeros_(net[-1].weight)
    return net
"""


def init_with(old: str, new: str) -> str:
    """The solution of exercise 1 with one line replaced by a student's version of it."""
    assert old in INIT, old
    return INIT.replace(old, new)


# Exercise 2: sparse_uniform_(W, low, high).
SPARSE = """
def sparse_uniform_(W, low, high):
    nn.init.uniform_(W, -high, high)
    with torch.no_grad():
        W[W.abs() < low] = 0
    return W
"""

# Exercise 3: tied_mlp(num_inputs, num_hiddens, num_outputs); TIE is where students differ.
TIED = """
def tied_mlp(num_inputs, num_hiddens, num_outputs):
    first = nn.Linear(num_hiddens, num_hiddens)
    second = nn.Linear(num_hiddens, num_hiddens)
    TIE
    return nn.Sequential(nn.Linear(num_inputs, num_hiddens), nn.ReLU(), first, nn.ReLU(),
                         second, nn.ReLU(), nn.Linear(num_hiddens, num_outputs))
"""


def tied_with(tie: str) -> str:
    return TIED.replace("TIE", tie)


WRONG_ANSWERS = [
    # --- Exercise 1: init_mlp -----------------------------------------------------------------
    pytest.param("check_init_mlp", init_with("if isinstance(m, nn.Linear):", "if True:"),
                 "test isinstance(m, nn.Linear) before touching m.weight", id="init-every-module"),
    pytest.param("check_init_mlp", init_with("isinstance(m, nn.Linear)", 'hasattr(m, "weight")'),
                 "initialized the nn.LayerNorm's 1-D weight", id="init-touches-layernorm"),
    pytest.param("check_init_mlp", init_with("nn.init.zeros_(m.bias)",
                                             "nn.init.normal_(m.bias, std=0.1)"),
                 "biases are not drawn like weights", id="init-bias-like-weight"),
    pytest.param("check_init_mlp", init_with("nn.init.zeros_(m.bias)",
                                             "nn.init.kaiming_normal_(m.bias)"),
                 "a bias is 1-D", id="init-bias-with-kaiming"),
    pytest.param("check_init_mlp", init_with("nn.init.kaiming_normal_(m.weight)",
                                             "nn.init.kaiming_uniform_(m.weight)"),
                 "that is kaiming_uniform_", id="init-uniform-for-normal"),
    pytest.param("check_init_mlp", init_with("nn.init.kaiming_normal_(m.weight)",
                                             'nn.init.kaiming_normal_(m.weight, mode="fan_out")'),
                 "it uses fan_out = out_features", id="init-fan-out"),
    pytest.param("check_init_mlp", init_with("nn.init.kaiming_normal_(m.weight)",
                                             "nn.init.xavier_normal_(m.weight)"),
                 "that is Xavier's scale", id="init-xavier-for-kaiming"),
    pytest.param("check_init_mlp", init_with(
        "nn.init.kaiming_normal_(m.weight)",
        "m.weight = nn.Parameter(torch.randn(m.out_features, m.in_features)"
        " * (2 / m.in_features) ** 0.5)"),
        "is a new Parameter object", id="init-new-parameter"),
    pytest.param("check_init_mlp", """
def init_mlp(net):
    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight)
            nn.init.zeros_(m.bias)
    nn.init.zeros_(net[-1].weight)
    net.apply(init_weights)
    return net
""", "net.apply ran after that and overwrote it", id="init-output-zeroed-before-apply"),
    pytest.param("check_init_mlp", init_with("nn.init.zeros_(net[-1].weight)",
                                             "nn.init.zeros_(net[-1].bias)"),
                 "zero its weight, nn.init.zeros_(net[-1].weight) (its bias is zero already",
                 id="init-output-bias-zeroed-instead-of-weight"),
    pytest.param("check_init_mlp", init_with("    nn.init.zeros_(net[-1].weight)\n", ""),
                 "still has the Kaiming weight that net.apply gave it",
                 id="init-output-layer-forgotten"),
    pytest.param("check_init_mlp", init_with("nn.init.zeros_(net[-1].weight)",
                                             "net[-1].weight.zero_()"),
                 "inside `with torch.no_grad():`", id="init-edit-without-no-grad"),
    pytest.param("check_init_mlp", init_with("net[-1]", "net[4]"),
                 "find the output layer as net[-1], not by a fixed index", id="init-fixed-index"),
    pytest.param("check_init_mlp", init_with("    return net\n", ""),
                 "end with `return net`", id="init-no-return"),
    # --- Exercise 2: sparse_uniform_ ----------------------------------------------------------
    pytest.param("check_sparse_uniform_", SPARSE.replace("W.abs() < low", "W.abs() <= low"),
                 "has |w| exactly equal to low", id="sparse-zeroes-the-boundary"),
    pytest.param("check_sparse_uniform_", SPARSE.replace("W[W.abs() < low] = 0",
                                                         "W *= W.abs() > low"),
                 "use <, not <=", id="sparse-keeps-only-above"),
    pytest.param("check_sparse_uniform_", SPARSE.replace("W.abs() < low", "W < low"),
                 "compare the absolute value |w|", id="sparse-forgets-abs"),
    pytest.param("check_sparse_uniform_", """
def sparse_uniform_(W, low, high):
    nn.init.uniform_(W, -high, high)
    return torch.where(W.abs() < low, torch.zeros_like(W), W)
""", "W itself was not filled in place", id="sparse-new-tensor"),
    pytest.param("check_sparse_uniform_", """
def sparse_uniform_(W, low, high):
    nn.init.uniform_(W, -high, high)
    W[W.abs() < low] = 0
    return W
""", "W requires grad", id="sparse-without-no-grad"),
    pytest.param("check_sparse_uniform_", """
def sparse_uniform_(W, low, high):
    R = torch.empty_like(W).uniform_(-high, high)
    W.data = R * (R.abs() >= low)
    return W
""", "W's memory was replaced", id="sparse-replaces-data"),
    pytest.param("check_sparse_uniform_", SPARSE.replace("-high, high", "0, high"),
                 "W has no negative entries", id="sparse-draws-from-zero"),
    pytest.param("check_sparse_uniform_", SPARSE.replace("W.abs() < low", "W.abs() < 5")
                 .replace("-high, high", "-10, 10"),
                 "use the arguments low and high", id="sparse-hard-coded-numbers"),
    pytest.param("check_sparse_uniform_", SPARSE.replace("W.abs() < low", "W.abs() > low"),
                 "you zeroed the large entries", id="sparse-zeroes-the-large-ones"),
    # --- Exercise 3: tied_mlp -----------------------------------------------------------------
    pytest.param("check_tied_mlp", """
def tied_mlp(num_inputs, num_hiddens, num_outputs):
    shared = nn.Linear(num_hiddens, num_hiddens)
    return nn.Sequential(nn.Linear(num_inputs, num_hiddens), nn.ReLU(), shared, nn.ReLU(),
                         shared, nn.ReLU(), nn.Linear(num_hiddens, num_outputs))
""", "they share the bias too", id="tied-whole-layer"),
    pytest.param("check_tied_mlp", tied_with("pass"),
                 "have independent weights", id="tied-linear-created-twice"),
    pytest.param("check_tied_mlp", "import copy\n" + tied_with("second = copy.deepcopy(first)"),
                 "is a copy of net[2].weight", id="tied-deepcopy"),
    pytest.param("check_tied_mlp", tied_with("second.weight.data = first.weight.data"),
                 "share memory but are two Parameter objects", id="tied-shares-data-only"),
    pytest.param("check_tied_mlp",
                 tied_with("second.weight = first.weight; second.bias = first.bias"),
                 "share their bias too", id="tied-bias-too"),
    pytest.param("check_tied_mlp", """
shared = nn.Linear(16, 16)
def tied_mlp(num_inputs, num_hiddens, num_outputs):
    second = nn.Linear(num_hiddens, num_hiddens)
    second.weight = shared.weight
    return nn.Sequential(nn.Linear(num_inputs, num_hiddens), nn.ReLU(), shared, nn.ReLU(),
                         second, nn.ReLU(), nn.Linear(num_hiddens, num_outputs))
""", "create the layers inside the function", id="tied-layer-outside-the-function"),
]


@pytest.mark.parametrize("checker, answer, hint", WRONG_ANSWERS)
def test_wrong_answer_gets_its_hint(checker: str, answer: str, hint: str) -> None:
    assert_wrong(NOTEBOOK, checker, answer, hint)
