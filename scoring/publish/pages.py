"""Page data: what each page of the site shows, from the registry's public view (typed records whose
fields are exactly what may be published; no connection to the registry).

Every page is a (path, template, context) triple; paths come from our own identifiers only
(scheme ids, validated credit codes, certificate numbers, checked round keys), never from file
names or text in a workbook.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial
from typing import Any

from ..fields import credit_code_ok
from ..regions import region_of, regions_source
from ..registry import PublicView
from ..registry.opendata import COLUMNS
from ..registry.public import (
    Notice,
    Organisation,
    PublicRecord,
    PublicRound,
    PublishedResult,
    extended,
    plain,
)
from ..registry.rounds import days_left, stored_period
from ..rubric import load_rubric, scheme_ids
from ..workdays import Calendar, Period
from .badge import badge_svg, certificate_record
from .carry import digest
from .charts import bar_chart, histogram
from .qr import qr_codes

__all__ = ["Page", "gather_pages", "safe_slug", "href", "url_of", "nav_for", "name_fragments"]

SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SCHEME_ORDER = ["zj-skpw", "maturity", "datong-filing", "xuzhou-service", "hosting"]  # as the project lists them
KIND_SLUG = {
    "公示": "gongshi",
    "公告": "gonggao",
    "降级公告": "jiangji",
    "撤销公告": "chexiao",
    "作废公告": "zuofei",
    "变更公告": "biangeng",
    "注销公告": "zhuxiao",
    "抽查": "choucha",
}


@dataclass
class Page:
    path: str  # Markdown path inside the docs folder
    template: str
    context: dict
    # detail pages: a digest of everything the page shows besides the code and the site's settings
    # (what its template reads from the context); an unchanged key lets the build carry it over
    key: str | None = None
    # organisation pages: the organisation's registration number (the registry's order of first
    # recording), which puts it in a search bundle that new organisations never reshuffle
    order: int = 0


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))


# the names a round's page must never take (case-insensitively, with or without an extension: a
# round folder `feed.xml` made a folder where the scheme's feed is written, `README` is MkDocs'
# index): a scheme's own pages and files beside its rounds, and every top-level file and folder
# of the site
RESERVED_SLUGS = frozenset(
    {"index", "readme", "method", "feed", "about", "assets", "data", "org", "certificates", "notices", "verify", "search"}
    | {"pagefind", "sitemap", "404", "robots", "favicon"}
)


def _reserved(key: str) -> bool:
    return key.lower().split(".", 1)[0] in RESERVED_SLUGS


def safe_slug(key: str) -> str:
    """A round folder name as a URL part: kept when plainly safe, else replaced by a hash."""
    if SAFE_KEY.match(key) and ".." not in key and not _reserved(key):
        return key
    return "r-" + hashlib.sha1(key.encode()).hexdigest()[:10]


@lru_cache(maxsize=4096)
def url_of(md_path: str) -> str:
    base = md_path[:-3]
    if base == "index" or base.endswith("/index"):
        base = base[: -len("index")]
    else:
        base += "/"
    return base


def href(from_md: str, to_md: str, suffix: str = "") -> str:
    """Relative URL between two pages (directory URLs), for links inside raw HTML. By string
    operations (both are clean site paths): a listing makes tens of thousands of these."""
    start = url_of(from_md).split("/")[:-1]  # the folders of the page's URL
    target = url_of(to_md).split("/")  # ends with "" (a directory URL) or is [""] (the home page)
    common = 0
    while common < len(start) and common < len(target) - 1 and start[common] == target[common]:
        common += 1
    rel = "../" * (len(start) - common) + "/".join(target[common:])
    return (rel or "./") + suffix


def notice_path(n: Notice) -> str:
    return f"notices/{n['published']}-{KIND_SLUG.get(n['kind'], 'notice')}-{hashlib.sha1(n['id'].encode()).hexdigest()[:8]}.md"


def name_fragments(text: str) -> list[str]:
    """Every 2-character fragment of a name (spaces ignored), each once, in order."""
    chars = [c for c in text if not c.isspace()]
    return list(dict.fromkeys(chars[i] + chars[i + 1] for i in range(len(chars) - 1)))


def bigrams(text: str) -> str:
    return " ".join(name_fragments(text))


def _item_label(rubric, item_id: str) -> str:
    try:
        it = rubric.item(item_id)
    except KeyError:
        return item_id
    head = it.group or it.section
    return head if len(it.wording) < 8 else f"{head}（{it.wording[:24]}…）"


def grade_changes(results: list[PublishedResult]) -> list[dict]:
    """Why the grade changed between consecutive published results of the same scheme."""
    out = []
    by_scheme: dict[str, list] = {}
    for r in sorted(results, key=lambda r: (r["notice_date"], r["round"])):
        by_scheme.setdefault(r["scheme"], []).append(r)
    for scheme, rs in by_scheme.items():
        rubric = load_rubric(scheme)
        for prev, cur in zip(rs, rs[1:]):
            if prev["grade"] == cur["grade"] and prev["total"] == cur["total"]:
                continue
            deltas = []
            for k, v in cur["items"].items():
                d = round(v - prev["items"].get(k, 0), 2)
                if d:
                    deltas.append((abs(d), _item_label(rubric, k), d))
            deltas.sort(key=lambda x: (-x[0], x[1]))
            out.append(
                {
                    "scheme": scheme,
                    "before": prev,
                    "after": cur,
                    "item_changes": [{"label": label, "delta": d} for _, label, d in deltas[:5]],
                    "veto": cur["veto"] and not prev["veto"],
                    "reasons": cur["reasons"][:3],
                }
            )
    return out


def scheme_issuer(scheme: str, issuer: dict | None) -> str:
    """Who issues a scheme's notices and certificates: the instance's issuer (scoring.toml), else
    the scheme's own (its rubric)."""
    return (issuer or {}).get("issuer") or load_rubric(scheme).lifecycle.issuer


