"""Export notebooks as reveal.js slide decks that open with no network.

    python -m publish.slides [--out build/slides] NOTEBOOK.ipynb ...

`make slides` runs this on every notebook. Each deck is OUT/NAME.slides.html and shows the
outputs stored in the notebook (nothing is executed). reveal.js, require.js and MathJax are
copied next to the decks, into OUT/_assets/, at the versions pinned in publish/assets.json
(see :mod:`publish.assets`; `make env` downloads them once).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from publish.assets import ASSETS, DEFAULT_CACHE, ROOT, Package, install_all, load_lock

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "offline-reveal"
DEFAULT_OUT = ROOT / "build" / "slides"
THEME = "white"  # a reveal.js theme whose fonts ship with reveal.js (others load Google Fonts)
# The slide canvas, in CSS pixels, before reveal.js scales it to the screen. nbconvert's
# 960 x 700 cuts off 80-column code and slides near the line limits of tests/slide_rules.py.
WIDTH, HEIGHT = 1280, 900


def mathjax_url(packages: dict[str, Package]) -> str:
    """MathJax.js, not latest.js: latest.js would look for a newer copy on a CDN."""
    return f"{ASSETS}/{packages['mathjax'].folder}/MathJax.js?config=TeX-AMS_CHTML-full,Safe"


def make_exporter(packages: dict[str, Package]):
    """nbconvert's SlidesExporter, pointed at the local assets and the offline template."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    reveal, require = packages["reveal.js"], packages["requirejs"]
    config = Config()
    config.TemplateExporter.extra_template_basedirs = [str(TEMPLATES)]
    config.TemplateExporter.extra_template_paths = [str(TEMPLATES)]  # outputs.j2
    config.SlidesExporter.template_name = TEMPLATE
    config.SlidesExporter.reveal_url_prefix = f"{ASSETS}/{reveal.folder}"
    config.SlidesExporter.reveal_theme = THEME
    config.SlidesExporter.reveal_number = "c/t"  # "3/17" in the corner
    config.SlidesExporter.reveal_width = str(WIDTH)
    config.SlidesExporter.reveal_height = str(HEIGHT)
    config.HTMLExporter.require_js_url = f"{ASSETS}/{require.folder}/require.js"
    config.HTMLExporter.mathjax_url = mathjax_url(packages)
    config.HTMLExporter.embed_images = True  # images linked from markdown travel inside the deck
    return SlidesExporter(config=config)


def check_notebooks(notebooks: list[Path]) -> None:
    """Exit with a clear message unless every path is an existing .ipynb file."""
    missing = [str(notebook) for notebook in notebooks if notebook.suffix != ".ipynb" or not notebook.is_file()]
    if missing:
        raise SystemExit(f"Not a notebook file: {', '.join(missing)}. Pass paths to .ipynb files.")


def build(notebooks: list[Path], out: Path = DEFAULT_OUT, cache: Path = DEFAULT_CACHE) -> list[Path]:
    """Write one deck per notebook into out/ with the assets beside them; return the decks."""
    check_notebooks(notebooks)
    install_all(out / ASSETS, cache)
    exporter = make_exporter(load_lock())
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
