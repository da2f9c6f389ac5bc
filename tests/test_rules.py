"""Every rule kind at the boundaries the official texts create, through the real validation path."""

import random

import numpy as np
import pytest
from helpers import AREAS, PERFECT_ZJ

from scoring.pipeline import score_rows
from scoring.rules import round_half_up
from scoring.samples import random_entry
from scoring.validate import parse_workbook, raw_from_values


def result(scheme, overrides=None, tables=None, seed=3):
    values, tabs = random_entry(scheme, random.Random(seed), 1.0)
    if scheme == "zj-skpw":
        values.update(PERFECT_ZJ)
        values.update(ops_start_date=values["application_date"].replace(year=2020))
        values.update(founded_date=values["application_date"].replace(year=2015))
        for i in range(1, 13):
            values[f"mat_app_{i:02d}"] = "是"
        tabs = {"service_areas": AREAS}
    values.update(overrides or {})
    return score_rows([parse_workbook(raw_from_values(scheme, values, tables or tabs))])[0].as_json()


def test_round_half_up_is_away_from_zero_at_halves():
    assert list(round_half_up(np.array([5, 15, 25, -5, -15, 4, -4]), 10)) == [1, 2, 3, -1, -2, 0, 0]
    assert list(round_half_up(np.array([1199500, 1199499]), 10**4)) == [120, 120]


def test_perfect_zj_skpw_is_100_and_grade_boundary_is_exact():
    assert result("zj-skpw")["total"] == 100.0
    # transmission 15 − (90 − rate): 80.00 → 5 → 90.00 (5A); 79.99 → 4.99 → 89.99 (4A)
    r = result("zj-skpw", {"transmission_rate": 80})
    assert (r["items"]["transmission"], r["total"], r["grade"]) == (5.0, 90.0, "5A")
    r = result("zj-skpw", {"transmission_rate": 79.99})
    assert (r["total"], r["grade"]) == (89.99, "4A")
    # lower bands: −15 transmission, −5 records, then ledger 12 − 0.5 × (100 − rate)
    low = {"transmission_rate": 75, "pts_records": 0}
    for ledger, total, grade in ((80, 70.0, "3A"), (79.98, 69.99, "2A")):
        r = result("zj-skpw", {**low, "ledger_entry_rate": ledger})
        assert (r["total"], r["grade"]) == (total, grade)
    low.update(ledger_entry_rate=76, complaints=4, late_responses=4, missing_suspension_reports=2)  # 80 − 12 − 4 − 2 − 2
    assert (result("zj-skpw", low)["total"], result("zj-skpw", low)["grade"]) == (60.0, "2A")
    r = result("zj-skpw", {**low, "pts_archives": 1.5})
    assert (r["total"], r["grade"]) == (59.5, "不合格")
    assert result("zj-skpw", {"transmission_rate": 75, "pts_records": 0})["total"] == 80.0  # 15 lost + 5 lost
    assert result("zj-skpw", {"transmission_rate": 75, "pts_records": 0})["grade"] == "4A"


def test_d2_linear_percentage_points_and_half_up_item_rounding():
    assert result("zj-skpw", {"transmission_rate": 88.6})["items"]["transmission"] == 13.6
    # ledger 12 − 0.5 × (100 − 99.99) = 11.995 → 12.00 (an item worth 11.995 counts as 12.00)
    assert result("zj-skpw", {"ledger_entry_rate": 99.99})["items"]["ledger_entry"] == 12.0
    assert result("zj-skpw", {"ledger_entry_rate": 99.97})["items"]["ledger_entry"] == 11.99  # 11.985 → 11.99
    assert result("zj-skpw", {"transmission_rate": 60})["items"]["transmission"] == 0.0  # 扣完为止
    assert result("zj-skpw", {"ledger_entry_rate": 0})["items"]["ledger_entry"] == 0.0


@pytest.mark.parametrize("rate, bonus", [(97, 0.0), (97.004, 0.0), (97.005, 0.01), (97.5, 0.5), (99.999, 3.0), (100, 3.0)])
def test_bonus_transmission_is_above_97_exclusive_capped_at_3(rate, bonus):
    assert result("zj-skpw", {"transmission_rate": rate})["items"]["bonus_transmission"] == bonus