@dataclass(frozen=True, slots=True)
class ListedResult(PublishedResult):
    """A published result as a scheme's listings show and filter it."""

    outcome: str  # the grade, or xuzhou's 基本要求
    rank: int  # its place in the scheme's outcomes, best first
    fail: bool
    province: str
    city: str


@dataclass(frozen=True, slots=True)
class RoundSummary(PublicRecord):
    """A round page: its dates, results, charts and notices."""

    key: str
    slug: str
    title: str
    notice_date: str
    period: Period | None
    days_left: int | None
    announce_date: str
    results: list[ListedResult]
    charts: list[str]
    path: str
    notices: list[Notice]


@dataclass(frozen=True, slots=True)
class SchemeSummary(PublicRecord):
    """A scheme's overview: its rubric, rounds (newest first), outcomes and results."""

    id: str
    rubric: Any
    rounds: list[RoundSummary]
    outcomes: list[tuple[str, int]]
    has_scores: bool
    results: list[ListedResult]


@dataclass(frozen=True, slots=True)
class OrgPage(Organisation):
    """An organisation page: its public history, why its grade changed, its name's fragments."""

    changes: list[dict]
    bigrams: str


@dataclass
class SiteData:
    """What the build needs besides the pages: nav, feeds, search dictionary, new QR codes."""

    schemes: list[SchemeSummary]
    notices: list[Notice]
    names: list[str]
    notice_paths: dict[str, str]
    summaries: dict[str, str]
    qr_made: dict[str, str]  # url -> SVG drawn tonight (for the registry's cache)


def gather_pages(
    view: PublicView, cal: Calendar, site_url: str, issuer: dict | None = None, shown: tuple[str, ...] = (), qr_cache: dict[str, str] | None = None
) -> tuple[list[Page], SiteData]:
    """All pages of the site from the day's public view, and the shared data the build needs."""
    today = date.fromisoformat(view.today)
    rounds = {(r.scheme, r.key): r for r in view.rounds}
    codes = sorted(c for c in {c.credit_code for c in view.certificates} | {r.credit_code for r in view.results} if credit_code_ok(c))
    cert_path = {c.number: f"certificates/{c.number}.md" for c in view.certificates if re.fullmatch(r"[A-Za-z0-9-]+", c.number)}
    shared = _shared(view, today, site_url, issuer, codes, cert_path)
    schemes, listed = scheme_summaries(view, today, cal, rounds, shown)
    pages = [page for s in schemes for page in scheme_pages(s, shared)]
    results = [listed.get(id(r), r) for r in view.results]
    notice_list, summaries = notice_pages(view, today, cal, rounds, results, shared)
    pages += notice_list
    records = {code: org_record(view.organisations[code], listed) for code in codes if code in view.organisations}
    history_key = {code: digest(_json(rec)) for code, rec in records.items()}
    urls = {c.number: verify_url(shared, c.number) for c in view.certificates if c.number in cert_path}
    qr, made = qr_codes(qr_cache or {}, urls)
    pages += certificate_pages(view, shared, qr, records, history_key)
    pages.append(Page("certificates/index.md", "certificates.md.j2", {**shared, "certs": list(view.certificates), "renewals": list(view.renewals)}))
    pages.append(Page("verify.md", "verify.md.j2", shared))
    pages.append(Page("search.md", "search.md.j2", shared))
    pages += org_pages(view, shared, codes, records, history_key, rounds)
    pages += hub_pages(view, shared, schemes)
    names = sorted({r.org_name for r in view.results} | {c.org_name for c in view.certificates})
    return pages, SiteData(schemes, list(view.notices), names, shared["notice_path"], summaries, made)


