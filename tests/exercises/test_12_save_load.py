"""Wrong answers to the exercises of notebook 12 get a hint about their mistake."""

from __future__ import annotations

import pytest

from exercise_cells import assert_right, assert_wrong

NOTEBOOK = "12-save-load"

# Exercise 1: save_run / load_run. RUN is the solution; students change one part of it.
RUN = """
def save_run(path, net, optimizer, scheduler, epoch):
    torch.save({"epoch": epoch, "model": net.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "rng": torch.get_rng_state()}, path)


def load_run(path, net, optimizer, scheduler):
    ckpt = torch.load(path)
    net.load_state_dict(ckpt["model"])
    optimizer.load_state_dict(ckpt["optimizer"])
    scheduler.load_state_dict(ckpt["scheduler"])
    torch.set_rng_state(ckpt["rng"])
    return ckpt["epoch"]
"""


def run_with(old: str, new: str) -> str:
    """The solution of exercise 1 with one line replaced by a student's version of it."""
    assert old in RUN, old
    return RUN.replace(old, new)


# Exercise 3: load_latest(folder), a solution whose marked lines students write differently.
LATEST = """
def load_latest(folder):
    numbered = sorted((path for path in folder.glob("epoch-*.pt")
                       if path.stem.removeprefix("epoch-").isdigit()),
                      key=lambda path: int(path.stem.removeprefix("epoch-")))
    for path in reversed(numbered):
        try:
            return d2l.load_checkpoint(path)
        except d2l.CheckpointError:
            pass
    return None
"""

