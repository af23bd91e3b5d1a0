"""Checkers for the exercises of notebook 12, Saving and loading.

1. ``save_run(path, net, optimizer, scheduler, epoch)`` and
   ``load_run(path, net, optimizer, scheduler)``: a checkpoint that lets training go on
   exactly as if it had never stopped (model, optimizer, scheduler, RNG, epoch).
2. ``rename_prefix(state_dict, old, new)``: a new dict in which the keys that start
   with ``old`` start with ``new`` instead (strips ``module.``, renames ``hidden.``).
3. ``load_latest(folder)``: the newest ``epoch-<n>.pt`` that loads, falling back past
   broken files; ``None`` when none loads.

Every file a check writes goes into a temporary folder that it deletes at the end.
"""

from __future__ import annotations

import copy
import dis
import os
import pickle
import re
import tempfile
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ..checkpoint import CheckpointError, save_checkpoint
from .core import StudentError, Wrong, attempt, call, checker, expect, not_attempted


@contextmanager
def _scratch_folder() -> Iterator[Path]:
    """A new empty folder, deleted with everything in it when the block ends."""
    with tempfile.TemporaryDirectory(prefix="d2l-check-") as name:
        yield Path(name)


# Exercise 1 ------------------------------------------------------------------------------

EPOCHS, STOP = 6, 3  # the full run, and the epoch after which it is interrupted
BATCH = 16


class _Net(nn.Module):
    """6 features -> 16 hidden units (ReLU, dropout) -> 3 classes."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(6, 16)
        self.dropout = nn.Dropout(0.3)
        self.output = nn.Linear(16, 3)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.output(self.dropout(F.relu(self.hidden(X))))


Run = tuple[nn.Module, torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler]


def _make_run(seed: int) -> Run:
    """A fresh net (weights from ``seed``), Adam, and a StepLR halving lr every 2 epochs."""
    torch.manual_seed(seed)
    net = _Net()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.02)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    return net, optimizer, scheduler


def _train(run: Run, data: tuple[torch.Tensor, torch.Tensor], epochs: range) -> None:
    """Train ``epochs``: shuffle with torch's global RNG, dropout on, a scheduler step per epoch."""
    net, optimizer, scheduler = run
    X, y = data
    net.train()
    for _ in epochs:
        order = torch.randperm(len(X))
        for start in range(0, len(X), BATCH):
            idx = order[start:start + BATCH]
            optimizer.zero_grad()
            F.cross_entropy(net(X[idx]), y[idx]).backward()
            optimizer.step()
        scheduler.step()


def _first_difference(got: Mapping[str, torch.Tensor],
                      want: Mapping[str, torch.Tensor]) -> str | None:
    """The first name whose tensor in ``got`` is missing or differs from ``want``."""
    for name, tensor in want.items():
        if name not in got or not torch.equal(got[name], tensor):
            return name
    return None


def _blocked(err: Exception) -> str:
    """What the safe loader refused, in the student's terms."""
    found = re.search(r"GLOBAL ([\w.]+)", str(err))
    if found is None:
        return "objects of some class"
    name = found.group(1)
    return "the model object" if name.endswith("._Net") else name


def _check_file(folder: Path, path: Path, name: str, load_run: Callable) -> None:
    """save_run wrote ``path``, a file torch.load reads with weights_only=True."""
    if not path.exists():
        others = sorted(p.name for p in folder.iterdir())
        expect(not others, f"{name} wrote {others} instead of the file path: pass path to "
                           "torch.save")
        try:  # both functions still the stubs, or only save_run?
            stub = load_run(path, *_make_run(seed=123)) in (None, Ellipsis)
        except Exception:  # noqa: BLE001 - load_run looked for the missing file
            stub = False
        if stub:
            raise not_attempted(name)
        raise Wrong(f"{name} wrote no file at path: save the checkpoint with torch.save(..., path)")
    expect(zipfile.is_zipfile(path), f"{name} wrote a file that is not in torch.save's format "
                                     "(a zip archive): write it with torch.save(obj, path)")
    try:
        torch.load(path, weights_only=True)
    except pickle.UnpicklingError as err:
        raise Wrong(f"the file holds pickled objects ({_blocked(err)}), not just tensors and "
                    "numbers, so torch.load refuses it by default: save net.state_dict(), "
                    "optimizer.state_dict() and scheduler.state_dict(), not the objects") from err
    except Exception as err:  # anything else unreadable is the answer's fault
        raise Wrong(f"torch.load(path) cannot read the file save_run wrote "
                    f"({type(err).__name__}): write it with torch.save") from err


