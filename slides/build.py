"""Export notebooks as reveal.js slide decks that open with no network.

    python slides/build.py [--out build/slides] NOTEBOOK.ipynb ...

`make slides` runs this on every notebook. Each deck is OUT/NAME.slides.html and shows the
outputs stored in the notebook (nothing is executed). reveal.js, require.js and MathJax are
copied next to the decks, into OUT/_assets/, at the versions pinned in slides/assets.json;
they are downloaded once from the npm registry (plain HTTPS, Node.js is not needed) and
cached in build/cache/slides/. Set npm_config_registry to use a mirror of the registry.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import sys
import tarfile
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LOCK = HERE / "assets.json"
TEMPLATES = HERE / "templates"
TEMPLATE = "offline-reveal"
DEFAULT_OUT = ROOT / "build" / "slides"
DEFAULT_CACHE = ROOT / "build" / "cache" / "slides"
ASSETS = "_assets"  # folder next to the decks; the decks refer to it by this relative path
REGISTRY = "https://registry.npmjs.org"
THEME = "white"  # a reveal.js theme whose fonts ship with reveal.js (others load Google Fonts)
# The slide canvas, in CSS pixels, before reveal.js scales it to the screen. nbconvert's
# 960 x 700 cuts off 80-column code and slides near the line limits of tests/slide_rules.py.
WIDTH, HEIGHT = 1280, 900


@dataclass(frozen=True)
class Package:
    """One pinned npm package and the files of it that the decks need."""

    name: str
    version: str
    integrity: str  # Subresource Integrity string, as the registry publishes it
    files: tuple[str, ...]

    @property
    def folder(self) -> str:
        return f"{self.name}-{self.version}"

    def tarball_url(self, registry: str) -> str:
        return f"{registry.rstrip('/')}/{self.name}/-/{self.name}-{self.version}.tgz"


def load_lock(path: Path = LOCK) -> dict[str, Package]:
    """Read the pinned packages, by name."""
    entries = json.loads(path.read_text(encoding="utf-8"))["packages"]
    return {
        entry["name"]: Package(entry["name"], entry["version"], entry["integrity"], tuple(entry["files"]))
        for entry in entries
    }


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def fetch(package: Package, cache: Path) -> Path:
    """Return the package's tarball from the cache, downloading and checking it if needed."""
    path = cache / f"{package.folder}.tgz"
    if path.is_file() and integrity_of(path.read_bytes()) == package.integrity:
        return path
    registry = os.environ.get("npm_config_registry") or os.environ.get("NPM_CONFIG_REGISTRY") or REGISTRY
    url = package.tarball_url(registry)
    print(f"downloading {package.name} {package.version} from {url} (cached in {cache})", flush=True)
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            data = response.read()
    except OSError as error:
        raise SystemExit(
            f"Could not download {url}: {error}.\n"
            "The decks need it once; later builds use the copy in the cache. Connect to the "
            "network (or point npm_config_registry at a mirror) and run `make slides` again."
        ) from error
    if integrity_of(data) != package.integrity:
        raise SystemExit(
            f"{url} does not match the integrity pinned in {LOCK}:\n"
            f"  got      {integrity_of(data)}\n  expected {package.integrity}\n"
            "Change a pin only together with its version (`npm view NAME@VERSION dist.integrity`)."
        )
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=cache, prefix=f".{package.folder}-", delete=False) as partial:
        partial.write(data)
    os.chmod(partial.name, 0o644)
    Path(partial.name).replace(path)  # atomic: a build running beside this one never sees half a file
    return path


def matches(path: str, pattern: str) -> bool:
    """`dir/` takes a whole folder, `dir/*.js` the matching files directly in dir, else one file."""
    if pattern.endswith("/"):
        return path.startswith(pattern)
    folder, _, name = pattern.rpartition("/")
    if "*" in name:
        return str(PurePosixPath(path).parent) == (folder or ".") and fnmatch(PurePosixPath(path).name, name)
    return path == pattern


