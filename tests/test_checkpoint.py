"""Checkpoints: atomic saves that survive SIGKILL, safe loads, exact resumption."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import d2lutils as d2l


def test_round_trip_with_numpy_numbers_stored_as_python_numbers(tmp_path: Path) -> None:
    net = nn.Linear(3, 2)
    path = d2l.save_checkpoint(tmp_path / "ckpt.pt", epoch=np.int64(3),
                               loss=np.float32(0.25), model=net.state_dict(),
                               history=[np.float64(1.5)], mean=np.zeros(2))
    state = d2l.load_checkpoint(path)
    assert state["epoch"] == 3 and type(state["epoch"]) is int
    assert state["loss"] == 0.25 and type(state["loss"]) is float
    assert state["history"] == [1.5] and torch.equal(state["mean"], torch.zeros(2,
                                                                                 dtype=torch.float64))
    fresh = nn.Linear(3, 2)
    fresh.load_state_dict(state["model"])
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), fresh.parameters()))


def test_save_leaves_a_readable_file_and_no_temporary_file(tmp_path: Path) -> None:
    d2l.save_checkpoint(tmp_path / "a" / "ckpt.pt", step=1)
    d2l.save_checkpoint(tmp_path / "a" / "ckpt.pt", step=2)
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["ckpt.pt"]
    mode = stat.S_IMODE((tmp_path / "a" / "ckpt.pt").stat().st_mode)
    assert mode & 0o444 == 0o444
    assert d2l.load_checkpoint(tmp_path / "a" / "ckpt.pt") == {"step": 2}


def test_a_failed_save_keeps_the_previous_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.pt"
    d2l.save_checkpoint(path, step=1)
    with pytest.raises(TypeError, match="cannot pickle '_thread.lock' object"):
        d2l.save_checkpoint(path, step=2, lock=threading.Lock())
    assert d2l.load_checkpoint(path) == {"step": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]


KILLED_WRITER = textwrap.dedent("""
    import sys, torch, d2lutils as d2l
    path = sys.argv[1]
    big = torch.ones(64 * 1024 * 1024)  # 256 MB: long enough to be killed mid-save
    print("saving", flush=True)
    d2l.save_checkpoint(path, version=2, weights=big)
    print("saved", flush=True)
""")


def test_sigkill_in_the_middle_of_a_save_leaves_the_old_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.pt"
    d2l.save_checkpoint(path, version=1, weights=torch.zeros(10))
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline() == "saving\n"
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".ckpt.pt.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.005)  # wait until the temporary file is being written
    time.sleep(0.05)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert writer.returncode == -signal.SIGKILL
    assert list(tmp_path.glob(".ckpt.pt.*.tmp")), "the writer finished before the kill"
    state = d2l.load_checkpoint(path)
    assert state["version"] == 1 and torch.equal(state["weights"], torch.zeros(10))


class RunsACommand:
    """An object whose unpickling runs a shell command: what a malicious file does."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_checkpoint_that_would_run_code_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"model": RunsACommand(marker)}, path)
    with pytest.raises(d2l.CheckpointError, match="pickled code") as err:
        d2l.load_checkpoint(path)
    assert "weights_only=False" in str(err.value) and "system" in str(err.value)
    assert not marker.exists()
    torch.load(path, weights_only=False)  # the unsafe load really would run it
    assert marker.exists()


def test_classes_are_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    torch.save(nn.Linear(2, 2), path)  # the whole model, not its state_dict
    with pytest.raises(d2l.CheckpointError, match="state_dict"):
        d2l.load_checkpoint(path)


@pytest.mark.parametrize("keep", [0, 2, 100, 5000, 0.5, 0.99])
def test_truncated_or_empty_files_give_a_clear_error(tmp_path: Path, keep: float) -> None:
    path = tmp_path / "ckpt.pt"
    d2l.save_checkpoint(path, weights=torch.randn(100_000))
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep) if isinstance(keep, float) else keep])
    with pytest.raises(d2l.CheckpointError, match="truncated|empty") as err:
        d2l.load_checkpoint(path)
    assert "earlier checkpoint" in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(d2l.CheckpointError, match="no such checkpoint"):
        d2l.load_checkpoint(tmp_path / "nope.pt")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_gpu_checkpoint_on_a_cpu_machine_names_map_location(tmp_path: Path,
                                                            monkeypatch) -> None:
    path = tmp_path / "gpu.pt"
    # Write the file exactly as a CUDA machine would: storages tagged "cuda:0".
    monkeypatch.setattr(torch.serialization, "location_tag", lambda storage: "cuda:0")
    torch.save({"weights": torch.ones(3)}, path)
    monkeypatch.undo()
    with pytest.raises(d2l.CheckpointError, match="map_location='cpu'"):
        d2l.load_checkpoint(path)
    assert torch.equal(d2l.load_checkpoint(path, map_location="cpu")["weights"], torch.ones(3))


def _run(steps: int, start: dict | None = None) -> tuple[nn.Module, dict]:
    """Train a small dropout MLP with momentum on shuffled data for ``steps`` epochs."""
    d2l.set_seed(0)
    X = torch.randn(256, 8)
    y = (X.sum(dim=1) > 0).long()
    loader = d2l.TensorLoader(X, y, batch_size=32, shuffle=True)
    net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    epoch = 0
    if start:
        net.load_state_dict(start["model"])
        optimizer.load_state_dict(start["optimizer"])
        torch.set_rng_state(start["rng"])
        epoch = start["epoch"]
    for epoch in range(epoch, steps):
        d2l.train_epoch(net, loader, nn.CrossEntropyLoss(), optimizer)
    state = dict(epoch=epoch + 1, model=net.state_dict(), optimizer=optimizer.state_dict(),
                 rng=torch.get_rng_state())
    return net, state


def test_resuming_from_a_checkpoint_continues_exactly(tmp_path: Path) -> None:
    uninterrupted, _ = _run(6)
    _, halfway = _run(3)
    d2l.save_checkpoint(tmp_path / "ckpt.pt", **halfway)
    resumed, _ = _run(6, start=d2l.load_checkpoint(tmp_path / "ckpt.pt"))
    for a, b in zip(uninterrupted.parameters(), resumed.parameters()):
        assert torch.equal(a, b)
