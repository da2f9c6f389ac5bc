"""cli_report: one item, one line (issue 24, class 2). A line break in an action's detail is refused
where it enters (inputs.actions), and whatever an older version recorded is shown on one line in the
run report and the nightly log, so no input can forge a line of either."""

from datetime import date

import pytest
from helpers import CODES, ORGS, ingest_on

from scoring.cli_report import nightly_summary, report_lines
from scoring.jobs import nightly

FORGED = "  [新证书/备案] 伪造的证书"


def _actions(wb, *rows):
    (wb / "zj-skpw" / "actions.csv").write_text("date,credit_code,action,detail,document_no\n" + "".join(rows), encoding="utf-8")


def _one_line_each(lines):
    text = "\n".join(lines)
    assert text.splitlines() == lines and not any(line.startswith(FORGED) for line in lines), text
    assert "\u202e" not in text and "\u200b" not in text


def test_a_line_break_or_invisible_character_in_an_action_is_refused_naming_the_column(world):
    tmp, wb, db = world
    code = CODES[next(iter(ORGS))]
    _actions(
        wb,
        f'2026-01-05,{code},注销,"机构申请注销\n{FORGED}",浙环监协〔2026〕1号\n',
        f"2026-01-05,{code},注销,机构申请注销,浙环监协\u202e号1〔2026〕\n",
        f"2026-01-05,{code},注销,机构申请\u200b注销,浙环监协〔2026〕2号\n",
    )
    rep = ingest_on(db, wb, "2026-01-05")
    assert rep.actions == [] and [p.code for p in rep.action_problems] == ["action_invalid"] * 3
    assert ["“detail”" in rep.action_problems[0].message, "“document_no”" in rep.action_problems[1].message] == [True, True]
    assert all("U+" in p.message and "第 " in p.message for p in rep.action_problems)
    _one_line_each(report_lines(rep))


@pytest.mark.slow
def test_what_an_older_version_recorded_stays_one_line_in_the_report_and_the_log(world, monkeypatch):
    tmp, wb, db = world
    code = CODES[next(iter(ORGS))]
    _actions(wb, f'2026-01-05,{code},注销,"机构申请注销\n{FORGED}\u202e",浙环监协〔2026〕1号\n')
    import scoring.inputs.actions

    monkeypatch.setattr(scoring.inputs.actions, "bad_character", lambda text, one_line=False: None, raising=False)  # the version before
    log = tmp / "logs" / "nightly.log"
    outcome = nightly(wb, tmp / "www" / "site", db, date(2026, 1, 5), log, tmp / "backups", summary=nightly_summary)
    rep = outcome.result.report
    assert any("\n" in a for a in rep.actions)  # recorded as it was
    _one_line_each(report_lines(rep))
    logged = log.read_text(encoding="utf-8").splitlines()
    assert any("机构申请注销<U+000A>" + FORGED + "<U+202E>" in line for line in logged)
    assert not any(line.startswith(FORGED) for line in logged) and "\u202e" not in "".join(logged)
