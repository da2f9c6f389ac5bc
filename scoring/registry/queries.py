"""Read access to the registry: what the CLI, the open data and the website show, as the typed
records of `public.py` (their fields are exactly what may be published)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

from ..inputs.actions import public_detail
from ..rubric import load_rubric
from .certificates import renewal_due, status_on
from .public import (
    Certificate,
    Draw,
    Event,
    Notice,
    Organisation,
    OrgName,
    PublicAction,
    PublicRound,
    PublicView,
    PublishedResult,
    Renewal,
    address_public_everywhere,
    extended,
    role_is_public,
)

__all__ = [
    "certificates",
    "published_results",
    "published_notices",
    "published_rounds",
    "organisation_history",
    "organisation_histories",
    "renewals_due",
    "draws",
    "PublicView",
    "public_view",
    "closed_rounds",
    "find_organisations",
]


def certificates(con: sqlite3.Connection, today: date, scheme: str | None = None, public: bool = True) -> list[Certificate]:
    """Every certificate or filing ever issued (up to today), with its status on `today`. The
    address only where the scheme's rubric flags it public (`public=False`: the office's own copy)."""
    sql = (
        """SELECT c.*, r.key AS round FROM certificates c LEFT JOIN rounds r ON r.id = c.round_id
             WHERE c.issued <= ?"""
        + (" AND c.scheme = ?" if scheme else "")
        + " ORDER BY c.scheme, c.year, c.seq"
    )
    decided = {  # the decision behind an ended certificate: (scheme, credit code, date) -> 文号
        (a["scheme"], a["credit_code"], a["date"]): a["document_no"]
        for a in con.execute("SELECT scheme, credit_code, date, document_no FROM actions WHERE applied_on IS NOT NULL ORDER BY id")
    }
    out = []
    for c in con.execute(sql, (today.isoformat(), scheme) if scheme else (today.isoformat(),)):
        status = status_on(c, today)
        since = {
            "有效": c["issued"],
            "已过期": (date.fromisoformat(c["expires"]) + timedelta(days=1)).isoformat() if c["expires"] else "",
            "已作废": c["void_on"] or "",
        }.get(status, c["ended_on"] or "")
        ended = c["ended_on"] if status in ("已撤销", "已注销", "已换发", "已作废") else None
        shown = not public or role_is_public(c["scheme"], "address")
        out.append(
            Certificate(
                number=c["number"],
                scheme=c["scheme"],
                round=c["round"] or "",
                org_name=c["org_name"],
                credit_code=c["credit_code"],
                grade=c["grade"],
                issued=c["issued"],
                expires=c["expires"] or "",
                status=status,
                replaced_by=c["replaced_by"] or "",
                kind=c["kind"],
                address=(c["address"] or "") if shown else "",
                replaces=c["replaces"] or "",
                void_on=c["void_on"] if status == "已作废" else "",
                status_since=since,
                document_no=decided.get((c["scheme"], c["credit_code"], ended), "") if ended else "",
            )
        )
    return out


def _publication_status(rnd, credit_code: str, today: date) -> str:
    if not rnd["period_days"]:
        return "已公布"
    if today <= date.fromisoformat(rnd["period_end"]):
        return "公示中"
    if today < date.fromisoformat(rnd["announce_date"]):
        return "公示期满"
    if credit_code in json.loads(rnd["withheld"]):
        return "暂缓公告"
    return "已公告"


def published_results(con: sqlite3.Connection, today: date, scheme: str | None = None) -> list[PublishedResult]:
    """Results as published in their round: every scored result of rounds whose notice_date has come."""
    sql = (
        """SELECT r.*, rd.key AS round, rd.scheme, rd.notice_date, rd.period_end, rd.period_days, rd.announce_date,
                    rd.withheld, rd.title AS round_title
             FROM results r JOIN rounds rd ON rd.id = r.round_id
             WHERE r.superseded_on IS NULL AND r.status = 'scored' AND rd.notice_date <= ?"""
        + (" AND rd.scheme = ?" if scheme else "")
        + " ORDER BY rd.scheme, rd.notice_date, rd.key, r.total DESC, r.credit_code"
    )
    out = []
    for r in con.execute(sql, (today.isoformat(), scheme) if scheme else (today.isoformat(),)):
        res = json.loads(r["result_json"])
        out.append(
            PublishedResult(
                scheme=r["scheme"],
                round=r["round"],
                org_name=r["org_name"],
                credit_code=r["credit_code"],
                total=None if r["total"] is None else r["total"] / 100,
                grade=r["grade"],
                status=_publication_status(r, r["credit_code"], today),
                notice_date=r["notice_date"],
                period_end=r["period_end"] or "",
                round_title=r["round_title"],
                veto=bool(r["veto"]),
                failed_conditions=res.get("failed_conditions", []),
                reasons=res.get("reasons", []),
                items=res.get("items", {}),
                sections=res.get("sections", {}),
                eligible=res.get("eligible"),
                clipped=res.get("clipped"),
                address=(res.get("address") or "") if role_is_public(r["scheme"], "address") else "",
            )
        )
    return out


def published_notices(con: sqlite3.Connection, today: date, scheme: str | None = None) -> list[Notice]:
    sql = (
        """SELECT n.*, r.key AS round FROM notices n LEFT JOIN rounds r ON r.id = n.round_id WHERE n.published <= ?"""
        + (" AND n.scheme = ?" if scheme else "")
        + " ORDER BY n.published DESC, n.id"
    )
    return [
        Notice(
            id=n["id"],
            scheme=n["scheme"],
            round=n["round"] or "",
            kind=n["kind"],
            title=n["title"],
            published=n["published"],
            period_end=n["period_end"] or "",
            entries=json.loads(n["entries"]),
        )
        for n in con.execute(sql, (today.isoformat(), scheme) if scheme else (today.isoformat(),))
    ]


def _round(r) -> PublicRound:
    return PublicRound(
        id=r["id"],
        scheme=r["scheme"],
        key=r["key"],
        title=r["title"],
        notice_date=r["notice_date"],
        period_days=r["period_days"],
        period_start=r["period_start"],
        period_end=r["period_end"],
        announce_date=r["announce_date"],
    )


def published_rounds(con: sqlite3.Connection, today: date) -> list[PublicRound]:
    """Rounds whose results are out on `today`, by notice date and key."""
    return [_round(r) for r in con.execute("SELECT * FROM rounds WHERE notice_date <= ? ORDER BY notice_date, key", (today.isoformat(),))]


def _countdown_rounds(con: sqlite3.Connection, today: date) -> list[PublicRound]:
    """Rounds whose 公示 runs on `today` (their pages count its working days down)."""
    sql = "SELECT * FROM rounds WHERE period_days IS NOT NULL AND notice_date <= ? AND period_end >= ?"
    return [_round(r) for r in con.execute(sql, (today.isoformat(), today.isoformat()))]


def closed_rounds(con: sqlite3.Connection, today: date, since: date | None) -> list[PublicRound]:
    """Rounds whose 公示 ended before `today` and not before `since` (the nightly report)."""
    sql = "SELECT * FROM rounds WHERE period_end < ? AND period_end >= ?"
    return [_round(r) for r in con.execute(sql, (today.isoformat(), (since or date.min).isoformat()))]


def renewals_due(con: sqlite3.Connection, today: date, certs: list[Certificate] | None = None) -> list[Renewal]:
    """即将到期: valid certificates whose renewal application is due (期满前 3 个月)."""
    out = []
    for c in certificates(con, today) if certs is None else certs:
        cfg = load_rubric(c.scheme).lifecycle.certificate
        if c.status == "有效" and c.expires and cfg and cfg.renewal_months:
            due = renewal_due(date.fromisoformat(c.expires), int(cfg.renewal_months))
            if today >= due:
                out.append(extended(Renewal, c, renewal_due=due.isoformat()))
    return out


def public_view(con: sqlite3.Connection, today: date) -> PublicView:
    """Everything the site shows on `today`, read in one pass."""
    certs = certificates(con, today)
    results = published_results(con, today)
    codes = sorted({c.credit_code for c in certs} | {r.credit_code for r in results})
    (updated,) = con.execute("SELECT MAX(today) FROM audit").fetchone()
    return PublicView(
        today=today.isoformat(),
        certificates=tuple(certs),
        results=tuple(results),
        notices=tuple(published_notices(con, today)),
        renewals=tuple(renewals_due(con, today, certs)),
        draws=tuple(draws(con, today)),
        rounds=tuple(published_rounds(con, today)),
        organisations=organisation_histories(con, today, codes, results, certs),
        registered=dict(con.execute("SELECT credit_code, rowid FROM organisations").fetchall()),
        updated=updated,
        countdown_rounds=tuple(_countdown_rounds(con, today)),
    )


def draws(con: sqlite3.Connection, today: date) -> list[Draw]:
    return [
        Draw(
            id=d["id"],
            scheme=d["scheme"],
            quarter=d["quarter"],
            seed=d["seed"],
            population=json.loads(d["population"]),
            drawn=json.loads(d["drawn"]),
            published=d["published"],
        )
        for d in con.execute("SELECT * FROM draws WHERE published <= ? ORDER BY published", (today.isoformat(),))
    ]


def find_organisations(con: sqlite3.Connection, who: str) -> list[tuple[str, str]]:
    """(credit code, name) of the organisation with this credit code, else of those whose name (any
    name they bore) contains `who`; the one whose full name it is when that names one organisation."""
    code = who.strip().upper()
    if con.execute("SELECT 1 FROM organisations WHERE credit_code=?", (code,)).fetchone() is not None:
        return [(code, "")]
    sql = "SELECT credit_code, name FROM org_details WHERE instr(name, ?) > 0"
    found = sorted({(r["credit_code"], r["name"]) for r in con.execute(sql, (who.strip(),))})
    exact = [(c, n) for c, n in found if n == who.strip()]
    if len(found) > 1 and len({c for c, _ in exact}) == 1:
        return exact[:1]  # the full name of one organisation, also part of another's name
    return found


def organisation_history(con: sqlite3.Connection, credit_code: str, today: date) -> Organisation | None:
    """Everything public about one organisation, in time order."""
    return organisation_histories(con, today, [credit_code]).get(credit_code)


def _group(rows) -> dict[str, list]:
    out: dict[str, list] = {}
    for code, r in rows:
        out.setdefault(code, []).append(r)
    return out


def _names(details: list[OrgName], results: list[PublishedResult], certs: list[Certificate]) -> tuple[OrgName, ...]:
    """A name holds from the first result or certificate that bears it (the workbook's round), not
    from the night the registry happened to read it."""
    first_seen: dict[str, str] = {}
    for when, name in [(r.notice_date, r.org_name) for r in results] + [(c.issued, c.org_name) for c in certs]:
        first_seen[name] = min(when, first_seen.get(name, when))
    return tuple(OrgName(d.name, d.address, min(d.valid_from, first_seen.get(d.name, d.valid_from))) for d in details)


def _events(results, certs, actions) -> tuple[Event, ...]:
    events = (
        [Event(r.notice_date, "result", r) for r in results]
        + [Event(c.issued, "certificate", c) for c in certs]
        + [Event(a.date, "action", a) for a in actions]
    )
    events.sort(key=lambda e: (e.date, ["result", "certificate", "action"].index(e.what)))
    return tuple(events)


def organisation_histories(
    con, today: date, codes: list[str] | None = None, results: list[PublishedResult] | None = None, certs: list[Certificate] | None = None
) -> dict[str, Organisation]:
    """The public history of many organisations at once (one pass over each table); `results`
    and `certs` may be given when the caller has already read them for `today`."""
    known = {c for (c,) in con.execute("SELECT credit_code FROM organisations")}
    codes = [c for c in (codes if codes is not None else sorted(known)) if c in known]
    wanted = set(codes)
    address_shown = address_public_everywhere()
    details = _group(
        (d["credit_code"], OrgName(d["name"], d["address"] if address_shown else None, d["valid_from"]))
        for d in con.execute("SELECT * FROM org_details ORDER BY valid_from, id")
        if d["credit_code"] in wanted
    )
    results_of = _group((r.credit_code, r) for r in (published_results(con, today) if results is None else results) if r.credit_code in wanted)
    certs_of = _group((c.credit_code, c) for c in (certificates(con, today) if certs is None else certs) if c.credit_code in wanted)
    actions = _group(
        (a["credit_code"], PublicAction(a["date"], a["scheme"], a["action"], public_detail(a["action"], a["detail"]), a["document_no"]))
        for a in con.execute("SELECT * FROM actions WHERE date<=? ORDER BY date, id", (today.isoformat(),))
        if a["credit_code"] in wanted
    )
    out = {}
    for code in codes:
        rs, cs, acts = results_of.get(code, []), certs_of.get(code, []), actions.get(code, [])
        names = _names(details.get(code, []), rs, cs)
        out[code] = Organisation(
            credit_code=code,
            name=names[-1].name if names else "",
            names=names,
            results=tuple(rs),
            certificates=tuple(cs),
            actions=tuple(acts),
            events=_events(rs, cs, acts),
        )
    return out
