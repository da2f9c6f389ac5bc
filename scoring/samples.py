"""Realistic random entries for every scheme: sample workbooks, tests and benchmarks.

`random_entry(scheme, rng)` returns (values, tables) the way an evaluator or an outside program
fills a template: plain Python values by field id (是/否, numbers, dates, text). The entries are
valid (they pass every cross-check) and lean on the boundaries the official texts create.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from .fields import CREDIT_CHARS, CREDIT_WEIGHTS

__all__ = ["random_entry", "credit_code", "org_name", "complete_application", "SCHEME_GENERATORS"]

CITIES = [
    "杭州",
    "宁波",
    "温州",
    "嘉兴",
    "湖州",
    "绍兴",
    "金华",
    "衢州",
    "舟山",
    "台州",
    "丽水",
    "大同",
    "徐州",
    "太原",
    "南京",
    "苏州",
    "北京",
    "上海",
    "合肥",
    "济南",
]
WORDS = [
    "绿源",
    "清泓",
    "蓝天",
    "碧水",
    "天择",
    "恒信",
    "华测",
    "中环",
    "瑞达",
    "安澜",
    "青禾",
    "明德",
    "睿思",
    "博远",
    "聚能",
    "正泰",
    "鸿鹄",
    "致远",
    "澄明",
    "新航",
]
KINDS = ["环保科技有限公司", "环境工程有限公司", "环境监测技术有限公司", "生态环境服务有限公司", "智能科技股份有限公司", "运维服务有限公司"]
REGIONS = ["330100", "330200", "330300", "330400", "330500", "330600", "140200", "320300", "110105", "310115"]
FACTORS_WATER = ["化学需氧量", "氨氮", "总磷", "总氮", "pH值", "流量"]
FACTORS_GAS = ["二氧化硫", "氮氧化物", "颗粒物", "氧含量", "烟气流速", "温度", "湿度"]


def credit_code(rng: random.Random) -> str:
    body = "91" + rng.choice(REGIONS) + "".join(rng.choice(CREDIT_CHARS) for _ in range(9))
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(body, CREDIT_WEIGHTS))
    return body + CREDIT_CHARS[(31 - total % 31) % 31]


def org_name(rng: random.Random, cities=CITIES) -> str:
    return rng.choice(cities) + rng.choice(WORDS) + rng.choice(KINDS)


def _yn(rng, p_yes=0.85) -> str:
    return "是" if rng.random() < p_yes else "否"


def _pct(rng, lo=0.0, hi=100.0, specials=()) -> float | int:
    if specials and rng.random() < 0.35:
        return rng.choice(specials)
    digits = rng.choice([0, 1, 1, 2, 3])
    value = round(rng.uniform(lo, hi), digits)
    return int(value) if digits == 0 else value


def _pts(rng, top: float, step=0.5, full=0.5) -> float | int:
    if rng.random() < full:
        v = top
    else:
        v = rng.randrange(int(top / step) + 1) * step
    return int(v) if float(v).is_integer() else v


def _count(rng, zero=0.55, hi=6) -> int:
    return 0 if rng.random() < zero else rng.randint(1, hi)


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 Feb
        return d.replace(year=d.year - years, day=28)


def zj_skpw(rng: random.Random, quality: float | None = None):
    q = rng.random() if quality is None else quality  # 0 poor .. 1 excellent
    app, ops = _zj_dates(rng)
    areas = _zj_service_areas(rng)
    stock = _zj_stock(rng, areas)
    values: dict = {**_zj_particulars(rng, app, ops, areas, stock), **_zj_capacity(rng, q, stock)}
    values["check_gas"] = rng.choice(["通过", "未通过"] if values["check_water"] == "不适用" else ["通过", "通过", "未通过", "不适用"])
    _zj_checklists(rng, q, values)
    return values, {"service_areas": areas}


def _zj_dates(rng: random.Random) -> tuple[date, date]:
    """The application date and the start of operations: two years apart at least, mostly,
    with the edges of D11's two-year rule (the same day, one day short, 29 February)."""
    app = date(2026, 1, 5) + timedelta(days=rng.randrange(300))
    r = rng.random()
    if r < 0.06:
        ops = _years_before(app, 2)  # same day two years earlier: eligible (D11)
    elif r < 0.09:
        ops = _years_before(app, 2) + timedelta(days=1)  # one day short: ineligible
    elif r < 0.10:
        app, ops = date(2026, 2, 28), date(2024, 2, 29)  # 29 Feb -> 28 Feb: eligible
    else:
        ops = _years_before(app, rng.randint(2, 12)) - timedelta(days=rng.randrange(200))
    return app, ops