def _shared(view: PublicView, today: date, site_url: str, issuer: dict | None, codes: list[str], cert_path: dict[str, str]) -> dict:
    """What every page's template may read: paths of every page by its key, the issuer, the day."""
    return dict(
        today=today,
        expires_of={c.number: c.expires for c in view.certificates if c.expires},
        updated=view.updated or today.isoformat(),
        org_path={c: f"org/{c}.md" for c in codes},
        cert_path=cert_path,
        notice_path={n.id: notice_path(n) for n in view.notices},
        site_url=site_url.rstrip("/") + "/",
        issuer={k: (issuer or {}).get(k, "") for k in ("issuer", "address", "phone", "email", "icp")},  # scoring.toml's, public
        # who issues each scheme's notices and certificates: the instance's issuer, else the scheme's own
        issuer_name={s: scheme_issuer(s, issuer) for s in scheme_ids()},
    )


def listed_result(r: PublishedResult, order: list[str]) -> ListedResult:
    outcome = r.grade or ("符合基本要求" if r.eligible else "不符合基本要求")
    rank = order.index(outcome) if outcome in order else len(order)
    province, city = region_of(r.credit_code)
    return extended(ListedResult, r, outcome=outcome, rank=rank, fail=rank == len(order) - 1, province=province, city=city)


def scheme_summaries(
    view: PublicView, today: date, cal: Calendar, rounds: dict[tuple[str, str], PublicRound], shown: tuple[str, ...]
) -> tuple[list[SchemeSummary], dict[int, ListedResult]]:
    """The schemes shown that have published rounds, in the project's order; and each of their
    results as listed (by the id of the view's record: the certificate records print them so)."""
    schemes, listed = [], {}
    for scheme in sorted(shown or scheme_ids(), key=lambda s: (SCHEME_ORDER.index(s) if s in SCHEME_ORDER else 99, s)):
        srounds = [rd for (s, _), rd in rounds.items() if s == scheme]
        if not srounds:
            continue
        rubric = load_rubric(scheme)
        order = outcome_order(rubric)
        mine = []
        for r in view.results:
            if r.scheme == scheme:
                listed[id(r)] = lr = listed_result(r, order)
                mine.append(lr)
        counts = Counter(r.outcome for r in mine)
        schemes.append(
            SchemeSummary(
                id=scheme,
                rubric=rubric,
                rounds=[
                    round_summary(rd, rubric, mine, view, today, cal) for rd in sorted(srounds, key=lambda r: (r.notice_date, r.key), reverse=True)
                ],
                outcomes=[(o, counts.get(o, 0)) for o in order] + [(o, n) for o, n in counts.items() if o not in order],
                has_scores=bool(rubric.items),
                results=mine,
            )
        )
    return schemes, listed


