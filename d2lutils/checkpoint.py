"""Checkpoints that survive crashes and refuse untrusted code.

:func:`save_checkpoint` writes to a temporary file in the same folder, flushes it to
disk and renames it over the old checkpoint, so a crash or a kill in the middle of a
save leaves the previous checkpoint intact. :func:`load_checkpoint` loads with
``weights_only=True`` and turns the usual failures into errors that say what to do.
"""

from __future__ import annotations

import os
import pickle
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .atomic import write_atomically


class CheckpointError(RuntimeError):
    """A checkpoint could not be loaded; the message names the cause and the fix."""


def _plain(value: Any) -> Any:
    """Turn NumPy values into Python numbers and tensors (the safe loader refuses NumPy)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    return value


def save_checkpoint(path: str | os.PathLike, **state: Any) -> Path:
    """Save ``state`` (e.g. ``epoch=3, model=net.state_dict()``) atomically to ``path``.

    NumPy scalars and arrays are stored as Python numbers and tensors so that
    :func:`load_checkpoint` can read them safely. Returns the path.
    """
    return write_atomically(path, lambda f: torch.save(_plain(state), f))


def load_checkpoint(path: str | os.PathLike,
                    map_location: str | torch.device | None = None) -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint` (or any ``torch.save`` of data).

    Only tensors, Python containers and numbers are accepted (``weights_only=True``):
    a file that would run code or build arbitrary classes is refused. Pass
    ``map_location="cpu"`` to load a GPU checkpoint on a machine without that GPU.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file. Check the path, or train "
                              "and save a checkpoint first.")
    if path.stat().st_size == 0:
        raise CheckpointError(f"{path}: the file is empty (0 bytes), so the save that "
                              "wrote it did not finish. Use an earlier checkpoint.")
    if not zipfile.is_zipfile(path) and not _is_legacy_format(path):
        raise CheckpointError(
            f"{path}: truncated or not a PyTorch checkpoint (no complete zip archive). The "
            "save that wrote it did not finish, or the file was damaged in a copy. Use an "
            "earlier checkpoint.")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointError(
            f"{path}: refused, because it contains pickled code or classes, not just "
            "tensors and numbers; loading it could run arbitrary code. Save only "
            "state_dicts, tensors and Python numbers. Only if you made this file yourself "
            f"and trust it: torch.load(path, weights_only=False). ({_blocked(err)})") from err
    except RuntimeError as err:
        message = str(err)
        if "deserialize object on a CUDA device" in message or "on an MPS device" in message:
            raise CheckpointError(
                f"{path}: saved on a GPU, and this machine has none available. Load it "
                "with load_checkpoint(path, map_location='cpu').") from err
        if "PytorchStreamReader" in message:
            raise CheckpointError(
                f"{path}: corrupted ({message.split('. ')[0]}). Use an earlier "
                "checkpoint.") from err
        raise
    except (EOFError, OSError) as err:
        raise CheckpointError(f"{path}: truncated or corrupted ({err}). Use an earlier "
                              "checkpoint.") from err


def _is_legacy_format(path: Path) -> bool:
    """True for the pre-1.6 format, a plain pickle (starts with the protocol opcode)."""
    with open(path, "rb") as f:
        return f.read(1) == b"\x80"


def _blocked(err: pickle.UnpicklingError) -> str:
    """Name what torch refused, e.g. 'blocked: posix.system'."""
    found = re.search(r"GLOBAL ([\w.]+)", str(err))
    return f"blocked: {found.group(1)}" if found else "blocked: unsupported content"
