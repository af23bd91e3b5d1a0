"""Fashion-MNIST: find, verify and load the real dataset, offline first.

The four IDX files are looked for in this order:

1. ``data/FashionMNIST/raw/`` (uncompressed, the layout torchvision uses);
2. the Debian package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``),
   decompressed into ``data/``;
3. a download with torchvision.

Every file is checked (size, magic number, MD5 of the uncompressed bytes) before use,
and every file this module writes is written atomically. Run ``python -m
d2lutils`` (what ``make data`` does) to fetch and verify the data.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import torch

from .atomic import write_atomically
from .loaders import TensorLoader
from .plotting import show_images

#: Where the course keeps datasets; override with the environment variable D2L_DATA_DIR.
DATA_DIR = Path(os.environ.get("D2L_DATA_DIR", Path(__file__).resolve().parents[1] / "data"))
#: Where the Debian package ``dataset-fashion-mnist`` installs its files.
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")

#: MD5 of the *uncompressed* IDX files (torchvision's MD5s are for its .gz files).
MD5 = {
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}
#: Magic number and shape of each file, from the IDX header of the real dataset.
LAYOUT = {
    "train-images-idx3-ubyte": (2051, (60000, 28, 28)),
    "train-labels-idx1-ubyte": (2049, (60000,)),
    "t10k-images-idx3-ubyte": (2051, (10000, 28, 28)),
    "t10k-labels-idx1-ubyte": (2049, (10000,)),
}
TEXT_LABELS = (
    "t-shirt", "trouser", "pullover", "dress", "coat",
    "sandal", "shirt", "sneaker", "bag", "ankle boot",
)

FIX_INSTALL = (
    "Install the Debian/Ubuntu package: sudo apt-get update && "
    "sudo apt-get install -y dataset-fashion-mnist, then run `make data`; "
    "or copy the four uncompressed IDX files ({files}) into {raw}; "
    "or connect to the internet and run `make data`."
)


class DatasetError(RuntimeError):
    """The dataset is missing or a file failed verification; the message says how to fix it."""


def raw_dir(root: Path | None = None) -> Path:
    """Return the folder that holds the uncompressed IDX files."""
    return Path(root or DATA_DIR) / "FashionMNIST" / "raw"


def _expected_size(name: str) -> int:
    magic, shape = LAYOUT[name]
    header = 4 + 4 * len(shape)
    count = 1
    for dim in shape:
        count *= dim
    return header + count


def check_idx(name: str, data: bytes, source: Path, fix: str) -> None:
    """Raise :class:`DatasetError` unless ``data`` is the genuine IDX file ``name``.

    ``source`` names the file in the message and ``fix`` is the command that repairs it.
    """
    magic, shape = LAYOUT[name]

    def fail(problem: str) -> None:
        raise DatasetError(f"{source}: {problem}. This file is not used. Fix: {fix}")

    if len(data) == 0:
        fail("the file is empty (0 bytes)")
    if len(data) >= 4 and int.from_bytes(data[:4], "big") != magic:
        fail(f"wrong magic number {int.from_bytes(data[:4], 'big')} (expected {magic}); "
             "this is not the IDX file it is named after")
    expected = _expected_size(name)
    if len(data) < expected:
        fail(f"truncated: {len(data):,} bytes instead of {expected:,}")
    if len(data) > expected:
        fail(f"too long: {len(data):,} bytes instead of {expected:,}")
    digest = hashlib.md5(data).hexdigest()
    if digest != MD5[name]:
        fail(f"corrupted: MD5 {digest} does not match the expected {MD5[name]}")


def _fix_local(path: Path) -> str:
    remove = "rm -r" if path.is_dir() else "rm"
    return f"delete it ({remove} {path}) and run `make data` to fetch a fresh copy"


def read_idx(name: str, path: Path) -> bytes:
    """The bytes of the IDX file ``name`` at ``path``, verified with :func:`check_idx`.

    Anything that is not a readable, genuine file (a folder in its place, no permission,
    a damaged file) raises :class:`DatasetError` with the fix.
    """
    if path.is_dir():
        raise DatasetError(f"{path}: a folder, where the IDX file {name} should be. This is not "
                           f"used. Fix: {_fix_local(path)}")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DatasetError(f"{path}: cannot be read ({err.strerror}). Fix: make it readable, "
                           f"or {_fix_local(path)}") from err
    check_idx(name, data, path, _fix_local(path))
    return data


def _from_debian(name: str, target: Path, debian_dir: Path) -> bool:
    """Decompress the Debian package's copy of ``name`` into ``target``; False if absent."""
    source = debian_dir / f"{name}.gz"
    if not source.exists():
        return False
    fix = "reinstall the package: sudo apt-get install --reinstall -y dataset-fashion-mnist"
    try:
        with gzip.open(source, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as err:
        raise DatasetError(f"{source}: cannot be decompressed ({err}). Fix: {fix}") from err
    check_idx(name, data, source, fix)
    write_atomically(target, lambda f: f.write(data))
    return True


def _download(root: Path) -> None:
    """Download the dataset with torchvision into ``root`` (raises on any failure)."""
    from torchvision.datasets import FashionMNIST

    FashionMNIST(root=str(root), train=True, download=True)
    FashionMNIST(root=str(root), train=False, download=True)


def _download_missing(missing: list[str], root: Path, debian_dir: Path,
                      download: Callable[[Path], None]) -> None:
    """Download into a staging folder in ``root``; verify and move only ``missing`` into place.

    The downloader may fetch every file, but the files already in ``raw_dir(root)`` are
    never replaced, and a damaged download never reaches ``raw_dir(root)``.
    """
    raw = raw_dir(root)
    fix_install = FIX_INSTALL.format(files=", ".join(MD5), raw=raw)
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=root) as staging:
        try:
            download(Path(staging))
        except Exception as err:  # noqa: BLE001 - any failure means "no network copy"
            raise DatasetError(
                f"Fashion-MNIST is missing ({', '.join(missing)}): not in {raw}, "
                f"no Debian package in {debian_dir}, and the download failed "
                f"({type(err).__name__}: {err}). Fix: {fix_install}"
            ) from err
        for name in missing:
            fetched = raw_dir(Path(staging)) / name
            if not fetched.is_file():
                raise DatasetError(f"{raw / name}: still missing after the download. "
                                   f"Fix: {fix_install}")
            data = fetched.read_bytes()
            retry = ("the download was damaged; run `make data` again. "
                     f"If it fails again: {fix_install}")
            check_idx(name, data, raw / name, retry)
            write_atomically(raw / name, lambda f, data=data: f.write(data))


