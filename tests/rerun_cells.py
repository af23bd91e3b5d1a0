"""Every notebook cell can run twice: a pytest plugin on top of nbval.

Students re-run cells. While nbval executes a notebook, this plugin runs every code cell a
second time, right after its first run, in the same kernel, and requires the second run to
pass nbval's own comparison with the stored outputs too: no error, and nothing that means
something else (accumulated gradients, a spent learning-rate schedule, a layer deleted
twice). Before each of the two runs the kernel's random generators (Python, NumPy, torch)
are put back to the same state, so a cell that draws random numbers still shows the same
ones; cells tagged ``nbval-ignore-output`` (timings) are only required not to raise.

A cell tagged ``rerun-by-construction`` trains for too long to run twice in CI. It runs
once, and is then checked by construction: every model, optimizer, schedule or trainable
tensor it uses (directly, or through the notebook's own functions) must be built in the
cell itself, so that a second run starts again from scratch. The tag is only for cells
that take at least :data:`LONG_SECONDS`.
"""

from __future__ import annotations

import copy
import time
from queue import Empty
from typing import Any

import pytest

from nbval.plugin import IPyNbCell, NbCellError, coalesce_streams

TAG = "rerun-by-construction"
LONG_SECONDS = 1.0

# Kernel-side helpers, defined once per kernel in a module of their own so that they never
# appear among the student's names.
_KERNEL_HELPERS = r'''
import sys as _sys, types as _types
_m = _sys.modules.setdefault("_d2l_rerun", _types.ModuleType("_d2l_rerun"))
exec(compile("""
import ast, random, sys, types

def save_rng():
    global state
    state = {"random": random.getstate()}
    if "numpy" in sys.modules:
        state["numpy"] = sys.modules["numpy"].random.get_state()
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        state["torch"] = torch.get_rng_state()
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state["cuda"] = torch.cuda.get_rng_state_all()

def restore_rng():
    random.setstate(state["random"])
    if "numpy" in state:
        sys.modules["numpy"].random.set_state(state["numpy"])
    if "torch" in state:
        torch = sys.modules["torch"]
        torch.set_rng_state(state["torch"])
        if "cuda" in state:
            torch.cuda.set_rng_state_all(state["cuda"])

def _code_names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names

def _is_state(value):
    torch = sys.modules.get("torch")
    if torch is None:
        return False
    if isinstance(value, torch.nn.Module):
        return any(True for _ in value.parameters()) or any(True for _ in value.buffers())
    if isinstance(value, (torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler)):
        return True
    return isinstance(value, torch.Tensor) and value.requires_grad

def reused_state(source):
    # The models, optimizers, schedules and trainable tensors that the cell `source`
    # uses but an earlier cell built (directly, or through a function of the notebook).
    shell = get_ipython()
    tree = ast.parse(shell.transform_cell(source))
    bound, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, (ast.Store, ast.Del)) else loaded).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
    namespace, found, seen = shell.user_ns, set(), set()
    todo = sorted(loaded - bound)
    while todo:
        name = todo.pop()
        if name in seen or name not in namespace:
            continue
        seen.add(name)
        value = namespace[name]
        if _is_state(value):
            found.add(name)
        elif isinstance(value, types.FunctionType) and value.__module__ == "__main__":
            todo.extend(_code_names(value.__code__) - bound)
    return sorted(found)
""", "<d2l-rerun>", "exec"), _m.__dict__)
_m.get_ipython = get_ipython
del _sys, _types, _m
'''


def _silent(item: Any, code: str, expression: str | None = None) -> Any:
    """Run ``code`` in the item's kernel without output or history; return ``expression``."""
    kernel = item.parent.kernel
    expressions = {"value": expression} if expression else {}
    msg_id = kernel.kc.execute(code, silent=True, store_history=False,
                               user_expressions=expressions, allow_stdin=False)
    while True:
        try:
            reply = kernel.get_message(stream="shell", timeout=60)
        except Empty:
            raise RuntimeError("the kernel did not answer the re-run test's helper") from None
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    content = reply["content"]
    if content["status"] != "ok":
        raise RuntimeError(f"re-run helper failed: {content.get('ename')}: "
                           f"{content.get('evalue')}")
    if expression:
        value = content["user_expressions"]["value"]
        if value["status"] != "ok":
            raise RuntimeError(f"re-run helper failed: {value.get('evalue')}")
        return value["data"]["text/plain"]
    return None


def _tags(item: Any) -> list[str]:
    return list(item.cell.metadata.get("tags", []))


def _prepare(item: Any) -> None:
    if not getattr(item.parent, "_d2l_rerun_ready", False):
        _silent(item, _KERNEL_HELPERS)
        item.parent._d2l_rerun_ready = True
    _silent(item, "import _d2l_rerun; _d2l_rerun.save_rng()")
    # nbval merges the stored stream outputs in place (it appends the later ones to the
    # first), so a second comparison would see them doubled: merge them once, on a copy.
    item.cell.outputs = coalesce_streams(copy.deepcopy(item.cell.outputs))


def _check_by_construction(item: Any, seconds: float) -> None:
    if seconds < LONG_SECONDS:
        item.raise_cell_error(f"tagged {TAG!r} but ran in {seconds:.2f} s: remove the tag, "
                              "so that the test runs it twice")
    reused = _silent(item, "import _d2l_rerun",
                     f"_d2l_rerun.reused_state({item.cell.source!r})")
    if reused != "[]":
        item.raise_cell_error(
            f"trains or uses state that an earlier cell built: {reused}. Run twice, it "
            "would go on from where its first run ended: build (or reset) the model, "
            f"optimizer and schedule in the cell itself (it is tagged {TAG!r})")


def _run_again(item: Any) -> None:
    _silent(item, "import _d2l_rerun; _d2l_rerun.restore_rng()")
    try:
        item.runtest()
    except NbCellError as err:
        raise NbCellError(item.cell_num, f"Run a second time (students re-run cells): {err}",
                          item.cell.source, err.inner_traceback) from None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Run each notebook code cell twice (or check a long training cell by construction)."""
    if not isinstance(item, IPyNbCell) or item.options.get("skip"):
        return (yield)
    _prepare(item)
    started = time.perf_counter()
    result = yield
    seconds = time.perf_counter() - started
    if TAG in _tags(item):
        _check_by_construction(item, seconds)
    else:
        _run_again(item)
    return result
