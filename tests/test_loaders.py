"""The in-memory loaders give the same data as the classic pipeline, batch by batch."""

from __future__ import annotations

from collections import Counter

import pytest
import torch

import d2lutils as d2l
from d2lutils import fashion_mnist as fm


@pytest.fixture(scope="module")
def loaders() -> tuple[d2l.TensorLoader, d2l.TensorLoader]:
    return d2l.load_fashion_mnist(256)


def test_batches_have_the_documented_shape_dtype_and_range(loaders) -> None:
    train_iter, test_iter = loaders
    X, y = next(iter(train_iter))
    assert X.shape == (256, 1, 28, 28) and X.dtype == torch.float32
    assert y.shape == (256,) and y.dtype == torch.int64
    assert 0.0 <= X.min() and X.max() <= 1.0
    assert len(train_iter) == 235 and len(test_iter) == 40


def examples(images: torch.Tensor, labels: torch.Tensor) -> Counter[tuple[bytes, int]]:
    """The (image bytes, label) pairs of a split, counted: equal for any order of the same examples."""
    return Counter(zip(map(bytes, images.reshape(len(images), -1).numpy()), labels.tolist()))


def test_one_pass_sees_every_example_exactly_once(loaders) -> None:
    train_iter, _ = loaders
    # Each batch back to the bytes stored on disk (the loader divides them by 255).
    batches = [(X.mul(255).round_().to(torch.uint8), y) for X, y in train_iter]
    sizes = [len(y) for _, y in batches]
    assert sizes[:-1] == [256] * 234 and sizes[-1] == 60000 - 234 * 256
    seen = examples(torch.cat([X for X, _ in batches]), torch.cat([y for _, y in batches]))
    stored = examples(*fm.read_split(True))
    missing, extra = sum((stored - seen).values()), sum((seen - stored).values())
    assert missing == extra == 0, f"{missing} examples never seen; {extra} seen twice or with a wrong label"


def test_images_match_torchvision_to_tensor(loaders) -> None:
    """Same pixels as torchvision's FashionMNIST + ToTensor, the classic pipeline."""
    from torchvision import datasets, transforms

    classic = datasets.FashionMNIST(str(fm.DATA_DIR), train=False, download=False,
                                    transform=transforms.ToTensor())
    _, test_iter = loaders
    X, y = next(iter(test_iter))  # the test set is not shuffled
    for i in (0, 1, 255):
        image, label = classic[i]
        assert torch.equal(X[i], image) and y[i] == label


def test_shuffling_is_reproducible_and_differs_between_passes() -> None:
    data = torch.arange(1000)
    loader = d2l.TensorLoader(data, batch_size=100, shuffle=True)
    d2l.set_seed(0)
    first, second = torch.cat([b for b, in loader]), torch.cat([b for b, in loader])
    d2l.set_seed(0)
    again = torch.cat([b for b, in loader])
    assert torch.equal(first, again) and not torch.equal(first, second)
    assert torch.equal(first.sort().values, data)


def test_own_generator_gives_the_same_order() -> None:
    data = torch.arange(50)
    orders = [torch.cat([b for b, in d2l.TensorLoader(
        data, batch_size=7, shuffle=True, generator=torch.Generator().manual_seed(3))])
        for _ in range(2)]
    assert torch.equal(*orders)


def test_features_and_labels_stay_paired() -> None:
    X = torch.arange(20).reshape(10, 2)
    y = X.sum(dim=1)
    for Xb, yb in d2l.load_array((X, y), batch_size=3):
        assert torch.equal(Xb.sum(dim=1), yb)


def test_resize() -> None:
    train_iter, _ = d2l.load_fashion_mnist(32, resize=64)
    X, _ = next(iter(train_iter))
    assert X.shape == (32, 1, 64, 64) and 0 <= X.min() and X.max() <= 1


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="same first dimension"):
        d2l.TensorLoader(torch.zeros(3), torch.zeros(4), batch_size=2)
    with pytest.raises(ValueError, match="batch_size"):
        d2l.TensorLoader(torch.zeros(3), batch_size=0)


def test_synthetic_data_follows_the_model() -> None:
    d2l.set_seed(0)
    w, b = torch.tensor([2.0, -3.4]), 4.2
    X, y = d2l.synthetic_data(w, b, 1000, noise=0.01)
    assert X.shape == (1000, 2) and y.shape == (1000, 1)
    residual = y.squeeze(1) - (X @ w + b)
    assert residual.abs().max() < 0.06 and abs(residual.std() - 0.01) < 0.002


def test_linreg_and_squared_loss_do_not_broadcast_targets() -> None:
    X, w, b = torch.ones(4, 2), torch.tensor([[2.0], [-1.0]]), torch.tensor(0.5)
    y_hat = d2l.linreg(X, w, b)
    assert y_hat.shape == (4, 1) and torch.equal(y_hat, torch.full((4, 1), 1.5))
    loss = d2l.squared_loss(y_hat, torch.tensor([1.5, 0.5, 1.5, 3.5]))  # (n,) targets
    assert loss.shape == (4, 1) and loss.squeeze(1).tolist() == [0.0, 0.5, 0.0, 2.0]
