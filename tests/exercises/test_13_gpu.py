"""Wrong answers to the exercises of notebook 13 get a hint about their mistake."""

from __future__ import annotations

import pytest

from exercise_cells import assert_right, assert_wrong

NOTEBOOK = "13-gpu"

WRONG_ANSWERS = [
    pytest.param("check_to_device", """
def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {key: to_device(value, device) for key, value in batch.items()}
    if isinstance(batch, (tuple, list)):
        return [to_device(item, device) for item in batch]
    return batch
""", "the result is a list, but the batch had a tuple there", id="tuple-becomes-list"),
    pytest.param("check_to_device", """
def to_device(batch, device):
    if isinstance(batch, dict):
        return {key: value.to(device) for key, value in batch.items()}
    return type(batch)(item.to(device) for item in batch)
""", "call to_device itself on the elements of a tuple (recursively)", id="not-recursive"),
    pytest.param("check_to_device", """
def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, (tuple, list)):
        return type(batch)(to_device(item, device) for item in batch)
    return batch
""", "batch['image'] is on cpu, but should be on meta", id="forgets-dicts"),
    pytest.param("check_to_device", """
def to_device(batch, device):
    if isinstance(batch, (tuple, list)):
        return type(batch)(to_device(item, device) for item in batch)
    if isinstance(batch, dict):
        return {key: to_device(value, device) for key, value in batch.items()}
    return batch.to(device)
""", "called .to on a str: leave values that are not tensors", id="moves-non-tensors"),
    pytest.param("check_to_device", """
def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.cuda()
    if isinstance(batch, (tuple, list)):
        return type(batch)(to_device(item, device) for item in batch)
    if isinstance(batch, dict):
        return {key: to_device(value, device) for key, value in batch.items()}
    return batch
""", "use .to(device) instead of .cuda()", id="hard-coded-cuda"),
    pytest.param("check_to_device", """
def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, list):
        for i, item in enumerate(batch):
            batch[i] = to_device(item, device)
        return batch
    if isinstance(batch, tuple):
        return tuple(to_device(item, device) for item in batch)
    if isinstance(batch, dict):
        return {key: to_device(value, device) for key, value in batch.items()}
    return batch
""", "to_device changed the batch it was given", id="changes-list-in-place"),
    pytest.param("check_train_step", """
def train_step(net, X, y, loss, optimizer, device):
    X, y = X.cuda(), y.cuda()
    l = loss(net(X), y)
    optimizer.zero_grad()
    l.backward()
    optimizer.step()
    return l.item()
""", "use .to(device) instead of .cuda()", id="hard-coded-cuda"),
    pytest.param("check_train_step", """
def train_step(net, X, y, loss, optimizer, device):
    X = X.to(device)
    l = loss(net(X), y)
    optimizer.zero_grad()
    l.backward()
    optimizer.step()
    return l.item()
""", "y is on cpu, but net(X) is on meta: move y to device as well", id="moves-only-X"),
    pytest.param("check_train_step", """
def train_step(net, X, y, loss, optimizer, device):
    X, y = X.to(device), y.to(device)
    l = loss(net(X), y)
    l.backward()
    optimizer.step()
    return l.item()
""", "call optimizer.zero_grad() before loss.backward()", id="forgets-zero-grad"),
    pytest.param("check_train_step", """
def train_step(net, X, y, loss, optimizer, device):
    X, y = X.to(device), y.to(device)
    l = loss(net(X), y)
    optimizer.zero_grad()
    l.backward()
    optimizer.step()
    return l
""", "returned a tensor: return the loss as a Python float", id="returns-a-tensor"),
    pytest.param("check_train_step", """
def train_step(net, X, y, loss, optimizer, device):
    X, y = X.to(device), y.to(device)
    l = loss(net(X), y)
    l.backward()
    optimizer.zero_grad()
    optimizer.step()
    return l.item()
""", "the parameters did not change", id="zero-grad-between-backward-and-step"),
    pytest.param("check_accumulate_step", """
def accumulate_step(net, X, y, loss, optimizer, micro_batches):
    optimizer.zero_grad()
    total = 0.0
    for X_part, y_part in zip(torch.tensor_split(X, micro_batches),
                              torch.tensor_split(y, micro_batches)):
        part = loss(net(X_part), y_part)
        part.backward()
        total += part.item()
    optimizer.step()
    return total
""", "you added the micro-batches' mean losses without scaling them", id="no-scaling"),
    pytest.param("check_accumulate_step", """
def accumulate_step(net, X, y, loss, optimizer, micro_batches):
    optimizer.zero_grad()
    total = 0.0
    for X_part, y_part in zip(torch.tensor_split(X, micro_batches),
                              torch.tensor_split(y, micro_batches)):
        part = loss(net(X_part), y_part) / micro_batches
        part.backward()
        total += part.item()
    optimizer.step()
    return total
""", "you divided every micro-batch loss by micro_batches = 3", id="divides-by-micro-batches"),
    pytest.param("check_accumulate_step", """
def accumulate_step(net, X, y, loss, optimizer, micro_batches):
    total = 0.0
    for X_part, y_part in zip(torch.tensor_split(X, micro_batches),
                              torch.tensor_split(y, micro_batches)):
        optimizer.zero_grad()
        part = loss(net(X_part), y_part) * len(X_part) / len(X)
        part.backward()
        total += part.item()
    optimizer.step()
    return total
""", "only the last micro-batch's gradient was used", id="zero-grad-inside-the-loop"),
    pytest.param("check_accumulate_step", """
def accumulate_step(net, X, y, loss, optimizer, micro_batches):
    optimizer.zero_grad()
    total = 0.0
    for X_part, y_part in zip(torch.tensor_split(X, micro_batches),
                              torch.tensor_split(y, micro_batches)):
        part = loss(net(X_part), y_part) * len(X_part) / len(X)
        part.backward()
        optimizer.step()
        total += part.item()
    return total
""", "optimizer.step() ran 3 times", id="steps-inside-the-loop"),
    pytest.param("check_accumulate_step", """
def accumulate_step(net, X, y, loss, optimizer, micro_batches):
    total = 0.0
    for X_part, y_part in zip(torch.tensor_split(X, micro_batches),
                              torch.tensor_split(y, micro_batches)):
        part = loss(net(X_part), y_part) * len(X_part) / len(X)
        part.backward()
        total += part.item()
    optimizer.step()
    return total
""", "call optimizer.zero_grad() once, before the loop", id="forgets-zero-grad"),
    pytest.param("check_accumulate_step", """
def accumulate_step(net, X, y, loss, optimizer, micro_batches):
    optimizer.zero_grad()
    l = loss(net(X), y)
    l.backward()
    optimizer.step()
    return l.item()
""", "net was called on all 11 examples at once", id="whole-batch-at-once"),
    pytest.param("check_accumulate_step", """
def accumulate_step(net, X, y, loss, optimizer, micro_batches):
    optimizer.zero_grad()
    total = 0.0
    for X_part, y_part in zip(X.split(micro_batches), y.split(micro_batches)):
        part = loss(net(X_part), y_part) * len(X_part) / len(X)
        part.backward()
        total += part.item()
    optimizer.step()
    return total
""", "expected 3 pieces of [4, 4, 3]", id="split-size-instead-of-count"),
    pytest.param("check_accumulate_step", """
def accumulate_step(net, X, y, loss, optimizer, micro_batches):
    optimizer.zero_grad()
    total = 0.0
    for X_part, y_part in zip(torch.chunk(X, micro_batches), torch.chunk(y, micro_batches)):
        part = loss(net(X_part), y_part) * len(X_part) / len(X)
        part.backward()
        total += part.item()
    optimizer.step()
    return total
""", "calls `torch.chunk`; the task asks you to do this without it", id="torch-chunk"),
    pytest.param("check_accumulate_step", """
def accumulate_step(net, X, y, loss, optimizer, micro_batches):
    optimizer.zero_grad()
    total = 0.0
    for X_part, y_part in zip(X.chunk(micro_batches), y.chunk(micro_batches)):
        part = loss(net(X_part), y_part) * len(X_part) / len(X)
        part.backward()
        total += part.item()
    optimizer.step()
    return total
""", "calls `torch.Tensor.chunk`", id="tensor-chunk"),
    pytest.param("check_accumulate_step", """
import math

def accumulate_step(net, X, y, loss, optimizer, micro_batches):
    optimizer.zero_grad()
    size = math.ceil(len(X) / micro_batches)
    total = 0.0
    for start in range(0, len(X), size):
        X_part, y_part = X[start:start + size], y[start:start + size]
        part = loss(net(X_part), y_part) * len(X_part) / len(X)
        part.backward()
        total += part.item()
    optimizer.step()
    return total
""", "net ran on pieces of [3, 3, 3, 1] examples; expected 4 pieces of [3, 3, 2, 2]",
        id="pieces-of-ceil-size"),
]

RIGHT_ANSWERS = [
    pytest.param("check_accumulate_step", """
def accumulate_step(net, X, y, loss, optimizer, micro_batches):
    optimizer.zero_grad()
    losses = []
    for X_part, y_part in zip(X.tensor_split(micro_batches), y.tensor_split(micro_batches)):
        part = loss(net(X_part), y_part) * (len(y_part) / len(y))
        part.backward()
        losses.append(part.item())
    optimizer.step()
    return sum(losses)
""", id="tensor-split-method"),
]


@pytest.mark.parametrize("checker, answer, hint", WRONG_ANSWERS)
def test_wrong_answer_gets_its_hint(checker: str, answer: str, hint: str) -> None:
    assert_wrong(NOTEBOOK, checker, answer, hint)


@pytest.mark.parametrize("checker, answer", RIGHT_ANSWERS)
def test_right_answer_written_differently_passes(checker: str, answer: str) -> None:
    assert_right(NOTEBOOK, checker, answer)