def round_summary(rd: PublicRound, rubric, mine: list[ListedResult], view: PublicView, today: date, cal: Calendar) -> RoundSummary:
    slug = safe_slug(rd.key)
    rres = [r for r in mine if r.round == rd.key]
    labels = [b.label for b in rubric.grades.bands] + ([rubric.grades.otherwise] if rubric.grades.otherwise else [])
    if rubric.grades.kind == "conditions":
        labels = [rubric.grades.pass_label or "", rubric.grades.fail_label or ""]
    counts = Counter(r.grade for r in rres)
    charts = []
    if labels and rres:
        charts.append(bar_chart(f"{rd.title}：等级分布", labels, [counts.get(g, 0) for g in labels]))
    totals = [r.total for r in rres if r.total is not None]
    if totals:
        charts.append(histogram(f"{rd.title}：总分分布（分）", totals, 0, 110 if rubric.total_max > 10000 else 100, 10))
    return RoundSummary(
        key=rd.key,
        slug=slug,
        title=rd.title,
        notice_date=rd.notice_date,
        period=stored_period(rd),
        days_left=days_left(rd, today, cal),
        announce_date=rd.announce_date,
        results=rres,
        charts=charts,
        path=f"{rd.scheme}/{slug}.md",
        notices=[n for n in view.notices if n.scheme == rd.scheme and n.round == rd.key],
    )


def scheme_pages(info: SchemeSummary, shared: dict) -> list[Page]:
    """A scheme's round pages, its overview and its 评估方法."""
    pages = [Page(rinfo.path, "round.md.j2", {**shared, "scheme": info, "round": rinfo}) for rinfo in info.rounds]
    pages.append(Page(f"{info.id}/index.md", "scheme.md.j2", {**shared, "scheme": info}))
    pages.append(Page(f"{info.id}/method.md", "method.md.j2", {**shared, "scheme": info}))
    return pages


def notice_pages(
    view: PublicView, today: date, cal: Calendar, rounds: dict, results: list[PublishedResult], shared: dict
) -> tuple[list[Page], dict[str, str]]:
    """Every notice's page and the notices' index; and each notice's one-line summary (feeds)."""
    pages, summaries = [], {}
    for n in view.notices:
        notice_round = rounds.get((n.scheme, n.round))
        entries = n.entries
        if n.kind == "公示":
            entries = [r for r in results if r.scheme == n.scheme and r.round == n.round]
        left = days_left(notice_round, today, cal) if n.kind == "公示" and notice_round else None
        draw = next((d for d in view.draws if n.kind == "抽查" and n.id.endswith(d.quarter)), None)
        summaries[n.id] = notice_summary(n.kind, entries, shared["expires_of"])
        context = {
            **shared,
            "notice": n,
            "entries": entries,
            "round": notice_round,
            "days_left": left,
            "draw": draw,
            "round_slug": safe_slug(n.round) if n.round else None,
        }
        pages.append(Page(shared["notice_path"][n.id], "notice.md.j2", context))
    pages.append(Page("notices/index.md", "notices.md.j2", {**shared, "notices": list(view.notices)}))
    return pages, summaries


def org_record(org: Organisation, listed: dict[int, ListedResult]) -> dict:
    """An organisation's public history as its certificates' records print it (and its pages'
    keys digest it): results as listed, no events (they follow from the rest)."""
    return {
        "credit_code": org.credit_code,
        "name": org.name,
        "names": plain(org.names),
        "results": [plain(listed.get(id(r), r)) for r in org.results],
        "certificates": plain(org.certificates),
        "actions": plain(org.actions),
    }


def verify_url(shared: dict, number: str) -> str:
    return f"{shared['site_url']}verify/?n={number}"


def certificate_pages(view: PublicView, shared: dict, qr: dict[str, str], records: dict[str, dict], history_key: dict[str, str]) -> list[Page]:
    """A page per certificate or filing, with its QR code, badge and JSON record beside it."""
    cert_path, org_path, issuer_name = shared["cert_path"], shared["org_path"], shared["issuer_name"]
    pages = []
    for c in view.certificates:
        if c.number not in cert_path:
            continue
        url = verify_url(shared, c.number)
        rubric = load_rubric(c.scheme)
        label = f"{rubric.short_title} {c.grade}"
        status = {"status_since": c.status_since, "document_no": c.document_no, "issuer": issuer_name[c.scheme], "verify_url": url}
        links = [c.credit_code in org_path, c.replaces in cert_path, c.replaced_by in cert_path]
        context = {
            **shared,
            "cert": c,
            "qr": qr[c.number],
            "verify_url": url,
            "rubric": rubric,
            "issuer": issuer_name[c.scheme],
            # the snippet as the embedder pastes it: its own attribute values escaped (a name is data)
            "embed": f'<a href="{html.escape(url)}"><img src="{html.escape(str(shared["site_url"]))}certificates/{c.number}.svg" '
            f'alt="{html.escape(c.org_name + " " + c.grade + " 证书 " + c.number)}"></a>',
            "beside": {  # files written next to the page, made when the page changes: the badge and the record
                "svg": partial(badge_svg, label, c.status, c.status),
                "json": partial(certificate_record, c, COLUMNS["certificates"], status, records.get(c.credit_code)),
            },
        }
        key = digest(_json(plain(c)), issuer_name[c.scheme], _json(links), history_key.get(c.credit_code, ""))
        pages.append(Page(cert_path[c.number], "certificate.md.j2", context, key=key))
    return pages