@pytest.mark.parametrize("staff, college, pts", [(10, 10, 2), (10, 5, 1), (10, 4, 0), (9, 5, 1), (9, 4, 0), (1, 1, 2), (1, 0, 0), (0, 0, 0)])
def test_staff_education_half_counts_d4_and_no_staff_earns_nothing_d18(staff, college, pts):
    areas = [["A区", staff, 200, 2, 1]]
    r = result("zj-skpw", {"tech_staff": staff, "tech_staff_college": college}, {"service_areas": areas})
    assert r["items"]["staff_education"] == pts


@pytest.mark.parametrize("total, spare, pts", [(100, 3, 1), (100, 2, 0), (101, 3, 0), (101, 4, 1), (0, 0, 1)])
def test_spare_controllers_not_below_3_percent(total, spare, pts):
    assert result("zj-skpw", {"controllers_total": total, "controllers_spare": spare})["items"]["spare_controllers"] == pts


def test_staff_vehicle_ratio_and_every_area_rules():
    r = result("zj-skpw")
    assert r["items"]["staff_vehicle_ratio"] == 2 and r["items"]["spare_warehouse"] == 1
    areas = [["A区", 5, 190, 2, 1], ["B区", 1, 10, 0, 0]]  # 30 × 6 < 200 devices; B区 has no vehicle nor warehouse
    r = result("zj-skpw", {"tech_staff": 6, "tech_staff_college": 6, "service_area_count": 2}, {"service_areas": areas})
    assert r["items"]["staff_vehicle_ratio"] == 0 and r["items"]["spare_warehouse"] == 0
    areas = [["A区", 7, 210, 3, 1]]  # 30 × 7 = 210 ≥ 210 devices; 100 × 3 ≥ 210
    r = result(
        "zj-skpw", {"tech_staff": 7, "tech_staff_college": 7, "devices_water": 110, "devices_gas": 100, "vehicles": 3}, {"service_areas": areas}
    )
    assert r["items"]["staff_vehicle_ratio"] == 2


def test_per_choice_and_per_count_clip_at_zero_and_cap_at_max():
    r = result(
        "zj-skpw",
        {
            "st_ops_mgmt": "有未张贴",
            "st_operation": "无",
            "st_manual": "有未张贴",
            "st_emergency": "有已张贴",
            "sys_training": "否",
            "complaints": 10,
            "late_responses": 3,
            "commend_province": 1,
            "commend_city": 1,
            "innovations": 5,
        },
    )
    it = r["items"]
    assert (it["station_systems"], it["mgmt_systems"], it["complaints"], it["response_24h"]) == (2.0, 3.0, 0.0, 0.5)
    assert (it["bonus_commendation"], it["bonus_innovation"]) == (3.0, 4.0)


@pytest.mark.parametrize(
    "water, gas, pts", [("通过", "通过", 9), ("通过", "不适用", 9), ("不适用", "通过", 9), ("未通过", "不适用", 0), ("通过", "未通过", 0)]
)
def test_valve_condition_check_d7(water, gas, pts):
    assert result("zj-skpw", {"check_water": water, "check_gas": gas})["items"]["valve_condition_check"] == pts


def test_both_checks_not_applicable_is_an_input_error():
    r = result("zj-skpw", {"check_water": "不适用", "check_gas": "不适用"})
    assert r["status"] == "invalid" and [e["field"] for e in r["errors"]] == ["check_water"]


def test_veto_decides_the_grade_whatever_the_score():
    r = result("zj-skpw", {"basic_3": "否", "commend_province": 1})
    assert (r["total"], r["grade"], r["veto"], r["failed_conditions"]) == (103.0, "不合格", True, ["basic_3"])
    assert any("一票否决" in x for x in r["reasons"])


def test_materials_missing_is_incomplete_and_empty_score_fields_are_forgiven():
    r = result("zj-skpw", {"mat_app_07": "否", "transmission_rate": None, "pts_records": None})
    assert r["status"] == "incomplete" and r["total"] is None and r["errors"] == []
    assert "技术人员学历证书" in r["reasons"][0]


