"""The checks of ``make doctor``: each looks at one part of the set-up.

A check takes a :class:`Setup` (what to look at: this machine by default, fakes in the
tests) and returns :class:`Result` lines: ✔ with what it found, or ✘ with the one command
or step that fixes it. Nothing here imports torch at module level, so that a broken torch
is reported as a ✘ line instead of a traceback.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from os import environ
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from packaging.requirements import Requirement

#: The course folder: the one that holds pyproject.toml, notebooks/ and publish/.
ROOT = Path(__file__).resolve().parents[2]
#: The kernel that every notebook's metadata asks JupyterLab for.
KERNEL = "python3"
#: The JupyterLab extensions the course needs: name -> what it is for.
EXTENSIONS = {"@jupyter-widgets/jupyterlab-manager": "widget", "jupyterlab-rise": "slide"}
#: Prints, as JSON, ``sys.prefix`` and where ``import d2lutils`` would load from ("": nowhere).
PROBE = ("import importlib.util, json, sys; spec = importlib.util.find_spec('d2lutils'); "
         "print(json.dumps([sys.prefix, spec.origin if spec and spec.origin else '']))")
GB = 10**9
FIX_TORCH_FIRST = "fix torch first (its line is above)"


def run_command(command: Sequence[str], cwd: Path | None = None) -> tuple[int, str]:
    """Run ``command``; return its exit status and its stdout and stderr together.

    A command that is missing or hangs gives status 127 or 124 and says so, never raises.
    """
    try:
        done = subprocess.run(list(command), cwd=cwd, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        return 127, f"{command[0]}: not found"
    except subprocess.TimeoutExpired:
        return 124, f"{command[0]}: no answer within 60 s"
    return done.returncode, done.stdout + done.stderr


@dataclass
class Setup:
    """What the doctor examines. The defaults are this machine; the tests pass fakes."""

    root: Path = ROOT
    venv: Path | None = None  # the course's virtual environment; None: root/.venv
    data_dir: Path | None = None  # None: d2lutils.fashion_mnist.DATA_DIR
    environ: Mapping[str, str] = field(default_factory=lambda: environ)
    quick: bool = False  # only the fast checks (no subprocess when all is well)
    in_kernel: bool = False  # running inside a notebook's kernel, not from a terminal
    min_free: int = GB  # free bytes the course needs on disk
    version: Callable[[str], str] = importlib.metadata.version
    run: Callable[..., tuple[int, str]] = run_command

    def __post_init__(self) -> None:
        self.venv = self.venv or self.root / ".venv"

    @property
    def has_venv(self) -> bool:
        return self.venv.is_dir()

    @property
    def python(self) -> str:
        """The course's Python, as a command to type in the course folder."""
        return ".venv/bin/python" if self.has_venv else "python"

    @property
    def reinstall(self) -> str:
        """The command that installs every package pyproject.toml asks for."""
        return f'{self.python} -m pip install -e ".[dev]"'


@dataclass(frozen=True)
class Result:
    """One line of the report: ✔ with what was found, or ✘ with its fix."""

    check: str  # which check wrote it: "python", "packages", "torch", ...
    ok: bool
    message: str
    fix: str = ""

    def line(self) -> str:
        return f"✔ {self.message}" if self.ok else f"✘ {self.message}. Fix: {self.fix}"


class CannotCheck(Exception):
    """A check needs something that is broken; ``fix`` says what to repair first."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.fix = fix


def ok(message: str) -> Result:
    return Result("", True, message)


def fail(message: str, fix: str) -> Result:
    return Result("", False, message, fix)


def describe(error: BaseException) -> str:
    """``Type: first line of the message``, for one-line reports."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def same_path(a: Path, b: Path) -> bool:
    return Path(a).resolve() == Path(b).resolve()


