"""Fashion-MNIST: the real files are found, verified, and bad ones are refused clearly."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from ci import skip_or_fail
from d2lutils import fashion_mnist as fm

NAMES = list(fm.MD5)
REAL_RAW = fm.raw_dir()


@pytest.fixture(scope="session")
def real_raw() -> Path:
    """The verified real dataset (``make test`` runs ``make data`` first)."""
    return fm.ensure_fashion_mnist()


@pytest.fixture
def local_copy(tmp_path: Path, real_raw: Path) -> Path:
    """A data root whose raw/ folder holds a copy of the four real files."""
    raw = fm.raw_dir(tmp_path)
    raw.mkdir(parents=True)
    for name in NAMES:
        shutil.copyfile(real_raw / name, raw / name)
    return tmp_path


@pytest.fixture(scope="session")
def gzipped(real_raw: Path) -> dict[str, bytes]:
    """The four real files gzip-compressed once per session (fast level: a test fixture)."""
    return {name: gzip.compress((real_raw / name).read_bytes(), compresslevel=1)
            for name in NAMES}


@pytest.fixture
def debian_copy(tmp_path: Path, gzipped: dict[str, bytes]) -> Path:
    """A folder laid out like the Debian package: the four files gzip-compressed."""
    folder = tmp_path / "debian"
    folder.mkdir()
    for name, data in gzipped.items():
        (folder / f"{name}.gz").write_bytes(data)
    return folder


def no_download(root: Path) -> None:
    raise OSError("network is unreachable")


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A web server on 127.0.0.1 that torchvision's downloader uses as its Fashion-MNIST mirror.

    Returns the folder it serves; :func:`publish` puts files there.
    """
    from torchvision.datasets import FashionMNIST

    folder = tmp_path / "mirror"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("no_proxy", "127.0.0.1")  # a proxy of the machine is not asked
    monkeypatch.setattr(FashionMNIST, "mirrors", [f"http://127.0.0.1:{server.server_port}/"])
    yield folder
    server.shutdown()
    server.server_close()


