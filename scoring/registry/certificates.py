"""Certificates (zj-skpw) and filings (datong-filing): numbers, validity, status on a given day.

Numbers: the scheme's pattern from its rubric (`ZJSK-{year}-{seq:04d}`, 备案号 `{year}-{seq:03d}`),
`year` the year of issue and `seq` the next number in that scheme and year. Certificates are never
deleted (a database trigger refuses it), so max(seq) + 1 never reuses a number, and number, grade
and dates of an issued certificate can never be updated.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from ..rubric import load_rubric
from .db import audit

__all__ = ["voided_on", "add_years", "certificate_expiry", "status_on", "issue", "end", "current_certificate", "renewal_due", "STATUSES"]

STATUSES = ("有效", "已过期", "已撤销", "已注销", "已换发", "已作废")


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 Feb -> 28 Feb
        return d.replace(year=d.year + years, day=28)


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(y, m, day)
        except ValueError:
            continue
    raise ValueError(d)


def certificate_expiry(issued: date, years: int) -> date:
    """D13: issued D, valid three years, expires the day before D + 3 years."""
    return add_years(issued, years) - timedelta(days=1)


def renewal_due(expires: date, months: int) -> date:
    """期满前 N 个月需重新提交评估申请: the day from which the renewal application is due."""
    return _add_months(expires + timedelta(days=1), -months)


def voided_on(row) -> date | None:
    """D21: the day a 降级/撤销 certificate not returned in time became void (None: it did not)."""
    void, returned = row["void_on"], row["returned_on"] if "returned_on" in row.keys() else None
    if not void or (returned and returned < void):
        return None
    return date.fromisoformat(void)


def status_on(row, today: date) -> str:
    """The status of a certificate row on `today`."""
    void = voided_on(row)
    if void and void <= today:
        return "已作废"
    if row["ended_on"] and date.fromisoformat(row["ended_on"]) <= today:
        return row["ended_status"]
    if row["expires"] and today > date.fromisoformat(row["expires"]):
        return "已过期"
    return "有效"


def current_certificate(con: sqlite3.Connection, scheme: str, credit_code: str, on: date):
    """The organisation's valid certificate of this scheme on a day, or None."""
    rows = con.execute(
        "SELECT * FROM certificates WHERE scheme=? AND credit_code=? AND issued<=? ORDER BY issued DESC, seq DESC",
        (scheme, credit_code, on.isoformat()),
    ).fetchall()
    for row in rows:
        if status_on(row, on) == "有效":
            return row
    return None


def issue(
    con,
    today: date,
    scheme: str,
    credit_code: str,
    grade: str,
    org_name: str,
    address: str | None,
    issued: date,
    expires: date | None,
    result_id=None,
    round_id=None,
    replaces=None,
    source=None,
) -> str:
    """Give the next number of (scheme, year) and record the certificate; end the one it replaces."""
    cfg = load_rubric(scheme).lifecycle.certificate
    assert cfg is not None, f"{scheme} issues no certificates"
    year = issued.year
    (last,) = con.execute("SELECT COALESCE(MAX(seq), 0) FROM certificates WHERE scheme=? AND year=?", (scheme, year)).fetchone()
    number = cfg.number.format(year=year, seq=last + 1)
    if replaces is None:
        old = current_certificate(con, scheme, credit_code, issued)
        replaces = old["number"] if old is not None else None
    con.execute(
        """INSERT INTO certificates (number, scheme, kind, credit_code, result_id, round_id, grade, org_name, address,
                   issued, expires, replaces, year, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
        (
            number,
            scheme,
            cfg.kind,
            credit_code,
            result_id,
            round_id,
            grade,
            org_name,
            address,
            issued.isoformat(),
            expires.isoformat() if expires else None,
            replaces,
            year,
            last + 1,
        ),
    )
    audit(con, today, "certificate", number, "issued", {"grade": grade, "issued": issued, "expires": expires, "replaces": replaces}, source)
    if replaces:
        end(con, today, replaces, issued, "已换发", replaced_by=number, source=source)
    return number


def end(con: sqlite3.Connection, today: date, number: str, on: date, status: str, replaced_by: str | None = None, source=None) -> None:
    con.execute(
        "UPDATE certificates SET ended_on=?, ended_status=?, replaced_by=COALESCE(?, replaced_by) WHERE number=?",
        (on.isoformat(), status, replaced_by, number),
    )
    audit(con, today, "certificate", number, status, {"on": on, "replaced_by": replaced_by}, source)