@pytest.mark.parametrize(
    "ops, app, status",
    [
        ("2024-03-15", "2026-03-15", "scored"),
        ("2024-03-16", "2026-03-15", "ineligible"),
        ("2024-02-29", "2026-02-28", "scored"),
        ("2024-02-29", "2026-02-27", "ineligible"),
    ],
)
def test_two_year_rule_d11(ops, app, status):
    r = result("zj-skpw", {"ops_start_date": ops, "application_date": app})
    assert r["status"] == status
    if status == "ineligible":
        assert r["total"] is None and "两年" in r["reasons"][0]


def _maturity(pct=70, **extra):
    values = {
        f: pct
        for f in (
            "pct_5_1_2 pct_5_2_1 pct_5_2_2 pct_5_2_3 pct_5_3_1 pct_5_3_2 pct_5_3_3 pct_5_4_1 pct_5_4_2 "
            "pct_5_4_3 pct_5_4_4 pct_5_5 pct_5_6 pct_5_7 pct_5_8 pct_5_9 pct_5_10_1 pct_5_10_2 "
            "pct_5_11 pct_5_12_1 pct_5_12_2 pct_5_12_3 pct_5_13"
        ).split()
    }
    values["veto_compliance"] = "是"
    values.update(extra)
    return result("maturity", values)


def test_maturity_bands_d14_and_share_rounding():
    assert (_maturity(70)["total"], _maturity(70)["grade"]) == (70.0, "★★")
    assert (_maturity(70, pct_5_13=69.8)["total"], _maturity(70, pct_5_13=69.8)["grade"]) == (69.99, "★")
    assert _maturity(80)["grade"] == "★★★" and _maturity(90)["grade"] == "★★★★" and _maturity(95)["grade"] == "★★★★★"
    assert _maturity(95, pct_5_13=94.8)["grade"] == "★★★★"  # 94.99
    assert _maturity(0, pct_5_1_2=33.335)["items"]["c5_1_2"] == 1.0  # 3 × 33.335 % = 1.00005 → 1.00
    assert _maturity(0, pct_5_6=50.0714285)["items"]["c5_6"] == 3.51  # 7 × 50.07…% = 3.504999… → 3.50? no: 3.505 → 3.51
    r = _maturity(100, veto_compliance="否")
    assert (r["grade"], r["veto"], r["failed_conditions"]) == ("不合格", True, ["veto_compliance"])


def _hosting(points_off=0.0, extras=0, fraud="否"):
    values, _ = random_entry("hosting", random.Random(1), 1.0)
    maxes = {"daily": [5, 4, 6, 5, 5], "perform": [3, 6, 3, 6, 4, 5, 5, 4, 5, 5, 4], "effect": [5, 3, 5, 5, 4, 3]}
    for key, ms in maxes.items():
        for i, m in enumerate(ms, 1):
            values[f"pts_{key}_{i}"] = m
    rest = points_off
    for key, ms in maxes.items():  # take the lost points greedily from the first items
        for i, m in enumerate(ms, 1):
            take = min(m, rest)
            values[f"pts_{key}_{i}"] = m - take
            rest -= take
    for i in range(1, 6):
        values[f"extra_{i}"] = extras if i == 1 else 0
    values["fraud"] = fraud
    return score_rows([parse_workbook(raw_from_values("hosting", values))])[0].as_json()


@pytest.mark.parametrize(
    "off, total, grade",
    [(0, 100, "优秀"), (10, 90, "优秀"), (10.5, 89.5, "良好"), (29.5, 70.5, "良好"), (30, 70, "合格"), (40, 60, "合格"), (40.5, 59.5, "不合格")],
)
def test_hosting_bands_as_7_2_d8(off, total, grade):
    r = _hosting(off)
    assert (r["total"], r["grade"]) == (total, grade)


def test_hosting_extra_deductions_floor_at_zero_and_fraud_zeroes():
    r = _hosting(0, extras=2)
    assert (r["items"]["extra"], r["sections"]["四、附加考核"], r["total"], r["grade"]) == (-20.0, -20.0, 80.0, "良好")
    assert _hosting(60, extras=9)["total"] == 0.0
    r = _hosting(0, fraud="是")
    assert (r["total"], r["grade"], r["veto"]) == (0.0, "不合格", True)
    assert any("弄虚作假" in x for x in r["reasons"])