def _load_into_fresh(load_run: Callable, path: Path,
                     saved_model: dict[str, torch.Tensor]) -> tuple[Run, Any]:
    """Build fresh objects from another seed (the crash) and call ``load_run`` on them."""
    run = _make_run(seed=123)
    name = "load_run(path, net, optimizer, scheduler)"
    epoch = call(load_run, path, *run, name=name, allow_none=True)
    if epoch is None or epoch is Ellipsis:
        if _first_difference(run[0].state_dict(), saved_model) is None:
            raise Wrong(f"{name} returned None: return the epoch stored in the file")
        raise not_attempted(name)
    return run, epoch


def _check_epoch(epoch: Any) -> None:
    name = "load_run(path, net, optimizer, scheduler)"
    expect(isinstance(epoch, int) and not isinstance(epoch, bool),
           f"{name} returned a {type(epoch).__name__}; return the epoch as an int "
           "(the number save_run received)")
    expect(epoch != STOP + 1,
           f"{name} returned {epoch}, but the run was saved with epoch = {STOP} ({STOP} epochs "
           "done): return that same number, training goes on with range(epoch, num_epochs)")
    expect(epoch == STOP, f"{name} returned {epoch}; it should return the epoch that save_run "
                          f"stored, {STOP}")


def _check_restored(run: Run, saved: dict[str, Any]) -> None:
    """The fresh objects now hold exactly what the interrupted run had at the save."""
    net, optimizer, scheduler = run
    where = _first_difference(net.state_dict(), saved["model"])
    expect(where is None, f"after load_run the net's {where} is not the saved one: load the "
                          "saved weights into the net you are given, net.load_state_dict(...)")
    expect(net.training, "load_run left the net in evaluation mode; training goes on, with "
                         "dropout, so do not call net.eval() in load_run")
    state = optimizer.state_dict()["state"]
    expect(bool(state), "after load_run the optimizer has no state: Adam lost its running "
                        "averages and restarts at step 0. Save optimizer.state_dict() and load it "
                        "with optimizer.load_state_dict(...) into the optimizer you are given")
    for index, buffers in saved["optimizer"]["state"].items():
        for key, value in buffers.items():
            mine = state.get(index, {}).get(key)
            expect(isinstance(mine, torch.Tensor) and torch.equal(mine, value),
                   f"after load_run the optimizer's {key} of parameter {index} is not the saved "
                   "one: save optimizer.state_dict() when you save the weights")
    last = scheduler.last_epoch
    expect(last != 0, f"after load_run the scheduler starts again at epoch 0 (it was at epoch "
                      f"{saved['scheduler']['last_epoch']}), so the learning rate would drop at "
                      "the wrong epochs: save scheduler.state_dict() and load it with "
                      "scheduler.load_state_dict(...) into the scheduler you are given")
    expect(last == saved["scheduler"]["last_epoch"],
           f"after load_run the scheduler is at epoch {last}, not "
           f"{saved['scheduler']['last_epoch']}: restore scheduler.state_dict()")
    lr = optimizer.param_groups[0]["lr"]
    expect(lr == saved["lr"], f"after load_run the learning rate is {lr:g}, not {saved['lr']:g}")
    expect(torch.equal(torch.get_rng_state(), saved["rng"]),
           "torch's random number generator was not restored, so after the restart dropout "
           "masks and the data order differ from the uninterrupted run: save "
           "torch.get_rng_state() and restore it with torch.set_rng_state(...)")


