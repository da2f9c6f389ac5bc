"""actions.csv (`inputs/actions.py`): read row by row, bad rows reported and skipped, Excel's encodings."""

from helpers import CODES, ORGS, A, cert_of, ingest_on


def test_bad_actions_files_are_reported_row_by_row(small_world):
    tmp, wb, _ = small_world
    ingest_on(tmp / "registry.sqlite", wb, "2026-10-19")
    actions = wb / "zj-skpw" / "actions.csv"
    row = f"2026-10-20,{CODES[A]},年度检查合格,,浙环监协〔2026〕1号\n"
    actions.write_text("date,credit_code,action,detail,document_no\n" + row + row + "9999-12-31,x,注销,,\n", encoding="utf-8")
    rep = ingest_on(tmp / "registry.sqlite", wb, "2026-10-21")
    assert len(rep.actions) == 1 and [p.code for p in rep.action_problems] == ["action_invalid", "action_invalid"]
    assert "与第 2 行完全相同" in rep.action_problems[0].message
    actions.write_text('date,credit_code,action,detail,document_no\n2026-10-22,"' + "x" * 200_000 + "\n", encoding="utf-8")
    rep = ingest_on(tmp / "registry.sqlite", wb, "2026-10-22")
    assert [p.code for p in rep.action_problems] == ["actions_unreadable"]
    actions.unlink()
    actions.symlink_to("/etc/passwd")  # the header of a linked private file is never echoed
    rep = ingest_on(tmp / "registry.sqlite", wb, "2026-10-23")
    assert [p.code for p in rep.action_problems] == ["actions_unreadable"] and ":0:0:" not in rep.action_problems[0].message
    actions.unlink()
    with open(actions, "wb") as fh:  # a huge file is refused without being read
        fh.truncate(1 << 30)
    rep = ingest_on(tmp / "registry.sqlite", wb, "2026-10-24")
    assert [p.code for p in rep.action_problems] == ["actions_unreadable"] and "上限" in rep.action_problems[0].message


def test_actions_csv_in_gb18030_as_excel_saves_it(world):
    tmp, wb, db = world
    a = next(iter(ORGS))
    (wb / "zj-skpw" / "actions.csv").write_bytes(
        f"date,credit_code,action,detail,document_no\r\n2026-01-05,{CODES[a]},注销,机构申请注销,浙环监协〔2026〕1号\r\n".encode("gb18030")
    )
    ingest_on(db, wb, "2026-01-05")
    (cert,) = cert_of(db, "2026-01-05", a)
    assert cert["status"] == "已注销"
