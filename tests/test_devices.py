"""Device helpers: accelerators only when really available, never an empty list."""

from __future__ import annotations

import torch

import d2lutils as d2l


def test_try_all_gpus_is_never_empty() -> None:
    devices = d2l.try_all_gpus()
    assert devices and all(isinstance(d, torch.device) for d in devices)
    if torch.cuda.is_available():
        assert devices == [torch.device(f"cuda:{i}") for i in range(torch.cuda.device_count())]
    elif torch.backends.mps.is_available():
        assert devices == [torch.device("mps")]
    else:
        assert devices == [torch.device("cpu")]


def test_try_gpu_falls_back_to_the_cpu_for_a_gpu_that_does_not_exist() -> None:
    assert d2l.try_gpu(torch.cuda.device_count() + 7) == torch.device("cpu")


def test_a_cuda_build_without_a_gpu_gives_the_cpu(monkeypatch) -> None:
    """torch.accelerator reports the build's accelerator; availability must be checked."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert d2l.num_gpus() == 0
    assert d2l.try_gpu() == torch.device("cpu")
    assert d2l.try_all_gpus() == [torch.device("cpu")]


def test_tensors_work_on_the_chosen_device() -> None:
    device = d2l.try_gpu()
    x = torch.ones(2, 3, device=device)
    net = torch.nn.Linear(3, 1).to(device)
    y = net(x)
    d2l.synchronize(device)
    assert y.device.type == device.type and y.shape == (2, 1)