def install(package: Package, assets: Path, cache: Path) -> Path:
    """Copy the package's listed files to assets/NAME-VERSION/ (a no-op when already there)."""
    target = assets / package.folder
    stamp = target / ".installed"
    key = json.dumps({"integrity": package.integrity, "files": package.files})
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == key:
        return target
    tarball = fetch(package, cache)
    assets.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{package.folder}-", dir=assets))
    staging.chmod(0o755)  # mkdtemp makes it private; the decks may be served or copied
    used: set[str] = set()
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:
            # npm tarballs hold the package under one top folder, usually package/.
            parts = PurePosixPath(member.name).parts[1:]
            if not member.isfile() or not parts or ".." in parts:
                continue
            path = "/".join(parts)
            hits = [pattern for pattern in package.files if matches(path, pattern)]
            if not hits:
                continue
            used.update(hits)
            destination = staging.joinpath(*parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as source, open(destination, "wb") as sink:
                shutil.copyfileobj(source, sink)
    unused = [pattern for pattern in package.files if pattern not in used]
    if unused:
        shutil.rmtree(staging)
        raise SystemExit(f"{LOCK}: {package.name} {package.version} has no file matching {unused}.")
    (staging / ".installed").write_text(key, encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    try:
        staging.rename(target)
    except OSError:  # a build running beside this one got there first
        shutil.rmtree(staging)
        if not (stamp.is_file() and stamp.read_text(encoding="utf-8") == key):
            raise
    return target


def make_exporter(packages: dict[str, Package]):
    """nbconvert's SlidesExporter, pointed at the local assets and the offline template."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    reveal, require, mathjax = packages["reveal.js"], packages["requirejs"], packages["mathjax"]
    config = Config()
    config.TemplateExporter.extra_template_basedirs = [str(TEMPLATES)]
    config.SlidesExporter.template_name = TEMPLATE
    config.SlidesExporter.reveal_url_prefix = f"{ASSETS}/{reveal.folder}"
    config.SlidesExporter.reveal_theme = THEME
    config.SlidesExporter.reveal_number = "c/t"  # "3/17" in the corner
    config.SlidesExporter.reveal_width = str(WIDTH)
    config.SlidesExporter.reveal_height = str(HEIGHT)
    config.HTMLExporter.require_js_url = f"{ASSETS}/{require.folder}/require.js"
    # MathJax.js, not latest.js: latest.js would look for a newer copy on a CDN.
    config.HTMLExporter.mathjax_url = f"{ASSETS}/{mathjax.folder}/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
    config.HTMLExporter.embed_images = True  # images linked from markdown travel inside the deck
    return SlidesExporter(config=config)


def build(notebooks: list[Path], out: Path = DEFAULT_OUT, cache: Path = DEFAULT_CACHE) -> list[Path]:
    """Write one deck per notebook into out/ with the assets beside them; return the decks."""
    missing = [str(notebook) for notebook in notebooks if notebook.suffix != ".ipynb" or not notebook.is_file()]
    if missing:
        raise SystemExit(f"Not a notebook file: {', '.join(missing)}. Pass paths to .ipynb files.")
    packages = load_lock()
    for package in packages.values():
        install(package, out / ASSETS, cache)
    exporter = make_exporter(packages)
    decks = []
    for notebook in notebooks:
        body, _ = exporter.from_filename(str(notebook))
        deck = out / f"{notebook.stem}.slides.html"
        deck.write_text(body, encoding="utf-8")
        decks.append(deck)
    return decks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK.ipynb")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the decks (default: %(default)s)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="download cache (default: %(default)s)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    decks = build(args.notebooks, args.out, args.cache)
    for deck in decks:
        print(f"  {deck}")
    print(f"{len(decks)} deck(s) in {args.out} ({time.perf_counter() - start:.1f} s); they open offline in any browser.")


if __name__ == "__main__":
    sys.exit(main())