def ensure_fashion_mnist(root: Path | None = None, debian_dir: Path = DEBIAN_DIR,
                         download: Callable[[Path], None] = _download) -> Path:
    """Make sure the four verified IDX files are in ``raw_dir(root)`` and return that folder.

    Files already there are verified, never overwritten. Missing files come from the
    Debian package if installed, else from ``download`` (torchvision's downloader, into a
    staging folder). Raises :class:`DatasetError` with the fix when a file is bad or no
    source works.
    """
    root = Path(root or DATA_DIR)
    raw = raw_dir(root)
    missing = [name for name in MD5 if not (raw / name).exists()]
    missing = [name for name in missing if not _from_debian(name, raw / name, debian_dir)]
    if missing:
        _download_missing(missing, root, debian_dir, download)
    for name in MD5:
        read_idx(name, raw / name)
    return raw


@functools.lru_cache(maxsize=4)
def read_split(train: bool, root: Path | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(images, labels)`` of one split, verified, as uint8 and int64 tensors.

    Images have shape ``(N, 1, 28, 28)``. The result is cached: a split is read once.
    """
    raw = raw_dir(root)
    prefix = "train" if train else "t10k"
    if not all((raw / f"{prefix}-{kind}").exists()
               for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")):
        ensure_fashion_mnist(root)
    tensors = []
    for kind, header in (("images-idx3-ubyte", 16), ("labels-idx1-ubyte", 8)):
        name = f"{prefix}-{kind}"
        data = read_idx(name, raw / name)
        tensors.append(torch.frombuffer(bytearray(data[header:]), dtype=torch.uint8))
    images, labels = tensors
    return images.view(-1, 1, 28, 28), labels.long()


def load_fashion_mnist(batch_size: int, resize: int | tuple[int, int] | None = None,
                       root: Path | None = None,
                       generator: torch.Generator | None = None
                       ) -> tuple[TensorLoader, TensorLoader]:
    """Return ``(train_iter, test_iter)`` over Fashion-MNIST.

    Each yields ``(X, y)``: X float32 in [0, 1] of shape ``(B, 1, 28, 28)`` (or the
    ``resize`` size), y int64 class indices. The training iterable is reshuffled on
    every pass with ``generator`` (default: torch's global generator, so
    ``d2lutils.set_seed`` makes it reproducible).
    """
    train_images, train_labels = read_split(True, root)
    test_images, test_labels = read_split(False, root)
    size = (resize, resize) if isinstance(resize, int) else resize
    train_iter = TensorLoader(train_images, train_labels, batch_size=batch_size,
                              shuffle=True, generator=generator, image_size=size)
    test_iter = TensorLoader(test_images, test_labels, batch_size=batch_size,
                             shuffle=False, image_size=size)
    return train_iter, test_iter


def fashion_mnist_labels(indices: Iterable[int] | torch.Tensor) -> list[str]:
    """Return the text label of each class index, e.g. ``[0, 9] -> ['t-shirt', 'ankle boot']``."""
    return [TEXT_LABELS[int(i)] for i in indices]


def predict(net: Callable[[torch.Tensor], torch.Tensor], test_iter: Iterable,
            n: int = 8, device: torch.device | str | None = None) -> None:
    """Show the first ``n`` images of ``test_iter``, titled with true and predicted labels."""
    X, y = next(iter(test_iter))
    X, y = X[:n], y[:n]
    if isinstance(net, torch.nn.Module):
        net.eval()
    with torch.no_grad():
        y_hat = net(X.to(device) if device else X).argmax(dim=1).cpu()
    titles = [f"{true}\n{pred}" for true, pred in
              zip(fashion_mnist_labels(y), fashion_mnist_labels(y_hat))]
    show_images(X, 1, n, titles=titles)


def main() -> int:
    """Fetch and verify the dataset (``make data``); exit 1 with the fix on failure."""
    try:
        raw = ensure_fashion_mnist()
    except DatasetError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"Fashion-MNIST verified in {raw}")
    return 0