def publish(folder: Path, files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve the .gz files from folder, with the MD5s torchvision checks the downloads against."""
    from torchvision.datasets import FashionMNIST

    for name, data in files.items():
        (folder / f"{name}.gz").write_bytes(data)
    resources = [(f"{name}.gz", hashlib.md5(data).hexdigest()) for name, data in files.items()]
    monkeypatch.setattr(FashionMNIST, "resources", resources)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: a connection to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_real_splits_have_expected_shapes_and_labels(real_raw: Path) -> None:
    images, labels = fm.read_split(True)
    assert images.shape == (60000, 1, 28, 28) and images.dtype == torch.uint8
    assert labels.shape == (60000,) and set(labels.tolist()) == set(range(10))
    test_images, test_labels = fm.read_split(False)
    assert test_images.shape == (10000, 1, 28, 28)
    assert torch.bincount(test_labels).tolist() == [1000] * 10


def test_text_labels() -> None:
    assert fm.fashion_mnist_labels([0, 9, torch.tensor(7)]) == ["t-shirt", "ankle boot",
                                                                 "sneaker"]


def test_debian_package_is_decompressed_and_verified(tmp_path: Path,
                                                     debian_copy: Path) -> None:
    root = tmp_path / "data"
    raw = fm.ensure_fashion_mnist(root, debian_dir=debian_copy, download=no_download)
    for name in NAMES:
        assert (raw / name).read_bytes() == (REAL_RAW / name).read_bytes()
    assert [p.name for p in raw.iterdir() if p.name.endswith(".tmp")] == []


def test_the_installed_debian_package_is_read_and_verified(tmp_path: Path, real_raw: Path) -> None:
    """Where dataset-fashion-mnist is installed (.ci/run installs it), its own files are used."""
    installed = [fm.DEBIAN_DIR / f"{name}.gz" for name in NAMES]
    if not all(path.is_file() for path in installed):
        skip_or_fail(f"the Debian package is not installed ({fm.DEBIAN_DIR} lacks its files): "
                     "sudo apt-get install -y dataset-fashion-mnist")
    raw = fm.ensure_fashion_mnist(tmp_path, download=no_download)  # the default DEBIAN_DIR
    for name in NAMES:
        assert (raw / name).read_bytes() == (real_raw / name).read_bytes(), name


def test_local_files_take_precedence_over_debian(local_copy: Path, tmp_path: Path) -> None:
    missing_debian = tmp_path / "nowhere"
    assert fm.ensure_fashion_mnist(local_copy, debian_dir=missing_debian,
                                   download=no_download) == fm.raw_dir(local_copy)


def test_download_is_the_last_resort(tmp_path: Path, real_raw: Path) -> None:
    calls = []

    def fake_download(root: Path) -> None:  # stands in for torchvision's downloader
        calls.append(root)
        raw = fm.raw_dir(root)
        raw.mkdir(parents=True)
        for name in NAMES:
            shutil.copyfile(real_raw / name, raw / name)

    raw = fm.ensure_fashion_mnist(tmp_path, debian_dir=tmp_path / "nowhere", download=fake_download)
    assert len(calls) == 1 and calls[0].parent == tmp_path  # a staging folder in the data folder
    assert not calls[0].exists(), "the staging folder is removed"
    for name in NAMES:
        assert (raw / name).read_bytes() == (real_raw / name).read_bytes(), name


def test_a_download_never_replaces_the_files_already_there(tmp_path: Path, real_raw: Path) -> None:
    """torchvision fetches all four files when one is missing; only the missing one is used."""
    raw = fm.raw_dir(tmp_path)
    raw.mkdir(parents=True)
    for name in NAMES[1:]:
        shutil.copyfile(real_raw / name, raw / name)
    before = {name: (raw / name).stat().st_ino for name in NAMES[1:]}

    def download_all(root: Path) -> None:
        fm.raw_dir(root).mkdir(parents=True)
        for name in NAMES:
            shutil.copyfile(real_raw / name, fm.raw_dir(root) / name)

    fm.ensure_fashion_mnist(tmp_path, debian_dir=tmp_path / "nowhere", download=download_all)
    assert {name: (raw / name).stat().st_ino for name in NAMES[1:]} == before
    assert (raw / NAMES[0]).read_bytes() == (real_raw / NAMES[0]).read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["FashionMNIST"], "no staging folder left"


def test_nothing_anywhere_and_offline_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(fm.DatasetError) as err:
        fm.ensure_fashion_mnist(tmp_path, debian_dir=tmp_path / "nowhere",
                                download=no_download)
    message = str(err.value)
    assert "network is unreachable" in message
    assert "apt-get install -y dataset-fashion-mnist" in message
    assert str(fm.raw_dir(tmp_path)) in message and "make data" in message


def test_torchvision_download_with_no_network_fails_with_the_fix(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """torchvision's real downloader, with its mirror unreachable (as offline, and on CI)."""
    from torchvision.datasets import FashionMNIST

    unreachable = f"http://127.0.0.1:{closed_port()}/"
    monkeypatch.setattr(FashionMNIST, "mirrors", [unreachable])
    with pytest.raises(fm.DatasetError, match="the download failed") as err:
        fm.ensure_fashion_mnist(tmp_path, debian_dir=tmp_path / "nowhere")
    assert unreachable in str(err.value)  # torchvision tried it
    assert "apt-get install -y dataset-fashion-mnist" in str(err.value)


def test_torchvision_download_is_used_and_verified(tmp_path: Path, mirror: Path, gzipped: dict[str, bytes],
                                                   real_raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """torchvision's real downloader, fetching from a mirror on this machine."""
    publish(mirror, gzipped, monkeypatch)
    raw = fm.ensure_fashion_mnist(tmp_path / "data", debian_dir=tmp_path / "nowhere")
    for name in NAMES:
        assert (raw / name).read_bytes() == (real_raw / name).read_bytes(), name


def test_a_damaged_download_is_refused(tmp_path: Path, mirror: Path, gzipped: dict[str, bytes],
                                       real_raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mirror serving a wrong file (with a matching .gz checksum) does not get it used."""
    labels = bytearray((real_raw / "train-labels-idx1-ubyte").read_bytes())
    labels[-1] = (labels[-1] + 1) % 10  # one wrong label
    publish(mirror, {**gzipped, "train-labels-idx1-ubyte": gzip.compress(bytes(labels))}, monkeypatch)
    raw = fm.raw_dir(tmp_path / "data")
    with pytest.raises(fm.DatasetError, match="corrupted: MD5") as err:
        fm.ensure_fashion_mnist(tmp_path / "data", debian_dir=tmp_path / "nowhere")
    assert str(err.value).startswith(str(raw / "train-labels-idx1-ubyte"))
    assert "run `make data` again" in str(err.value)
    assert not (raw / "train-labels-idx1-ubyte").exists(), "a damaged download is not kept"


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-100])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _wrong_magic(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[2] ^= 0x0F  # 0x0803 -> 0x0C03
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, problem", [
    (_truncate, "truncated"),
    (_empty, "empty"),
    (_flip_a_byte, "corrupted: MD5"),
    (_wrong_magic, "wrong magic number"),
])
@pytest.mark.parametrize("name", ["train-images-idx3-ubyte", "t10k-labels-idx1-ubyte"])
def test_damaged_local_file_is_refused(local_copy: Path, name: str, damage, problem) -> None:
    path = fm.raw_dir(local_copy) / name
    damage(path)
    before = path.read_bytes()
    with pytest.raises(fm.DatasetError) as err:
        fm.ensure_fashion_mnist(local_copy, download=no_download)
    message = str(err.value)
    assert str(path) in message and problem in message
    assert f"rm {path}" in message and "make data" in message
    # Never used silently: loading the split fails too, and the file is left as it was.
    train = name.startswith("train")
    with pytest.raises(fm.DatasetError):
        fm.read_split(train, local_copy)
    assert path.read_bytes() == before


def test_a_folder_in_place_of_a_file_is_refused(local_copy: Path) -> None:
    path = fm.raw_dir(local_copy) / "t10k-labels-idx1-ubyte"
    path.unlink()
    path.mkdir()
    with pytest.raises(fm.DatasetError) as err:
        fm.ensure_fashion_mnist(local_copy, download=no_download)
    assert str(err.value).startswith(f"{path}: a folder, where the IDX file")
    assert f"rm -r {path}" in str(err.value) and path.is_dir()
    with pytest.raises(fm.DatasetError, match="a folder"):
        fm.read_split(False, local_copy)


def test_make_data_exits_nonzero_with_the_fix(local_copy: Path) -> None:
    path = fm.raw_dir(local_copy) / "train-labels-idx1-ubyte"
    _truncate(path)
    env = {**os.environ, "D2L_DATA_DIR": str(local_copy)}
    result = subprocess.run([sys.executable, "-m", "d2lutils"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "truncated" in result.stderr and f"rm {path}" in result.stderr


def test_damaged_debian_file_is_refused_and_nothing_is_written(tmp_path: Path,
                                                               debian_copy: Path) -> None:
    gz = debian_copy / "train-images-idx3-ubyte.gz"
    gz.write_bytes(gz.read_bytes()[: gz.stat().st_size // 2])
    root = tmp_path / "data"
    with pytest.raises(fm.DatasetError, match="reinstall"):
        fm.ensure_fashion_mnist(root, debian_dir=debian_copy, download=no_download)
    assert not (fm.raw_dir(root) / "train-images-idx3-ubyte").exists()


def test_crash_during_extraction_leaves_no_half_file(tmp_path: Path, debian_copy: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(src: str, dst: str) -> None:
        raise KeyboardInterrupt("killed in the middle of the extraction")

    monkeypatch.setattr(fm.os, "replace", crash)
    root = tmp_path / "data"
    with pytest.raises(KeyboardInterrupt):
        fm.ensure_fashion_mnist(root, debian_dir=debian_copy, download=no_download)
    assert list(fm.raw_dir(root).iterdir()) == []
