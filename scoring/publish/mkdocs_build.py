"""MkDocs Material builds the hub pages, the theme and one shell page per folder of detail pages —
or, when nothing it reads has changed, its output of the live build is carried over."""

from __future__ import annotations

import copy
import html
import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from ..files import copy_tree
from .carry import Carry, digest, walk_files
from .config import SiteConfig, copy_overrides, tree_digest
from .detail import DetailPage, sitemap_urls, take_shells

__all__ = ["material_search", "mkdocs_config", "escape_nav", "fresh_tokenizer", "build_epoch", "build_site", "Hubs", "build_hubs"]


def material_search() -> bool:
    """Search is Pagefind's (search_index); Material's search plugin would make every visitor download
    the whole index (6.7 MB at 10,000 organisations). SCORING_MATERIAL_SEARCH=1 keeps Material's
    plugin, its header and jieba, for scripts/bench_search.py to measure against."""
    return os.environ.get("SCORING_MATERIAL_SEARCH") == "1"


def mkdocs_config(config: SiteConfig, docs: Path, site: Path, nav: list, jieba_dict: Path) -> Path:
    cfg = copy.deepcopy(config.mkdocs)
    material = material_search()
    cfg.update(docs_dir=str(docs), site_dir=str(site), nav=escape_nav(nav))
    if "custom_dir" in cfg.get("theme", {}):
        theme = config.root / cfg["theme"]["custom_dir"]
        own = config.overrides / "theme" if config.overrides else None
        if (own and own.is_dir()) or material:  # the instance's theme files over the package's, as Material's custom_dir
            merged = docs.parent / "theme"
            copy_tree(theme, merged, dirs_exist_ok=True)
            if own and own.is_dir():  # no link out of overrides/ followed (reported by copy_assets)
                copy_overrides(config.overrides, "theme", merged)
            if material:  # the benchmark's Material search: Material's own header with its search box
                (merged / "partials" / "header.html").unlink()
            theme = merged
        cfg["theme"]["custom_dir"] = str(theme)
    cfg["plugins"] = [{"search": {"separator": r"[\s\u200b\-]", "jieba_dict_user": str(jieba_dict)}}] if material else []
    cfg["hooks"] = [str(Path(__file__).with_name("hooks.py"))]
    path = docs.parent / "mkdocs.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


_PRISTINE: tuple[dict, int] | None = None


def fresh_tokenizer() -> None:
    """Material loads our user dictionary into jieba's global tokenizer on every build, and jieba adds
    word frequencies to a running total: each build starts from the tokenizer as jieba loads it
    (reproducible). Loaded once per process, then restored by copy (0.02 s instead of 0.8 s)."""
    global _PRISTINE
    import jieba

    jieba.setLogLevel(logging.WARNING)
    if _PRISTINE is None:
        jieba.dt.__init__(jieba.dt.dictionary)
        jieba.dt.initialize()
        _PRISTINE = (dict(jieba.dt.FREQ), jieba.dt.total)
    jieba.dt.FREQ, jieba.dt.total = dict(_PRISTINE[0]), _PRISTINE[1]
    jieba.dt.user_word_tag_tab = {}
    jieba.dt.initialized = True


def build_epoch(today: date) -> int:
    """--today as the build's timestamp (SOURCE_DATE_EPOCH): midnight UTC of that day."""
    return int(time.mktime(today.timetuple())) - time.timezone


def build_site(config: Path, today: date) -> list[str]:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    warnings: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.WARNING:
                warnings.append(record.getMessage())

    log = logging.getLogger("mkdocs")
    handler = Collect()
    log.addHandler(handler)
    previous = log.level
    log.setLevel(logging.WARNING)
    if material_search():  # only Material's search plugin segments with jieba
        fresh_tokenizer()
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    # reproducible output: sitemap dates and gzip stamps follow --today, not the wall clock
    os.environ["SOURCE_DATE_EPOCH"] = str(build_epoch(today))
    try:
        build(load_config(str(config)))
    finally:
        log.removeHandler(handler)
        log.setLevel(previous)
        if epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = epoch
    return warnings


@dataclass
class Hubs:
    """What MkDocs made (or the live build's copy of it): the shells, the hub pages' addresses, its warnings."""

    key: str
    shells: dict[str, str]
    urls: list[str]
    warnings: list[str]


def build_hubs(
    carry: Carry, config: SiteConfig, docs: Path, site: Path, hubs: Path, nav: list, details: list[DetailPage], today: date, base: str
) -> Hubs:
    """The hub pages, theme and static files by MkDocs (into the empty `hubs`, then moved into
    `site`) — or, when nothing MkDocs reads has changed (the docs folder, the navigation, the code
    and settings), carried over. The sitemap is left to `write_sitemap` (it is dated)."""
    jieba = docs.parent / "jieba_user.txt"  # Material's search only (the benchmark's comparison)
    key = digest(base, tree_digest(docs), json.dumps(nav, ensure_ascii=False), jieba.read_text(encoding="utf-8") if material_search() else "")
    group = carry.link_group(site, "mkdocs", key)
    if group is not None:
        return Hubs(key, group["shells"], group["urls"], group["warnings"])
    warnings = build_site(mkdocs_config(config, docs, hubs, nav, jieba), today)
    shell_html = take_shells(hubs, details)
    urls = sitemap_urls(hubs)
    made = walk_files(hubs)
    for rel in made:  # a new directory entry replaces the spare's file: nothing is written into a shared inode
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(hubs / rel, target)
    carry.record_group("mkdocs", key, made, shells=shell_html, urls=urls, warnings=warnings)
    return Hubs(key, shell_html, urls, warnings)


def escape_nav(nav):
    if isinstance(nav, list):
        return [escape_nav(x) for x in nav]
    if isinstance(nav, dict):
        return {html.escape(k): escape_nav(v) for k, v in nav.items()}
    return nav
