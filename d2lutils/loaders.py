"""Fast minibatch iteration over tensors held in memory, and synthetic regression data."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from torch.nn import functional as F


class TensorLoader:
    """Iterate over ``(X, y)`` minibatches sliced from tensors already in memory.

    A replacement for ``DataLoader(TensorDataset(...))`` that does no per-example work:
    each pass draws one permutation (when ``shuffle``), gathers the data in that order
    and slices batches from it. uint8 images are converted to float32 in [0, 1] one
    batch at a time, and resized if ``image_size`` is given.
    """

    def __init__(self, *tensors: torch.Tensor, batch_size: int, shuffle: bool = False,
                 generator: torch.Generator | None = None,
                 image_size: tuple[int, int] | None = None) -> None:
        if not tensors or any(len(t) != len(tensors[0]) for t in tensors):
            raise ValueError("TensorLoader needs tensors with the same first dimension")
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        self.tensors = tensors
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.image_size = image_size

    def __len__(self) -> int:
        """Number of batches in one pass (the last one may be smaller)."""
        return -(-len(self.tensors[0]) // self.batch_size)

    @property
    def num_examples(self) -> int:
        """Number of examples in one pass."""
        return len(self.tensors[0])

    def _prepare(self, batch: torch.Tensor) -> torch.Tensor:
        if batch.dtype == torch.uint8:
            batch = batch.float().div_(255)
            if self.image_size is not None:
                batch = F.interpolate(batch, size=self.image_size, mode="bilinear",
                                      antialias=True, align_corners=False)
        return batch

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        n, size = self.num_examples, self.batch_size
        if not self.shuffle:
            for start in range(0, n, size):
                yield tuple(self._prepare(t[start:start + size]) for t in self.tensors)
            return
        order = torch.randperm(n, generator=self.generator)
        # Gathering rows of a 2-D view is several times faster than fancy-indexing an
        # N-D tensor, and gathering per batch keeps the working set in the cache.
        flat = [t.reshape(n, -1) for t in self.tensors]
        for start in range(0, n, size):
            idx = order[start:start + size]
            yield tuple(self._prepare(f.index_select(0, idx.to(f.device)).view_as(t[:len(idx)]))
                        for f, t in zip(flat, self.tensors))


def load_array(data_arrays: Sequence[torch.Tensor], batch_size: int,
               is_train: bool = True) -> TensorLoader:
    """Return an iterable of minibatches over ``data_arrays``, shuffled when ``is_train``."""
    return TensorLoader(*data_arrays, batch_size=batch_size, shuffle=is_train)


def synthetic_data(w: torch.Tensor, b: float, num_examples: int,
                   noise: float = 0.01) -> tuple[torch.Tensor, torch.Tensor]:
    """Generate ``y = Xw + b + noise`` with X standard normal; y has shape (n, 1)."""
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = X @ w + b
    y += torch.normal(0, noise, y.shape)
    return X, y.reshape(-1, 1)
