"""cli `registry show` (issue 24, class 2): what a registry of an older version recorded (a line
break or a bidirectional control in an action's detail) is shown one line per record."""

from click.testing import CliRunner
from helpers import CODES, ORGS, ingest_on

from scoring.cli import main

FORGED = "  2026-01-06 证书 ZJSK-2026-9999 5A，有效期至 2030-01-01，现为有效"


def test_registry_show_prints_one_line_per_record(world, monkeypatch):
    tmp, wb, db = world
    name = next(iter(ORGS))
    (wb / "zj-skpw" / "actions.csv").write_text(
        f'date,credit_code,action,detail,document_no\n2026-01-05,{CODES[name]},注销,"机构申请注销\n{FORGED}\u202e",浙环监协〔2026〕1号\n',
        encoding="utf-8",
    )
    import scoring.inputs.actions

    monkeypatch.setattr(scoring.inputs.actions, "bad_character", lambda text, one_line=False: None, raising=False)  # the version before
    ingest_on(db, wb, "2026-01-05")
    res = CliRunner().invoke(main, ["registry", "show", CODES[name], "--today", "2026-01-06", "--db", str(db)])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == f"{name}（{CODES[name]}）" and FORGED not in lines and "\u202e" not in res.output
    assert any(line.endswith(f"机构申请注销<U+000A>{FORGED}<U+202E> 浙环监协〔2026〕1号") for line in lines)
