"""The engine (`engine.py`): a Batch built from a rubric scored all at once — items in integer
centi-points, section sums, the total's clip and zeroing, gates, conditions, vetoes and grade bands,
and the reasons of each row. Rows are made from plain values through the real validation path."""

import random

import numpy as np
import pytest
from helpers import AREAS, PERFECT_ZJ

from scoring.batch import build_batch
from scoring.engine import gate_reason, reasons_for, score_batch
from scoring.rubric import load_rubric
from scoring.samples import random_entry
from scoring.validate import parse_workbook, raw_from_values

HOSTING = load_rubric("hosting")
FULL = {fid: f.max for fid, f in HOSTING.fields.items() if fid.startswith("pts_")}  # every item at its maximum: 100


def row(scheme: str, values: dict, tables: dict | None = None):
    r = parse_workbook(raw_from_values(scheme, values, tables))
    assert r.problems == [], r.problems
    return r


def hosting(**over):
    """A clean hosting row: every item at its maximum, no extra deduction, no fraud, then `over`."""
    values, _ = random_entry("hosting", random.Random(0), 1.0)
    values.update(FULL, fraud="否", **{f"extra_{i}": 0 for i in range(1, 6)})
    values.update(over)
    return row("hosting", values)


def scored(rubric, rows):
    batch = build_batch(rubric, rows)
    return batch, score_batch(batch)


def test_items_and_sections_are_integer_centi_points_and_the_total_their_sum():
    batch, s = scored(HOSTING, [hosting(), hosting(pts_daily_1=4.5, pts_perform_2=0), hosting(extra_2=1)])
    assert all(v.dtype == np.int64 for v in s.items.values()) and s.total.dtype == np.int64
    assert s.items["daily_1"].tolist() == [500, 450, 500] and s.items["perform_2"].tolist() == [600, 0, 600]
    assert s.items["extra"].tolist() == [0, 0, -1000]
    assert s.sections["一、日常管理"].tolist() == [2500, 2450, 2500] and s.sections["四、附加考核"].tolist() == [0, 0, -1000]
    assert s.total.tolist() == [10000, 9350, 9000] == np.sum(list(s.sections.values()), axis=0).tolist()
    assert not s.clipped.any() and not s.zeroed.any() and not s.veto.any() and s.eligible.all()
    assert reasons_for(batch, s, 0) == []
    assert reasons_for(batch, s, 1) == [
        "【一、日常管理·1】按合同协议组建有符合要求的服务团队，配备有符合要求的专业技术人员——得 4.5 分（满分 5 分）",
        "【二、履约情况·2】按合同协议约定次数开展生态环境问题排查，对排查发现的问题，及时制定切实可行的整改方案——得 0 分（满分 6 分）",
    ]


@pytest.mark.parametrize(
    "over, total, grade",
    [
        ({}, 10000, "优秀"),
        ({"extra_1": 1}, 9000, "优秀"),  # ≥ 90
        ({"extra_1": 1, "pts_daily_1": 4.5}, 8950, "良好"),
        ({"extra_1": 2, "pts_daily_1": 0, "pts_daily_3": 1.5}, 7050, "良好"),  # > 70
        ({"extra_1": 3}, 7000, "合格"),  # exactly 70 is 合格 (D8)
        ({"extra_1": 4}, 6000, "合格"),  # ≥ 60
        ({"extra_1": 4, "pts_daily_1": 4.5}, 5950, "不合格"),
    ],
)
def test_grade_bands_are_exact_at_their_boundaries(over, total, grade):
    _, s = scored(HOSTING, [hosting(**over)])
    assert (int(s.total[0]), s.grade[0]) == (total, grade)


def test_the_total_is_clipped_at_zero_and_the_reason_says_so():
    batch, s = scored(HOSTING, [hosting(extra_1=20)])
    assert (int(s.raw_total[0]), int(s.total[0]), bool(s.clipped[0])) == (-10000, 0, True)
    assert s.grade[0] == "不合格" and not s.veto[0]
    assert reasons_for(batch, s, 0)[-1] == "各项合计 -100 分，总分按不低于 0 分计为 0 分"