@checker
def check_save_load_run(save_run: Callable[..., Any], load_run: Callable[..., Any]) -> str:
    """Round trip at epoch 3 of 6 into fresh objects; the resumed run must match bit for bit."""
    X = torch.randn(96, 6)
    data = X, X[:, :3].argmax(dim=1)  # 3 classes, decided by the first 3 features
    reference = _make_run(seed=0)
    _train(reference, data, range(EPOCHS))

    interrupted = _make_run(seed=0)
    _train(interrupted, data, range(STOP))
    net, optimizer, scheduler = interrupted
    saved = {"model": copy.deepcopy(net.state_dict()),
             "optimizer": copy.deepcopy(optimizer.state_dict()),
             "scheduler": copy.deepcopy(scheduler.state_dict()),
             "lr": optimizer.param_groups[0]["lr"], "rng": torch.get_rng_state()}
    with _scratch_folder() as folder:
        path = folder / "run.pt"
        name = f"save_run(path, net, optimizer, scheduler, {STOP})"
        call(save_run, path, net, optimizer, scheduler, STOP, name=name, allow_none=True)
        _check_file(folder, path, name, load_run)
        del net, optimizer, scheduler, interrupted  # the crash
        resumed, epoch = _load_into_fresh(load_run, path, saved["model"])
    _check_epoch(epoch)
    _check_restored(resumed, saved)
    _train(resumed, data, range(epoch, EPOCHS))
    where = _first_difference(resumed[0].state_dict(), reference[0].state_dict())
    expect(where is None, f"after resuming, {where} differs from the uninterrupted run: "
                          "something training depends on was not saved or not restored")
    return (f"a run saved after epoch {STOP} and loaded into fresh objects (Adam, StepLR, "
            f"dropout) finished epochs {STOP + 1}-{EPOCHS} bit for bit like the uninterrupted run")


# Exercise 2 ------------------------------------------------------------------------------


