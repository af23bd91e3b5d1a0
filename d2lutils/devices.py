"""Choosing where tensors live: CUDA GPUs, Apple's MPS, or the CPU."""

from __future__ import annotations

import torch


def num_gpus() -> int:
    """Number of usable CUDA GPUs (0 when CUDA is not available)."""
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def try_gpu(i: int = 0) -> torch.device:
    """Return CUDA GPU ``i`` if it exists, else Apple's MPS if available, else the CPU.

    Availability is checked: a CUDA build of torch on a machine without a GPU gives the CPU.
    """
    if num_gpus() > i:
        return torch.device(f"cuda:{i}")
    if i == 0 and _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def try_all_gpus() -> list[torch.device]:
    """Return every CUDA GPU, else ``[mps]``, else ``[cpu]``: never an empty list."""
    if num_gpus():
        return [torch.device(f"cuda:{i}") for i in range(num_gpus())]
    return [try_gpu()]


def synchronize(device: torch.device | str) -> None:
    """Wait until all queued work on ``device`` is finished (a no-op on the CPU).

    Accelerators run asynchronously: call this before reading a clock.
    """
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
