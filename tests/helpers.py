"""What several test files share: paths, the schemes, a perfect zj-skpw entry, the four zj-skpw
organisations of the lifecycle tests and the workbooks they file, and short ways to run and read the
registry on a given day. tests/ is on sys.path (conftest.py): `from helpers import …`."""

import random
import sqlite3
from datetime import date
from pathlib import Path

from scoring.samples import credit_code, random_entry

ROOT = Path(__file__).resolve().parents[1]  # the checkout: workbooks/, scripts/, templates/
SCHEMES = ["zj-skpw", "maturity", "datong-filing", "xuzhou-service", "hosting"]
D = date.fromisoformat

PERFECT_ZJ = {
    "cert_iso9001": "是",
    "cert_iso14001": "是",
    "cert_ohsas18001": "是",
    "tech_staff_college": 10,
    "controllers_total": 100,
    "controllers_spare": 3,
    "valve_models": 4,
    "valve_models_spared": 4,
    "spare_change_recorded": "是",
    "pts_archives": 2,
    "sys_training": "是",
    "sys_post_duty": "是",
    "sys_data_truth": "是",
    "sys_inspection_repair": "是",
    "sys_info_exchange": "是",
    "st_ops_mgmt": "有已张贴",
    "st_operation": "有已张贴",
    "st_manual": "有已张贴",
    "st_emergency": "有已张贴",
    "transmission_rate": 90,
    "check_water": "通过",
    "check_gas": "通过",
    "recovery_over_3d": 0,
    "fault_excess": 0,
    "pts_records": 5,
    "ledger_entry_rate": 100,
    "late_responses": 0,
    "late_repairs": 0,
    "missing_suspension_reports": 0,
    "nonconforming_repair_records": 0,
    "annual_plan": "是",
    "missing_monthly_reports": 0,
    "missing_year_end_summaries": 0,
    "missing_major_fault_reports": 0,
    "remote_days_unrecorded": 0,
    "warnings_missed": 0,
    "offhours_missed": 0,
    "site_inspections_missing": 0,
    "complaints": 0,
    "commend_province": 0,
    "commend_city": 0,
    "commend_district": 0,
    "innovations": 0,
    "tech_staff": 10,
    "devices_water": 100,
    "devices_gas": 100,
    "vehicles": 2,
    "spare_warehouses": 1,
    "service_area_count": 1,
    "basic_1": "是",
    "basic_2": "是",
    "basic_3": "是",
    "basic_4": "是",
}
AREAS = [["杭州分公司", 10, 200, 2, 1]]

ORGS = {  # name -> (credit code, what the workbook scores)
    "杭州甲环保科技有限公司": "5A",
    "宁波乙环境工程有限公司": "4A",
    "温州丙运维服务有限公司": "3A",
    "嘉兴丁环保科技有限公司": "2A",
}
GRADE_ENTRIES = {
    "5A": {},
    "4A": {"transmission_rate": 75},
    "3A": {"transmission_rate": 75, "pts_records": 0, "ledger_entry_rate": 90},
    "2A": {"transmission_rate": 75, "pts_records": 0, "ledger_entry_rate": 76},
    "不合格": {
        "transmission_rate": 75,
        "pts_records": 0,
        "ledger_entry_rate": 76,
        "complaints": 4,
        "late_responses": 4,
        "missing_suspension_reports": 3,
    },
}
CODES = {name: credit_code(random.Random(name)) for name in ORGS}
A, B, C, DD = ORGS  # 5A, 4A, 3A, 2A


def zj_workbook(path: Path, name: str, grade: str, application: str = "2025-08-01", **extra):
    from scoring.excel.fill import fill_template

    values, _ = random_entry("zj-skpw", random.Random(name), 1.0)
    values.update(PERFECT_ZJ)
    values.update({f"mat_app_{i:02d}": "是" for i in range(1, 13)})
    values.update(
        org_name=name,
        credit_code=CODES.get(name) or credit_code(random.Random(name)),
        ops_start_date=D("2018-01-01"),
        founded_date=D("2015-06-01"),
        application_date=D(application),
        reg_address=f"浙江省{name[:2]}市某路1号",
    )
    values.update(GRADE_ENTRIES[grade])
    values.update(extra)
    return fill_template("zj-skpw", values, path, {"service_areas": AREAS})


def write_round(folder: Path, title: str, notice: str, withheld=(), issue=None):
    folder.mkdir(parents=True, exist_ok=True)
    text = f'title = "{title}"\nnotice_date = {notice}\n'
    if issue:
        text += f"issue_date = {issue}\n"
    if withheld:
        text += "withheld = [" + ", ".join(f'"{c}"' for c in withheld) + "]\n"
    (folder / "round.toml").write_text(text, encoding="utf-8")


def ingest_on(db: Path, wb: Path, today: str):
    """Record the workbooks folder in the registry `db` on `today` (the publish's ingest stage) -> Report."""
    from scoring.jobs import ingest
    from scoring.registry import open_registry

    with open_registry(db) as con:
        return ingest(con, wb, D(today))


def read_on(db: Path, fn, today: str, *args):
    """A registry query `fn(con, today, *args)` on a read-only connection."""
    from scoring.registry import open_registry

    with open_registry(db, write=False) as con:
        return fn(con, D(today), *args)


def cert_of(db, today, name):
    from scoring.registry import certificates

    rows = [c for c in read_on(db, certificates, today) if c["credit_code"] == CODES.get(name, name)]
    return rows


def table_counts(db):
    con = sqlite3.connect(db)
    tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    counts = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    con.close()
    return counts


def codes(rep):
    return sorted({p.code for p in rep.problems})


def certs(db, today, name):
    """An organisation's certificates on `today`, by number."""
    return {c["number"]: c for c in cert_of(db, today, name)}


def action_notices(db, today):
    """The notices of actions (not of rounds) published by `today`."""
    from scoring.registry import published_notices

    return [n for n in read_on(db, published_notices, today) if n["kind"] not in ("公示", "公告")]


def return_state(db, number):
    """(void_on, returned_on) of a certificate as the registry holds them."""
    from scoring.registry import open_registry

    with open_registry(db, write=False) as con:
        row = con.execute("SELECT void_on, returned_on FROM certificates WHERE number=?", (number,)).fetchone()
    return row["void_on"], row["returned_on"]
