"""Detail pages (organisations, certificates: nine pages in ten) without MkDocs' per-page cost.

MkDocs builds one *shell* page per folder of detail pages, at the same depth, through the same
theme, hooks and `mkdocs.yml`: the site's header, footer, assets and search box with a title marker
and a body marker. Each detail page is then that shell with its title, body and canonical address
put in — one coherent Material site to the reader, `mkdocs.yml` still the single source of the
theme's configuration, and MkDocs left with the hub pages alone.
"""

from __future__ import annotations

import gzip
import html
import io
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

import yaml

from .carry import Carry, digest

__all__ = ["DetailPage", "DETAIL_TEMPLATES", "split_detail", "shells", "take_shells", "assemble_details", "sitemap_urls", "write_sitemap"]

DETAIL_TEMPLATES = {"org.md.j2", "certificate.md.j2"}
SHELL = "_shell"
TITLE_MARK = "@@SHELL-TITLE@@"
# the marker names an <h1> so that the theme does not add its own heading above the body
BODY_MARK = "<!--@@SHELL-BODY@@ <h1> -->"


@dataclass
class DetailPage:
    """A detail page, rendered only when the build needs its text (its key changed)."""

    path: str  # Markdown path the page would have had (org/<code>.md): its URL follows from it
    key: str | None  # Page.key: the page's own data (None: always made)
    render: Callable[[], str]  # the template's output: front matter + finished, escaped HTML
    beside: dict[str, Callable[[], str]] = field(default_factory=dict)  # files next to the page: suffix -> their maker
    order: int = 0  # Page.order: which search bundle indexes it
    _parts: tuple[str, str, bool] | None = None

    @property
    def url(self) -> str:
        return self.path[:-3] + "/"

    def parts(self) -> tuple[str, str, bool]:
        """Title, body and whether search indexes the page (front matter `search: {exclude: true}`)."""
        if self._parts is None:
            self._parts = split_detail(self.render())
        return self._parts


def split_detail(text: str) -> tuple[str, str, bool]:
    """A rendered detail template (front matter + HTML) as its title, body and search flag."""
    _, front, body = text.split("---\n", 2)
    meta = _front_matter(front)
    return html.unescape(str(meta["title"])), body, not (meta.get("search") or {}).get("exclude")


TITLE_LINE = re.compile(r'^title: ("(?:[^"\\]|\\.)*")$', re.M)


def _front_matter(front: str) -> dict:
    """The detail templates' front matter: flags, a JSON-quoted title (`yaml_title`), maybe
    `search: exclude: true`. Read directly (YAML's parser took a quarter of the render time at
    10,000 organisations); anything else goes to YAML."""
    m = TITLE_LINE.search(front)
    rest = TITLE_LINE.sub("", front).split()
    if m and rest in (["detail:", "true", "prebuilt:", "true"], ["detail:", "true", "prebuilt:", "true", "search:", "exclude:", "true"]):
        return {"title": json.loads(m[1]), "search": {"exclude": "search:" in rest}}
    return yaml.safe_load(front)


def shell_markdown(searched: bool = True) -> str:
    search = "" if searched else "search:\n  exclude: true\n"
    return f'---\ndetail: true\nprebuilt: true\ntitle: "{TITLE_MARK}"\n{search}---\n{BODY_MARK}\n'


def shells(pages: list[DetailPage]) -> dict[str, str]:
    """One shell per folder of detail pages (org/_shell.md beside org/<code>.md), with the search
    setting of its pages (its first page's: assembly holds every page it renders to it): Markdown
    path -> its text."""
    folders: dict[str, bool] = {}
    for p in pages:
        folder = os.path.dirname(p.path)
        if folder not in folders:
            folders[folder] = p.parts()[2]
    return {f"{folder}/{SHELL}.md": shell_markdown(searched) for folder, searched in sorted(folders.items())}


def take_shells(site: Path, pages: list[DetailPage]) -> dict[str, str]:
    """The shells MkDocs built, read and removed from the site: folder -> HTML."""
    taken = {}
    for folder in sorted({os.path.dirname(p.path) for p in pages}):
        shell_dir = site / folder / SHELL
        taken[folder] = (shell_dir / "index.html").read_text(encoding="utf-8")
        shutil.rmtree(shell_dir)
    return taken


