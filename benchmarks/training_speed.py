"""Benchmark: d2lutils' in-memory Fashion-MNIST pipeline against the classic one.

Run with ``make bench``. Everything is measured in this one run, on the same data:

1. one pass over the 60k training images: ``FashionMNIST(transform=ToTensor())`` +
   ``DataLoader(batch_size=256, shuffle=True)`` vs ``d2lutils.load_fashion_mnist(256)``;
2. one training epoch of softmax regression on each pipeline;
3. one epoch of the 784-256-10 MLP on each pipeline, and the same number of optimizer
   steps on one batch kept in memory (the compute floor: no data loading at all);
4. the same for LeNet (notebook 14): one epoch on each pipeline, and its compute floor;
5. `make grade` on a class of 200 submissions of notebook 07 (grading_speed.py), once.

Each measurement 1-4 is a warm-up plus ``--repeats`` timed runs; medians are reported.
The last line printed is one JSON object with the six ratios and the grading time.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable, Iterable

import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

import d2lutils as d2l
from d2lutils.fashion_mnist import DATA_DIR

import grading_speed  # benchmarks/grading_speed.py

BATCH_SIZE = 256


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    """Median wall-clock time of ``run()`` over ``repeats`` runs, after one warm-up."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def one_pass(batches: Iterable) -> None:
    """Draw every batch once, as a training loop would, without computing anything."""
    for X, y in batches:
        pass


def softmax_regression() -> tuple[nn.Module, torch.optim.Optimizer]:
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    return net, torch.optim.SGD(net.parameters(), lr=0.1)


def mlp() -> tuple[nn.Module, torch.optim.Optimizer]:
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    return net, torch.optim.SGD(net.parameters(), lr=0.1)


def lenet() -> tuple[nn.Module, torch.optim.Optimizer]:
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))
    return net, torch.optim.SGD(net.parameters(), lr=0.1)


#: The models trained for one epoch on each pipeline; those in FLOORS also on one batch.
MODELS = {"softmax": softmax_regression, "mlp": mlp, "cnn": lenet}
FLOORS = ("mlp", "cnn")


def epoch_runner(make_model: Callable, batches: Iterable) -> Callable[[], object]:
    """A function that trains a fresh model for one epoch over ``batches``."""
    loss = nn.CrossEntropyLoss()

    def run() -> object:
        net, optimizer = make_model()
        return d2l.train_epoch(net, batches, loss, optimizer)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per measurement")
    args = parser.parse_args()

    d2l.set_seed(0)
    d2l.ensure_fashion_mnist()
    classic = DataLoader(
        datasets.FashionMNIST(str(DATA_DIR), train=True, download=False,
                              transform=transforms.ToTensor()),
        batch_size=BATCH_SIZE, shuffle=True, num_workers=0)
    fast, _ = d2l.load_fashion_mnist(BATCH_SIZE)
    X, y = next(iter(fast))
    floor = [(X, y)] * len(fast)  # as many steps as an epoch, no loading at all

    print(f"machine: {platform.processor() or platform.machine()}, "
          f"{torch.get_num_threads()} torch threads, torch {torch.__version__}")
    print(f"{args.repeats} timed runs after a warm-up; medians in seconds\n")
    results = {
        "data_classic": median_seconds(lambda: one_pass(classic), args.repeats),
        "data_d2l": median_seconds(lambda: one_pass(fast), args.repeats),
    }
    for key, make_model in MODELS.items():
        pipelines = {"classic": classic, "d2l": fast} | ({"floor": floor} if key in FLOORS else {})
        for name, batches in pipelines.items():
            results[f"{key}_{name}"] = median_seconds(epoch_runner(make_model, batches),
                                                      args.repeats)
    print(f"{'measurement':<34}{'classic':>10}{'d2lutils':>10}{'ratio':>9}")
    rows = [("one pass over 60k images", "data"), ("softmax regression epoch", "softmax"),
            ("MLP 784-256-10 epoch", "mlp"), ("LeNet epoch", "cnn")]
    for label, key in rows:
        old, new = results[f"{key}_classic"], results[f"{key}_d2l"]
        print(f"{label:<34}{old:>10.3f}{new:>10.3f}{old / new:>8.1f}x")
    for label, key in [("MLP epoch, one batch in memory", "mlp"),
                       ("LeNet epoch, one batch in memory", "cnn")]:
        print(f"{label:<34}{'':>10}{results[f'{key}_floor']:>10.3f}{'(floor)':>9}")
    summary = {f"{key}_speedup": round(results[f"{key}_classic"] / results[f"{key}_d2l"], 1)
               for key in ["data", *MODELS]}
    summary |= {f"{key}_vs_floor": round(results[f"{key}_d2l"] / results[f"{key}_floor"], 2)
                for key in FLOORS}
    grading = grading_speed.grade_seconds()
    print(f"{'grade 200 submissions of 07':<34}{'':>10}{grading:>10.1f}"
          f"{f'(<= {grading_speed.TARGET_SECONDS})':>9}")
    summary["grade_seconds_per_200"] = round(grading, 1)
    print()
    print(json.dumps(summary))

if __name__ == "__main__":
    main()
