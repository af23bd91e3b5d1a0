"""Wrong answers to the exercises of notebook 09 get a hint about their mistake; right
answers written differently from the solutions pass."""

from __future__ import annotations

import pytest

from exercise_cells import assert_right, assert_wrong

NOTEBOOK = "09-layers-and-blocks"

PARALLEL_INIT = """
class Parallel(nn.Module):
    def __init__(self, *blocks):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
"""

REPEAT_FORWARD = """
    def forward(self, X):
        for block in self.blocks:
            X = block(X)
        return X
"""

STANDARDIZE_FORWARD = """
    def forward(self, X):
        return (X - self.mean) / self.std
"""

WRONG_ANSWERS = [
    # Exercise 1: Parallel(*blocks)(X) == torch.cat([b(X) for b in blocks], dim=1)
    pytest.param("check_parallel", """
class Parallel(nn.Module):
    def __init__(self, *blocks):
        super().__init__()
        self.blocks = list(blocks)

    def forward(self, X):
        return torch.cat([block(X) for block in self.blocks], dim=1)
""", "store the blocks in an nn.ModuleList", id="plain-python-list"),
    pytest.param("check_parallel", """
class Parallel(nn.Module):
    def __init__(self, *blocks):
        super().__init__()
        self.blocks = blocks

    def forward(self, X):
        return torch.cat([block(X) for block in self.blocks], dim=1)
""", "has no parameters", id="plain-tuple"),
    pytest.param("check_parallel", PARALLEL_INIT + """
    def forward(self, X):
        return torch.cat([block(X) for block in self.blocks])
""", "along dim 0", id="cat-along-dim-0"),
    pytest.param("check_parallel", PARALLEL_INIT + """
    def forward(self, X):
        return torch.cat([block(X) for block in self.blocks], dim=-1)
""", "you joined along the last dimension (dim=-1)", id="cat-along-last-dim"),
    pytest.param("check_parallel", PARALLEL_INIT + """
    def forward(self, X):
        return torch.stack([block(X) for block in self.blocks], dim=1)
""", "torch.stack adds a new dimension", id="stack-instead-of-cat"),
    pytest.param("check_parallel", PARALLEL_INIT + """
    def forward(self, X):
        outputs = []
        for block in self.blocks:
            X = block(X)
            outputs.append(X)
        return torch.cat(outputs, dim=1)
""", "give every block the same input X", id="feeds-each-output-to-the-next-block"),
    pytest.param("check_parallel", PARALLEL_INIT + """
    def forward(self, X):
        for block in self.blocks:
            out = block(X)
        return out
""", "the output is that of block 2 alone", id="keeps-only-the-last-output"),
    pytest.param("check_parallel", PARALLEL_INIT + """
    def forward(self, X):
        return sum(block(X) for block in self.blocks)
""", "you added the outputs", id="adds-instead-of-concatenating"),
    pytest.param("check_parallel", PARALLEL_INIT + """
    def forward(self, X):
        return torch.cat([block(X) for block in reversed(self.blocks)], dim=1)
""", "reverse order", id="reverse-order"),
    pytest.param("check_parallel", """
class Parallel(nn.Module):
    def __init__(self, *blocks):
        super().__init__()
        self.first = blocks[0]
        self.rest = list(blocks[1:])

    def forward(self, X):
        return torch.cat([self.first(X)] + [block(X) for block in self.rest], dim=1)
""", "registers only 2 of the 6 parameter tensors", id="registers-only-the-first-block"),
    pytest.param("check_parallel", """
import copy

class Parallel(nn.Module):
    def __init__(self, *blocks):
        super().__init__()
        self.blocks = nn.ModuleList(copy.deepcopy(block) for block in blocks)

    def forward(self, X):
        return torch.cat([block(X) for block in self.blocks], dim=1)
""", "are copies, not the blocks' own tensors", id="deep-copies-the-blocks"),
    # Exercise 2: Repeat(make_block, n, shared=False)
    pytest.param("check_repeat", """
class Repeat(nn.Module):
    def __init__(self, make_block, n, shared=False):
        super().__init__()
        self.blocks = nn.ModuleList([make_block()] * n)
""" + REPEAT_FORWARD, "[make_block()] * n repeats one object", id="one-block-repeated"),
    pytest.param("check_repeat", """
class Repeat(nn.Module):
    def __init__(self, make_block, n, shared=False):
        super().__init__()
        if shared:
            self.blocks = [make_block()] * n
        else:
            self.blocks = [make_block() for _ in range(n)]
""" + REPEAT_FORWARD, "store the blocks in an nn.ModuleList", id="plain-python-list"),
    pytest.param("check_repeat", """
class Repeat(nn.Module):
    def __init__(self, make_block, n, shared=False):
        super().__init__()
        self.blocks = nn.ModuleList([make_block() for _ in range(n)])
""" + REPEAT_FORWARD, "with shared=True make_block was called 3 times", id="ignores-shared"),
    pytest.param("check_repeat", """
class Repeat(nn.Module):
    def __init__(self, make_block, n, shared=False):
        super().__init__()
        block = make_block() if shared else None
        self.blocks = nn.ModuleList([block if shared else make_block() for _ in range(n)])

    def forward(self, X):
        for block in reversed(self.blocks):
            X = block(X)
        return X
""", "the blocks ran in reverse order", id="applies-blocks-in-reverse"),
    pytest.param("check_repeat", """
class Repeat(nn.Module):
    def __init__(self, make_block, n, shared=False):
        super().__init__()
        block = make_block() if shared else None
        self.blocks = nn.ModuleList([block if shared else make_block() for _ in range(n)])

    def forward(self, X):
        for block in self.blocks:
            out = block(X)
        return out
""", "feed each block's output to the next", id="forgets-to-chain"),
    pytest.param("check_repeat", """
class Repeat(nn.Module):
    def __init__(self, make_block, n, shared=False):
        super().__init__()
        self.blocks = nn.ModuleList([make_block() for _ in range(n + 1)])
        self.n = n
""" + REPEAT_FORWARD, "make_block was called 4 times for n = 3", id="off-by-one-copies"),
    pytest.param("check_repeat", """
class Repeat(nn.Module):
    def __init__(self, make_block, n, shared=False):
        super().__init__()
        self.n = n
        if shared:
            self.block = make_block()
        else:
            self.blocks = nn.ModuleList([make_block() for _ in range(n)])

    def forward(self, X):
        if hasattr(self, "block"):
            return self.block(X)
        for block in self.blocks:
            X = block(X)
        return X
""", "the shared block was applied once", id="applies-shared-block-once"),
    pytest.param("check_repeat", """
import copy

class Repeat(nn.Module):
    def __init__(self, make_block, n, shared=False):
        super().__init__()
        block = make_block()
        self.blocks = nn.ModuleList([block if shared else copy.deepcopy(block) for _ in range(n)])
""" + REPEAT_FORWARD, "all start from the same weights", id="deep-copies-one-block"),
    # Exercise 3: Standardize(mean, std) with buffers
    pytest.param("check_standardize", """
class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean = nn.Parameter(mean)
        self.std = nn.Parameter(std)
""" + STANDARDIZE_FORWARD, "so the optimizer would train it", id="constant-as-parameter"),
    pytest.param("check_standardize", """
class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean = nn.Parameter(mean, requires_grad=False)
        self.std = nn.Parameter(std, requires_grad=False)
""" + STANDARDIZE_FORWARD, "a frozen parameter is still a parameter", id="frozen-parameter"),
    pytest.param("check_standardize", """
class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean = mean
        self.std = std
""" + STANDARDIZE_FORWARD, "mean is a plain tensor attribute", id="plain-tensor-attribute"),
    pytest.param("check_standardize", """
class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", mean, persistent=False)
        self.register_buffer("std", std, persistent=False)
""" + STANDARDIZE_FORWARD, "persistent=False", id="non-persistent-buffers"),
    pytest.param("check_standardize", """
class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)

    def forward(self, X):
        return (X - X.mean(dim=0)) / X.std(dim=0)
""", "you used the batch's own mean and std", id="batch-statistics"),
    pytest.param("check_standardize", """
class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)

    def forward(self, X):
        return X - self.mean / self.std
""", "only the mean was divided by std", id="missing-parentheses"),
    pytest.param("check_standardize", """
class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)
        self.inv_std = 1 / std  # precomputed, but a plain attribute

    def forward(self, X):
        return (X - self.mean) * self.inv_std
""", "forward uses a value that is not in state_dict", id="precomputed-plain-attribute"),
    pytest.param("check_standardize", """
class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)

    def forward(self, X):
        X -= self.mean
        return X / self.std
""", "X was changed in place", id="modifies-the-input"),
    pytest.param("check_standardize", """
class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)

    def forward(self, X):
        return (X - self.mean) / self.std ** 2
""", "you divided by std ** 2", id="divides-by-the-variance"),
    pytest.param("check_standardize", """
class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std ** 2)  # the variance, under the name std

    def forward(self, X):
        return (X - self.mean) / self.std.sqrt()
""", "the buffer std holds shape (5,) [0.25, 4, 2.25, ...], not the std given",
        id="buffer-holds-other-values"),
]

RIGHT_ANSWERS = [
    pytest.param("check_standardize", """
class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", mean.reshape(1, -1))  # one row, broadcast over X's rows
        self.register_buffer("std", std.reshape(1, -1))

    def forward(self, X):
        return (X - self.mean) / self.std
""", id="buffers-of-shape-1-by-d"),
    pytest.param("check_standardize", """
class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", mean.double())
        self.register_buffer("std", std.double())

    def forward(self, X):
        return (X.to(self.mean.dtype) - self.mean) / self.std
""", id="float64-buffers"),
]


@pytest.mark.parametrize("checker, answer, hint", WRONG_ANSWERS)
def test_wrong_answer_gets_its_hint(checker: str, answer: str, hint: str) -> None:
    assert_wrong(NOTEBOOK, checker, answer, hint)


@pytest.mark.parametrize("checker, answer", RIGHT_ANSWERS)
def test_right_answer_written_differently_passes(checker: str, answer: str) -> None:
    assert_right(NOTEBOOK, checker, answer)
