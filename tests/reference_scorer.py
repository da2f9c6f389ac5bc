"""An independent reading of shared/spec/schemes.md, one organisation at a time, in plain Python.

It shares no code with the rubric or the engine: it is what an outside program that fills our
templates would compute, and the per-row baseline the engine benchmark compares against.
Input: the values as filled (是/否 strings, numbers, dates, text) and the 附表3 rows.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

D = Decimal


def num(v) -> Decimal:
    if v is None or v == "":
        return D(0)
    return D(repr(v)) if isinstance(v, float) else D(v)


def r2(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def clip(x, lo, hi):
    return max(D(lo), min(D(hi), x))


def yes(v) -> bool:
    return v in ("是", "有")  # bool is 是/否; the 大同 登记表 prints 有/无 and takes both


def grade_by(total, bands, otherwise):
    for label, op, value in bands:
        if (total >= value) if op == ">=" else (total > value):
            return label
    return otherwise


def zj_skpw(v: dict, areas: list) -> dict:
    if not v["founded_date"] <= v["ops_start_date"] <= v["application_date"]:
        return {"status": "invalid"}  # dates the form implies in this order
    if not any(a and a[0] not in (None, "") for a in areas):
        return {"status": "invalid"}  # D19: an empty 附表3 is an input error
    if not all(yes(v[f"mat_app_{i:02d}"]) for i in range(1, 13)) or not yes(v["integrity_pledge"]):
        return {"status": "incomplete"}  # D20: an unsigned pledge is a missing material
    ops, app = v["ops_start_date"], v["application_date"]
    try:
        two = ops.replace(year=ops.year + 2)
    except ValueError:
        two = date(ops.year + 2, 2, 28)
    if two > app:
        return {"status": "ineligible"}
    tech, college = num(v["tech_staff"]), num(v["tech_staff_college"])
    devices = num(v["devices_water"]) + num(v["devices_gas"])
    rows = [a for a in areas if a and a[0] not in (None, "")]
    it = {}
    it["certs"] = D(sum(yes(v[f]) for f in ("cert_iso9001", "cert_iso14001", "cert_ohsas18001")))
    it["staff_education"] = D(2) if tech > 0 and college == tech else (D(1) if tech > 0 and 2 * college >= tech else D(0))  # D18
    it["staff_vehicle_ratio"] = D(int(30 * tech >= devices)) + D(int(100 * num(v["vehicles"]) >= devices and all(r[3] >= 1 for r in rows)))
    it["spare_warehouse"] = D(int(all(r[4] >= 1 for r in rows)))
    it["spare_controllers"] = D(int(100 * num(v["controllers_spare"]) >= 3 * num(v["controllers_total"])))
    it["spare_valves"] = D(int(num(v["valve_models_spared"]) == num(v["valve_models"])))
    it["spare_records"] = D(int(yes(v["spare_change_recorded"])))
    it["archives"] = num(v["pts_archives"])
    it["mgmt_systems"] = 4 - D(
        sum(not yes(v[f]) for f in ("sys_training", "sys_post_duty", "sys_data_truth", "sys_inspection_repair", "sys_info_exchange"))
    )
    st = [v[f] for f in ("st_ops_mgmt", "st_operation", "st_manual", "st_emergency")]
    it["station_systems"] = 4 - D(st.count("无")) - D("0.5") * st.count("有未张贴")
    rate = num(v["transmission_rate"])
    it["transmission"] = 15 - max(D(0), 90 - rate)
    applies = [x for x in (v["check_water"], v["check_gas"]) if x != "不适用"]
    it["valve_condition_check"] = D(9) if applies and all(x == "通过" for x in applies) else D(0)
    it["fault_recovery"] = 4 - num(v["recovery_over_3d"])
    it["device_faults"] = 4 - num(v["fault_excess"])
    it["records_quality"] = num(v["pts_records"])
    it["ledger_entry"] = 12 - D("0.5") * (100 - num(v["ledger_entry_rate"]))
    it["response_24h"] = 2 - D("0.5") * num(v["late_responses"])
    it["repair_3d"] = 2 - D("0.5") * num(v["late_repairs"])
    it["suspension_reports"] = 3 - num(v["missing_suspension_reports"])
    it["repair_records"] = 2 - num(v["nonconforming_repair_records"])
    it["annual_plan"] = D(int(yes(v["annual_plan"])))
    it["monthly_reports"] = 2 - num(v["missing_monthly_reports"])
    it["year_end_summary"] = 2 - num(v["missing_year_end_summaries"])
    it["major_fault_reports"] = 2 - num(v["missing_major_fault_reports"])
    it["remote_daily"] = 2 - D("0.5") * num(v["remote_days_unrecorded"])
    it["limit_warnings"] = 3 - num(v["warnings_missed"])
    it["offhours_response"] = 2 - D("0.5") * num(v["offhours_missed"])
    it["site_inspection"] = 3 - D("0.5") * num(v["site_inspections_missing"])
    it["complaints"] = 4 - num(v["complaints"])
    it["bonus_transmission"] = min(D(3), max(D(0), rate - 97))
    it["bonus_commendation"] = min(D(3), 3 * num(v["commend_province"]) + 2 * num(v["commend_city"]) + num(v["commend_district"]))
    it["bonus_innovation"] = min(D(4), 2 * num(v["innovations"]))
    maxes = {
        "certs": 3,
        "staff_education": 2,
        "staff_vehicle_ratio": 2,
        "spare_warehouse": 1,
        "spare_controllers": 1,
        "spare_valves": 1,
        "spare_records": 1,
        "archives": 2,
        "mgmt_systems": 4,
        "station_systems": 4,
        "transmission": 15,
        "valve_condition_check": 9,
        "fault_recovery": 4,
        "device_faults": 4,
        "records_quality": 5,
        "ledger_entry": 12,
        "response_24h": 2,
        "repair_3d": 2,
        "suspension_reports": 3,
        "repair_records": 2,
        "annual_plan": 1,
        "monthly_reports": 2,
        "year_end_summary": 2,
        "major_fault_reports": 2,
        "remote_daily": 2,
        "limit_warnings": 3,
        "offhours_response": 2,
        "site_inspection": 3,
        "complaints": 4,
        "bonus_transmission": 3,
        "bonus_commendation": 3,
        "bonus_innovation": 4,
    }
    it = {k: clip(r2(x), 0, maxes[k]) for k, x in it.items()}
    total = sum(it.values(), D(0))
    failed = [f"basic_{i}" for i in range(1, 5) if not yes(v[f"basic_{i}"])]
    grade = grade_by(total, [("5A", ">=", 90), ("4A", ">=", 80), ("3A", ">=", 70), ("2A", ">=", 60)], "不合格")
    if failed:
        grade = "不合格"
    return {"status": "scored", "items": it, "total": total, "grade": grade, "veto": bool(failed), "failed_conditions": failed}


MATURITY = {
    "5_1_2": 3,
    "5_2_1": 3,
    "5_2_2": 2,
    "5_2_3": 3,
    "5_3_1": 3,
    "5_3_2": 3,
    "5_3_3": 3,
    "5_4_1": 3,
    "5_4_2": 3,
    "5_4_3": 2,
    "5_4_4": 2,
    "5_5": 5,
    "5_6": 7,
    "5_7": 7,
    "5_8": 8,
    "5_9": 9,
    "5_10_1": 4,
    "5_10_2": 4,
    "5_11": 9,
    "5_12_1": 6,
    "5_12_2": 3,
    "5_12_3": 3,
    "5_13": 5,
}


def maturity(v: dict, areas=None) -> dict:
    total = sum((r2(D(mx) * num(v[f"pct_{c}"]) / 100) for c, mx in MATURITY.items()), D(0))
    veto = not yes(v["veto_compliance"])
    grade = "不合格" if veto else grade_by(total, [("★★★★★", ">=", 95), ("★★★★", ">=", 90), ("★★★", ">=", 80), ("★★", ">=", 70)], "★")
    return {"status": "scored", "total": total, "grade": grade, "veto": veto, "failed_conditions": ["veto_compliance"] if veto else []}


def _factors(text: str) -> set:
    import unicodedata

    t = unicodedata.normalize("NFKC", text or "")
    for sep in "、,;":
        t = t.replace(sep, "|")
    return {p.strip().casefold() for p in t.split("|") if p.strip()}


def datong_filing(v: dict, areas=None) -> dict:
    n = lambda f: num(v[f])  # noqa: E731
    if (
        n("staff_certified") > n("staff_total")
        or n("supervisors_3y") > n("supervisors")
        or n("qa_staff_3y") > n("qa_staff")
        or n("water_staff") + n("gas_staff") > n("staff_total")
        or len(areas or []) != n("enterprises")  # D22: one 清单 row per operated unit
        or len({u[1] for u in areas or []}) != len(areas or [])
    ):
        return {"status": "invalid"}  # a part never exceeds its whole
    checks = {
        "legal_entity": yes(v["legal_entity"]),
        "fraud_record_3y": not yes(v["fraud_record_3y"]),
        "office": yes(v["office"]),
        "integrity_pledge": yes(v["integrity_pledge"]),
        "vehicles": n("vehicles") >= 1,
        "lab": v["lab"] in ("自有", "联合"),
        "lab_cma_coverage": _factors(v["operated_factors"]) <= _factors(v["lab_cma_factors"]),
        "spares": yes(v["spares"]),
        "quality_system": yes(v["quality_system"]),
        "ledger": yes(v["ledger"]),
        "staff_certified": n("staff_certified") == n("staff_total"),
        "supervisors": n("supervisors") >= 1 and n("supervisors_3y") == n("supervisors"),
        "qa_staff": n("qa_staff") >= 1 and n("qa_staff_3y") == n("qa_staff"),
        "water_ratio": n("water_points") <= 8 * n("water_staff") and n("water_instruments") <= 24 * n("water_staff"),
        "gas_ratio": n("gas_points") <= 8 * n("gas_staff") and n("gas_instruments") <= 16 * n("gas_staff"),
    }
    failed = [k for k, ok in checks.items() if not ok]
    return {"status": "scored", "total": None, "grade": "不予备案" if failed else "准予备案", "veto": False, "failed_conditions": failed}


def xuzhou_service(v: dict, areas=None) -> dict:
    if num(v["senior_titles"]) > num(v["pro_staff"]):
        return {"status": "invalid"}  # 其中 … 的人数 is part of the professional staff
    p = lambda f, pts: D(pts) if yes(v[f]) else D(0)  # noqa: E731
    service = sum((p(f, "0.5") for f in ("pq_laws", "pq_organise", "pq_staffing", "pq_experts")), D(0))
    service += p("dc_complete", 1) + p("dc_feedback", 1) + p("plan_made", 1) + p("plan_executed", 2)
    service += p("law_compliance", 1) + p("qm_system", 1) + p("issue_summary", 1)
    env = p("env_assisted", 12) + p("env_saved_investment", 3) - p("env_duplicate_investment", 3) - p("env_malicious_marketing", 3)
    env -= D(3) if v["env_penalty"] == "能力欠缺" else D(0)
    env = max(D(0), env)
    perf = r2(D(70) * num(v["tasks_completed"]) / num(v["tasks_contracted"]))
    sat = {"非常满意": D(5), "较满意": D(4), "一般满意": D(3), "不满意": D(-2)}[v["satisfaction"]]
    other = r2(num(v.get("other_adjust", 0)))
    raw = service + env + perf + sat + other
    total = clip(raw, 0, 100)
    failed = [
        c
        for c, ok in (
            ("pro_staff", num(v["pro_staff"]) >= 5),
            ("senior_titles", num(v["senior_titles"]) >= 2),
            ("credit_blacklisted", not yes(v["credit_blacklisted"])),
        )
        if not ok
    ]
    return {
        "status": "scored",
        "total": total,
        "grade": None,
        "veto": False,
        "failed_conditions": failed,
        "eligible": not failed,
        "clipped": total != raw,
    }


def hosting(v: dict, areas=None) -> dict:
    pts = sum((num(x) for k, x in v.items() if k.startswith("pts_")), D(0))
    extra = sum((num(v[f"extra_{i}"]) for i in range(1, 6)), D(0))
    total = max(D(0), pts - 10 * extra)
    fraud = yes(v["fraud"])
    if fraud:
        total = D(0)
    grade = grade_by(total, [("优秀", ">=", 90), ("良好", ">", 70), ("合格", ">=", 60)], "不合格")
    return {"status": "scored", "total": total, "grade": grade, "veto": fraud, "failed_conditions": []}


SCORERS = {"zj-skpw": zj_skpw, "maturity": maturity, "datong-filing": datong_filing, "xuzhou-service": xuzhou_service, "hosting": hosting}


def reference_score(scheme: str, values: dict, tables: dict) -> dict:
    if scheme == "datong-filing":
        return datong_filing(values, tables.get("operated_units", []))
    return SCORERS[scheme](values, tables.get("service_areas", []))