class _Inner(nn.Module):
    """A model with a child named ``submodule`` and one named ``embed``: traps for bad renames."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(4, 3)
        self.submodule = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.submodule(self.embed(X))


def _pretrained() -> dict[str, torch.Tensor]:
    """The state_dict of an nn.Sequential whose first layer is to become ``body.0``."""
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                        nn.Sequential(nn.Linear(8, 8), nn.ReLU()), nn.Linear(8, 3))
    return net.state_dict()


def _head_renamed() -> dict[str, torch.Tensor]:
    """LeNet-style names: the head ``fc`` is to become ``head``, ``fc1`` must stay as it is."""
    return nn.Sequential(OrderedDict(fc1=nn.Linear(4, 8), relu=nn.ReLU(),
                                     fc=nn.Linear(8, 3))).state_dict()


def _regex_renames(old: str, new: str) -> list[Callable[[str], str]]:
    """What renaming with ``old`` as an (unescaped) regular expression does to a key."""
    def slice_after_match(key: str) -> str:
        return new + key[len(old):] if re.match(old, key) else key
    return [lambda key: re.sub("^" + old, new, key), lambda key: re.sub(old, new, key, count=1),
            lambda key: re.sub(old, new, key), slice_after_match]


def _expected(state_dict: Mapping[str, Any], old: str, new: str) -> dict[str, str]:
    """Each old key -> its new key."""
    return {key: new + key[len(old):] if key.startswith(old) else key for key in state_dict}


def _example(keys: Mapping[str, str], test: Callable[[str, str], bool]) -> tuple[str, str] | None:
    return next(((old, new) for old, new in keys.items() if test(old, new)), None)


def _rename_mistake(state_dict: Mapping[str, Any], old: str, new: str,
                    got: Mapping[str, Any]) -> None:
    """Name the mistake when the keys of ``got`` are not the expected ones."""
    want = _expected(state_dict, old, new)
    if set(got) == set(want.values()):
        return
    name = f"rename_prefix(state_dict, {old!r}, {new!r})"
    if set(got) == {key.replace(old, new) for key in state_dict}:
        key = _example(want, lambda k, _: k.replace(old, new) != want[k])
        raise Wrong(f"{name} turned {key[0]!r} into {key[0].replace(old, new)!r} instead of "
                    f"{key[1]!r}: change {old!r} only at the start of a key, never inside it")
    if set(got) == {new + key.lstrip(old) if key.startswith(old) else key for key in state_dict}:
        key = _example(want, lambda k, v: k.startswith(old) and new + k.lstrip(old) != v)
        raise Wrong(f"{name} turned {key[0]!r} into {new + key[0].lstrip(old)!r}: str.lstrip "
                    f"removes any of the characters of {old!r}, not the prefix itself; "
                    "use key.removeprefix(old) or key[len(old):]")
    for rename in _regex_renames(old, new):
        if set(got) == {rename(key) for key in state_dict}:
            key = _example(want, lambda k, v: rename(k) != v)
            raise Wrong(f"{name} turned {key[0]!r} into {rename(key[0])!r}: {old!r} was used "
                        "as a regular expression, where '.' matches any character; compare "
                        "plain text, key.startswith(old), and slice with key[len(old):] "
                        "(or escape it, re.escape(old))")
    if set(got) == {new + key[len(old):] for key in state_dict}:
        key = _example(want, lambda k, _: not k.startswith(old))
        raise Wrong(f"{key[0]!r} does not start with {old!r} but it was changed to "
                    f"{new + key[0][len(old):]!r}: rename only the keys that start with {old!r}")
    if set(got) == set(state_dict):
        raise Wrong(f"{name} returned the keys unchanged: use the arguments, the keys that "
                    f"start with {old!r} should start with {new!r} instead")
    missing = [key for key in want.values() if key not in got]
    if missing and set(got) <= set(want.values()):
        raise Wrong(f"{name} lost the key {missing[0]!r}: keys that do not start with {old!r} "
                    "stay in the result, unchanged")
    if missing:
        source = next(key for key, target in want.items() if target == missing[0])
        raise Wrong(f"{name} should turn {source!r} into {missing[0]!r}, but the result has "
                    "no such key")
    extra = sorted(set(got) - set(want.values()))
    raise Wrong(f"{name} returned the unexpected key {extra[0]!r}")


def _check_rename(rename_prefix: Callable, state_dict: dict[str, torch.Tensor], old: str,
                  new: str, first: bool) -> dict[str, Any]:
    """One call of ``rename_prefix``: a new dict, input untouched, right keys and values."""
    name = f"rename_prefix(state_dict, {old!r}, {new!r})"
    before = {key: (value, value.clone()) for key, value in state_dict.items()}
    got = (attempt if first else call)(rename_prefix, state_dict, old, new, name=name)
    expect(isinstance(got, Mapping), f"{name} returned a {type(got).__name__}; return a dict")
    expect(got is not state_dict, f"{name} returned the dict it was given: build and return a "
                                  "new dict, and leave state_dict as it was")
    expect(list(state_dict) == list(before),
           f"{name} changed the keys of state_dict itself: build a new dict instead")
    for key, (value, copy_) in before.items():
        expect(state_dict[key] is value and torch.equal(value, copy_),
               f"{name} changed the value of {key!r} in state_dict itself; leave it as it was")
    _rename_mistake(state_dict, old, new, got)
    for key, target in _expected(state_dict, old, new).items():
        expect(isinstance(got[target], torch.Tensor) and torch.equal(got[target], state_dict[key]),
               f"{name}: the value under {target!r} should be the tensor of {key!r}, unchanged")
    return dict(got)


@checker
def check_rename_prefix(rename_prefix: Callable[[dict, str, str], dict]) -> str:
    """Strip DataParallel's ``module.`` and rename ``0.`` to ``body.0.``; input never changed."""
    wrapped = nn.DataParallel(_Inner()).state_dict()
    stripped = _check_rename(rename_prefix, wrapped, "module.", "", first=True)
    inner = _Inner()
    expect(str(inner.load_state_dict(stripped)) == "<All keys matched successfully>",
           "the stripped dict does not load into the unwrapped model")
    _check_rename(rename_prefix, _pretrained(), "0.", "body.0.", first=False)
    _check_rename(rename_prefix, _head_renamed(), "fc.", "head.", first=False)
    return ("keys renamed only where they start with the prefix ('module.submodule.0.weight' -> "
            "'submodule.0.weight', '4.0.weight' and 'fc1.weight' unchanged), a new dict, the "
            "input untouched")


