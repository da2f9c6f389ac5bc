"""Open data files (`registry/opendata.py`): the contract's columns, Excel copies, nothing private."""

import csv
import json

from helpers import D, ingest_on, zj_workbook
from openpyxl import load_workbook

from scoring.registry import (
    export_open_data,
    open_registry,
)


def test_open_data_files_follow_the_contract_and_publish_nothing_private(world):
    tmp, wb, db = world
    r1 = wb / "zj-skpw" / "2025-1"
    zj_workbook(r1 / "hostile.xlsx", '+HYPERLINK("http://x","点我")', "5A")
    zj_workbook(r1 / "hostile2.xlsx", "@SUM(A1)<script>", "4A")
    ingest_on(db, wb, "2025-10-10")
    with open_registry(db, write=False) as con:
        export_open_data(con, D("2025-10-10"), tmp / "data")
    for name, cols in (
        ("certificates", ["number", "scheme", "round", "org_name", "credit_code", "grade", "issued", "expires", "status", "replaced_by"]),
        ("results", ["scheme", "round", "org_name", "credit_code", "total", "grade", "status", "notice_date", "period_end", "eligible"]),
    ):
        raw = (tmp / "data" / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
        assert list(rows[0]) == cols
        js = json.loads((tmp / "data" / f"{name}.json").read_text(encoding="utf-8"))
        assert [list(r) for r in js] == [cols] * len(js) and len(js) == len(rows)
        hostile = [r for r in rows if "HYPERLINK" in r["org_name"] or "SUM" in r["org_name"]]
        assert len(hostile) == 2 and all(r["org_name"][:2] in ("'+", "'@") for r in hostile)
        assert {r["org_name"] for r in js if "SUM" in r["org_name"]} == {"@SUM(A1)<script>"}  # JSON keeps the text as is
        sheet = load_workbook(tmp / "data" / f"{name}.xlsx").active  # the Excel copy holds the CSV's cells
        assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
        cells = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert cells == [[r[c] if not isinstance(js[i][c], float) else str(js[i][c]) for c in cols] for i, r in enumerate(rows)]
    notices = json.loads((tmp / "data" / "notices.json").read_text(encoding="utf-8"))
    assert [list(n) for n in notices] == [["id", "scheme", "round", "kind", "title", "published", "period_end"]] * len(notices)
    everything = "".join(p.read_text(encoding="utf-8-sig") for p in (tmp / "data").iterdir() if p.suffix != ".xlsx") + "".join(
        str(v) for p in (tmp / "data").glob("*.xlsx") for row in load_workbook(p).active.iter_rows(values_only=True) for v in row
    )
    for private in ("张三", "李四", "13800000000", "13900000000", "0571-88888888", "ops@example.com"):
        assert private not in everything
    totals = [r["total"] for r in json.loads((tmp / "data" / "results.json").read_text(encoding="utf-8"))]
    assert all(isinstance(t, (int, float)) for t in totals)
