"""The site stages of a publish: page data → Jinja2 → Markdown → MkDocs Material → check → swap.

`scoring.jobs.publish` runs them in order; each is a plain function of the one before. The site is
built in a temporary folder beside --out and swapped in atomically: --out is a symbolic link to
the current build, replaced in one rename, so the old site stays served until the new one is
complete. This package reads the registry's public view; it never opens a workbook.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import html
import json
import logging
import os
import posixpath
import re
import secrets
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from ..inputs.instance import Instance
from ..registry import PublicView, Report
from ..registry.rounds import days_left
from ..workdays import Calendar
from .carry import Carry, builds_folder, digest, spare_is_kept, walk_files, write_atomic
from .detail import DETAIL_TEMPLATES, DetailPage, shells, sitemap_urls, take_shells
from .pages import href, name_fragments

__all__ = [
    "PublishResult",
    "PublishError",
    "SiteConfig",
    "load_site_config",
    "ROOT",
    "render",
    "write_feed",
    "write_search_dictionary",
    "material_search",
    "mkdocs_config",
    "build_site",
    "index_bundles",
    "check_site",
    "swap_in",
    "site_state",
    "state_file",
    "read_state",
    "write_state",
    "escape_nav",
    "clean_leftovers",
    "new_work_folder",
    "tree_digest",
    "code_fingerprint",
    "Hubs",
    "build_hubs",
    "search_index",
]


def _site_files() -> Path:
    """Where mkdocs.yml, templates/ and site/ are: inside an installed wheel (`scoring/_site`,
    see setup.py), else the source checkout the package runs from."""
    packaged = Path(__file__).resolve().parents[1] / "_site"
    return packaged if (packaged / "mkdocs.yml").is_file() else Path(__file__).resolve().parents[2]


ROOT = _site_files()
MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")  # < > & are handled by HTML escaping
DOMAIN_WORDS = [
    "运维",
    "运维服务",
    "运维服务机构",
    "刷卡排污",
    "台账",
    "电子台账",
    "公示",
    "公告",
    "备案",
    "抽查",
    "一票否决",
    "统一社会信用代码",
    "社会化运营机构",
    "第三方环保服务机构",
    "托管服务",
    "成熟度",
    "自动监控",
    "在线监测",
]


class PublishError(RuntimeError):
    """Nothing could be published (the previous site is left as it was)."""


@dataclass(frozen=True)
class SiteConfig:
    """mkdocs.yml read once, with the folders the site is made from and the instance's own settings
    (scoring.toml: title, site_url, the issuer) and overrides folder laid over them."""

    root: Path
    mkdocs: dict
    site_url: str  # always ends with "/"
    issuer: dict = field(default_factory=dict)  # issuer, address, phone, email, icp (public)
    overrides: Path | None = None  # the instance's theme/, templates/, assets/ (each optional)
    schemes: tuple[str, ...] = ()  # the schemes the site shows (empty: all)

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def template_dirs(self) -> list[Path]:
        """Page templates: the instance's own first, then the package's."""
        own = self.overrides / "templates" if self.overrides else None
        return ([own] if own and own.is_dir() else []) + [self.templates]

    @property
    def pages(self) -> Path:
        return self.root / "site"

    def fingerprint(self) -> str:
        """What besides the package and the registry decides the site: settings and overrides."""
        h = hashlib.sha256(json.dumps([self.mkdocs, self.site_url, self.issuer, self.schemes], sort_keys=True, ensure_ascii=False).encode())
        if self.overrides and self.overrides.is_dir():
            h.update(tree_digest(self.overrides).encode())
        return h.hexdigest()


def load_site_config(root: Path = ROOT, instance: Instance | None = None) -> SiteConfig:
    """The package's mkdocs.yml, with the instance's title, site_url and issuer when there is one."""
    cfg = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    issuer: dict = {}
    overrides = None
    schemes: tuple[str, ...] = ()
    if instance is not None:
        schemes = instance.schemes
        site = instance.site
        if site.get("title"):
            cfg["site_name"] = site["title"]
        if site.get("site_url"):
            cfg["site_url"] = site["site_url"]
        issuer = dict(instance.issuer)
        cfg.setdefault("extra", {})["issuer"] = issuer
        overrides = instance.path("overrides")
    return SiteConfig(root, cfg, str(cfg["site_url"]).rstrip("/") + "/", issuer, overrides, schemes)


@dataclass
class PublishResult:
    report: Report
    out: Path
    pages: int = 0
    seconds: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    skipped: bool = False  # nothing visible changed: the site in --out was kept as it is
    carried: int = 0  # files linked over unchanged from the live build
    made: int = 0  # files written anew
    office: Any = None  # office.OfficeReport when an office folder was given (the office layer sits above this one)


def _md(value) -> Markup:
    """User text inside Markdown: Markdown punctuation backslash-escaped, then HTML-escaped."""
    return Markup(str(escape(MD_SPECIAL.sub(r"\\\1", str(value)))))


def _yaml_title(value) -> Markup:
    # MkDocs themes print page titles without escaping: give them HTML-escaped text
    return Markup(json.dumps(html.escape(str(value)), ensure_ascii=False))


def environment(config: SiteConfig) -> Environment:
    env = Environment(
        loader=FileSystemLoader(config.template_dirs),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
        auto_reload=False,  # one build, templates fixed: no stat of the template per page (15,000 at 10,000 organisations)
    )
    env.filters["md"] = _md
    env.filters["yaml_title"] = _yaml_title
    env.globals["href"] = href
    env.globals["listing_rows"] = listing_rows
    return env


def listing_rows(rows: list[dict], here: str, org_path: dict[str, str], show_round: bool, scores: bool) -> Markup:
    """The rows of a results listing (the `results_table` macro), written here rather than in the
    template: tens of thousands of rows a night, three times faster than Jinja2 looking up each field."""
    e = escape
    out = []
    for r in rows:
        score = "" if r["total"] is None else f"{r['total']:.2f}"
        name = e(r["org_name"])
        link = f'<a href="{e(href(here, org_path[r["credit_code"]]))}">{name}</a>' if r["credit_code"] in org_path else name
        address = f'<br><span class="address">{e(r["address"])}</span>' if r["address"] else ""
        out.append(
            f'<tr data-grade="{e(r["outcome"])}" data-rank="{e(r["rank"])}" data-round="{e(r["round"])}" data-province="{e(r["province"])}" '
            f'data-city="{e(r["city"])}" data-name="{name}" data-code="{e(r["credit_code"])}" data-score="{score}"><td>{link}<br>'
            f'<span class="code">{e(r["credit_code"])}</span>{address}</td><td class="col-place">{e(r["city"] or r["province"] or "—")}</td>'
            + (f'<td class="col-round">{e(r["round"])}</td>' if show_round else "")
            + (f"<td>{score or '—'}</td>" if scores else "")
            + f'<td><span class="grade-badge grade-rank-{e(r["rank"])}{" grade-fail" if r["fail"] else ""}">{e(r["outcome"])}</span>'
            f"{'（一票否决）' if r['veto'] else ''}</td><td>{e(r['status'])}</td></tr>\n"
        )
    return Markup("".join(out))


def render(pages, docs: Path, config: SiteConfig) -> list[DetailPage]:
    """Hub pages as Markdown into `docs` for MkDocs; detail pages (organisations, certificates)
    returned to be rendered when the build needs them, with one shell page per folder for MkDocs
    to build instead."""
    env = environment(config)
    details = []
    for page in pages:
        if page.template in DETAIL_TEMPLATES:
            beside = dict(page.context.get("beside", {}))  # suffix -> a function making the file's text
            if "qr" in page.context:  # a static image beside the page: no parser has to walk its paths
                beside = {"qr.svg": partial(str, page.context["qr"]), **beside}
            details.append(DetailPage(page.path, page.key, partial(env.get_template(page.template).render, **page.context), beside, page.order))
            continue
        path = docs / page.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(env.get_template(page.template).render(**page.context), encoding="utf-8")
    for shell, text in shells(details).items():
        (docs / shell).parent.mkdir(parents=True, exist_ok=True)
        (docs / shell).write_text(text, encoding="utf-8")
    return details


def write_feed(
    path: Path,
    notices: list[dict],
    site_url: str,
    notice_paths: dict,
    today: date,
    summaries: dict | None = None,
    title: str = "",
    self_url: str = "feed.xml",
) -> None:
    """An Atom feed of notices, newest first; each entry says who, what and until when."""
    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)
    feed = ET.Element(f"{{{ns}}}feed")
    ET.SubElement(feed, f"{{{ns}}}title").text = title or "运维服务机构能力评估公告与公示"
    ET.SubElement(feed, f"{{{ns}}}id").text = site_url + self_url
    ET.SubElement(feed, f"{{{ns}}}updated").text = f"{(notices[0]['published'] if notices else today.isoformat())}T00:00:00+08:00"
    ET.SubElement(feed, f"{{{ns}}}link", href=site_url)
    ET.SubElement(feed, f"{{{ns}}}link", rel="self", href=site_url + self_url)
    for n in notices[:100]:
        url = site_url + notice_paths[n["id"]][:-3] + "/"
        e = ET.SubElement(feed, f"{{{ns}}}entry")
        ET.SubElement(e, f"{{{ns}}}title").text = n["title"]
        ET.SubElement(e, f"{{{ns}}}id").text = url
        ET.SubElement(e, f"{{{ns}}}link", href=url)
        ET.SubElement(e, f"{{{ns}}}updated").text = f"{n['published']}T00:00:00+08:00"
        ET.SubElement(e, f"{{{ns}}}category", term=n["kind"])
        head = f"{n['kind']}，发布日期 {n['published']}" + (f"，公示期至 {n['period_end']}" if n["period_end"] else "")
        ET.SubElement(e, f"{{{ns}}}summary").text = head + ("。" + summaries[n["id"]] if summaries and summaries.get(n["id"]) else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def write_search_dictionary(path: Path, names: list[str]) -> None:
    """jieba user dictionary: domain words, organisation names and every 2-character fragment of
    them, so that a search for any two characters of a name finds the organisation."""
    words = dict.fromkeys(DOMAIN_WORDS)
    for name in names:
        words.update(dict.fromkeys(name_fragments(name)))
    lines = [f"{w} 100000 n" for w in words if w.strip() and " " not in w]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


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
            shutil.copytree(theme, merged, dirs_exist_ok=True)
            if own and own.is_dir():
                shutil.copytree(own, merged, dirs_exist_ok=True)
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


# a path a glob can name as it is (no glob syntax, no separator of alternatives)
PLAIN_PATH = re.compile(r"[A-Za-z0-9._/-]+")


def index_bundles(site: Path, work: Path, todo: list[tuple[str, list[str]]]) -> None:
    """Pagefind's index of each bundle's pages into site/pagefind/<name> (Chinese segmentation:
    pagefind_extended), two bundles at a time (one per core). Pagefind reads the pages a glob names
    when their paths are plain (ours are), else copies linked into a folder of their own."""
    import subprocess
    import sys

    running: list[tuple[str, subprocess.Popen]] = []

    def finish(name: str, proc: subprocess.Popen) -> None:
        out, _ = proc.communicate()
        if proc.returncode != 0 or not (site / "pagefind" / name / "pagefind.js").is_file():
            raise PublishError(f"搜索索引生成失败（pagefind {name}）：{out.strip()[-500:]}")

    try:
        for name, pages in todo:
            pattern = "{" + ",".join(pages) + "}"
            if all(PLAIN_PATH.fullmatch(rel) for rel in pages) and len(pattern) < 100_000:  # one argument stays under Linux's 128 KB
                read = ["--site", str(site), "--glob", pattern]
            else:
                stage = work / f"pagefind-{name}"
                for rel in pages:
                    (stage / rel).parent.mkdir(parents=True, exist_ok=True)
                    os.link(site / rel, stage / rel)
                read = ["--site", str(stage)]
            cmd = [sys.executable, "-m", "pagefind", *read, "--output-path", str(site / "pagefind" / name), "--quiet"]
            running.append((name, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
            if len(running) >= (os.cpu_count() or 1):
                finish(*running.pop(0))
        while running:
            finish(*running.pop(0))
    finally:
        for _, proc in running:
            proc.kill()
            proc.wait()


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


# Organisation pages per search bundle. Pagefind cannot update an index, so the index is made of
# bundles merged in the browser: the hub pages' (pagefind/main/) and one per thousand organisations
# in registration order (pagefind/orgs-<n>/; new organisations fill the last). A night re-indexes
# only the bundles whose pages changed.
SEARCH_CHUNK = 1000


def search_index(carry: Carry, site: Path, work: Path, hubs: Hubs, searched: list[tuple[str, str, int]]) -> None:
    """Pagefind's bundles, each carried over when no page it reads has changed; the list of the
    organisations' bundles in pagefind/bundles.json (the search page merges them)."""
    hub_pages = sorted(rel for rel in carry.groups["mkdocs"]["files"] if rel.endswith(".html"))
    bundles = {"main": (digest(hubs.key), hub_pages)}
    chunks: dict[int, list[tuple[str, str]]] = {}
    for rel, key, order in searched:
        chunks.setdefault(order // SEARCH_CHUNK, []).append((rel, key))
    for n, chunk in sorted(chunks.items()):  # keyed by their pages alone: a hub page changing leaves them be
        bundles[f"orgs-{n}"] = (digest(*(f"{rel} {key}" for rel, key in chunk)), [rel for rel, _ in chunk])
    todo = []
    for name, (key, pages) in bundles.items():
        if carry.link_group(site, f"search:{name}", key) is None:
            shutil.rmtree(site / "pagefind" / name, ignore_errors=True)  # Pagefind writes into its folder: never into the spare's files
            todo.append((name, pages))
    index_bundles(site, work, todo)
    for name, _ in todo:
        carry.record_group(f"search:{name}", bundles[name][0], walk_files(site, f"pagefind/{name}"))
    merged = json.dumps([f"{name}/" for name in bundles if name != "main"])
    carry.put(site, "pagefind/bundles.json", None, lambda: merged)


HREF = re.compile(r'href="([^"#?:]+)(?:[?#][^"]*)?"')


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
    if "http://" in (site / "index.html").read_text(encoding="utf-8").replace("http://www.w3.org", ""):
        raise PublishError("首页含有指向外部主机的 http 地址")


def swap_in(new: Path, out: Path) -> tuple[str, Path | None]:
    """Make `out` point at the new build in one atomic rename. Returns the new build's folder name
    (the manifest names it) and the previous build's folder (for `retire`: kept as the spare or
    removed), if there was one."""
    out = Path(out)
    builds = builds_folder(out)
    builds.mkdir(parents=True, exist_ok=True)
    # unique even for two builds in one second of one process (the live one must never be hit)
    target = builds / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{secrets.token_hex(4)}"
    os.replace(new, target)
    link = out.parent / f".{out.name}.link-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(os.path.relpath(target, out.parent), link)
    old_target = None
    if out.is_symlink():
        old_target = (out.parent / os.readlink(out)).resolve()
    elif out.exists():  # an empty folder (jobs.is_our_output refuses any other): moved aside, then removed
        aside = builds / f"previous-{os.getpid()}"
        os.replace(out, aside)
        old_target = aside
    os.replace(link, out)  # the atomic step
    if old_target == target.resolve():
        old_target = None
    return target.name, old_target


def code_fingerprint(root: Path) -> str:
    """Everything besides the registry that decides what the site looks like."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    files = [
        root / "mkdocs.yml",
        *sorted((root / "templates").rglob("*")),
        *sorted((root / "site").rglob("*")),
        *sorted(package.rglob("*.py")),
        *sorted(package.rglob("*.yaml")),
    ]
    for f in files:
        if f.is_file():
            h.update(str(f.relative_to(root) if root in f.parents else f.name).encode())
            h.update(f.read_bytes())
    h.update(json.dumps(library_versions()).encode())
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    """The libraries whose upgrade changes the site's bytes."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("mkdocs", "mkdocs-material", "jinja2", "markdown", "pymdown-extensions", "pagefind", "segno", "jieba"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = ""
    return found


def tree_digest(folder: Path) -> str:
    """Every file under `folder`, by path and bytes."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            f = Path(dirpath) / name
            rel = str(f.relative_to(folder)).encode()
            data = f.read_bytes()
            h.update(len(rel).to_bytes(8, "little") + rel + len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def site_state(con: sqlite3.Connection, today: date, cal: Calendar, view: PublicView, base: str) -> str:
    """A digest of everything the site shows on `today`: equal digests, equal sites. `base`: the
    code's and settings' fingerprint (`code_fingerprint` + `SiteConfig.fingerprint`)."""
    h = hashlib.sha256(base.encode())
    for rows in (view.certificates, view.results, view.notices, view.renewals, view.draws):
        h.update(json.dumps(rows, sort_keys=True, ensure_ascii=False, default=str).encode())
    for rd in con.execute(
        "SELECT * FROM rounds WHERE period_days IS NOT NULL AND notice_date <= ? AND period_end >= ?", (today.isoformat(), today.isoformat())
    ):
        h.update(f"{rd['id']}:{days_left(rd, today, cal)}".encode())  # the 公示 countdown
    h.update(str(con.execute("SELECT MAX(today) FROM audit").fetchone()[0]).encode())
    return h.hexdigest()


def state_file(out: Path) -> Path:
    return builds_folder(out) / "state.json"


def read_state(out: Path) -> dict:
    """The last publish's state digest, day and page count; {} when there is none or it is unreadable
    (a damaged state file only costs one full rebuild)."""
    try:
        data = json.loads(state_file(out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_state(out: Path, state: dict) -> None:
    """Written atomically: a kill leaves the old file or the new one, never an empty one."""
    write_atomic(state_file(out), json.dumps(state))


def new_work_folder(out: Path) -> Path:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out.name}.work-", dir=out.parent))
    except OSError as exc:
        raise PublishError(f"无法在 {out.parent} 中建立发布目录：{exc.strerror or exc}") from exc


def clean_leftovers(out: Path) -> list[str]:
    """Work folders, half-made links and old builds of a run that was killed. Only called while
    holding the publish lock, so none of them belongs to a live run."""
    removed = []
    for p in out.parent.glob(f".{out.name}.work-*"):
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p.name)
    for p in out.parent.glob(f".{out.name}.link-*"):
        p.unlink()
        removed.append(p.name)
    builds = builds_folder(out)
    live = (out.parent / Path(os.readlink(out))).resolve() if out.is_symlink() else None
    if builds.is_dir():
        for p in builds.iterdir():
            if spare_is_kept(builds, p):
                continue
            if p.is_dir() and p.resolve() != live:
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p.name)
            elif p.name.endswith(".tmp") or p.name == "spare.json":  # a write cut short; a spare's description without it
                p.unlink()
                removed.append(p.name)
    return removed


def escape_nav(nav):
    if isinstance(nav, list):
        return [escape_nav(x) for x in nav]
    if isinstance(nav, dict):
        return {html.escape(k): escape_nav(v) for k, v in nav.items()}
    return nav