def _project(setup: Setup) -> dict[str, Any]:
    """The ``[project]`` table of the course's pyproject.toml: the pins and the Python range."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: pytest brings tomli
        import tomli as tomllib
    text = (setup.root / "pyproject.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["project"]


def _parse(lines: list[str]) -> list[Requirement]:
    """The requirements among ``lines`` that hold on this machine (markers evaluated)."""
    from packaging.requirements import Requirement

    return [req for req in map(Requirement, lines)
            if req.marker is None or req.marker.evaluate({"extra": "dev"})]


def requirements(setup: Setup) -> tuple[list[Requirement], list[Requirement]]:
    """The requirements of pyproject.toml for this machine: (core ones, the dev extra)."""
    project = _project(setup)
    return _parse(project["dependencies"]), _parse(_extra(project, "dev"))


def _extra(project: dict, name: str) -> list[str]:
    """The lines of extra ``name``, with ``d2lutils[other]`` replaced by that extra's lines."""
    from packaging.requirements import Requirement

    lines = []
    for line in project["optional-dependencies"][name]:
        requirement = Requirement(line)
        if requirement.name == project["name"]:
            lines += [item for extra in sorted(requirement.extras) for item in _extra(project, extra)]
        else:
            lines.append(line)
    return lines


def _is_exact(requirement: Requirement) -> bool:
    return any(spec.operator == "==" for spec in requirement.specifier)


def _pin(setup: Setup, name: str) -> str:
    """The requirement of package ``name`` as pyproject.toml writes it, e.g. torch==2.14.1."""
    core, dev = requirements(setup)
    return next((str(req) for req in core + dev if req.name == name), name)


def check_python(setup: Setup) -> list[Result]:
    """The Python version is in the supported range; from a terminal, it is .venv's Python."""
    from packaging.specifiers import SpecifierSet

    needed = SpecifierSet(_project(setup)["requires-python"])
    version = platform.python_version()
    results = []
    if version in needed:
        results.append(ok(f"Python {version} (the course needs {needed})"))
    else:
        results.append(fail(
            f"Python {version} is not supported: the course needs {needed}",
            f"install a Python that matches {needed} (e.g. from python.org), then rebuild .venv "
            "with it: make clean && make env PYTHON=/path/to/that/python3"))
    if not setup.in_kernel and setup.has_venv and not same_path(Path(sys.prefix), setup.venv):
        results.append(fail(
            f"this check runs in {sys.executable}, not in the course's {setup.venv}, "
            "so it looked at the wrong Python", "run `make doctor` in the course folder"))
    return results


def _import_names(distribution: str) -> list[str]:
    """The modules a distribution provides, e.g. ipython -> IPython."""
    key = re.sub(r"[-_.]+", "-", distribution).lower()
    names = [module for module, owners in importlib.metadata.packages_distributions().items()
             if key in (re.sub(r"[-_.]+", "-", owner).lower() for owner in owners)]
    return names or [distribution.replace("-", "_")]


