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
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["DetailPage", "DETAIL_TEMPLATES", "split_detail", "shells", "assemble_details", "write_sitemap"]

DETAIL_TEMPLATES = {"org.md.j2", "certificate.md.j2"}
SHELL = "_shell"
TITLE_MARK = "@@SHELL-TITLE@@"
# the marker names an <h1> so that the theme does not add its own heading above the body
BODY_MARK = "<!--@@SHELL-BODY@@ <h1> -->"


@dataclass(frozen=True)
class DetailPage:
    path: str  # Markdown path the page would have had (org/<code>.md): its URL follows from it
    title: str
    body: str  # finished, escaped HTML (the templates are `prebuilt`)
    searched: bool = True  # front matter `search: {exclude: true}` says no (Pagefind skips the page)

    @property
    def url(self) -> str:
        return self.path[:-3] + "/"


def split_detail(path: str, text: str) -> DetailPage:
    """A rendered detail template (front matter + HTML) as a DetailPage."""
    _, front, body = text.split("---\n", 2)
    meta = _front_matter(front)
    return DetailPage(path, html.unescape(str(meta["title"])), body, not (meta.get("search") or {}).get("exclude"))


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
    setting of its pages: Markdown path -> its text."""
    folders: dict[str, bool] = {}
    for p in pages:
        folder = os.path.dirname(p.path)
        if folders.setdefault(folder, p.searched) != p.searched:
            raise ValueError(f"{folder}: detail pages of one folder must all be searched or none")
    return {f"{folder}/{SHELL}.md": shell_markdown(searched) for folder, searched in sorted(folders.items())}


def assemble_details(site: Path, pages: list[DetailPage], site_url: str) -> None:
    """Write every detail page into the built site from its folder's shell; remove the shells."""
    by_folder: dict[str, list[DetailPage]] = {}
    for p in pages:
        by_folder.setdefault(os.path.dirname(p.path), []).append(p)
    for folder, mine in sorted(by_folder.items()):
        shell_dir = site / folder / SHELL
        shell = (shell_dir / "index.html").read_text(encoding="utf-8")
        shutil.rmtree(shell_dir)
        head, tail = (_compact(part) for part in shell.split(BODY_MARK))
        canonical = f'href="{site_url}{folder}/{SHELL}/"'
        for p in mine:
            title = html.escape(p.title)
            body = p.body.replace("data-search-exclude", "data-search-exclude data-pagefind-ignore")  # as the hook does
            text = (head.replace(TITLE_MARK, title) + body + tail.replace(TITLE_MARK, title)).replace(canonical, f'href="{site_url}{p.url}"')
            target = site / p.url / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


def _compact(text: str) -> str:
    """The theme's indentation and blank lines out (half a detail page's bytes); a line break stays
    wherever there was one, so the page renders the same. The shell has no <pre> or <textarea>."""
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(line for line in lines if line) + ("\n" if text.endswith("\n") else "")
    return CONFIG.sub(lambda m: m[1] + json.dumps(json.loads(m[2]), ensure_ascii=False, separators=(",", ":")) + m[3], text)


# the theme's settings for its script, written with \uXXXX escapes: as UTF-8 text they take a third
CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)


LOC = re.compile(r"<url>\s*<loc>([^<]*)</loc>\s*<lastmod>([^<]*)</lastmod>\s*</url>")


def write_sitemap(site: Path, pages: list[DetailPage], site_url: str, epoch: int) -> None:
    """MkDocs' sitemap without the shells, with every detail page; the .gz stamped with the build date."""
    path = site / "sitemap.xml"
    found = LOC.findall(path.read_text(encoding="utf-8"))
    lastmod = found[0][1] if found else ""
    entries = [(loc, mod) for loc, mod in found if f"/{SHELL}/" not in loc]
    entries += [(f"{site_url}{p.url}", lastmod) for p in sorted(pages, key=lambda p: p.path)]
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(f"    <url>\n         <loc>{loc}</loc>\n         <lastmod>{mod}</lastmod>\n    </url>\n" for loc, mod in entries)
        + "</urlset>"
    )
    path.write_text(text, encoding="utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=epoch) as gz:
        gz.write(text.encode("utf-8"))
    (site / "sitemap.xml.gz").write_bytes(buf.getvalue())
