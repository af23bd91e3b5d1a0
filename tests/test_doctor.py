"""`make doctor`: every fault a student meets gives its ✘ line and the fix; a healthy set-up
gives only ✔, and the quick form (notebook 01's first cell) prints nothing.

Faults are simulated: fake package versions, an empty data folder, a kernel spec of another
Python, a fake `nvidia-smi` on PATH, torch's functions monkeypatched, a torch that fails to
import. This machine's own environment is the healthy one (`make test` builds it first).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import d2lutils
from d2lutils import doctor
from d2lutils.doctor import checks, report
from d2lutils.doctor.checks import Result, Setup

ROOT = checks.ROOT
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
TORCH_PIN = next(r for r in PROJECT["dependencies"] if r.startswith("torch=="))
REINSTALL = '.venv/bin/python -m pip install -e ".[dev]"'


def lines(results: list[Result]) -> list[str]:
    return [result.line() for result in results]


def fake_versions(**fake: str | None):
    """importlib.metadata.version with some packages changed (None: not installed)."""
    def version(name: str) -> str:
        if name not in fake:
            return importlib.metadata.version(name)
        if fake[name] is None:
            raise importlib.metadata.PackageNotFoundError(name)
        return fake[name]
    return version


def executable(path: Path, script: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    path.chmod(0o755)
    return path


# --- a healthy set-up ---------------------------------------------------------------------

def test_a_healthy_set_up_prints_only_check_marks(capsys) -> None:
    code = doctor.main([])
    out = capsys.readouterr().out
    checks_part = out.split("\n\n")[0].splitlines()
    assert [line[0] for line in checks_part] == ["✔"] * len(checks_part), out
    assert len(checks_part) == len(checks.CHECKS) + 1 and "All is well." in out and code == 0


def test_the_quick_form_in_a_notebook_prints_nothing_when_all_is_well(capsys) -> None:
    doctor.report_problems()
    assert capsys.readouterr().out == ""


def test_notebook_01_reports_problems_before_anything_can_fail() -> None:
    """Its first code cell calls the quick form right after importing d2lutils, before the
    imports that a broken set-up would turn into a traceback."""
    cells = json.loads((ROOT / "notebooks" / "01-tensors.ipynb").read_text(encoding="utf-8"))["cells"]
    first = "".join(next(cell for cell in cells if cell["cell_type"] == "code")["source"])
    lines = [line for line in first.splitlines() if line.strip()]
    assert lines[0] == "import d2lutils as d2l", lines[:2]
    assert lines[1].split("#")[0].strip() == "d2l.doctor.report_problems()", lines[:2]


def test_json_for_tools(capsys) -> None:
    code = doctor.main(["--quick", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert [c["check"] for c in data["checks"]] == list(checks.QUICK)
    assert data["ok"] is all(c["ok"] for c in data["checks"]) and code == (0 if data["ok"] else 1)
    assert "OS:" in data["bug_report"] and "torch" in data["bug_report"]


def test_the_bug_report_shows_no_personal_paths() -> None:
    home = Path.home()
    result = Result("kernel", False, f"{ROOT}/data/x is bad", f"rm -r {home}/.local/share/jupyter")
    block = report.bug_report([result], Setup())
    assert "✘ <course>/data/x is bad. Fix: rm -r ~/.local/share/jupyter" in block
    assert str(ROOT) not in block and str(home) + "/" not in block
    assert "OS:" in block and f"{TORCH_PIN.replace('==', ' ')}" in block


# --- versions -----------------------------------------------------------------------------

def test_a_python_outside_the_supported_range(tmp_path) -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        text.replace(f'requires-python = "{PROJECT["requires-python"]}"', 'requires-python = ">=3.99"'))
    [line] = lines(checks.check_python(Setup(root=tmp_path)))
    assert line.startswith(f"✘ Python {sys.version.split()[0]} is not supported: the course needs >=3.99. "
                           "Fix: install a Python that matches >=3.99")
    assert line.endswith("make clean && make env PYTHON=/path/to/that/python3")


def test_the_doctor_run_by_another_python_says_so(tmp_path) -> None:
    (tmp_path / "venv").mkdir()
    problems = lines(checks.check_python(Setup(venv=tmp_path / "venv")))
    assert problems[1] == (f"✘ this check runs in {sys.executable}, not in the course's {tmp_path / 'venv'}, "
                           "so it looked at the wrong Python. Fix: run `make doctor` in the course folder")


def test_a_wrong_torch_version_names_the_notebooks_that_change() -> None:
    [line] = lines(checks.check_packages(Setup(version=fake_versions(torch="2.13.0"))))
    assert line == (f"✘ torch 2.13.0 is installed, pyproject.toml asks for {TORCH_PIN}; the stored "
                    f"outputs of every notebook may differ. Fix: {REINSTALL}")


def test_a_missing_exact_pin_names_its_notebook() -> None:
    [line] = lines(checks.check_packages(Setup(quick=True, version=fake_versions(torchinfo=None))))
    assert line == ("✘ torchinfo is not installed (pyproject.toml asks for torchinfo==1.8.0); the "
                    f"stored outputs of notebook 09 may differ. Fix: {REINSTALL}")


# --- torch --------------------------------------------------------------------------------

def test_import_torch_failing_is_a_line_and_the_checks_needing_torch_say_so(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises
    results = {r.check: r.line() for r in doctor.check(Setup(quick=True))}
    assert results["torch"] == ("✘ import torch fails: ModuleNotFoundError: import of torch halted; "
                                "None in sys.modules. Fix: .venv/bin/python -m pip install "
                                f"--force-reinstall --no-deps {TORCH_PIN}")
    for name in ("device", "data"):
        assert results[name] == (f"✘ the {name} check cannot run: import torch fails "
                                 "(ModuleNotFoundError). Fix: fix torch first (its line is above)")


def test_a_broken_torch_never_gives_a_traceback(tmp_path) -> None:
    """A real interpreter whose torch raises on import, like a missing CUDA library."""
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "__init__.py").write_text(
        'raise OSError("libcudnn.so.9: cannot open shared object file: No such file or directory")\n')
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    expected = ("✘ import torch fails: OSError: libcudnn.so.9: cannot open shared object file: No such "
                f"file or directory. Fix: .venv/bin/python -m pip install --force-reinstall --no-deps {TORCH_PIN}")
    for command in (["doctor", "--quick"], []):  # `make doctor`'s quick form, and `make data`
        done = subprocess.run([sys.executable, "-m", "d2lutils", *command], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 1 and expected in done.stdout.splitlines(), done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr


def test_helpers_that_fail_to_import_raise_on_use_and_are_reported(monkeypatch) -> None:
    error = ModuleNotFoundError("No module named 'matplotlib'")
    monkeypatch.delattr(d2lutils, "train")
    monkeypatch.setattr(d2lutils, "__getattr__", doctor.fail_on_use(error, "d2lutils"), raising=False)
    with pytest.raises(ImportError, match=r"d2lutils.train is unavailable: .*matplotlib.*make doctor") as info:
        d2lutils.train
    assert info.value.__cause__ is error and not hasattr(d2lutils, "no_such_helper")
    [line] = lines(checks.check_torch(Setup()))
    assert line == (f"✘ torch {torch.__version__} imports, but d2lutils' helpers do not: "
                    f"ModuleNotFoundError: No module named 'matplotlib'. Fix: {REINSTALL}")


# --- the notebooks' kernel ----------------------------------------------------------------

@pytest.mark.parametrize("quick", [True, False])
def test_a_kernel_of_another_python(tmp_path, monkeypatch, quick) -> None:
    other = Path(sys.base_prefix) / "bin" / "python3"  # the Python the venv was made from
    spec_dir = tmp_path / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps(
        {"argv": [str(other), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
         "display_name": "Python 3", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))  # found before the course's kernel spec
    [line] = lines(checks.check_kernel(Setup(quick=quick)))
    assert line == (f"✘ the notebooks' kernel 'python3' ({spec_dir / 'kernel.json'}) starts {other}, "
                    f"not the course's {ROOT / '.venv'}/bin/python (installed in one Python, running "
                    f"in another). Fix: delete the kernel spec that hides the course's: rm -r {spec_dir}")


def test_a_kernel_where_d2lutils_does_not_import(tmp_path, monkeypatch) -> None:
    python = executable(tmp_path / "bin" / "python", f"echo '[\"{ROOT / '.venv'}\", \"\"]'")
    spec_dir = tmp_path / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({"argv": [str(python)], "display_name": "x"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    [line] = lines(checks.check_kernel(Setup()))
    assert line == (f"✘ in the notebooks' kernel ({python}), `import d2lutils` finds nothing instead "
                    f"of {ROOT / 'd2lutils'}. Fix: {REINSTALL}")


def test_a_notebook_running_in_another_python(tmp_path) -> None:
    (tmp_path / ".venv").mkdir()
    [line] = lines(checks.check_kernel(Setup(root=tmp_path, in_kernel=True)))
    assert line == (f"✘ this notebook runs {sys.executable}, not the course's {tmp_path / '.venv'}/bin/python "
                    "(installed in one Python, running in another). Fix: start JupyterLab with "
                    "`make lab` in the course folder, then reopen this notebook")


# --- the device ---------------------------------------------------------------------------

@pytest.fixture
def no_accelerator(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def test_no_gpu_where_one_was_expected(tmp_path, no_accelerator) -> None:
    setup = Setup(environ={"D2L_EXPECT_GPU": "1", "PATH": str(tmp_path)})  # no nvidia-smi
    assert lines(checks.check_device(setup)) == [
        "✘ D2L_EXPECT_GPU=1, but there is no GPU torch can use: no NVIDIA driver (nvidia-smi is not on "
        "PATH) and no Apple MPS. Fix: install the NVIDIA driver so that `nvidia-smi` lists the GPU, or "
        "unset D2L_EXPECT_GPU to use the CPU"]


def test_cpu_only_without_a_gpu_is_fine(tmp_path, no_accelerator) -> None:
    [line] = lines(checks.check_device(Setup(environ={"PATH": str(tmp_path)})))
    assert line == "✔ CPU only (no NVIDIA GPU, no Apple MPS): the notebooks use the CPU"


@pytest.mark.parametrize("smi, cuda, warning, reason, fix", [
    ('echo "NVIDIA H200, 570.86.15"', None, "", "this torch is a CPU-only build",
     f"install the CUDA build from PyPI: .venv/bin/python -m pip install --force-reinstall --no-deps {TORCH_PIN}"),
    ('echo "NVIDIA H200, 470.42.01"', "12.8",
     "CUDA initialization: The NVIDIA driver on your system is too old (found version 11040).",
     "CUDA initialization: The NVIDIA driver on your system is too old (found version 11040).",
     "update the NVIDIA driver to one that supports CUDA 12.8 (`nvidia-smi` shows the CUDA version it supports)"),
    ('echo "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver."; exit 9',
     "12.8", "", "nvidia-smi fails: NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.",
     "reinstall the NVIDIA driver (or reboot after a driver update) until `nvidia-smi` lists the GPU"),
])
def test_a_gpu_that_torch_cannot_use_is_named(tmp_path, monkeypatch, no_accelerator,
                                              smi, cuda, warning, reason, fix) -> None:
    executable(tmp_path / "nvidia-smi", smi)
    monkeypatch.setattr(torch.version, "cuda", cuda)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: bool(warning and warnings.warn(warning)))
    [line] = lines(checks.check_device(Setup(environ={"PATH": str(tmp_path)})))
    gpu = "an NVIDIA driver" if "exit 9" in smi else "NVIDIA H200"
    assert line == f"✘ {gpu} is here but torch cannot use it ({reason}): the notebooks would run on the CPU. Fix: {fix}"


@pytest.fixture
def one_cuda_gpu(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i: "NVIDIA H200")
    monkeypatch.setattr(torch.version, "cuda", "12.8")
    executable(tmp_path / "nvidia-smi", 'echo "NVIDIA H200, 570.86.15"')
    return Setup(environ={"PATH": str(tmp_path)})


def test_a_working_gpu_is_named_with_its_driver(monkeypatch, one_cuda_gpu) -> None:
    monkeypatch.setattr(checks, "tiny_kernel", lambda torch, device: None)
    assert lines(checks.check_device(one_cuda_gpu)) == [
        "✔ CUDA 12.8, NVIDIA driver 570.86.15: 1 GPU(s) (NVIDIA H200), a tiny kernel ran: the notebooks use cuda:0"]


def test_a_gpu_whose_tiny_kernel_fails(monkeypatch, one_cuda_gpu) -> None:
    def fails(torch, device):
        raise RuntimeError("CUDA error: no kernel image is available for execution on the device")
    monkeypatch.setattr(checks, "tiny_kernel", fails)
    assert lines(checks.check_device(one_cuda_gpu)) == [
        "✘ torch sees NVIDIA H200 but a tiny kernel fails on it: RuntimeError: CUDA error: no kernel image "
        "is available for execution on the device. Fix: install a torch build that supports this GPU "
        "(pytorch.org lists them)"]


# --- data, assets, disk, JupyterLab, offline -----------------------------------------------

def test_missing_data(tmp_path) -> None:
    raw = tmp_path / "FashionMNIST" / "raw"
    assert lines(checks.check_data(Setup(data_dir=tmp_path))) == [
        f"✘ Fashion-MNIST is not complete in {raw}: train-images-idx3-ubyte, train-labels-idx1-ubyte, "
        "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte missing. Fix: make data"]


def test_damaged_data_names_the_file_and_its_fix(tmp_path) -> None:
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name in d2lutils.fashion_mnist.MD5:
        (raw / name).write_bytes(b"")
    problems = lines(checks.check_data(Setup(data_dir=tmp_path)))
    path = raw / "train-images-idx3-ubyte"
    assert len(problems) == 4 and problems[0] == (
        f"✘ {path}: the file is empty (0 bytes). This file is not used. "
        f"Fix: delete it (rm {path}) and run `make data` to fetch a fresh copy")


def test_no_assets(tmp_path) -> None:
    [line] = lines(checks.check_assets(Setup(root=tmp_path)))
    assert line.startswith(f"✘ the slide and website assets are not cached in {tmp_path}/build/cache/assets: reveal.js ")
    assert line.endswith("(make slides and make site need them). Fix: make env (online, once)")


def test_too_little_disk_space() -> None:
    problems = lines(checks.check_disk(Setup(min_free=10**18)))
    assert problems[0].startswith("✘ only ") and " GB free for the course folder" in problems[0]
    assert problems[0].endswith("the course needs 1000000000 GB. Fix: free space on that disk "
                                "(`df -h` shows how full each disk is)")


LAB_LIST = ("JupyterLab v4.6.6\n/x/.venv/share/jupyter/labextensions\n"
            "        jupyterlab-rise v0.43.1 \x1b[32menabled\x1b[0m \x1b[32mOK\x1b[0m (python, jupyterlab_rise)\n")
WIDGETS = ("        @jupyter-widgets/jupyterlab-manager v5.0.16 \x1b[31mdisabled\x1b[0m "
           "\x1b[32mOK\x1b[0m (python, jupyterlab_widgets)\n")


@pytest.mark.parametrize("listing, expected", [
    (LAB_LIST, "✘ JupyterLab's widget extension @jupyter-widgets/jupyterlab-manager is not installed. "
               f"Fix: {REINSTALL}"),
    (LAB_LIST + WIDGETS, "✘ JupyterLab's widget extension @jupyter-widgets/jupyterlab-manager is disabled. "
                         "Fix: .venv/bin/jupyter labextension enable @jupyter-widgets/jupyterlab-manager"),
    (LAB_LIST + WIDGETS.replace("31mdisabled", "32menabled"),
     "✔ JupyterLab 4.6.6 with its widget (@jupyter-widgets/jupyterlab-manager 5.0.16) and slide "
     "(jupyterlab-rise 0.43.1) extensions"),
])
def test_jupyterlab_extensions(listing, expected) -> None:
    setup = Setup(run=lambda command, cwd=None: (0, listing))
    assert lines(checks.check_jupyterlab(setup)) == [expected]


def test_not_ready_for_offline(tmp_path) -> None:
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / ".installed").touch()
    os.utime(tmp_path / ".venv" / ".installed", (0, 0))  # `make env` ran before pyproject changed
    (tmp_path / "pyproject.toml").touch()
    earlier = [Result("data", False, "no data", "make data")]
    assert lines(checks.check_offline(Setup(root=tmp_path), earlier)) == [
        "✘ not ready to work offline: the next `make` would download the environment (pyproject.toml "
        "changed since the last `make env`), Fashion-MNIST. Fix: while online, run `make env data`"]


def test_a_check_that_crashes_is_a_line_not_a_traceback() -> None:
    def broken(name: str) -> str:
        raise RuntimeError("metadata is corrupt")
    results = {r.check: r.line() for r in doctor.check(Setup(quick=True, version=broken))}
    assert results["packages"] == ("✘ the packages check could not run: RuntimeError: metadata is corrupt. "
                                   "Fix: report it, with the block from `make doctor`")
    assert "(not installed)" in report.bug_report([], Setup(version=broken))