def notebooks_using(setup: Setup, distribution: str) -> list[str]:
    """The number of every notebook whose code imports ``distribution``, e.g. ['09']."""
    modules = "|".join(map(re.escape, _import_names(distribution)))
    imports = re.compile(rf"^\s*(?:import|from)\s+(?:{modules})\b", re.MULTILINE)
    used = []
    for path in sorted((setup.root / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        if any(cell["cell_type"] == "code" and imports.search("".join(cell["source"]))
               for cell in cells):
            used.append(path.stem.split("-")[0])
    return used


def _outputs_that_differ(setup: Setup, distribution: str) -> str:
    used = notebooks_using(setup, distribution)
    if not used:
        return ""
    if len(used) == len(list((setup.root / "notebooks").glob("*.ipynb"))):
        return "; the stored outputs of every notebook may differ"
    return f"; the stored outputs of notebook{'s' * (len(used) > 1)} {', '.join(used)} may differ"


def check_packages(setup: Setup) -> list[Result]:
    """The installed packages are the versions pyproject.toml asks for.

    The quick form checks the core packages and the exact pins (what the stored outputs
    depend on); the full form checks every package of the dev extra too.
    """
    core, dev = requirements(setup)
    wanted = core + [req for req in dev if not setup.quick or _is_exact(req)]
    problems, installed = [], {}
    for req in wanted:
        try:
            installed[req.name] = setup.version(req.name)
        except importlib.metadata.PackageNotFoundError:
            problems.append(fail(f"{req.name} is not installed (pyproject.toml asks for {req})"
                                 f"{_outputs_that_differ(setup, req.name)}", setup.reinstall))
            continue
        if not req.specifier.contains(installed[req.name], prereleases=True):
            problems.append(fail(f"{req.name} {installed[req.name]} is installed, pyproject.toml "
                                 f"asks for {req}{_outputs_that_differ(setup, req.name)}",
                                 setup.reinstall))
    if problems:
        return problems
    pinned = ", ".join(f"{req.name} {installed[req.name]}" for req in wanted
                       if req in core or _is_exact(req))
    return [ok(f"{len(wanted)} packages as pyproject.toml asks: {pinned}")]


def _import_torch() -> ModuleType:
    """torch, or :class:`CannotCheck` for the checks that need it."""
    try:
        return importlib.import_module("torch")
    except Exception as error:  # noqa: BLE001 - whatever breaks the import
        raise CannotCheck(f"import torch fails ({type(error).__name__})", FIX_TORCH_FIRST) from error


def _helpers_error() -> BaseException | None:
    """Why d2lutils' helpers failed to import (its ``__init__`` defers that), or None."""
    package = importlib.import_module("d2lutils")
    missing = [name for name in package.__all__ if name not in vars(package)]
    if not missing:
        return None
    try:
        getattr(package, missing[0])
    except ImportError as error:
        return error.__cause__ or error
    return None


def check_torch(setup: Setup) -> list[Result]:
    """``import torch`` works, and so does ``import d2lutils`` with all its helpers."""
    try:
        torch = _import_torch()
    except CannotCheck as why:
        return [fail(f"import torch fails: {describe(why.__cause__)}",
                     f"{setup.python} -m pip install --force-reinstall --no-deps {_pin(setup, 'torch')}")]
    build = f"CUDA {torch.version.cuda} build" if torch.version.cuda else "CPU-only build"
    helpers = _helpers_error()
    if helpers is not None:
        return [fail(f"torch {torch.__version__} imports, but d2lutils' helpers do not: "
                     f"{describe(helpers)}", setup.reinstall)]
    return [ok(f"torch {torch.__version__} ({build}) and d2lutils import")]


def kernel_python(argv0: str, setup: Setup) -> Path | None:
    """The interpreter a kernel spec's ``argv[0]`` starts, or None if it does not exist."""
    if argv0 in {"python", f"python{sys.version_info[0]}", "python%d.%d" % sys.version_info[:2]}:
        return Path(sys.executable)  # jupyter_client starts these names with the server's Python
    found = shutil.which(argv0, path=setup.environ.get("PATH"))
    return Path(found) if found else None


def _probe(python: Path, setup: Setup) -> tuple[Path, Path | None] | str:
    """(prefix, folder d2lutils loads from) of ``python`` run from notebooks/, or its error."""
    cwd = setup.root / "notebooks" if (setup.root / "notebooks").is_dir() else setup.root
    code, output = setup.run([str(python), "-c", PROBE], cwd=cwd)
    lines = output.strip().splitlines()
    for line in reversed(lines if code == 0 else []):
        if line.startswith("["):
            prefix, origin = json.loads(line)
            return Path(prefix), Path(origin).parent if origin else None
    return lines[-1] if lines else f"exit status {code}"


def check_kernel(setup: Setup) -> list[Result]:
    """The notebooks run in the course's Python (.venv), and d2lutils imports there."""
    expected = setup.venv if setup.has_venv else Path(sys.prefix)
    if setup.in_kernel:
        if same_path(Path(sys.prefix), expected):
            return [ok(f"this notebook runs in {expected}")]
        return [fail(f"this notebook runs {sys.executable}, not the course's {expected}/bin/python "
                     "(installed in one Python, running in another)",
                     "start JupyterLab with `make lab` in the course folder, then reopen this notebook")]
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    except ImportError as error:
        return [fail(f"JupyterLab is not installed in this Python ({describe(error)})", setup.reinstall)]
    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        return [fail(f"JupyterLab has no '{KERNEL}' kernel, the one every notebook asks for",
                     f"{setup.python} -m ipykernel install --sys-prefix")]
    spec_dir = Path(spec.resource_dir)
    fix = (f"{setup.python} -m ipykernel install --sys-prefix" if spec_dir.is_relative_to(expected)
           else f"delete the kernel spec that hides the course's: rm -r {spec_dir}")
    name = f"the notebooks' kernel '{KERNEL}' ({spec_dir / 'kernel.json'})"
    python = kernel_python(spec.argv[0], setup)
    if python is None:
        return [fail(f"{name} starts {spec.argv[0]}, which does not exist", fix)]
    if setup.quick:  # no subprocess: a virtual environment's Python is PREFIX/bin/python
        prefix, package = python.absolute().parent.parent, None
    else:
        probed = _probe(python, setup)
        if isinstance(probed, str):
            return [fail(f"{name} starts {python}, which fails: {probed}", fix)]
        prefix, package = probed
    if not same_path(prefix, expected):
        return [fail(f"{name} starts {python}, not the course's {expected}/bin/python "
                     "(installed in one Python, running in another)", fix)]
    if not setup.quick and (package is None or not same_path(package, setup.root / "d2lutils")):
        return [fail(f"in the notebooks' kernel ({python}), `import d2lutils` finds "
                     f"{package or 'nothing'} instead of {setup.root / 'd2lutils'}", setup.reinstall)]
    return [ok(f"the notebooks' kernel '{KERNEL}' starts {python}"
               + ("" if setup.quick else ", which imports this d2lutils"))]


def nvidia_gpus(setup: Setup) -> tuple[list[tuple[str, str]], str]:
    """The (name, driver version) of each GPU ``nvidia-smi`` lists, and its error if it fails.

    No ``nvidia-smi`` on PATH (no NVIDIA driver) gives ``([], "")``.
    """
    smi = shutil.which("nvidia-smi", path=setup.environ.get("PATH"))
    if smi is None:
        return [], ""
    code, output = setup.run([smi, "--query-gpu=name,driver_version", "--format=csv,noheader"])
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    if code != 0:
        return [], lines[0] if lines else f"exit status {code}"
    return [tuple(part.strip() for part in line.rsplit(",", 1)) for line in lines], ""


def tiny_kernel(torch: ModuleType, device: Any) -> None:
    """Run one small computation on ``device``; raise if it fails or computes nonsense."""
    x = torch.arange(4.0, device=device)
    if float((x * x).sum()) != 14.0:
        raise RuntimeError(f"0² + 1² + 2² + 3² computed on {device} is not 14")


def _unusable_gpu(setup: Setup, torch: ModuleType, gpus: list, smi_error: str,
                  warning: str) -> Result:
    """The ✘ line for an NVIDIA GPU (or driver) that torch cannot use, with the likely cause."""
    hidden = setup.environ.get("CUDA_VISIBLE_DEVICES")
    if torch.version.cuda is None:
        reason, fix = ("this torch is a CPU-only build", f"install the CUDA build from PyPI: "
                       f"{setup.python} -m pip install --force-reinstall --no-deps {_pin(setup, 'torch')}")
    elif smi_error:
        reason, fix = (f"nvidia-smi fails: {smi_error}", "reinstall the NVIDIA driver (or reboot "
                       "after a driver update) until `nvidia-smi` lists the GPU")
    elif hidden is not None and hidden.strip() in {"", "-1", "none", "NoDevFiles"}:
        reason, fix = f"CUDA_VISIBLE_DEVICES={hidden!r} hides it", "unset CUDA_VISIBLE_DEVICES"
    elif warning:
        reason, fix = (warning, f"update the NVIDIA driver to one that supports CUDA "
                       f"{torch.version.cuda} (`nvidia-smi` shows the CUDA version it supports)")
    else:
        reason, fix = ("torch.cuda.is_available() is False", "check that your user may use the "
                       "GPU (`ls -l /dev/nvidia*`), then restart JupyterLab")
    names = ", ".join(name for name, _ in gpus) or "an NVIDIA driver"
    return fail(f"{names} is here but torch cannot use it ({reason}): the notebooks would run "
                "on the CPU", fix)


def _cuda(setup: Setup, torch: ModuleType, chosen: Any) -> Result:
    """The line for a CUDA GPU torch sees: named, with its driver, after a tiny kernel."""
    count = torch.cuda.device_count()
    if setup.quick:
        return ok(f"CUDA with {count} GPU(s): the notebooks use {chosen}")
    names = ", ".join(torch.cuda.get_device_name(i) for i in range(count))
    try:
        tiny_kernel(torch, chosen)
    except Exception as error:  # noqa: BLE001 - the GPU's own error says what is wrong
        fix = ("install a torch build that supports this GPU (pytorch.org lists them)"
               if "no kernel image" in str(error) else
               "run `nvidia-smi`: if it fails or shows the GPU busy or in error, fix that first")
        return fail(f"torch sees {names} but a tiny kernel fails on it: {describe(error)}", fix)
    gpus, _ = nvidia_gpus(setup)
    driver = f", NVIDIA driver {gpus[0][1]}" if gpus and len(gpus[0]) == 2 else ""
    return ok(f"CUDA {torch.version.cuda}{driver}: {count} GPU(s) ({names}), a tiny kernel ran: "
              f"the notebooks use {chosen}")


def _mps(setup: Setup, torch: ModuleType) -> Result:
    """The line for Apple's MPS, after a tiny kernel (full form)."""
    if setup.quick:
        return ok("Apple MPS: the notebooks use mps")
    try:
        tiny_kernel(torch, "mps")
    except Exception as error:  # noqa: BLE001 - MPS's own error says what is wrong
        return fail(f"Apple MPS is available but a tiny kernel fails on it: {describe(error)}",
                    "update macOS, then restart JupyterLab")
    return ok("Apple MPS, a tiny kernel ran: the notebooks use mps")


def _cpu_only(setup: Setup, torch: ModuleType, warning: str) -> Result:
    """The line when torch uses no accelerator: fine, unless a GPU is here or expected."""
    gpus, smi_error = nvidia_gpus(setup)
    if gpus or smi_error:
        return _unusable_gpu(setup, torch, gpus, smi_error, warning)
    if setup.environ.get("D2L_EXPECT_GPU") == "1":
        return fail("D2L_EXPECT_GPU=1, but there is no GPU torch can use: no NVIDIA driver "
                    "(nvidia-smi is not on PATH) and no Apple MPS",
                    "install the NVIDIA driver so that `nvidia-smi` lists the GPU, "
                    "or unset D2L_EXPECT_GPU to use the CPU")
    if platform.system() == "Darwin" and platform.machine() == "arm64":
        return fail("this Mac has Apple silicon, but torch cannot use it (MPS)",
                    "update macOS to 12.3 or newer")
    return ok("CPU only (no NVIDIA GPU, no Apple MPS): the notebooks use the CPU")


def check_device(setup: Setup) -> list[Result]:
    """CUDA, Apple MPS or the CPU: which one the notebooks use (``d2lutils.try_gpu``), and
    that it works; a GPU that torch cannot use is named, with the likely cause."""
    torch = _import_torch()
    from d2lutils.devices import try_gpu

    with warnings.catch_warnings(record=True) as caught:  # e.g. "the NVIDIA driver is too old"
        warnings.simplefilter("always")
        chosen = try_gpu()
    if chosen.type == "cuda":
        return [_cuda(setup, torch, chosen)]
    if chosen.type == "mps":
        return [_mps(setup, torch)]
    warning = next((str(w.message).strip().splitlines()[0] for w in caught), "")
    return [_cpu_only(setup, torch, warning)]


def check_data(setup: Setup) -> list[Result]:
    """Fashion-MNIST is in data/, each file verified (size, header, MD5)."""
    _import_torch()
    fashion_mnist = importlib.import_module("d2lutils.fashion_mnist")
    raw = fashion_mnist.raw_dir(setup.data_dir)
    missing = [name for name in fashion_mnist.MD5 if not (raw / name).exists()]
    if missing:
        return [fail(f"Fashion-MNIST is not complete in {raw}: {', '.join(missing)} missing",
                     "make data")]
    problems = []
    for name in fashion_mnist.MD5:
        try:
            fashion_mnist.read_idx(name, raw / name)
        except fashion_mnist.DatasetError as error:
            message, _, fix = str(error).partition(" Fix: ")
            problems.append(fail(message.rstrip("."), fix or "make data"))
    return problems or [ok(f"Fashion-MNIST verified (size, header, MD5 of 4 files) in {raw}")]


def check_disk(setup: Setup) -> list[Result]:
    """Enough free space for the course folder and for the temporary folder."""
    places = {"the course folder": setup.root, "the temporary folder": Path(tempfile.gettempdir())}
    free = {what: shutil.disk_usage(path).free for what, path in places.items()}
    problems = [fail(f"only {free[what] / GB:.1f} GB free for {what} ({path}); the course needs "
                     f"{setup.min_free / GB:.0f} GB",
                     "free space on that disk (`df -h` shows how full each disk is)"
                     if what == "the course folder" else
                     "free space there, or point TMPDIR at a folder on a disk with room")
                for what, path in places.items() if free[what] < setup.min_free]
    return problems or [ok(", ".join(f"{free[what] / GB:.0f} GB free for {what}" for what in places))]


def _project_module(name: str) -> ModuleType:
    """A module of the course's own, uninstalled packages (publish/)."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    return importlib.import_module(name)


def check_assets(setup: Setup) -> list[Result]:
    """The pinned JavaScript of the decks and the website is cached and intact."""
    assets = _project_module("publish.assets")
    cache = setup.root / assets.DEFAULT_CACHE.relative_to(assets.ROOT)
    missing = assets.missing(cache)
    if missing:
        return [fail(f"the slide and website assets are not cached in {cache}: {_named(missing)} "
                     "(make slides and make site need them)", f"{assets.FETCH_COMMAND} (online, once)")]
    return [ok(f"slide and website assets cached and verified: {_named(assets.load_lock().values())}")]


def _named(packages: Iterable[Any]) -> str:
    """``reveal.js 5.2.1, mathjax 2.7.9`` for pinned asset packages."""
    return ", ".join(f"{package.name} {package.version}" for package in packages)


def check_jupyterlab(setup: Setup) -> list[Result]:
    """JupyterLab and its widget and slide extensions are installed and enabled."""
    code, output = setup.run([sys.executable, "-m", "jupyter", "labextension", "list"])
    text = re.sub(r"\x1b\[[0-9;]*m", "", output)
    lab = re.search(r"JupyterLab v(\S+)", text)
    if code != 0 or lab is None:
        last = text.strip().splitlines()[-1] if text.strip() else f"exit status {code}"
        return [fail(f"`jupyter labextension list` fails: {last}", setup.reinstall)]
    listed = {parts[0]: parts for parts in map(str.split, text.splitlines()) if parts}
    jupyter = ".venv/bin/jupyter" if setup.has_venv else "jupyter"
    problems, found = [], []
    for name, kind in EXTENSIONS.items():
        parts = listed.get(name)
        if parts is None:
            problems.append(fail(f"JupyterLab's {kind} extension {name} is not installed",
                                 setup.reinstall))
        elif "disabled" in parts:
            problems.append(fail(f"JupyterLab's {kind} extension {name} is disabled",
                                 f"{jupyter} labextension enable {name}"))
        elif "OK" not in parts:
            problems.append(fail(f"JupyterLab's {kind} extension {name} {parts[1].lstrip('v')} does not work "
                                 f"with JupyterLab {lab[1]}", setup.reinstall))
        else:
            found.append(f"{kind} ({name} {parts[1].lstrip('v')})")
    return problems or [ok(f"JupyterLab {lab[1]} with its {' and '.join(found)} extensions")]


def check_offline(setup: Setup, earlier: list[Result]) -> list[Result]:
    """Nothing that later commands need would be downloaded: the environment is up to date
    with pyproject.toml, and the packages, the data and the assets are on disk."""
    needs = []
    stamp = setup.venv / ".installed"  # the Makefile's ENV_STAMP, touched by `make env`
    if setup.has_venv and (not stamp.exists() or
                           stamp.stat().st_mtime < (setup.root / "pyproject.toml").stat().st_mtime):
        needs.append("the environment (pyproject.toml changed since the last `make env`)")
    for check, what in (("packages", "packages"), ("data", "Fashion-MNIST"),
                        ("assets", "the slide and website assets")):
        if any(result.check == check and not result.ok for result in earlier):
            needs.append(what)
    if needs:
        return [fail(f"not ready to work offline: the next `make` would download {', '.join(needs)}",
                     "while online, run `make env data`")]
    return [ok("ready to work offline: make lab, test, slides and site need no network")]


#: Every check but the last one (offline), in report order; the quick form runs the first ones.
CHECKS: dict[str, Callable[[Setup], list[Result]]] = {
    "python": check_python, "packages": check_packages, "torch": check_torch,
    "kernel": check_kernel, "device": check_device, "data": check_data, "disk": check_disk,
    "assets": check_assets, "jupyterlab": check_jupyterlab,
}
QUICK = ("python", "packages", "torch", "kernel", "device", "data", "disk")