XUZHOU_YES_NO = ("pq_laws", "pq_organise", "pq_staffing", "pq_experts", "dc_complete", "dc_feedback", "plan_made", "plan_executed",
                 "law_compliance", "qm_system", "issue_summary", "env_assisted", "env_saved_investment")  # fmt: skip


def _xuzhou(**over):
    values = dict.fromkeys(XUZHOU_YES_NO, "是")
    values.update(
        env_duplicate_investment="否",
        env_malicious_marketing="否",
        env_penalty="无",
        tasks_completed=10,
        tasks_contracted=10,
        satisfaction="非常满意",
        pro_staff=5,
        senior_titles=2,
        credit_blacklisted="否",
        other_adjust=0,
        other_note="",
    )
    values.update(over)
    return result("xuzhou-service", values)


def test_xuzhou_clip_at_100_and_0_flagged_d9():
    r = _xuzhou()
    assert (r["total"], r["clipped"], r["eligible"], r["grade"]) == (100.0, False, True, None)
    r = _xuzhou(other_adjust=5, other_note="获得表扬")
    assert (r["total"], r["clipped"], r["items"]["other"]) == (100.0, True, 5.0)
    bad = dict.fromkeys(XUZHOU_YES_NO, "否")
    r = _xuzhou(**bad, tasks_completed=0, satisfaction="不满意", other_adjust=-10, other_note="严重失误")
    assert (r["total"], r["clipped"], r["items"]["satisfaction"]) == (0.0, True, -2.0)


def test_xuzhou_environment_floor_d15_ratio_rounding_and_basic_requirements():
    r = _xuzhou(env_assisted="否", env_saved_investment="否", env_duplicate_investment="是", env_penalty="能力欠缺")
    assert r["items"]["env_performance"] == 0.0 and r["sections"]["环境绩效"] == 0.0
    assert _xuzhou(tasks_completed=1, tasks_contracted=3)["items"]["performance"] == 23.33
    assert _xuzhou(tasks_completed=2, tasks_contracted=3)["items"]["performance"] == 46.67
    r = _xuzhou(pro_staff=4, senior_titles=1)
    assert (r["status"], r["eligible"], r["failed_conditions"]) == ("scored", False, ["pro_staff", "senior_titles"])
    assert r["total"] == 100.0 and len(r["reasons"]) == 2


def test_xuzhou_other_note_required_when_adjusted():
    r = _xuzhou(other_adjust=3)
    assert r["status"] == "invalid" and r["errors"][0]["field"] == "other_note"


def _datong(**over):
    values, tables = random_entry("datong-filing", random.Random(2), 1.0)
    values.update(
        legal_entity="是",
        fraud_record_3y="否",
        office="是",
        integrity_pledge="是",
        vehicles=2,
        lab="自有",
        lab_cma_factors="化学需氧量、氨氮,二氧化硫；颗粒物",
        operated_factors="氨氮、二氧化硫",
        spares="是",
        quality_system="是",
        ledger="是",
        staff_total=10,
        staff_certified=10,
        supervisors=1,
        supervisors_3y=1,
        qa_staff=2,
        qa_staff_3y=2,
        water_staff=1,
        water_points=8,
        water_instruments=24,
        gas_staff=2,
        gas_points=16,
        gas_instruments=32,
    )
    values.update(over)
    return result("datong-filing", values, tables)


def test_datong_outcome_and_each_condition_judged_on_its_own():
    r = _datong()
    assert (r["grade"], r["failed_conditions"], r["total"]) == ("准予备案", [], None)
    r = _datong(water_points=9, gas_instruments=33)
    assert r["failed_conditions"] == ["water_ratio", "gas_ratio"] and r["grade"] == "不予备案"
    assert len(r["reasons"]) == 2
    r = _datong(water_staff=0, water_points=0, water_instruments=0)
    assert r["grade"] == "准予备案"  # no water medium needs no water staff
    r = _datong(lab="无", lab_cma_factors="")
    assert r["failed_conditions"] == ["lab", "lab_cma_coverage"]
    r = _datong(operated_factors="氨氮、总磷、颗粒物")
    assert r["failed_conditions"] == ["lab_cma_coverage"] and "总磷" in r["reasons"][0]
    r = _datong(supervisors=2, supervisors_3y=1, qa_staff=0, qa_staff_3y=0)
    assert r["failed_conditions"] == ["supervisors", "qa_staff"]


