"""Open data files of interfaces.md: certificates, results and notices as CSV (UTF-8 with BOM) and JSON."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date
from pathlib import Path

from .queries import PublicView, public_view

__all__ = ["export_open_data", "COLUMNS", "neutralise"]

COLUMNS = {
    "certificates": ["number", "scheme", "round", "org_name", "credit_code", "grade", "issued", "expires", "status", "replaced_by"],
    "results": ["scheme", "round", "org_name", "credit_code", "total", "grade", "status", "notice_date", "period_end"],
    "notices": ["id", "scheme", "round", "kind", "title", "published", "period_end"],
}


def neutralise(value):
    """A CSV cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_open_data(con: sqlite3.Connection, today: date, out: Path, view: PublicView | None = None) -> list[Path]:
    """Write the files; `view` when the caller has already read the public state of `today`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    view = view or public_view(con, today)
    written = []
    for name, rows in (("certificates", view.certificates), ("results", view.results), ("notices", view.notices)):
        cols = COLUMNS[name]
        rows = [{c: r.get(c) for c in cols} for r in rows]
        path = out / f"{name}.json"
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(path)
        if name != "notices":
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\r\n")
            w.writerow(cols)
            for r in rows:
                w.writerow(["" if r[c] is None else neutralise(r[c]) for c in cols])
            path = out / f"{name}.csv"
            path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
            written.append(path)
    return written