WRONG_ANSWERS = [
    # Exercise 1
    pytest.param("check_save_load_run", run_with(
        '    optimizer.load_state_dict(ckpt["optimizer"])\n', ""),
        "the optimizer has no state", id="run-forgets-the-optimizer"),
    pytest.param("check_save_load_run", run_with(
        '    optimizer.load_state_dict(ckpt["optimizer"])\n',
        '    optimizer = torch.optim.Adam(net.parameters())\n'
        '    optimizer.load_state_dict(ckpt["optimizer"])\n'),
        "into the optimizer you are given", id="run-loads-into-a-new-optimizer"),
    pytest.param("check_save_load_run", run_with(
        '    scheduler.load_state_dict(ckpt["scheduler"])\n', ""),
        "the scheduler starts again at epoch 0", id="run-forgets-the-scheduler"),
    pytest.param("check_save_load_run", run_with(
        '    torch.set_rng_state(ckpt["rng"])\n', ""),
        "random number generator was not restored", id="run-forgets-the-rng"),
    pytest.param("check_save_load_run", """
def save_run(path, net, optimizer, scheduler, epoch):
    torch.save({"epoch": epoch, "net": net, "optimizer": optimizer,
                "scheduler": scheduler, "rng": torch.get_rng_state()}, path)


def load_run(path, net, optimizer, scheduler):
    ckpt = torch.load(path, weights_only=False)
    net.load_state_dict(ckpt["net"].state_dict())
    optimizer.load_state_dict(ckpt["optimizer"].state_dict())
    scheduler.load_state_dict(ckpt["scheduler"].state_dict())
    torch.set_rng_state(ckpt["rng"])
    return ckpt["epoch"]
""", "the file holds pickled objects", id="run-saves-the-objects"),
    pytest.param("check_save_load_run", run_with(
        '    return ckpt["epoch"]', '    return ckpt["epoch"] + 1'),
        "returned 4, but the run was saved with epoch = 3", id="run-off-by-one"),
    pytest.param("check_save_load_run", run_with(
        '    return ckpt["epoch"]', '    net.eval()\n    return ckpt["epoch"]'),
        "left the net in evaluation mode", id="run-switches-to-eval"),
    pytest.param("check_save_load_run", run_with(
        '    return ckpt["epoch"]', '    ckpt["epoch"]'),
        "returned None: return the epoch", id="run-forgets-return"),
    # Exercise 2
    pytest.param("check_rename_prefix", """
def rename_prefix(state_dict, old, new):
    return {key.replace(old, new): value for key, value in state_dict.items()}
""", "'module.submodule.0.weight' into 'sub0.weight'", id="rename-with-replace"),
    pytest.param("check_rename_prefix", """
def rename_prefix(state_dict, old, new):
    return {key.replace(old, new, 1): value for key, value in state_dict.items()}
""", "'4.0.weight' into '4.body.0.weight'", id="rename-first-occurrence"),
    pytest.param("check_rename_prefix", """
def rename_prefix(state_dict, old, new):
    return {new + key.lstrip(old) if key.startswith(old) else key: value
            for key, value in state_dict.items()}
""", "str.lstrip removes any of the characters", id="rename-with-lstrip"),
    pytest.param("check_rename_prefix", """
def rename_prefix(state_dict, old, new):
    return {new + key[len(old):]: value for key, value in state_dict.items()}
""", "'2.weight' does not start with '0.'", id="rename-every-key"),
    pytest.param("check_rename_prefix", """
def rename_prefix(state_dict, old, new):
    return {new + key[len(old):]: value for key, value in state_dict.items()
            if key.startswith(old)}
""", "lost the key '2.weight'", id="rename-drops-other-keys"),
    pytest.param("check_rename_prefix", """
def rename_prefix(state_dict, old, new):
    for key in list(state_dict):
        if key.startswith(old):
            state_dict[new + key[len(old):]] = state_dict.pop(key)
    return state_dict
""", "returned the dict it was given", id="rename-in-place"),
    pytest.param("check_rename_prefix", """
def rename_prefix(state_dict, old, new):
    return {key.removeprefix("module."): value for key, value in state_dict.items()}
""", "returned the keys unchanged", id="rename-ignores-the-arguments"),
    pytest.param("check_rename_prefix", """
import re

def rename_prefix(state_dict, old, new):
    return {re.sub("^" + old, new, key): value for key, value in state_dict.items()}
""", "'fc1.weight' into 'head..weight': 'fc.' was used as a regular expression",
        id="rename-with-an-unescaped-regex"),
    pytest.param("check_rename_prefix", """
import re

def rename_prefix(state_dict, old, new):
    return {new + key[len(old):] if re.match(old, key) else key: value
            for key, value in state_dict.items()}
""", "where '.' matches any character", id="rename-matches-an-unescaped-regex"),
    # Exercise 3
    pytest.param("check_load_latest", LATEST.replace(
        'key=lambda path: int(path.stem.removeprefix("epoch-")))', ")"),
        "as strings 'epoch-10.pt' < 'epoch-9.pt'", id="latest-sorts-names"),
    pytest.param("check_load_latest", LATEST.replace(
        '(path for path in folder.glob("epoch-*.pt")\n'
        '                       if path.stem.removeprefix("epoch-").isdigit())', 'folder.glob("epoch-*.pt")'),
        "epoch-best.pt", id="latest-crashes-on-a-name-without-a-number"),
    pytest.param("check_load_latest", """
def load_latest(folder):
    def number(path):
        digits = path.stem.removeprefix("epoch-")
        return int(digits) if digits.isdigit() else 10**9
    for path in sorted(folder.glob("epoch-*.pt"), key=number, reverse=True):
        try:
            return d2l.load_checkpoint(path)
        except d2l.CheckpointError:
            pass
    return None
""", "returned epoch-best.pt", id="latest-counts-a-name-without-a-number"),
    pytest.param("check_load_latest", LATEST.replace(
        'key=lambda path: int(path.stem.removeprefix("epoch-")))',
        "key=lambda path: path.stat().st_mtime)"),
        "the file modified last", id="latest-by-modification-time"),
    pytest.param("check_load_latest", LATEST.replace("reversed(numbered)", "numbered"),
                 "returned epoch-2.pt, the oldest", id="latest-oldest-first"),
    pytest.param("check_load_latest", """
def load_latest(folder):
    numbered = sorted((path for path in folder.glob("epoch-*.pt")
                       if path.stem.removeprefix("epoch-").isdigit()),
                      key=lambda path: int(path.stem.removeprefix("epoch-")))
    return d2l.load_checkpoint(numbered[-1]) if numbered else None
""", "raised CheckpointError for epoch-11.pt", id="latest-no-fallback"),
    pytest.param("check_load_latest", """
def load_latest(folder):
    numbered = sorted((path for path in folder.glob("epoch-*.pt")
                       if path.stem.removeprefix("epoch-").isdigit()),
                      key=lambda path: int(path.stem.removeprefix("epoch-")))
    try:
        return d2l.load_checkpoint(numbered[-1])
    except d2l.CheckpointError:
        return d2l.load_checkpoint(numbered[-2])
""", "raised CheckpointError for epoch-10.pt", id="latest-falls-back-once"),
    pytest.param("check_load_latest", LATEST.replace("d2l.load_checkpoint(path)",
                                                     "torch.load(path)"),
                 "load with d2l.load_checkpoint", id="latest-torch-load"),
    pytest.param("check_load_latest", LATEST.replace("    return None\n",
                                                     "    raise d2l.CheckpointError('none')\n"),
                 "return None when no checkpoint loads", id="latest-raises-when-none"),
    pytest.param("check_load_latest", LATEST.replace("return d2l.load_checkpoint(path)",
                                                     "d2l.load_checkpoint(path)\n"
                                                     "            return path"),
                 "return the loaded checkpoint", id="latest-returns-the-path"),
    pytest.param("check_load_latest", LATEST.replace('folder.glob("epoch-*.pt")',
                                                     'Path.cwd().glob("epoch-*.pt")'),
                 "returned None, but the folder holds epoch-2.pt", id="latest-looks-elsewhere"),
    pytest.param("check_load_latest", """
import os

def load_latest(folder):
    names = [name for name in os.listdir(folder)
             if name.startswith("epoch-") and name[6:-3].isdigit()]
    for name in sorted(names, key=lambda name: int(name[6:-3]), reverse=True):
        return d2l.load_checkpoint(name)
    return None
""", "asked d2l.load_checkpoint for 'epoch-10.pt', which is not in folder",
        id="latest-loads-bare-names"),
    pytest.param("check_load_latest", """
def load_latest(folder):
    def number(path):
        digits = path.stem.removeprefix("epoch-")
        return int(digits) if digits.isdigit() else -1
    for path in sorted(folder.glob("epoch-*.pt"), key=number, reverse=True):
        try:
            return d2l.load_checkpoint(path)
        except d2l.CheckpointError:
            pass
    return None
""", "as its only epoch-<n>.pt returned epoch-best.pt", id="latest-falls-back-to-best"),
]

RIGHT_ANSWERS = [
    pytest.param("check_rename_prefix", """
import re

def rename_prefix(state_dict, old, new):
    return {re.sub("^" + re.escape(old), new, key): value for key, value in state_dict.items()}
""", id="rename-with-an-escaped-regex"),
    pytest.param("check_rename_prefix", """
def rename_prefix(state_dict, old, new):
    return {new + key.removeprefix(old) if key.startswith(old) else key: value
            for key, value in state_dict.items()}
""", id="rename-with-removeprefix"),
    pytest.param("check_load_latest", LATEST, id="latest-sorted-by-number"),
]


@pytest.mark.parametrize("checker, answer, hint", WRONG_ANSWERS)
def test_wrong_answer_gets_its_hint(checker: str, answer: str, hint: str) -> None:
    assert_wrong(NOTEBOOK, checker, answer, hint)


@pytest.mark.parametrize("checker, answer", RIGHT_ANSWERS)
def test_right_answer_written_differently_passes(checker: str, answer: str) -> None:
    assert_right(NOTEBOOK, checker, answer)
