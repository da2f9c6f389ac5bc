"""Page data → text: Jinja2 renders the hub pages into Markdown for MkDocs and leaves the detail pages
to be rendered when the build needs them; the Atom feeds; the jieba dictionary of Material's search."""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Sequence
from datetime import date
from functools import partial
from pathlib import Path
from xml.etree import ElementTree as ET

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound
from jinja2.loaders import split_template_path
from markupsafe import Markup, escape

from ..fields import BIDI, NOT_XML
from ..registry.public import Notice
from .config import SiteConfig, confined_file
from .detail import DETAIL_TEMPLATES, DetailPage, shells
from .pages import href, name_fragments

__all__ = ["environment", "listing_rows", "render", "write_feed", "write_search_dictionary", "DOMAIN_WORDS"]

NOT_IN_XML = re.compile(f"[{NOT_XML}]")  # what no XML file may hold (a registry of an older version may)
BIDI_CONTROL = re.compile(f"[{BIDI}]")  # refused in new input; an older registry may hold them: never printed
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


def _md(value) -> Markup:
    """User text inside Markdown: Markdown punctuation backslash-escaped, then HTML-escaped."""
    return Markup(str(escape(MD_SPECIAL.sub(r"\\\1", str(value)))))


# what a YAML stream may not hold raw (PyYAML's printable set): a title holding one (a name an older
# version recorded) made the page's front matter unreadable, shown as a heading in the page
NOT_IN_YAML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _yaml_title(value) -> Markup:
    # MkDocs themes print page titles without escaping: give them HTML-escaped text (a JSON string is
    # a YAML one; what YAML may not hold raw is written as its escape)
    text = json.dumps(html.escape(str(value)), ensure_ascii=False)
    return Markup(NOT_IN_YAML.sub(lambda m: f"\\u{ord(m[0]):04x}", text))


class ConfinedLoader(FileSystemLoader):
    """Templates from the folders in order, as FileSystemLoader; a file that is a link out of its
    folder or no regular file (a pipe would block) is passed over for the next folder's: a link in
    overrides/templates to /etc/passwd was rendered into the site."""

    def get_source(self, environment, template):
        pieces = split_template_path(template)
        for folder in self.searchpath:
            if confined_file(os.path.join(folder, *pieces), os.path.realpath(folder)):
                return FileSystemLoader(folder, self.encoding).get_source(environment, template)
        raise TemplateNotFound(template)


def environment(config: SiteConfig) -> Environment:
    env = Environment(
        loader=ConfinedLoader(config.template_dirs),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
        auto_reload=False,  # one build, templates fixed: no stat of the template per page (15,000 at 10,000 organisations)
    )
    env.finalize = printed
    env.filters["md"] = _md
    env.filters["yaml_title"] = _yaml_title
    env.globals["href"] = href
    env.globals["listing_rows"] = listing_rows
    return env


def printed(value):
    """Every value a template prints (`finalize`): bidirectional controls removed, so a name an
    older version recorded with one (RLO …) cannot reorder what a page shows."""
    if isinstance(value, str) and BIDI_CONTROL.search(value):
        return Markup(BIDI_CONTROL.sub("", value)) if isinstance(value, Markup) else BIDI_CONTROL.sub("", value)
    return value


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
    notices: Sequence[Notice],
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
    for el in feed.iter():  # a character no XML may hold becomes U+FFFD: the feed stays readable
        el.text = el.text and BIDI_CONTROL.sub("", NOT_IN_XML.sub("\ufffd", el.text))
        el.attrib.update((k, BIDI_CONTROL.sub("", NOT_IN_XML.sub("\ufffd", v))) for k, v in el.attrib.items())
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
