"""A 变更's new name, address or legal representative is no longer than the form's own field takes
(second attack of issue 24): a 名称 of 5,000 characters was applied — re-issued certificate, 变更公告,
pages — and made the night take minutes (220 s against 10); 50,000 under the 5 MB limit, hours."""

import pytest
from helpers import CODES, A

from scoring.inputs.actions import read_actions

GRADES = ("5A", "4A", "3A", "2A")


def _read(tmp_path, detail: str):
    path = tmp_path / "actions.csv"
    path.write_text(f"date,credit_code,action,detail,document_no\n2026-12-02,{CODES[A]},变更,{detail},浙评〔2026〕1号\n", encoding="utf-8")
    return read_actions(path, "zj-skpw", GRADES)


@pytest.mark.parametrize("field,limit", [("名称", 100), ("地址", 200), ("法定代表人", 50)])
def test_a_change_longer_than_the_forms_field_is_refused(tmp_path, field, limit):
    actions, problems = _read(tmp_path, f"{field}={'长' * (limit + 1)}")
    assert actions == [] and [p.code for p in problems] == ["action_invalid"]
    assert f"不超过 {limit} 个字" in problems[0].message
    actions, problems = _read(tmp_path, f"{field}={'长' * limit}")
    assert len(actions) == 1 and problems == []


def test_a_huge_name_is_refused_without_being_echoed(tmp_path):
    actions, problems = _read(tmp_path, "名称=" + "名" * 50_000)
    assert actions == [] and [p.code for p in problems] == ["action_invalid"] and len(problems[0].message) < 500


@pytest.mark.parametrize(
    "kind,detail,doc", [("撤销", "已退回", "文" * 120_000), ("年度检查合格", "说" * 1001, "浙评〔2026〕1号"), ("注销", "", "文" * 101)]
)
def test_a_document_number_or_detail_beyond_any_real_one_is_refused(tmp_path, kind, detail, doc):
    # before: a 撤销 with a 文号 of 120,000 characters was applied and the publish ran past ten minutes
    path = tmp_path / "actions.csv"
    path.write_text(f"date,credit_code,action,detail,document_no\n2026-12-02,{CODES[A]},{kind},{detail},{doc}\n", encoding="utf-8")
    actions, problems = read_actions(path, "zj-skpw", GRADES)
    assert actions == [] and [p.code for p in problems] == ["action_invalid"] and "个字" in problems[0].message
    assert len(problems[0].message) < 500
    path.write_text(f"date,credit_code,action,detail,document_no\n2026-12-02,{CODES[A]},{kind},{detail[:1000]},{doc[:100]}\n", encoding="utf-8")
    assert len(read_actions(path, "zj-skpw", GRADES)[0]) == 1
