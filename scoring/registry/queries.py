"""Read access to the registry: what the CLI, the open data and the website show."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

from ..inputs.actions import public_detail
from ..rubric import load_rubric
from .certificates import renewal_due, status_on

__all__ = [
    "certificates",
    "published_results",
    "published_notices",
    "organisation_history",
    "organisation_histories",
    "renewals_due",
    "draws",
    "PublicView",
    "public_view",
]


def certificates(con: sqlite3.Connection, today: date, scheme: str | None = None) -> list[dict]:
    """Every certificate or filing ever issued (up to today), with its status on `today`."""
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
        out.append(
            {
                "number": c["number"],
                "scheme": c["scheme"],
                "round": c["round"] or "",
                "org_name": c["org_name"],
                "credit_code": c["credit_code"],
                "grade": c["grade"],
                "issued": c["issued"],
                "expires": c["expires"] or "",
                "status": status,
                "replaced_by": c["replaced_by"] or "",
                "kind": c["kind"],
                "address": c["address"] or "",
                "replaces": c["replaces"] or "",
                "void_on": c["void_on"] if status == "已作废" else "",
                "status_since": since,  # the day the status began (verification cards)
                "document_no": decided.get((c["scheme"], c["credit_code"], ended), "") if ended else "",
            }
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


def published_results(con: sqlite3.Connection, today: date, scheme: str | None = None) -> list[dict]:
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
            {
                "scheme": r["scheme"],
                "round": r["round"],
                "org_name": r["org_name"],
                "credit_code": r["credit_code"],
                "total": None if r["total"] is None else r["total"] / 100,
                "grade": r["grade"],
                "status": _publication_status(r, r["credit_code"], today),
                "notice_date": r["notice_date"],
                "period_end": r["period_end"] or "",
                "round_title": r["round_title"],
                "veto": bool(r["veto"]),
                "failed_conditions": res.get("failed_conditions", []),
                "reasons": res.get("reasons", []),
                "items": res.get("items", {}),
                "sections": res.get("sections", {}),
                "eligible": res.get("eligible"),
                "clipped": res.get("clipped"),
                "address": res.get("address") or "",  # the registered address the workbook gives (public)
            }
        )
    return out


def published_notices(con: sqlite3.Connection, today: date, scheme: str | None = None) -> list[dict]:
    sql = (
        """SELECT n.*, r.key AS round FROM notices n LEFT JOIN rounds r ON r.id = n.round_id WHERE n.published <= ?"""
        + (" AND n.scheme = ?" if scheme else "")
        + " ORDER BY n.published DESC, n.id"
    )
    return [
        {
            "id": n["id"],
            "scheme": n["scheme"],
            "round": n["round"] or "",
            "kind": n["kind"],
            "title": n["title"],
            "published": n["published"],
            "period_end": n["period_end"] or "",
            "entries": json.loads(n["entries"]),
        }
        for n in con.execute(sql, (today.isoformat(), scheme) if scheme else (today.isoformat(),))
    ]


def renewals_due(con: sqlite3.Connection, today: date, certs: list[dict] | None = None) -> list[dict]:
    """即将到期: valid certificates whose renewal application is due (期满前 3 个月)."""
    out = []
    for c in certificates(con, today) if certs is None else certs:
        cfg = load_rubric(c["scheme"]).lifecycle.get("certificate", {})
        if c["status"] == "有效" and c["expires"] and cfg.get("renewal_months"):
            due = renewal_due(date.fromisoformat(c["expires"]), int(cfg["renewal_months"]))
            if today >= due:
                out.append({**c, "renewal_due": due.isoformat()})
    return out


@dataclass
class PublicView:
    """Everything public on one day, read once (the site and its state digest both use it)."""

    certificates: list[dict]
    results: list[dict]
    notices: list[dict]
    renewals: list[dict]
    draws: list[dict]


def public_view(con: sqlite3.Connection, today: date) -> PublicView:
    certs = certificates(con, today)
    return PublicView(certs, published_results(con, today), published_notices(con, today), renewals_due(con, today, certs), draws(con, today))


def draws(con: sqlite3.Connection, today: date) -> list[dict]:
    return [
        {
            "id": d["id"],
            "scheme": d["scheme"],
            "quarter": d["quarter"],
            "seed": d["seed"],
            "population": json.loads(d["population"]),
            "drawn": json.loads(d["drawn"]),
            "published": d["published"],
        }
        for d in con.execute("SELECT * FROM draws WHERE published <= ? ORDER BY published", (today.isoformat(),))
    ]


def organisation_history(con: sqlite3.Connection, credit_code: str, today: date) -> dict | None:
    """Everything public about one organisation, in time order."""
    return organisation_histories(con, today, [credit_code]).get(credit_code)


def organisation_histories(
    con, today: date, codes: list[str] | None = None, results: list[dict] | None = None, certs: list[dict] | None = None
) -> dict[str, dict]:
    """The public history of many organisations at once (one pass over each table); `results`
    and `certs` may be given when the caller has already read them for `today`."""

    def group(rows):
        out: dict[str, list] = {}
        for r in rows:
            out.setdefault(r["credit_code"], []).append(r)
        return out

    known = {c for (c,) in con.execute("SELECT credit_code FROM organisations")}
    codes = [c for c in (codes if codes is not None else sorted(known)) if c in known]
    wanted = set(codes)
    details = group(
        {"credit_code": d["credit_code"], "name": d["name"], "address": d["address"], "valid_from": d["valid_from"]}
        for d in con.execute("SELECT * FROM org_details ORDER BY valid_from, id")
        if d["credit_code"] in wanted
    )
    results_of = group(r for r in (published_results(con, today) if results is None else results) if r["credit_code"] in wanted)
    certs_of = group(c for c in (certificates(con, today) if certs is None else certs) if c["credit_code"] in wanted)
    actions = group(
        {
            "credit_code": a["credit_code"],
            "date": a["date"],
            "scheme": a["scheme"],
            "action": a["action"],
            "detail": public_detail(a["action"], a["detail"]),
            "document_no": a["document_no"],
        }
        for a in con.execute("SELECT * FROM actions WHERE date<=? ORDER BY date, id", (today.isoformat(),))
        if a["credit_code"] in wanted
    )
    out = {}
    for code in codes:
        rs, cs, acts = (
            results_of.get(code, []),
            certs_of.get(code, []),
            [{k: v for k, v in a.items() if k != "credit_code"} for a in actions.get(code, [])],
        )
        # a name holds from the first result or certificate that bears it (the workbook's round),
        # not from the night the registry happened to read it
        first_seen: dict[str, str] = {}
        for when, name in [(r["notice_date"], r["org_name"]) for r in rs] + [(c["issued"], c["org_name"]) for c in cs]:
            first_seen[name] = min(when, first_seen.get(name, when))
        names = [
            {"name": d["name"], "address": d["address"], "valid_from": min(d["valid_from"], first_seen.get(d["name"], d["valid_from"]))}
            for d in details.get(code, [])
        ]
        events = (
            [{"date": r["notice_date"], "what": "result", **r} for r in rs]
            + [{"date": c["issued"], "what": "certificate", **c} for c in cs]
            + [{"date": a["date"], "what": "action", **a} for a in acts]
        )
        events.sort(key=lambda e: (e["date"], ["result", "certificate", "action"].index(e["what"])))
        out[code] = {
            "credit_code": code,
            "name": names[-1]["name"] if names else "",
            "names": names,
            "results": rs,
            "certificates": cs,
            "actions": acts,
            "events": events,
        }
    return out