def test_an_empty_service_area_table_is_an_input_error_d19():
    r = result(
        "zj-skpw",
        {
            "service_area_count": 0,
            "tech_staff": 0,
            "tech_staff_college": 0,
            "devices_water": 0,
            "devices_gas": 0,
            "vehicles": 0,
            "spare_warehouses": 0,
        },
        {"service_areas": []},
    )
    assert r["status"] == "invalid" and [e["field"] for e in r["errors"]] == ["service_area_count"]
    assert "至少应填写一个运维服务区" in r["errors"][0]["message"]
    assert result("zj-skpw")["status"] == "scored"  # one area is enough


def test_an_unsigned_integrity_pledge_is_a_missing_material_d20():
    r = result("zj-skpw", {"integrity_pledge": "否"})
    assert r["status"] == "incomplete" and r["total"] is None and "诚信承诺书" in r["reasons"][0]
    assert result("zj-skpw", {"integrity_pledge": "是"})["status"] == "scored"


@pytest.mark.parametrize(
    "scheme, overrides, field, ok",
    [
        ("datong-filing", {"staff_total": 10, "staff_certified": 10}, "staff_certified", True),
        ("datong-filing", {"staff_total": 10, "staff_certified": 11}, "staff_certified", False),
        ("datong-filing", {"supervisors": 2, "supervisors_3y": 3}, "supervisors_3y", False),
        ("datong-filing", {"qa_staff": 2, "qa_staff_3y": 9}, "qa_staff_3y", False),
        ("datong-filing", {"staff_total": 10, "water_staff": 6, "gas_staff": 4}, "water_staff", True),
        ("datong-filing", {"staff_total": 10, "water_staff": 6, "gas_staff": 5}, "water_staff", False),
        ("xuzhou-service", {"pro_staff": 4, "senior_titles": 4}, "senior_titles", True),
        ("xuzhou-service", {"pro_staff": 4, "senior_titles": 5}, "senior_titles", False),
    ],
)
def test_a_part_never_exceeds_its_whole(scheme, overrides, field, ok):
    values = {"staff_total": 20, "staff_certified": 10, "supervisors": 2, "supervisors_3y": 2, "qa_staff": 2, "qa_staff_3y": 2,
              "water_staff": 2, "gas_staff": 2} if scheme == "datong-filing" else {}  # fmt: skip
    r = result(scheme, {**values, **overrides})
    bad = [e for e in r["errors"] if e["code"] == "cross_check"]
    if ok:
        assert r["status"] == "scored" and bad == []
    else:  # an input error naming both fields in Chinese, never a 不予备案 with an absurd reason
        assert r["status"] == "invalid" and [e["field"] for e in bad] == [field] and "超过了" in bad[0]["message"]
        assert not any(ch.isascii() and ch.isalpha() for ch in bad[0]["message"])


def test_zj_dates_follow_the_form_order():
    from datetime import date

    base = {"application_date": date(2026, 3, 1), "ops_start_date": date(2020, 1, 1), "founded_date": date(2019, 1, 1)}
    assert result("zj-skpw", base)["status"] == "scored"
    assert result("zj-skpw", {**base, "founded_date": date(2020, 1, 1)})["status"] == "scored"  # the same day is fine
    r = result("zj-skpw", {**base, "founded_date": date(2020, 1, 2)})
    assert r["status"] == "invalid" and [e["field"] for e in r["errors"]] == ["ops_start_date"] and "早于设立时间" in r["errors"][0]["message"]
    r = result("zj-skpw", {**base, "ops_start_date": date(2026, 3, 2), "founded_date": date(2026, 1, 1)})
    assert r["status"] == "invalid" and "晚于申请日期" in r["errors"][0]["message"]