def org_pages(view: PublicView, shared: dict, codes: list[str], records: dict[str, dict], history_key: dict[str, str], rounds: dict) -> list[Page]:
    """A page per organisation: its names, its history, why its grade changed."""
    round_titles = {(s, k): rd.title for (s, k), rd in rounds.items()}
    cert_path = shared["cert_path"]
    pages = []
    for code in codes:
        org = view.organisations.get(code)
        if org is None:
            continue
        page = extended(
            OrgPage,
            org,
            changes=grade_changes(list(org.results)),
            bigrams=bigrams(" ".join(dict.fromkeys(n.name for n in org.names))),
        )
        titles = {f"{r.scheme}/{r.round}": round_titles.get((r.scheme, r.round)) for r in org.results}
        links = sorted(c.number for c in org.certificates if c.number in cert_path)
        key = digest(history_key[code], _json(titles), _json(links))  # changes and bigrams follow from the history
        context = {**shared, "org": page, "round_titles": round_titles}
        pages.append(Page(shared["org_path"][code], "org.md.j2", context, key, view.registered.get(code, 0)))
    return pages


def hub_pages(view: PublicView, shared: dict, schemes: list[SchemeSummary]) -> list[Page]:
    """The open data page and the home page."""
    return [
        Page("data.md", "data.md.j2", {**shared, "schemes": schemes, "regions_source": regions_source()}),
        Page(
            "index.md",
            "home.md.j2",
            {**shared, "schemes": schemes, "notices": list(view.notices[:12]), "n_certs": sum(c.status == "有效" for c in view.certificates)},
        ),
    ]


def outcome_order(rubric) -> list[str]:
    """A scheme's results from best to worst: grade bands, then the rest; 准予/不予备案; or, where
    no grade is given (xuzhou), whether the basic requirements are met."""
    g = rubric.grades
    if g.kind == "bands":
        return [b.label for b in g.bands] + ([g.otherwise] if g.otherwise else [])
    if g.kind == "conditions":
        return [g.pass_label, g.fail_label]
    return ["符合基本要求", "不符合基本要求"]


def notice_summary(kind: str, entries: list[dict], expires_of: dict[str, str], most: int = 10) -> str:
    """Who, what grade, until when: one sentence for a feed entry."""
    parts = []
    for e in entries[:most]:
        who = e.get("org_name") or e.get("unit_name") or ""
        grade = e.get("new_grade") or e.get("grade") or ""
        until = expires_of.get(e.get("number") or e.get("new_number") or "", "")
        parts.append(who + (f" {grade}" if grade and kind != "抽查" else "") + (f"（有效期至 {until}）" if until else ""))
    more = f"等 {len(entries)} 家" if len(entries) > most else f"共 {len(entries)} 家"
    return "、".join(p for p in parts if p) + (f"，{more}" if entries else "")


def nav_for(schemes: list[SchemeSummary]) -> list:
    """A small nav: it is rendered into every page, so rounds, organisations and certificates are
    reached from the pages that list them, not from the nav."""
    nav: list[dict] = [{"首页": "index.md"}]
    for s in schemes:
        nav.append({s["rubric"].short_title: [{"概况与结果": f"{s['id']}/index.md"}, {"评估方法": f"{s['id']}/method.md"}]})
    nav += [
        {"公告公示": "notices/index.md"},
        {"证书与备案查询": "certificates/index.md"},
        {"证书核验": "verify.md"},
        {"站内搜索": "search.md"},
        {"开放数据": "data.md"},
        {"关于": "about.md"},
    ]
    return nav
