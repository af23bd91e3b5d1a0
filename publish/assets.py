"""The pinned JavaScript packages that decks and website load, kept for offline use.

    python -m publish.assets            # download them into the cache (what `make env` does)

Each package of ``publish/assets.json`` is downloaded once from the npm registry (plain
HTTPS, Node.js is not needed), checked against the registry's own SHA-512 and cached in
``build/cache/assets/``. :func:`install` copies the files a page needs next to it, into an
``_assets/NAME-VERSION/`` folder. A package marked ``tests_only`` (axe-core, which the tests
use to audit the pages' accessibility) is cached the same way but never copied next to the
pages. Set ``npm_config_registry`` to use a mirror of the registry.
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
import urllib.request
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LOCK = HERE / "assets.json"
DEFAULT_CACHE = ROOT / "build" / "cache" / "assets"
ASSETS = "_assets"  # folder next to the pages; they refer to it by this relative path
REGISTRY = "https://registry.npmjs.org"
FETCH_COMMAND = "make env"  # the online step that fills the cache


class AssetError(SystemExit):
    """A pinned package is not in the cache and cannot be downloaded, or does not match."""


@dataclass(frozen=True)
class Package:
    """One pinned npm package and the files of it that the pages need."""

    name: str
    version: str
    integrity: str  # Subresource Integrity string, as the registry publishes it
    files: tuple[str, ...]
    tests_only: bool = False  # cached for the tests, never shipped with the pages

    @property
    def folder(self) -> str:
        return f"{self.name}-{self.version}"

    def tarball_url(self, registry: str) -> str:
        return f"{registry.rstrip('/')}/{self.name}/-/{self.name}-{self.version}.tgz"


def load_lock(path: Path = LOCK) -> dict[str, Package]:
    """Read the pinned packages, by name."""
    entries = json.loads(path.read_text(encoding="utf-8"))["packages"]
    return {
        entry["name"]: Package(entry["name"], entry["version"], entry["integrity"], tuple(entry["files"]),
                               entry.get("tests_only", False))
        for entry in entries
    }


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def cached(package: Package, cache: Path = DEFAULT_CACHE) -> Path | None:
    """The package's verified tarball in the cache, or None."""
    path = cache / f"{package.folder}.tgz"
    if path.is_file() and integrity_of(path.read_bytes()) == package.integrity:
        return path
    return None


def fetch(package: Package, cache: Path = DEFAULT_CACHE) -> Path:
    """Return the package's tarball from the cache, downloading and checking it if needed."""
    path = cached(package, cache)
    if path:
        return path
    registry = os.environ.get("npm_config_registry") or os.environ.get("NPM_CONFIG_REGISTRY") or REGISTRY
    url = package.tarball_url(registry)
    print(f"downloading {package.name} {package.version} from {url} (cached in {cache})", flush=True)
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            data = response.read()
    except OSError as error:
        raise AssetError(
            f"{package.name} {package.version} is not in {cache}, and downloading it from {url} "
            f"failed: {error}.\nThe decks and the website need it once; later builds work offline. "
            f"Connect to the network (or point npm_config_registry at a mirror) and run "
            f"`{FETCH_COMMAND}`.") from error
    if integrity_of(data) != package.integrity:
        raise AssetError(
            f"{url} does not match the integrity pinned in {LOCK}:\n"
            f"  got      {integrity_of(data)}\n  expected {package.integrity}\n"
            "Change a pin only together with its version (`npm view NAME@VERSION dist.integrity`).")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=cache, prefix=f".{package.folder}-", delete=False) as partial:
        partial.write(data)
    os.chmod(partial.name, 0o644)
    Path(partial.name).replace(cache / f"{package.folder}.tgz")  # atomic: a parallel build never sees half a file
    return cache / f"{package.folder}.tgz"


def missing(cache: Path = DEFAULT_CACHE) -> list[Package]:
    """The pinned packages that are not (or not intact) in the cache."""
    return [package for package in load_lock().values() if cached(package, cache) is None]


def matches(path: str, pattern: str) -> bool:
    """`dir/` takes a whole folder, `dir/*.js` the matching files directly in dir, else one file."""
    if pattern.endswith("/"):
        return path.startswith(pattern)
    folder, _, name = pattern.rpartition("/")
    if "*" in name:
        return str(PurePosixPath(path).parent) == (folder or ".") and fnmatch(PurePosixPath(path).name, name)
    return path == pattern


def install(package: Package, assets: Path, cache: Path = DEFAULT_CACHE) -> Path:
    """Copy the package's listed files to assets/NAME-VERSION/ (a no-op when already there)."""
    target = assets / package.folder
    stamp = target / ".installed"
    key = json.dumps({"integrity": package.integrity, "files": package.files})
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == key:
        return target
    tarball = fetch(package, cache)
    assets.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{package.folder}-", dir=assets))
    staging.chmod(0o755)  # mkdtemp makes it private; the pages may be served or copied
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
        raise AssetError(f"{LOCK}: {package.name} {package.version} has no file matching {unused}.")
    (staging / ".installed").write_text(key, encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    try:
        staging.rename(target)
    except OSError:  # a build running beside this one got there first
        shutil.rmtree(staging)
        if not (stamp.is_file() and stamp.read_text(encoding="utf-8") == key):
            raise
    return target


def install_all(assets: Path, cache: Path = DEFAULT_CACHE) -> dict[str, Path]:
    """Install every pinned package the pages load into ``assets``; return their folders by name."""
    return {name: install(package, assets, cache) for name, package in load_lock().items()
            if not package.tests_only}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Download the pinned JavaScript packages into the cache.")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="download cache (default: %(default)s)")
    args = parser.parse_args(argv)
    for package in load_lock().values():
        fetch(package, args.cache)
    print(f"{len(load_lock())} pinned packages verified in {args.cache}; decks and website build offline.")


if __name__ == "__main__":
    sys.exit(main())
