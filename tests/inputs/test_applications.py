"""applications.csv (`inputs/applications.py`): rows checked, bad ones skipped, Excel's encodings."""

import csv
import io
from datetime import date

from scoring.inputs.applications import read_applications
from scoring.rubric import load_rubric


def test_applications_csv_rows_are_checked_and_bad_ones_skipped(tmp_path):
    path = tmp_path / "applications.csv"
    path.write_text(
        "统一社会信用代码,单位名称,机构申请,协会受理,材料预审,终止,备注\n"
        "91330200FLL7DRUXW7,甲,2026-09-01,2026-09-10,,,\n"
        "91330200FLL7DRUXW8,乙,2026-09-01,,,,\n"  # a wrong check digit
        "91330600XH04HE7Q9Y,丙,2026-09-01,,2026-09-20,,\n"  # a stage skipped
        "91330300QJ3M3PA1BB,丁,2026-09-10,2026-09-01,,,\n"  # dates backwards
        "913301004TTWG548JC,戊,2026/9/1,2026.9.3,,,\n"  # Excel's other date spellings are fine
        "91330200FLL7DRUXW7,甲,2026-09-01,,,,\n"  # the same organisation twice
        "91330500AR3F0MRN2Y,己,2026-09-01,,,2026-09-31,\n",  # no such day
        encoding="gb18030",
    )
    apps, problems = read_applications(path, load_rubric("zj-skpw"), "2027-1")
    assert [a.org_name for a in apps] == ["甲", "戊"]
    assert apps[1].reached == (("机构申请", date(2026, 9, 1)), ("协会受理", date(2026, 9, 3)))
    assert [p.code for p in problems] == ["application_invalid"] * 5
    messages = " ".join(p.message for p in problems)
    assert "第 3 行" in messages and "尚未填写" in messages and "早于" in messages and "每个机构每批次一行" in messages and "2026-09-31" in messages
    path.write_text("名称,日期\n", encoding="utf-8")
    assert [p.code for p in read_applications(path, load_rubric("zj-skpw"), "2027-1")[1]] == ["applications_unreadable"]


def test_applications_csv_survives_excel_encodings(tmp_path):
    for enc in ("utf-8-sig", "gb18030"):
        path = tmp_path / f"{enc}.csv"
        buf = io.StringIO()
        csv.writer(buf).writerows([["统一社会信用代码", "单位名称", "机构申请"], ["91330200FLL7DRUXW7", "温州清源", "2026-11-02"]])
        path.write_bytes(buf.getvalue().encode(enc))
        apps, problems = read_applications(path, load_rubric("zj-skpw"), "r")
        assert problems == [] and apps[0].org_name == "温州清源"
