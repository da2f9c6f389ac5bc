"""What the issuing body's office prints: every assessed result with its private particulars, the
降级/撤销 decisions with their D21 return deadlines, the rounds whose 公示 may draw an 异议.

Unlike `queries` (the public view), these rows carry private entries (legal representative,
evaluators' notes): they go to `office/`, never to the site.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

__all__ = ["assessed_results", "decisions", "noticed_rounds", "certificate_entries", "registry_head"]


def registry_head(con: sqlite3.Connection) -> str:
    """The newest link of the audit chain: it moves whenever anything in the registry changes."""
    row = con.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return f"{row[0]}:{row[1]}" if row else ""


ASSESSED = ("scored", "incomplete", "ineligible")  # an invalid workbook was never assessed


def assessed_results(con: sqlite3.Connection) -> list[dict]:
    """Every current result of every round (superseded ones apart), with the certificate it earned."""
    rows = con.execute(
        f"""SELECT r.id, r.credit_code, r.org_name, r.status, r.result_json, r.recorded_on,
                   rd.scheme, rd.key AS round, rd.title AS round_title, rd.notice_date, rd.period_end, rd.announce_date,
                   (SELECT c.number FROM certificates c WHERE c.result_id = r.id ORDER BY c.number LIMIT 1) AS number
              FROM results r JOIN rounds rd ON rd.id = r.round_id
             WHERE r.superseded_on IS NULL AND r.status IN ({",".join("?" * len(ASSESSED))})
             ORDER BY rd.scheme, rd.key, r.credit_code""",
        ASSESSED,
    )
    return [dict(r) for r in rows]  # result_json stays text: parsed only for a report that is made


def decisions(con: sqlite3.Connection, today: date) -> list[dict]:
    """Each 降级 and 撤销 applied up to `today`: the decision, its 文号, the certificate to return and
    the D21 deadline (the day before the certificate's `void_on`), with whether and when it came back."""
    out = []
    for n in con.execute(
        "SELECT * FROM notices WHERE kind IN ('降级公告', '撤销公告') AND published <= ? ORDER BY published, id", (today.isoformat(),)
    ):
        for e in json.loads(n["entries"]):
            number = e.get("old_number") or e.get("number")
            cert = con.execute("SELECT * FROM certificates WHERE number=?", (number,)).fetchone()
            # D21 as the registry recorded it: void from the day after the return deadline
            void_on = (cert["void_on"] or "") if cert else ""
            out.append(
                {
                    "id": n["id"],
                    "scheme": n["scheme"],
                    "kind": "降级" if n["kind"] == "降级公告" else "撤销",
                    "title": n["title"],
                    "date": n["published"],
                    "document_no": e.get("document_no", ""),
                    "credit_code": e["credit_code"],
                    "org_name": e["org_name"],
                    "number": number,
                    "grade": e.get("old_grade") or e.get("grade", ""),
                    "new_grade": e.get("new_grade", ""),
                    "new_number": e.get("new_number", ""),
                    "return_by": (date.fromisoformat(void_on) - timedelta(days=1)).isoformat() if void_on else "",
                    "returned_on": (cert["returned_on"] or "") if cert else "",
                    "void_on": void_on,
                }
            )
    return out


def noticed_rounds(con: sqlite3.Connection, today: date) -> list[dict]:
    """Rounds with a 公示 that has begun, and the organisations each lists (for 异议 replies)."""
    out = []
    for rd in con.execute(
        "SELECT * FROM rounds WHERE period_days IS NOT NULL AND notice_date <= ? ORDER BY scheme, notice_date, key", (today.isoformat(),)
    ):
        listed = con.execute(
            "SELECT credit_code, org_name FROM results WHERE round_id=? AND superseded_on IS NULL AND status='scored' ORDER BY credit_code",
            (rd["id"],),
        ).fetchall()
        out.append(
            {
                "scheme": rd["scheme"],
                "round": rd["key"],
                "title": rd["title"],
                "notice_date": rd["notice_date"],
                "period_end": rd["period_end"],
                "withheld": json.loads(rd["withheld"]),
                "listed": [dict(r) for r in listed],
            }
        )
    return out


def certificate_entries(con: sqlite3.Connection, number: str) -> dict:
    """The entries of the workbook behind a certificate (a re-issued one: its predecessor's)."""
    seen: set[str] = set()
    while number and number not in seen:
        seen.add(number)
        row = con.execute(
            "SELECT c.replaces, r.result_json FROM certificates c LEFT JOIN results r ON r.id = c.result_id WHERE c.number=?", (number,)
        ).fetchone()
        if row is None:
            return {}
        if row["result_json"]:
            return json.loads(row["result_json"]).get("entries", {})
        number = row["replaces"]
    return {}
