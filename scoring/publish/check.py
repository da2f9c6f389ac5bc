"""The last stage before the swap: a build that is incomplete is refused (the live site stays served)."""

from __future__ import annotations

import csv
import html
import json
import posixpath
import re
from pathlib import Path
from xml.etree import ElementTree as ET

from .carry import walk_files
from .outcome import PublishError

__all__ = ["check_site"]

HREF = re.compile(r'href="([^"#?:]+)(?:[?#][^"]*)?"')
# what the browser would fetch or open from an outside host over http: an attribute's value, never
# text (a name or title holding "http://" is escaped text, not a link: it must not stop publishing)
OUTSIDE = re.compile(r"""\s(?:href|src|srcset|action|formaction|poster|data|xlink:href)\s*=\s*["']\s*http://(?!www\.w3\.org/)""", re.I)


def check_site(site: Path, expected: list[str], changed: set[str] | None = None, present: set[str] | None = None) -> None:
    """Refuse to swap in a build that is incomplete: every page, every link between our pages,
    the open data and the feed. With `changed`, only those pages' links are followed: the others
    are the live build's files, checked when they were made, and their targets are all still
    there (the caller passes `changed` only when nothing of the live build is missing). `present`:
    the build's files as the build recorded them (else the folder is walked)."""
    if present is None:
        present = set(walk_files(site))  # links are resolved as strings against it (no symlinks inside a build)
    missing = [p for p in expected if p not in present]
    if missing:
        raise PublishError(f"构建结果不完整，缺少 {len(missing)} 个页面，如 {missing[:3]}")
    broken = []
    for page in expected if changed is None else [p for p in expected if p in changed]:
        text = (site / page).read_text(encoding="utf-8")
        start = text.find("<article")
        article = text[start : text.find("</article>", start)] if start >= 0 else ""
        base = posixpath.dirname(page)
        for link in dict.fromkeys(HREF.findall(article)):
            target = posixpath.normpath(posixpath.join(base, html.unescape(link))).removeprefix(".")  # "." is the site's root
            if not (target in present or posixpath.join(target, "index.html") in present):
                broken.append(f"{page} → {link}")
    if broken:
        raise PublishError(f"构建结果中有 {len(broken)} 个失效链接，如 {broken[:3]}")
    fresh = (lambda rel: rel in changed) if changed is not None else (lambda rel: True)  # carried files were checked when made
    for name in ("certificates", "results", "notices"):
        if fresh(f"data/{name}.json"):
            json.loads((site / "data" / f"{name}.json").read_text(encoding="utf-8"))
    for name in ("certificates", "results"):
        if fresh(f"data/{name}.csv"):
            list(csv.reader((site / "data" / f"{name}.csv").read_text(encoding="utf-8-sig").splitlines()))
    if fresh("feed.xml"):
        ET.parse(site / "feed.xml")
    if OUTSIDE.search((site / "index.html").read_text(encoding="utf-8")):
        raise PublishError("首页含有指向外部主机的 http 地址")