# Exercise 3 ------------------------------------------------------------------------------


def _write(folder: Path, epoch: int, kind: str = "good") -> None:
    """Save ``epoch-<epoch>.pt``: a good checkpoint, a truncated one, or an empty file."""
    path = folder / f"epoch-{epoch}.pt"
    save_checkpoint(path, epoch=epoch, model={"weight": torch.randn(3, 2)})
    if kind == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[:len(data) // 2])
    elif kind == "empty":
        path.write_bytes(b"")


def _distractors(folder: Path) -> None:
    """Files that are not numbered checkpoints: notes, the temporary file of an interrupted
    save, and a checkpoint named after no epoch number."""
    (folder / "notes.txt").write_text("lr 0.1, batch 32\n")
    (folder / ".epoch-12.pt.x7k2.tmp").write_bytes(b"PK\x03\x04")
    save_checkpoint(folder / "epoch-best.pt", epoch=99, model={"weight": torch.randn(3, 2)})


def _set_mtimes(folder: Path, order: list[int]) -> None:
    """Give the checkpoints modification times in ``order`` (last = modified most recently)."""
    for rank, epoch in enumerate(order):
        stamp = 1_700_000_000 + 60 * rank
        os.utime(folder / f"epoch-{epoch}.pt", (stamp, stamp))


def _does_nothing(func: Callable) -> bool:
    """True for the stub: a function whose body is only ``...``, ``pass`` or ``return None``."""
    try:
        operations = {step.opname for step in dis.get_instructions(func)}
    except TypeError:  # not a Python function
        return False
    return operations <= {"RESUME", "NOP", "LOAD_CONST", "RETURN_VALUE", "RETURN_CONST"}


def _latest(load_latest: Callable, folder: Path, first: bool) -> Any:
    """Call ``load_latest(folder)``; a CheckpointError that escapes it gets a hint.

    On the ``first`` call, ``None`` from a function that does nothing is the untouched stub.
    """
    name = "load_latest(folder)"
    try:
        result = call(load_latest, folder, name=name, allow_none=True)
    except StudentError as err:
        cause = err.__cause__
        if isinstance(cause, CheckpointError):
            broken = Path(str(cause).split(": ")[0])
            if not broken.exists() and broken.parent != folder:
                raise Wrong(f"{name} asked d2l.load_checkpoint for {str(broken)!r}, which is "
                            "not in folder: load every file by its full path, folder / name "
                            "(folder.glob(...) gives such paths; os.listdir(folder) gives "
                            "bare names)") from err
            raise Wrong(f"{name} raised CheckpointError for {broken.name}: catch "
                        "d2l.CheckpointError and go on to the next older checkpoint, as often "
                        "as needed") from err
        if isinstance(cause, ValueError) and "'best'" in str(cause):  # int("best")
            raise Wrong(f"{name} raised ValueError for epoch-best.pt: a name whose part after "
                        "'epoch-' is not a number is no numbered checkpoint; skip it") from err
        if isinstance(cause, (RuntimeError, EOFError, pickle.UnpicklingError)):
            raise Wrong(f"{name} raised {type(cause).__name__} for a broken file: load with "
                        "d2l.load_checkpoint, which raises d2l.CheckpointError, and catch "
                        "that") from err
        raise
    if first and result is None and _does_nothing(load_latest):
        raise not_attempted(name)
    return result


def _epoch_of(result: Any, name: str) -> int:
    expect(isinstance(result, Mapping) and "epoch" in result,
           f"{name} returned a {type(result).__name__}; return the loaded checkpoint, "
           "the dict that d2l.load_checkpoint(path) returns")
    return int(result["epoch"])


def _check_all_good(load_latest: Callable) -> None:
    """epoch-2, 5, 9, 10 all load; 10 is the oldest file on disk, 5 the most recent."""
    with _scratch_folder() as folder:
        for epoch in (2, 5, 9, 10):
            _write(folder, epoch)
        _distractors(folder)
        _set_mtimes(folder, [10, 2, 9, 5])
        result = _latest(load_latest, folder, first=True)
    expect(result is not None,
           "load_latest(folder) returned None, but the folder holds epoch-2.pt, epoch-5.pt, "
           "epoch-9.pt and epoch-10.pt, all good: look in folder, the argument, and load each "
           "file by its full path (folder / name)")
    got = _epoch_of(result, "load_latest(folder)")
    expect(got != 99, "load_latest(folder) returned epoch-best.pt: only files named epoch-<n>.pt, "
                      "with a number n, count; skip the others")
    expect(got != 9, "load_latest(folder) returned epoch-9.pt, but epoch-10.pt is newer: compare "
                     "the epoch numbers as integers; as strings 'epoch-10.pt' < 'epoch-9.pt'")
    expect(got != 5, "load_latest(folder) returned epoch-5.pt, the file modified last; the newest "
                     "checkpoint is the one with the highest epoch number in its name, epoch-10.pt")
    expect(got != 2, "load_latest(folder) returned epoch-2.pt, the oldest; start from the "
                     "highest epoch number, epoch-10.pt")
    expect(got == 10, f"load_latest(folder) returned epoch {got}; with epoch-2, 5, 9 and 10 all "
                      "fine it should return epoch-10.pt")


def _check_fallback(load_latest: Callable) -> None:
    """epoch-11 is truncated and epoch-10 empty: the answer is epoch-9."""
    with _scratch_folder() as folder:
        for epoch, kind in ((2, "good"), (9, "good"), (10, "empty"), (11, "truncated")):
            _write(folder, epoch, kind)
        _distractors(folder)
        result = _latest(load_latest, folder, first=False)
    name = "load_latest(folder) with epoch-11.pt truncated and epoch-10.pt empty"
    expect(result is not None, f"{name} returned None; it should fall back to epoch-9.pt, the "
                               "newest checkpoint that loads")
    got = _epoch_of(result, name)
    expect(got == 9, f"{name} returned epoch-{got}.pt; it should fall back to epoch-9.pt, the "
                     "newest checkpoint that loads")


def _check_nothing_loads(load_latest: Callable) -> None:
    """A folder with only a broken checkpoint, and an empty folder: None."""
    for broken in (True, False):
        what = "a truncated epoch-3.pt as its only epoch-<n>.pt" if broken else "no files"
        name = f"load_latest(folder) on a folder with {what}"
        with _scratch_folder() as folder:
            if broken:
                _write(folder, 3, "truncated")
                _distractors(folder)
            try:
                result = call(load_latest, folder, name=name, allow_none=True)
            except StudentError as err:
                cause = err.__cause__
                text = " ".join(str(cause).split())[:120]
                raise Wrong(f"{name} raised {type(cause).__name__}: {text}; return None when "
                            "no checkpoint loads, so training can start from scratch") from err
        expect(not (isinstance(result, Mapping) and result.get("epoch") == 99),
               f"{name} returned epoch-best.pt: only files named epoch-<n>.pt, with a number n, "
               "count; skip the others")
        expect(result is None, f"{name} returned a {type(result).__name__}; return None when "
                               "no checkpoint loads")


@checker
def check_load_latest(load_latest: Callable[[Path], Any]) -> str:
    """The highest epoch number that loads; broken files skipped; None when nothing loads."""
    _check_all_good(load_latest)
    _check_fallback(load_latest)
    _check_nothing_loads(load_latest)
    return ("picks the highest epoch number (10 > 9, not by name or date), falls back past a "
            "truncated and an empty file, ignores other files, and returns None when nothing loads")
