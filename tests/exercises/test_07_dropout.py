"""Wrong answers to the exercises of notebook 07 get a hint about their mistake."""

from __future__ import annotations

import pytest
from exercise_cells import assert_right, assert_wrong

NOTEBOOK = "07-dropout"

WRONG_ANSWERS = [
    # Exercise 1: dropout_per_feature(X, p)
    pytest.param("check_dropout_per_feature", """
def dropout_per_feature(X, p):
    return (torch.rand_like(X) >= p) * X
""", "(p = 0.3) changed from 1.00 to 0.70: divide the kept values by 1 - p",
        id="forgets-to-rescale"),
    pytest.param("check_dropout_per_feature", """
def dropout_per_feature(X, p):
    keep = torch.rand_like(X) < p
    return torch.where(keep, X / (1 - p), 0.0)
""", "you keep each value with probability p", id="keeps-with-probability-p"),
    pytest.param("check_dropout_per_feature", """
def dropout_per_feature(X, p):
    return (torch.rand_like(X) >= p) * X / (1 - p)
""", "(p = 1) contains nan or inf", id="divides-by-zero-at-p-1"),
    pytest.param("check_dropout_per_feature", """
def dropout_per_feature(X, p):
    keep = torch.rand_like(X) >= p
    return torch.where(keep, X * (1 - p), 0.0)
""", "multiplied by 1 - p; divide them", id="multiplies-by-1-minus-p"),
    pytest.param("check_dropout_per_feature", """
def dropout_per_feature(X, p):
    keep = torch.rand(X.shape[1]) >= p
    return torch.where(keep, X / (1 - p), 0.0)
""", "every row has the same mask", id="one-mask-per-column"),
    pytest.param("check_dropout_per_feature", """
def dropout_per_feature(X, p):
    X[torch.rand_like(X) < p] = 0
    return X * torch.where(p < 1, 1 / (1 - p), 0.0)
""", "X was changed in place", id="modifies-the-input"),
    pytest.param("check_dropout_per_feature", """
def dropout_per_feature(X, p):
    torch.manual_seed(0)
    keep = torch.rand_like(X) >= p
    return X * keep * torch.where(p < 1, 1 / (1 - p), 0.0)
""", "two calls drop the same values", id="same-mask-every-call"),
    pytest.param("check_dropout_per_feature", """
def dropout_per_feature(X, p):
    p = p.mean()
    return (torch.rand_like(X) >= p) * X / (1 - p)
""", "drop X[i, j] with probability p[j]", id="one-p-for-all-columns"),
    pytest.param("check_dropout_per_feature", """
def dropout_per_feature(X, p):
    if p == 1:
        return torch.zeros_like(X)
    return (torch.rand_like(X) >= p) * X / (1 - p)
""", "an `if` on p, such as `if p == 1:`, has no single answer", id="if-on-the-tensor-p"),
    pytest.param("check_dropout_per_feature", """
def dropout_per_feature(X, p):
    return torch.rand_like(X) >= p
""", "return float values", id="returns-the-mask"),

    # Exercise 3: GaussianDropout(p)
    pytest.param("check_gaussian_dropout", """
class GaussianDropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, X):
        sigma = (self.p / (1 - self.p)) ** 0.5
        return X * (1 + sigma * torch.randn_like(X))
""", "in eval mode the layer must return X unchanged", id="noise-in-eval-mode"),
    pytest.param("check_gaussian_dropout", """
class GaussianDropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, X):
        if not self.training:
            return X
        sigma = self.p / (1 - self.p)
        return X * (1 + sigma * torch.randn_like(X))
""", "sigma is its square root", id="variance-used-as-sigma"),
    pytest.param("check_gaussian_dropout", """
class GaussianDropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, X):
        if not self.training:
            return X
        return X * (self.p / (1 - self.p)) ** 0.5 * torch.randn_like(X)
""", "it must have mean 1", id="factor-with-mean-0"),
    pytest.param("check_gaussian_dropout", """
class GaussianDropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, X):
        if not self.training:
            return X
        return X + (self.p / (1 - self.p)) ** 0.5 * torch.randn_like(X)
""", "the noise does not scale with X", id="additive-noise"),
    pytest.param("check_gaussian_dropout", """
class GaussianDropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, X):
        if not self.training:
            return X
        sigma = (self.p / (1 - self.p)) ** 0.5
        return X * (1 + sigma * torch.rand_like(X))
""", "not uniform in [0, 1) (torch.rand_like)", id="uniform-noise"),
    pytest.param("check_gaussian_dropout", """
class GaussianDropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p
        self.noise = None

    def forward(self, X):
        if not self.training:
            return X
        if self.noise is None:
            self.noise = torch.randn_like(X)
        return X * (1 + (self.p / (1 - self.p)) ** 0.5 * self.noise)
""", "two calls give the same output", id="noise-drawn-once"),
    pytest.param("check_gaussian_dropout", """
class GaussianDropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, X):
        if not self.training:
            return X
        return X * (torch.rand_like(X) >= self.p) / (1 - self.p)
""", "that is Bernoulli dropout", id="bernoulli-instead-of-gaussian"),
    pytest.param("check_gaussian_dropout", """
class GaussianDropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, X):
        if not self.training:
            return X
        return X.mul_(1 + (self.p / (1 - self.p)) ** 0.5 * torch.randn_like(X))
""", "X was changed in place", id="multiplies-in-place"),

    # Exercise 4: mc_predict(net, X, n)
    pytest.param("check_mc_predict", """
def mc_predict(net, X, n):
    was_training = net.training
    net.train()
    probs = torch.stack([F.softmax(net(X), dim=1) for _ in range(n)])
    net.train(was_training)
    return probs.mean(dim=0)
""", "wrap the n forward passes in torch.no_grad()", id="forgets-no-grad"),
    pytest.param("check_mc_predict", """
def mc_predict(net, X, n):
    with torch.no_grad():
        return torch.stack([F.softmax(net(X), dim=1) for _ in range(n)]).mean(dim=0)
""", "net ran in evaluation mode, so dropout was off", id="never-switches-to-train"),
    pytest.param("check_mc_predict", """
def mc_predict(net, X, n):
    was_training = net.training
    net.training = True
    with torch.no_grad():
        probs = torch.stack([F.softmax(net(X), dim=1) for _ in range(n)])
    net.training = was_training
    return probs.mean(dim=0)
""", "setting net.training = True does not", id="sets-the-flag-by-hand"),
    pytest.param("check_mc_predict", """
def mc_predict(net, X, n):
    net.train()
    with torch.no_grad():
        return torch.stack([F.softmax(net(X), dim=1) for _ in range(n)]).mean(dim=0)
""", "was in evaluation mode before mc_predict(net, X, 5) and is not after it",
        id="leaves-the-net-in-train-mode"),
    pytest.param("check_mc_predict", """
def mc_predict(net, X, n):
    net.train()
    with torch.no_grad():
        probs = torch.stack([F.softmax(net(X), dim=1) for _ in range(n)])
    net.eval()
    return probs.mean(dim=0)
""", "was in training mode before mc_predict(net, X, 3) and is not after it",
        id="always-ends-in-eval-mode"),
    pytest.param("check_mc_predict", """
def mc_predict(net, X, n):
    was_training = net.training
    net.train()
    with torch.no_grad():
        logits = torch.stack([net(X) for _ in range(n)]).mean(dim=0)
    net.train(was_training)
    return F.softmax(logits, dim=1)
""", "you averaged the logits", id="averages-logits"),
    pytest.param("check_mc_predict", """
def mc_predict(net, X, n):
    was_training = net.training
    net.train()
    with torch.no_grad():
        probs = torch.stack([F.softmax(net(X), dim=0) for _ in range(n)])
    net.train(was_training)
    return probs.mean(dim=0)
""", "use dim=1", id="softmax-over-the-batch"),
    pytest.param("check_mc_predict", """
def mc_predict(net, X, n):
    was_training = net.training
    net.train()
    with torch.no_grad():
        probs = torch.stack([F.softmax(net(X), dim=1) for _ in range(n - 1)])
    net.train(was_training)
    return probs.mean(dim=0)
""", "called 4 times in training mode; expected n = 5", id="off-by-one-passes"),
]


