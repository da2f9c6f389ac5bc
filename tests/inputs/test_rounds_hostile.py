"""Hostile round.toml and round folders: each is a coded problem naming the file, and the other
rounds are collected as usual."""

import pytest
from helpers import ORGS, A, write_round, zj_workbook

from scoring.inputs import collect_inputs

# 20,000 levels: tomllib recursed into each and raised RecursionError out of collect_inputs
DEEP = {
    "arrays": "withheld = " + "[" * 20000 + "]" * 20000 + "\n",
    "inline tables": "withheld = " + "{a=" * 10000 + "1" + "}" * 10000 + "\n",
    "dotted key": "a" + ".a" * 20000 + " = 1\n",
    "table header": "[" + "a." * 20000 + "a]\n",
}


@pytest.mark.parametrize("payload", DEEP.values(), ids=DEEP.keys())
def test_deeply_nested_round_toml_is_round_invalid_and_the_others_are_collected(tmp_path, payload):
    wb = tmp_path / "workbooks"
    good = wb / "zj-skpw" / "2026-1"
    write_round(good, "2026年度第一批", "2026-10-12")
    zj_workbook(good / f"{A}.xlsx", A, ORGS[A])
    bad = wb / "zj-skpw" / "2026-2"
    bad.mkdir(parents=True)
    (bad / "round.toml").write_text('title = "第二批"\nnotice_date = 2026-10-12\n' + payload, encoding="utf-8")
    inputs = collect_inputs(wb)
    [problem] = inputs.problems
    assert problem.code == "round_invalid"
    assert problem.file == str(bad / "round.toml")
    assert "嵌套" in problem.message or "段" in problem.message
    assert [r.spec.key for s in inputs.schemes for r in s.rounds] == ["2026-1"]
    assert len(inputs.files()) == 1


def test_strings_full_of_brackets_are_not_nesting(tmp_path):
    wb = tmp_path / "workbooks"
    folder = wb / "zj-skpw" / "2026-1"
    write_round(folder, "【" + "[" * 40 + "{" * 40 + "】", "2026-10-12")
    inputs = collect_inputs(wb)
    assert inputs.problems == []
    assert inputs.schemes[0].rounds[0].spec.title == "【" + "[" * 40 + "{" * 40 + "】"
