"""One epoch of a small MLP on Fashion-MNIST, in several processes, with DDP.

Start it with torchrun, which starts the processes and tells each one its rank:

    torchrun --nproc_per_node=2 ddp_train.py --out ddp.pt

With a GPU for every process, each process trains on its own GPU (backend ``nccl``);
otherwise all of them run on the CPU (backend ``gloo``). Every process holds a copy of
the model and trains on its own share of each batch (a ``DistributedSampler``); in
``backward()`` DistributedDataParallel (DDP) averages the gradients of all processes, so
every copy takes the same step. Rank 0 prints the losses and saves
``ddp_model.state_dict()`` to ``--out``. Notebook 13 runs this script and repeats the
training in one process, importing SEED, LR, LOCAL_BATCH, training_subset and make_net.
"""

from __future__ import annotations

import argparse
import gc
import os

import torch
import torch.distributed as dist
from torch import nn
from torch.nn import functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

import d2lutils as d2l

SEED = 0  # the initial weights and the order of the examples both come from it
NUM_EXAMPLES = 2048  # the first 2,048 training images: one epoch takes a fraction of a second
LOCAL_BATCH = 128  # examples per process and step
LR = 0.1


def training_subset() -> TensorDataset:
    """The first NUM_EXAMPLES training images (float32 in [0, 1]) and their labels."""
    train_iter, _ = d2l.load_fashion_mnist(batch_size=LOCAL_BATCH)
    images, labels = train_iter.tensors
    return TensorDataset(images[:NUM_EXAMPLES].float() / 255, labels[:NUM_EXAMPLES])


def make_net() -> nn.Module:
    """The MLP to train, seeded: every process starts from the same weights."""
    d2l.set_seed(SEED)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))


def backend_and_device(local_rank: int, world_size: int) -> tuple[str, torch.device]:
    """nccl on GPU ``local_rank`` if every process gets a GPU, else gloo on the CPU."""
    if torch.cuda.is_available() and torch.cuda.device_count() >= world_size:
        return "nccl", torch.device("cuda", local_rank)
    return "gloo", torch.device("cpu")


def train(out: str, device: torch.device) -> None:
    """Train for one epoch; rank 0 prints the losses and saves the state_dict to ``out``."""
    rank, world_size = dist.get_rank(), dist.get_world_size()
    dataset = training_subset()
    sampler = DistributedSampler(dataset, shuffle=True, seed=SEED)  # this rank's share
    loader = DataLoader(dataset, batch_size=LOCAL_BATCH, sampler=sampler)
    device_ids = [device] if device.type == "cuda" else None  # None on the CPU
    ddp_model = DistributedDataParallel(make_net().to(device), device_ids=device_ids)
    optimizer = torch.optim.SGD(ddp_model.parameters(), lr=LR)
    sampler.set_epoch(0)  # epoch e shuffles with the seed SEED + e, on every rank alike
    losses = []
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        loss = F.cross_entropy(ddp_model(X), y)  # the mean over this process's batch
        optimizer.zero_grad()
        loss.backward()  # DDP averages the gradients of all processes here
        optimizer.step()
        total = loss.detach().clone()
        dist.all_reduce(total)  # the sum of the processes' losses, on every rank
        losses.append(total.item() / world_size)
    if rank == 0:
        print(f"{world_size} processes, backend {dist.get_backend()}, device {device}")
        print(f"each process: {len(sampler)} examples, {len(losses)} local batches of up to "
              f"{LOCAL_BATCH}")
        print("loss per step:", " ".join(f"{loss:.4f}" for loss in losses))
        torch.save(ddp_model.state_dict(), out)
        print("rank 0 saved ddp_model.state_dict()")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="file for rank 0's ddp_model.state_dict()")
    args = parser.parse_args()
    # torchrun sets LOCAL_RANK and WORLD_SIZE (and RANK, MASTER_ADDR, MASTER_PORT).
    backend, device = backend_and_device(int(os.environ["LOCAL_RANK"]),
                                         int(os.environ["WORLD_SIZE"]))
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(backend)  # connects to the other processes
    try:
        train(args.out, device)
    finally:
        # DDP leaves objects in reference cycles that still use the process group. Free
        # them now: freed at exit, after destroy_process_group, they can make gloo abort
        # with "terminate called without an active exception" (PyTorch issue 190489).
        gc.collect()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
