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


def _actions_workbook(path, extra_rows: str, dimension: str | None = None):
    """The actions workbook (`scoring template actions`) with `extra_rows` (<row> XML) added to its sheet."""
    import re
    import zipfile

    from scoring.excel.actions import write_actions_template

    src = write_actions_template(path.with_name("template.xlsx"))
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode().replace("</sheetData>", extra_rows + "</sheetData>")
                if dimension:
                    xml = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>', xml)
                data = xml.encode()
            zout.writestr(info, data)
    return path


def _row(r: int, cells) -> str:
    return f'<row r="{r}">' + "".join(f'<c r="{c}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for c, v in zip("ABCDE", cells)) + "</row>"


def test_an_actions_workbook_row_below_a_stale_dimension_is_read(tmp_path):
    from scoring.inputs.actions import read_actions

    row = _row(5000, ["2026-11-02", CODES[A], "注销", "机构申请注销", "浙环监协〔2026〕9号"])  # openpyxl stopped at row 1001
    path = _actions_workbook(tmp_path / "actions.xlsx", row, dimension="A1:E2")
    actions, problems = read_actions(path, "zj-skpw", ("5A", "4A"))
    assert [(a.line, a.action) for a in actions] == [(5000, "注销")] and problems == []


def test_an_actions_workbook_with_a_row_past_excels_last_is_refused_in_bounded_time(tmp_path):
    import json
    import subprocess
    import sys

    path = _actions_workbook(tmp_path / "actions.xlsx", _row(999_999_999, ["x"]))  # openpyxl yields a blank row for every number skipped
    code = (
        "import json, sys; from pathlib import Path; from scoring.inputs.actions import read_actions\n"
        "print(json.dumps([(p.code, p.message) for p in read_actions(Path(sys.argv[1]), 'zj-skpw', ('5A',))[1]]))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60, check=True)
    ((code_, message),) = json.loads(done.stdout)
    assert code_ == "actions_unreadable" and "行数上限" in message and str(path) in message