def test_fraud_zeroes_the_total_vetoes_and_grades_unqualified():
    batch, s = scored(HOSTING, [hosting(), hosting(fraud="是")])
    assert s.zeroed.tolist() == [False, True] and s.veto.tolist() == [False, True]
    assert s.total.tolist() == [10000, 0] and s.raw_total.tolist() == [10000, 10000]
    assert s.grade.tolist() == ["优秀", "不合格"]
    assert reasons_for(batch, s, 1) == [HOSTING.zero_if.reason]


def test_a_batch_scores_each_row_as_it_would_alone():
    rows = []
    for seed in range(12):
        values, _ = random_entry("hosting", random.Random(seed), 0.9)
        r = parse_workbook(raw_from_values("hosting", values))
        if not r.problems:
            rows.append(r)
    assert len(rows) >= 6
    _, together = scored(HOSTING, rows)
    for i, r in enumerate(rows):
        _, alone = scored(HOSTING, [r])
        assert int(alone.total[0]) == int(together.total[i]) and alone.grade[0] == together.grade[i]
        assert {k: int(v[0]) for k, v in alone.items.items()} == {k: int(v[i]) for k, v in together.items.items()}


def test_an_empty_batch_scores_to_empty_columns():
    _, s = scored(HOSTING, [])
    assert s.total.shape == (0,) and s.grade.shape == (0,) and s.items["daily_1"].shape == (0,)


def zj(**over):
    values, _ = random_entry("zj-skpw", random.Random(3), 1.0)
    values.update(PERFECT_ZJ, **{f"mat_app_{i:02d}": "是" for i in range(1, 13)})
    values.update(ops_start_date=values["application_date"].replace(year=2020), founded_date=values["application_date"].replace(year=2015))
    values.update(over)
    return row("zj-skpw", values, {"service_areas": AREAS})


def test_gates_give_the_index_of_the_first_failed_gate_and_its_reason():
    rubric = load_rubric("zj-skpw")
    assert [g.code for g in rubric.gates] == ["materials", "two_years"]
    base = random_entry("zj-skpw", random.Random(3), 1.0)[0]["application_date"]
    rows = [
        zj(),
        zj(mat_app_03="否", integrity_pledge="否"),
        zj(ops_start_date=base.replace(year=base.year - 1)),
        zj(mat_app_01="否", ops_start_date=base),
    ]
    batch, s = scored(rubric, rows)
    assert s.gate.tolist() == [-1, 0, 1, 0]  # the first failed gate wins
    missing = gate_reason(batch, 1, 0)
    assert missing.startswith("材料不全：以下申请材料未提供：3. ") and "13. " in missing and "1. " not in missing.split("：", 1)[1][:3]
    assert "不满两年" in gate_reason(batch, 2, 1) and base.isoformat() in gate_reason(batch, 2, 1)


def datong(**over):
    values, tables = random_entry("datong-filing", random.Random(2), 1.0)
    values.update(over)
    return row("datong-filing", values, tables)


def test_conditions_decide_the_outcome_each_failed_one_named():
    rubric = load_rubric("datong-filing")
    good = datong()
    staff = int(good.values["staff_total"] // 10**6)
    batch, s = scored(rubric, [good, datong(staff_certified=staff - 1), datong(office="否", vehicles=0)])
    assert s.grade.tolist() == ["准予备案", "不予备案", "不予备案"]
    assert [code for code, failed in s.failed.items() if failed[1]] == ["staff_certified"]
    assert sorted(code for code, failed in s.failed.items() if failed[2]) == ["office", "vehicles"]
    assert not s.veto.any() and s.eligible.all()
    reasons = reasons_for(batch, s, 2)
    assert "在运营区域内无固定的办公场地（一（二）3）" in reasons and "无满足运营的固定车辆（一（二）2）" in reasons
    assert reasons_for(batch, s, 0) == []