def assemble_details(
    site: Path, pages: list[DetailPage], site_url: str, shell_html: dict[str, str], carry: Carry, base: str
) -> list[tuple[str, str, int]]:
    """Every detail page and the files beside it into the built site, from its folder's shell:
    carried over from the live build when its key (code, shell, page data) is unchanged, else
    rendered. Returns the pages search indexes: their file, key and order."""
    by_folder: dict[str, list[DetailPage]] = {}
    for p in pages:
        by_folder.setdefault(os.path.dirname(p.path), []).append(p)
    searched_keys = []
    for folder, mine in sorted(by_folder.items()):
        shell = shell_html[folder]
        searched = "data-pagefind-body" in shell
        head, tail = (_compact(part) for part in shell.split(BODY_MARK))
        shell_key = digest(base, head, tail, site_url)
        canonical = f'href="{site_url}{folder}/{SHELL}/"'

        def assemble(p: DetailPage, head=head, tail=tail, canonical=canonical, searched=searched) -> str:
            title, body, page_searched = p.parts()
            p._parts = None  # written once: 15,000 bodies need not stay in memory
            if page_searched != searched:
                raise ValueError(f"{p.path}: detail pages of one folder must all be searched or none")
            title = html.escape(title)
            body = body.replace("data-search-exclude", "data-search-exclude data-pagefind-ignore")  # as the hook does
            return (head.replace(TITLE_MARK, title) + body + tail.replace(TITLE_MARK, title)).replace(canonical, f'href="{site_url}{p.url}"')

        for p in mine:
            key = digest(shell_key, p.key) if p.key is not None else None
            rel = p.url + "index.html"
            carry.put(site, rel, key, partial(assemble, p))
            if searched:
                searched_keys.append((rel, carry.files[rel], p.order))
            stem = os.path.basename(p.path)[:-3]
            for suffix, make in p.beside.items():  # a certificate's QR code, badge and record: from the page's data
                carry.put(site, f"{folder}/{stem}.{suffix}", digest(base, p.key, suffix) if p.key is not None else None, make)
    return searched_keys


def _compact(text: str) -> str:
    """The theme's indentation and blank lines out (half a detail page's bytes); a line break stays
    wherever there was one, so the page renders the same. The shell has no <pre> or <textarea>."""
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(line for line in lines if line) + ("\n" if text.endswith("\n") else "")
    return CONFIG.sub(lambda m: m[1] + json.dumps(json.loads(m[2]), ensure_ascii=False, separators=(",", ":")) + m[3], text)


# the theme's settings for its script, written with \uXXXX escapes: as UTF-8 text they take a third
CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)


LOC = re.compile(r"<url>\s*<loc>([^<]*)</loc>\s*<lastmod>([^<]*)</lastmod>\s*</url>")


def sitemap_urls(site: Path) -> list[str]:
    """The hub pages of MkDocs' sitemap, without the shells; the sitemap itself removed (written
    again with every page by `write_sitemap`)."""
    path = site / "sitemap.xml"
    found = [loc for loc, _ in LOC.findall(path.read_text(encoding="utf-8")) if f"/{SHELL}/" not in loc]
    path.unlink()
    (site / "sitemap.xml.gz").unlink(missing_ok=True)
    return found


def write_sitemap(carry: Carry, site: Path, hub_urls: list[str], pages: list[DetailPage], site_url: str, today: date, epoch: int) -> None:
    """The sitemap of the hub pages and every detail page, dated the build's day; the .gz stamped with it."""
    lastmod = today.isoformat()  # what MkDocs writes for SOURCE_DATE_EPOCH = that day
    entries = hub_urls + [f"{site_url}{p.url}" for p in sorted(pages, key=lambda p: p.path)]
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(f"    <url>\n         <loc>{loc}</loc>\n         <lastmod>{lastmod}</lastmod>\n    </url>\n" for loc in entries)
        + "</urlset>"
    )
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=epoch) as gz:
        gz.write(text.encode("utf-8"))
    carry.put(site, "sitemap.xml", None, lambda: text)
    carry.put(site, "sitemap.xml.gz", None, buf.getvalue)
