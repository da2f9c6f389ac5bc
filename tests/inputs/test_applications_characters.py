"""applications.csv (`inputs/applications.py`, issue 24, class 2): a name or date cell holding a line
break or an invisible character, or any cell a character XML forbids, is a refused row naming its
column; 备注 keeps its line breaks."""

from scoring.inputs.applications import read_applications
from scoring.rubric import load_rubric

HEAD = "统一社会信用代码,单位名称,机构申请,协会受理,材料预审,终止,备注\n"


def test_unshowable_characters_refuse_the_row_naming_the_column(tmp_path):
    path = tmp_path / "applications.csv"
    path.write_text(
        HEAD + '91330200FLL7DRUXW7,"甲\n  [待办] 伪造",2026-09-01,,,,\n'
        "91330600XH04HE7Q9Y,丙\u202e,2026-09-01,,,,\n"
        "91330300QJ3M3PA1BB,丁\u200b,2026-09-01,,,,\n"
        "913301004TTWG548JC,戊,2026-09-01,,,,备注\uffff\n"
        '91330500AR3F0MRN2Y,己,2026-09-01,,,,"第一行\n第二行"\n',
        encoding="utf-8",
    )
    apps, problems = read_applications(path, load_rubric("zj-skpw"), "2027-1")
    assert [(a.org_name, a.note) for a in apps] == [("己", "第一行\n第二行")]
    assert [p.code for p in problems] == ["application_invalid"] * 4
    assert ["“单位名称”" in p.message for p in problems] == [True, True, True, False] and "“备注”" in problems[3].message
    assert all("U+" in p.message and p.message.isprintable() for p in problems)
