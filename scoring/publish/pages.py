"""Page data: what each page of the site shows, gathered from the registry (public fields only).

Every page is a (path, template, context) triple; paths come from our own identifiers only
(scheme ids, validated credit codes, certificate numbers, checked round keys), never from file
names or text in a workbook.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial

from ..fields import credit_code_ok
from ..regions import region_of, regions_source
from ..registry import PublicView, organisation_histories
from ..registry.opendata import COLUMNS
from ..registry.rounds import days_left, stored_period
from ..rubric import load_rubric, scheme_ids
from ..workdays import Calendar
from .badge import badge_svg, certificate_record
from .carry import digest
from .charts import bar_chart, histogram

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


RESERVED_SLUGS = {"index", "method"}  # a scheme's own pages beside its rounds


def safe_slug(key: str) -> str:
    """A round folder name as a URL part: kept when plainly safe, else replaced by a hash."""
    if SAFE_KEY.match(key) and ".." not in key and key.lower() not in RESERVED_SLUGS:
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


def notice_path(n: dict) -> str:
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


def grade_changes(results: list[dict]) -> list[dict]:
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
    return (issuer or {}).get("issuer") or load_rubric(scheme).lifecycle.get("certificate", {}).get("issuer", "")


def gather_pages(
    con: sqlite3.Connection, today: date, cal: Calendar, site_url: str, view: PublicView, issuer: dict | None = None, shown: tuple[str, ...] = ()
) -> tuple[list[Page], dict]:
    """All pages of the site and the shared data the build needs (nav, dictionaries, feed)."""
    results, notices, certs = view.results, view.notices, view.certificates
    renewals, sample_draws = view.renewals, view.draws
    rounds = {
        (r["scheme"], r["key"]): dict(r)
        for r in con.execute("SELECT * FROM rounds WHERE notice_date <= ? ORDER BY notice_date, key", (today.isoformat(),))
    }
    pages: list[Page] = []
    by_code = {c["credit_code"] for c in certs} | {r["credit_code"] for r in results}
    codes = sorted(c for c in by_code if credit_code_ok(c))
    org_path = {c: f"org/{c}.md" for c in codes}
    cert_path = {c["number"]: f"certificates/{c['number']}.md" for c in certs if re.fullmatch(r"[A-Za-z0-9-]+", c["number"])}
    npath = {n["id"]: notice_path(n) for n in notices}
    (updated,) = con.execute("SELECT MAX(today) FROM audit").fetchone()
    # who issues each scheme's notices and certificates: the instance's issuer, else the scheme's own
    issuer_name = {s: scheme_issuer(s, issuer) for s in scheme_ids()}
    expires_of = {c["number"]: c["expires"] for c in certs if c["expires"]}
    shared = dict(
        today=today,
        expires_of=expires_of,
        updated=updated or today.isoformat(),
        org_path=org_path,
        cert_path=cert_path,
        notice_path=npath,
        site_url=site_url.rstrip("/") + "/",
        issuer={k: (issuer or {}).get(k, "") for k in ("issuer", "address", "phone", "email", "icp")},  # scoring.toml's, public
        issuer_name=issuer_name,
    )

    schemes = []
    for scheme in sorted(shown or scheme_ids(), key=lambda s: (SCHEME_ORDER.index(s) if s in SCHEME_ORDER else 99, s)):
        mine = [r for r in results if r["scheme"] == scheme]
        rubric = load_rubric(scheme)
        srounds = [rd for (s, _), rd in rounds.items() if s == scheme]
        if not srounds:
            continue
        order = outcome_order(rubric)
        for r in mine:  # what the listing shows and filters on: the grade, or xuzhou's 基本要求
            r["outcome"] = r["grade"] or ("符合基本要求" if r["eligible"] else "不符合基本要求")
            r["rank"] = order.index(r["outcome"]) if r["outcome"] in order else len(order)
            r["fail"] = r["rank"] == len(order) - 1
            r["province"], r["city"] = region_of(r["credit_code"])
        counts = Counter(r["outcome"] for r in mine)
        info: dict = dict(
            id=scheme,
            rubric=rubric,
            rounds=[],
            outcomes=[(o, counts.get(o, 0)) for o in order] + [(o, n) for o, n in counts.items() if o not in order],
            has_scores=bool(rubric.items),
            results=mine,
        )
        for rd in sorted(srounds, key=lambda r: (r["notice_date"], r["key"]), reverse=True):
            slug = safe_slug(rd["key"])
            rres = [r for r in mine if r["round"] == rd["key"]]
            period = stored_period(rd)
            labels = [b.label for b in rubric.grades.bands] + ([rubric.grades.otherwise] if rubric.grades.otherwise else [])
            if rubric.grades.kind == "conditions":
                labels = [rubric.grades.pass_label or "", rubric.grades.fail_label or ""]
            counts = Counter(r["grade"] for r in rres)
            charts = []
            if labels and rres:
                charts.append(bar_chart(f"{rd['title']}：等级分布", labels, [counts.get(g, 0) for g in labels]))
            totals = [r["total"] for r in rres if r["total"] is not None]
            if totals:
                charts.append(histogram(f"{rd['title']}：总分分布（分）", totals, 0, 110 if rubric.total_max > 10000 else 100, 10))
            rinfo = dict(
                key=rd["key"],
                slug=slug,
                title=rd["title"],
                notice_date=rd["notice_date"],
                period=period,
                days_left=days_left(rd, today, cal),
                announce_date=rd["announce_date"],
                results=rres,
                charts=charts,
                path=f"{scheme}/{slug}.md",
                notices=[n for n in notices if n["scheme"] == scheme and n["round"] == rd["key"]],
            )
            info["rounds"].append(rinfo)
            pages.append(Page(rinfo["path"], "round.md.j2", {**shared, "scheme": info, "round": rinfo}))
        schemes.append(info)
        pages.append(Page(f"{scheme}/index.md", "scheme.md.j2", {**shared, "scheme": info}))
        pages.append(Page(f"{scheme}/method.md", "method.md.j2", {**shared, "scheme": info}))

    round_titles = {(s, k): rd["title"] for (s, k), rd in rounds.items()}
    summaries: dict[str, str] = {}
    for n in notices:
        notice_round = rounds.get((n["scheme"], n["round"]))
        entries = n["entries"]
        if n["kind"] == "公示":
            entries = [r for r in results if r["scheme"] == n["scheme"] and r["round"] == n["round"]]
        left = days_left(notice_round, today, cal) if n["kind"] == "公示" and notice_round else None
        draw = next((d for d in sample_draws if n["kind"] == "抽查" and n["id"].endswith(d["quarter"])), None)
        summaries[n["id"]] = notice_summary(n["kind"], entries, expires_of)
        pages.append(
            Page(
                npath[n["id"]],
                "notice.md.j2",
                {
                    **shared,
                    "notice": n,
                    "entries": entries,
                    "round": notice_round,
                    "days_left": left,
                    "draw": draw,
                    "round_slug": safe_slug(n["round"]) if n["round"] else None,
                },
            )
        )
    pages.append(Page("notices/index.md", "notices.md.j2", {**shared, "notices": notices}))

    histories = organisation_histories(con, today, codes, results, certs)
    # what an organisation's pages show of it (its events are its results, certificates and actions by date)
    history_key = {code: digest(_json({k: v for k, v in h.items() if k != "events"})) for code, h in histories.items()}
    qr = qr_codes(con, {c["number"]: f"{shared['site_url']}verify/?n={c['number']}" for c in certs if c["number"] in cert_path})
    for c in certs:
        if c["number"] not in cert_path:
            continue
        url = f"{shared['site_url']}verify/?n={c['number']}"
        rubric = load_rubric(c["scheme"])
        label = f"{rubric.short_title} {c['grade']}"
        status = {"status_since": c["status_since"], "document_no": c["document_no"], "issuer": issuer_name[c["scheme"]], "verify_url": url}
        links = [c["credit_code"] in org_path, c["replaces"] in cert_path, c["replaced_by"] in cert_path]
        pages.append(
            Page(
                cert_path[c["number"]],
                "certificate.md.j2",
                {
                    **shared,
                    "cert": c,
                    "qr": qr[c["number"]],
                    "verify_url": url,
                    "rubric": rubric,
                    "issuer": issuer_name[c["scheme"]],
                    # the snippet as the embedder pastes it: its own attribute values escaped (a name is data)
                    "embed": f'<a href="{html.escape(url)}"><img src="{html.escape(str(shared["site_url"]))}certificates/{c["number"]}.svg" '
                    f'alt="{html.escape(c["org_name"] + " " + c["grade"] + " 证书 " + c["number"])}"></a>',
                    "beside": {  # files written next to the page, made when the page changes: the badge and the record
                        "svg": partial(badge_svg, label, c["status"], c["status"]),
                        "json": partial(certificate_record, c, COLUMNS["certificates"], status, histories.get(c["credit_code"])),
                    },
                },
                key=digest(_json(c), issuer_name[c["scheme"]], _json(links), history_key.get(c["credit_code"], "")),
            )
        )
    pages.append(Page("certificates/index.md", "certificates.md.j2", {**shared, "certs": certs, "renewals": renewals}))
    pages.append(Page("verify.md", "verify.md.j2", shared))
    pages.append(Page("search.md", "search.md.j2", shared))

    registered = dict(con.execute("SELECT credit_code, rowid FROM organisations"))
    for code, h in histories.items():
        h["changes"] = grade_changes(h["results"])
        h["bigrams"] = bigrams(" ".join(dict.fromkeys(n["name"] for n in h["names"])))
        titles = {f"{r['scheme']}/{r['round']}": round_titles.get((r["scheme"], r["round"])) for r in h["results"]}
        links = sorted(c["number"] for c in h["certificates"] if c["number"] in cert_path)
        key = digest(history_key[code], _json(titles), _json(links))  # changes and bigrams follow from the history
        pages.append(Page(org_path[code], "org.md.j2", {**shared, "org": h, "round_titles": round_titles}, key, registered.get(code, 0)))

    pages.append(Page("data.md", "data.md.j2", {**shared, "schemes": schemes, "regions_source": regions_source()}))
    pages.append(
        Page("index.md", "home.md.j2", {**shared, "schemes": schemes, "notices": notices[:12], "n_certs": sum(c["status"] == "有效" for c in certs)})
    )
    names = sorted({r["org_name"] for r in results} | {c["org_name"] for c in certs})
    return pages, {
        "schemes": schemes,
        "notices": notices,
        "names": names,
        "certs": certs,
        "results": results,
        "notice_paths": npath,
        "summaries": summaries,
    }


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


def make_qr(job: tuple[str, str]) -> str:
    import io

    import segno

    url, number = job
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=4, border=2, xmldecl=True, svgns=True, title=f"核验 {number}")
    return buf.getvalue().decode()


def qr_codes(con: sqlite3.Connection, urls: dict[str, str]) -> dict[str, str]:
    """number -> QR code (SVG) that opens its verification. Made once (in parallel when many),
    then read back from the registry's cache."""
    cached = {}
    for url, svg in con.execute("SELECT url, svg FROM qr_cache"):
        cached[url] = svg
    missing = [(url, number) for number, url in urls.items() if url not in cached]
    if len(missing) >= 64:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor() as pool:
            made = list(pool.map(make_qr, missing, chunksize=32))
    else:
        made = [make_qr(job) for job in missing]
    for (url, _), svg in zip(missing, made):
        con.execute("INSERT INTO qr_cache VALUES (?, ?)", (url, svg))
        cached[url] = svg
    return {number: cached[url] for number, url in urls.items()}


def nav_for(schemes: list[dict]) -> list:
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
