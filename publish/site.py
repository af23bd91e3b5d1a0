"""Build the course website from the notebooks' stored outputs (nothing is executed).

    python -m publish.site [--out build/site]

`make site` runs this. It writes OUT/index.html (how to start, and the course table of
README.md) and one page per notebook, OUT/NN-name.html, in course order, with previous/next
links, a table of contents, math typeset by a local MathJax, highlighted code with a copy
button, inline figures and exercise solutions collapsed (``<details>``). Speaker notes and
the cells tagged ``remove-cell`` (checks that exist for CI) are left out. Every asset is
local, so the site opens from ``file://`` with no network and can be copied to any static
host as it is.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup

from publish.assets import ASSETS, DEFAULT_CACHE, ROOT, install, load_lock
from publish.slides import TEMPLATES, mathjax_url

DEFAULT_OUT = ROOT / "build" / "site"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
README = ROOT / "README.md"
TEMPLATE = "course-page"
REMOVE_TAG = "remove-cell"  # cells that exist for CI only (hidden asserts)
INDEX_SECTIONS = ("The two commands", "The notebooks")  # the parts of README.md on the index


@dataclass(frozen=True)
class Page:
    """One page of the site: its link and the title shown in the menu."""

    href: str
    title: str


def title_of(notebook: nbformat.NotebookNode) -> str:
    """The notebook's title: the text of its first "# " heading, e.g. "07 · Dropout"."""
    for cell in notebook.cells:
        match = re.search(r"^# (.+)$", cell.source, flags=re.MULTILINE) if cell.cell_type == "markdown" else None
        if match:
            return match.group(1).strip()
    raise ValueError("the notebook has no '# ' title")


def for_readers(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without speaker notes and without the cells tagged remove-cell."""
    copy = nbformat.from_dict(notebook)
    copy.cells = [cell for cell in copy.cells
                  if cell.metadata.get("slideshow", {}).get("slide_type") != "notes"
                  and REMOVE_TAG not in cell.metadata.get("tags", [])]
    return copy


def readme_sections(text: str, titles: tuple[str, ...]) -> dict[str, str]:
    """The "## " sections of README.md with these titles, by title (without the heading)."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    sections = dict(zip(parts[1::2], parts[2::2]))
    missing = [title for title in titles if title not in sections]
    if missing:
        raise SystemExit(f"{README}: no '## {missing[0]}' section; the website's index is built from it.")
    return {title: sections[title].strip() for title in titles}


def index_notebook(readme: str = README.read_text(encoding="utf-8")) -> nbformat.NotebookNode:
    """The index page as a notebook of markdown: README's title, intro and course table."""
    title = re.match(r"# (.+)", readme).group(1).strip()
    intro = readme.split("\n\n")[1].strip()  # the paragraph under the title
    sections = readme_sections(readme, INDEX_SECTIONS)
    cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\n{intro}")]
    for heading, body in sections.items():
        body = re.sub(r"\(notebooks/([\w-]+)\.ipynb\)", r"(\1.html)", body)  # links to the pages
        cells.append(nbformat.v4.new_markdown_cell(f"## {heading}\n\n{body}"))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["title"] = title
    return notebook


def make_exporter(mathjax: str):
    """nbconvert's HTMLExporter with the course-page template and a local MathJax."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TemplateExporter.extra_template_basedirs = [str(TEMPLATES)]
    config.TemplateExporter.extra_template_paths = [str(TEMPLATES)]  # outputs.j2
    config.HTMLExporter.template_name = TEMPLATE
    config.HTMLExporter.mathjax_url = mathjax
    # No embed_images: it re-parses each HTML block of the markdown on its own, which closes
    # <details> before the solution inside it. The notebooks link no image files.
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.anchor_link_text = "#"
    return HTMLExporter(config=config)


def add_contents(html: str) -> str:
    """Fill the page's table of contents from its "##" and "###" headings."""
    soup = BeautifulSoup(html, "html.parser")
    aside = soup.select_one("aside.site-toc")
    headings = [h for h in soup.select("main h2[id], main h3[id]")]
    if aside is None or not headings:
        return html
    title = soup.new_tag("p", attrs={"class": "toc-title"})
    title.string = "On this page"
    listing = soup.new_tag("ul")
    for heading in headings:
        item = soup.new_tag("li", attrs={"class": f"level-{heading.name[1]}"})
        link = soup.new_tag("a", href=f"#{heading['id']}")
        link.string = heading.get_text(" ", strip=True).removesuffix("#").strip()
        item.append(link)
        listing.append(item)
    aside.extend([title, listing])
    return str(soup)


def build(out: Path = DEFAULT_OUT, notebooks: list[Path] = NOTEBOOKS,
          cache: Path = DEFAULT_CACHE) -> list[Path]:
    """Write the index and one page per notebook into ``out``; return the pages, index first."""
    packages = load_lock()
    install(packages["mathjax"], out / ASSETS, cache)
    exporter = make_exporter(mathjax_url(packages))
    sources = [index_notebook()] + [for_readers(nbformat.read(path, as_version=4)) for path in notebooks]
    pages = [Page("index.html", "Home")] + [
        Page(f"{path.stem}.html", title_of(source)) for path, source in zip(notebooks, sources[1:])]
    course = sources[0].metadata["title"]
    written = []
    for number, (page, source) in enumerate(zip(pages, sources)):
        site = {"course": course, "pages": pages, "current": page.href,
                "prev": pages[number - 1] if number else None,
                "next": pages[number + 1] if number + 1 < len(pages) else None}
        resources = {"metadata": {"name": page.title}, "site": site}
        body, _ = exporter.from_notebook_node(source, resources=resources)
        target = out / page.href
        target.write_text(add_contents(body), encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the site (default: %(default)s)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    pages = build(args.out)
    print(f"{len(pages)} pages in {args.out} ({time.perf_counter() - start:.1f} s). Open "
          f"{args.out / 'index.html'} in a browser; it works offline. To publish, copy the "
          "whole folder to any static web host.")


if __name__ == "__main__":
    sys.exit(main())