@pytest.mark.parametrize("checker, answer, hint", WRONG_ANSWERS)
def test_wrong_answer_gets_its_hint(checker: str, answer: str, hint: str) -> None:
    assert_wrong(NOTEBOOK, checker, answer, hint)


RIGHT_ANSWERS = [
    pytest.param("check_dropout_per_feature", """
def dropout_per_feature(X, p):
    scale = torch.zeros_like(p)
    scale[p < 1] = 1 / (1 - p[p < 1])
    return torch.where(torch.rand_like(X) < p, 0.0, X * scale)
""", id="per-feature-boolean-indexing"),
    pytest.param("check_dropout_per_feature", """
def dropout_per_feature(X, p):
    keep = torch.rand_like(X, dtype=torch.float64) >= p
    return X * keep * torch.where(p < 1, 1 / (1 - p.double()), 0.0)
""", id="per-feature-in-float64"),
    pytest.param("check_gaussian_dropout", """
class GaussianDropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.sigma = (p / (1 - p)) ** 0.5

    def forward(self, X):
        if self.training:
            return X * torch.normal(1.0, self.sigma, size=X.shape)
        return X
""", id="gaussian-torch-normal"),
]


@pytest.mark.parametrize("checker, answer", RIGHT_ANSWERS)
def test_right_answer_written_differently_passes(checker: str, answer: str) -> None:
    assert_right(NOTEBOOK, checker, answer)