def _zj_service_areas(rng: random.Random) -> list[list]:
    """The 服务区域 table: name, tech staff, devices, vehicles, spare-part warehouses."""
    areas: list[list] = []
    for k in range(rng.choice([0, 1, 2, 3, 3, 4, 5, 6]) if rng.random() < 0.1 else rng.randint(1, 6)):
        areas.append(
            [
                f"{rng.choice(CITIES)}分公司（办事处）" if k else "总部运维中心",
                rng.randint(1, 12),
                rng.randint(5, 260),
                rng.choice([0, 1, 1, 2, 3]) if rng.random() < 0.25 else rng.randint(1, 3),
                rng.choice([0, 1]) if rng.random() < 0.2 else rng.randint(1, 2),
            ]
        )
    return areas


def _zj_stock(rng: random.Random, areas: list[list]) -> dict[str, int]:
    """Staff, devices and spares, drawn before the entries that show them (the same draws, in the
    same order, as the bundled samples were made with)."""
    tech = sum(a[1] for a in areas)
    devices = sum(a[2] for a in areas)
    water = rng.randint(0, devices)
    college = rng.choice([tech, tech, (tech + 1) // 2, tech // 2, rng.randint(0, tech)]) if tech else 0
    controllers = rng.randint(20, 400)
    spare = rng.choice([(controllers * 3 + 99) // 100, (controllers * 3) // 100, rng.randint(0, controllers // 10)])
    valves = rng.randint(1, 12)
    return dict(tech=tech, devices=devices, water=water, college=college, controllers=controllers, spare=spare, valves=valves)


def _zj_particulars(rng: random.Random, app: date, ops: date, areas: list[list], stock: dict[str, int]) -> dict:
    """The 申请书: who the organisation is, and its totals over the service areas."""
    tech, devices, water = stock["tech"], stock["devices"], stock["water"]
    return {
        "org_name": org_name(rng, CITIES[:11]),
        "credit_code": credit_code(rng),
        "reg_address": f"浙江省{rng.choice(CITIES[:11])}市某区{rng.randint(1, 999)}号",
        "office_address": f"浙江省{rng.choice(CITIES[:11])}市某路{rng.randint(1, 999)}号",
        "founded_date": ops - timedelta(days=rng.randrange(2000)),
        "ops_start_date": ops,
        "application_date": app,
        "registered_capital": rng.choice([500, 1000, 2000, 5000.5]),
        "service_area_count": len(areas),
        "legal_rep": "张三",
        "legal_rep_title": "总经理",
        "legal_rep_phone": "13800000000",
        "contact_person": "李四",
        "contact_title": "工程师",
        "contact_phone": "13900000000",
        "phone": "0571-88888888",
        "fax": "0571-88888889",
        "email": "ops@example.com",
        "staff_on_duty": tech + rng.randint(0, 20),
        "tech_staff": tech,
        "enterprises_served": rng.randint(10, 400),
        "key_polluters_served": rng.randint(0, 60),
        "vehicles": sum(a[3] for a in areas),
        "devices_water": water,
        "devices_gas": devices - water,
        "spare_value": rng.choice([12.5, 30, 88.8, 150]),
        "spare_warehouses": sum(a[4] for a in areas),
        "application_type": rng.choice(["首次", "复审", "监督", "其它"]),
        "remarks": "",
        "integrity_pledge": "是",
    }


def _zj_capacity(rng: random.Random, q: float, stock: dict[str, int]) -> dict:
    """The scored capacity entries (certificates, staff, spares, records, rates, 比对监测)."""
    valves = stock["valves"]
    return {
        "cert_iso9001": _yn(rng, 0.3 + 0.7 * q),
        "cert_iso14001": _yn(rng, 0.2 + 0.7 * q),
        "cert_ohsas18001": _yn(rng, 0.1 + 0.7 * q),
        "tech_staff_college": stock["college"],
        "controllers_total": stock["controllers"],
        "controllers_spare": stock["spare"],
        "valve_models": valves,
        "valve_models_spared": valves if rng.random() < 0.3 + 0.6 * q else rng.randint(0, valves),
        "spare_change_recorded": _yn(rng, 0.5 + 0.5 * q),
        "pts_archives": _pts(rng, 2, full=q),
        "annual_plan": _yn(rng, 0.5 + 0.5 * q),
        "pts_records": _pts(rng, 5, full=q),
        "transmission_rate": _pct(rng, 70 + 25 * q, 100, (90, 97, 100, 88.6, 89.995, 97.5, 75, 74.5)),
        "ledger_entry_rate": _pct(rng, 70 + 25 * q, 100, (100, 99.99, 76, 88.885, 50)),
        "check_water": rng.choice(["通过", "通过", "未通过", "不适用"]),
    }


def _zj_checklists(rng: random.Random, q: float, values: dict) -> None:
    """The materials, basic conditions, systems, postings, counted shortcomings and commendations."""
    for i in range(1, 13):
        values[f"mat_app_{i:02d}"] = "否" if rng.random() < 0.01 else "是"
    for i in range(1, 7):
        values[f"mat_site_{i:02d}"] = _yn(rng, 0.9)
    for i in range(1, 5):
        values[f"basic_{i}"] = "否" if rng.random() < 0.02 else "是"
        values[f"basic_{i}_note"] = "现场核查相符" if values[f"basic_{i}"] == "是" else "现场核查发现问题"
    for f in ("sys_training", "sys_post_duty", "sys_data_truth", "sys_inspection_repair", "sys_info_exchange"):
        values[f] = _yn(rng, 0.6 + 0.4 * q)
    for f in ("st_ops_mgmt", "st_operation", "st_manual", "st_emergency"):
        values[f] = rng.choices(["有已张贴", "有未张贴", "无"], weights=[2 + 6 * q, 2, 1.5 - q])[0]
    counts = (
        "recovery_over_3d",
        "fault_excess",
        "late_responses",
        "late_repairs",
        "missing_suspension_reports",
        "nonconforming_repair_records",
        "missing_monthly_reports",
        "missing_year_end_summaries",
        "missing_major_fault_reports",
        "remote_days_unrecorded",
        "warnings_missed",
        "offhours_missed",
        "site_inspections_missing",
        "complaints",
    )
    for f in counts:
        values[f] = _count(rng, zero=0.35 + 0.6 * q, hi=7)
    values["commend_province"] = _count(rng, 0.9, 2)
    values["commend_city"] = _count(rng, 0.7, 2)
    values["commend_district"] = _count(rng, 0.6, 3)
    values["innovations"] = _count(rng, 0.6, 3)


def maturity(rng: random.Random, quality: float | None = None):
    q = rng.random() if quality is None else quality
    values: dict = {
        "org_name": org_name(rng),
        "credit_code": credit_code(rng),
        "eval_date": date(2026, 5, 1) + timedelta(days=rng.randrange(200)),
        "evaluator": "王五",
        "veto_compliance": "否" if rng.random() < 0.04 else "是",
    }
    clauses = [
        "5_1_2",
        "5_2_1",
        "5_2_2",
        "5_2_3",
        "5_3_1",
        "5_3_2",
        "5_3_3",
        "5_4_1",
        "5_4_2",
        "5_4_3",
        "5_4_4",
        "5_5",
        "5_6",
        "5_7",
        "5_8",
        "5_9",
        "5_10_1",
        "5_10_2",
        "5_11",
        "5_12_1",
        "5_12_2",
        "5_12_3",
        "5_13",
    ]
    for c in clauses:
        values[f"pct_{c}"] = _pct(rng, 40 + 55 * q, 100, (0, 20, 40, 60, 80, 100, 33.335, 16.665, 70, 95))
    return values, {}


def _key_units(n: int) -> list[tuple[str, str]]:
    """A fixed register of key units (重点排污单位) in the 大同 area for the datong samples to operate."""
    rng = random.Random(2024)
    kinds = ["热电", "焦化", "水泥", "污水处理", "化工", "煤业", "钢铁", "制药"]
    places = ["平城区", "云冈区", "新荣区", "云州区", "阳高县", "天镇县", "广灵县", "灵丘县", "浑源县", "左云县"]
    names: dict[str, str] = {}
    while len(names) < n:
        names.setdefault(f"大同市{rng.choice(places)}{rng.choice(WORDS)}{rng.choice(kinds)}有限公司", credit_code(rng))
    return list(names.items())


KEY_UNITS = _key_units(300)


def datong_filing(rng: random.Random, quality: float | None = None):
    q = rng.random() if quality is None else quality
    ok = lambda: rng.random() < 0.75 + 0.25 * q  # noqa: E731
    staff = rng.randint(3, 40)
    sup = rng.randint(0 if not ok() else 1, 4)
    qa = rng.randint(0 if not ok() else 1, 4)
    ws, gs = rng.randint(0, 12), rng.randint(0, 12)
    ws = min(ws, staff)  # the media's staff are part of the whole (a cross-check)
    gs = min(gs, staff - ws)
    operated = rng.sample(FACTORS_WATER, rng.randint(0, 4)) + rng.sample(FACTORS_GAS, rng.randint(0, 4))
    cma = list(operated) if ok() else operated[:-1]
    cma += rng.sample(FACTORS_GAS + FACTORS_WATER, rng.randint(0, 2))
    sep = rng.choice(["、", ",", "；"])
    values: dict = {
        "org_name": org_name(rng, ["大同", "太原", "朔州"]),
        "credit_code": credit_code(rng),
        "address": f"山西省大同市平城区某路{rng.randint(1, 500)}号",
        "legal_rep": "赵六",
        "contact_person": "钱七",
        "contact_phone": "13546000000",
        "legal_entity": "是" if ok() else "否",
        "fraud_record_3y": "否" if ok() else "是",
        "office": "有" if ok() else "无",
        "integrity_pledge": "有" if ok() else "无",
        "vehicles": rng.randint(1, 8) if ok() else 0,
        "lab": rng.choice(["自有", "联合"]) if ok() else "无",
        "lab_cma_factors": sep.join(dict.fromkeys(cma)),
        "operated_factors": sep.join(operated),
        "spares": "有" if ok() else "无",
        "quality_system": "有" if ok() else "无",
        "ledger": "有" if ok() else "无",
        "staff_total": staff,
        "staff_certified": staff if ok() else rng.randint(0, staff),
        "supervisors": sup,
        "supervisors_3y": sup if ok() else rng.randint(0, sup),
        "qa_staff": qa,
        "qa_staff_3y": qa if ok() else rng.randint(0, qa),
        "water_staff": ws,
        "water_points": rng.randint(0, 8 * ws + (2 if not ok() else 0)),
        "water_instruments": rng.choice([24 * ws, rng.randint(0, 24 * ws + (3 if not ok() else 0))]),
        "gas_staff": gs,
        "gas_points": rng.choice([8 * gs, rng.randint(0, 8 * gs + (2 if not ok() else 0))]),
        "gas_instruments": rng.randint(0, 16 * gs + (3 if not ok() else 0)),
        "enterprises": rng.randint(1, 80),
        "instrument_sets": rng.randint(1, 300),
        "intro": "从事污染源自动监控设施运营多年。",
        "filing_opinion": "",
    }
    if rng.random() < 0.05:
        values.update(water_staff=0, water_points=0, water_instruments=0)  # no water medium: no staff needed
    units = rng.sample(KEY_UNITS, min(values["enterprises"], 40))  # D22: the operated key units, shared between operators
    values["enterprises"] = len(units)
    return values, {"operated_units": [[name, code, rng.randint(1, 6)] for name, code in units]}


def _within(values: dict, part: str, whole: str) -> None:
    """Keep a part within its whole (the forms' cross-checks) without changing the random stream."""
    values[part] = min(values[part], values[whole])


def xuzhou_service(rng: random.Random, quality: float | None = None):
    q = rng.random() if quality is None else quality
    contracted = rng.randint(1, 60)
    values: dict = {
        "org_name": org_name(rng, ["徐州", "南京", "苏州"]),
        "credit_code": credit_code(rng),
        "client_name": "某化工有限公司",
        "service_period": "2025-07-01至2026-06-30",
        "pro_staff": rng.choice([4, 5, 5, 8, 12, 20]),
        "senior_titles": rng.choice([1, 2, 2, 3, 5]),
        "credit_blacklisted": "是" if rng.random() < 0.03 else "否",
        "env_duplicate_investment": _yn(rng, 0.15),
        "env_malicious_marketing": _yn(rng, 0.08),
        "env_penalty": rng.choices(["无", "不可抗", "能力欠缺"], weights=[8, 1, 1.5])[0],
        "tasks_contracted": contracted,
        "tasks_completed": rng.choice([contracted, contracted, rng.randint(0, contracted)]),
        "satisfaction": rng.choices(["非常满意", "较满意", "一般满意", "不满意"], weights=[2 + 5 * q, 3, 2, 1])[0],
    }
    for f in (
        "pq_laws",
        "pq_organise",
        "pq_staffing",
        "pq_experts",
        "dc_complete",
        "dc_feedback",
        "plan_made",
        "plan_executed",
        "law_compliance",
        "qm_system",
        "issue_summary",
        "env_assisted",
        "env_saved_investment",
    ):
        values[f] = _yn(rng, 0.5 + 0.5 * q)
    adjust = rng.choice([0, 0, 0, 2, -3, 1.5, 10, -12.345, 99, -100])
    if adjust:
        values["other_adjust"] = adjust
        values["other_note"] = "服务过程中的特别事项说明"
    elif rng.random() < 0.5:
        values["other_adjust"] = 0
    _within(values, "senior_titles", "pro_staff")
    return values, {}


HOSTING_MAX = {"daily": [5, 4, 6, 5, 5], "perform": [3, 6, 3, 6, 4, 5, 5, 4, 5, 5, 4], "effect": [5, 3, 5, 5, 4, 3]}


def hosting(rng: random.Random, quality: float | None = None):
    q = rng.random() if quality is None else quality
    values: dict = {
        "org_name": org_name(rng),
        "credit_code": credit_code(rng),
        "client_name": "某印染有限公司",
        "service_period": "2025年度",
        "fraud": "是" if rng.random() < 0.03 else "否",
    }
    for key, maxes in HOSTING_MAX.items():
        for i, top in enumerate(maxes, 1):
            values[f"pts_{key}_{i}"] = _pts(rng, top, full=0.3 + 0.7 * q)
    for i in range(1, 6):
        values[f"extra_{i}"] = 1 if rng.random() < 0.04 else 0
    return values, {}


SCHEME_GENERATORS = {"zj-skpw": zj_skpw, "maturity": maturity, "datong-filing": datong_filing, "xuzhou-service": xuzhou_service, "hosting": hosting}


def random_entry(scheme: str, rng: random.Random, quality: float | None = None):
    return SCHEME_GENERATORS[scheme](rng, quality)


def complete_application(values: dict, year: int) -> None:
    """A zj-skpw entry applied for in `year` (by August, before a round noticed that autumn), with
    operations and founding years before it and every application material present."""
    values["application_date"] = values["application_date"].replace(year=year, month=min(values["application_date"].month, 8))
    values["ops_start_date"] = values["application_date"].replace(year=year - 5)
    values["founded_date"] = values["ops_start_date"].replace(year=year - 8)
    for k in range(1, 13):
        values[f"mat_app_{k:02d}"] = "是"
