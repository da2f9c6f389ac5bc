"""Recording a night in the registry (`registry/ingest.py`): a replayed multi-year timeline with real
2025–2026 holidays, datong filings and their draw, a kill during the transaction, and each action
kind of actions.csv on its own (年度检查, 降级, 撤销, 证书退回 and 作废, 变更 with 分立/合并, 注销):
its effect on the certificates, the notices made, the return deadline, and what is refused."""

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from helpers import CODES, DD, ORGS, A, B, C, action_notices, cert_of, certs, ingest_on, read_on, return_state, table_counts, write_round, zj_workbook

from scoring.excel.fill import fill_template
from scoring.registry import (
    certificates,
    draw_sample,
    draws,
    open_registry,
    organisation_history,
    published_notices,
    published_results,
    renewals_due,
)
from scoring.samples import credit_code, random_entry


def test_three_year_timeline(world):
    tmp, wb, db = world
    r1 = wb / "zj-skpw" / "2025-1"
    a, b, c, d = ORGS

    # before the notice date nothing is public
    ingest_on(db, wb, "2025-09-25")
    assert read_on(db, published_results, "2025-09-25") == [] and read_on(db, published_notices, "2025-09-25") == []

    # 公示 opens; results are 公示中 with the period end
    rep = ingest_on(db, wb, "2025-09-26")
    assert [n.split(" ")[1] for n in rep.notices] == ["公示"]
    res = read_on(db, published_results, "2025-09-26")
    assert {r["org_name"]: (r["grade"], r["status"], r["period_end"]) for r in res} == {
        a: ("5A", "公示中", "2025-10-09"),
        b: ("4A", "公示中", "2025-10-09"),
        c: ("3A", "公示中", "2025-10-09"),
        d: ("2A", "公示中", "2025-10-09"),
    }

    # a re-filled workbook replaces its result during 公示 (last day 9 Oct)…
    zj_workbook(r1 / f"{b}.xlsx", b, "4A", transmission_rate=76)
    rep = ingest_on(db, wb, "2025-10-09")
    assert len(rep.replaced_results) == 1 and rep.refused == []
    assert {r["org_name"]: r["grade"] for r in read_on(db, published_results, "2025-10-09")}[b] == "4A"
    # …and is refused after it, the published result standing
    zj_workbook(r1 / f"{b}.xlsx", b, "5A")
    rep = ingest_on(db, wb, "2025-10-10")
    assert [p.code for p in rep.refused] == ["result_final"] and "公示期已于 2025-10-09 结束" in rep.refused[0].message
    assert {r["org_name"]: r["grade"] for r in read_on(db, published_results, "2025-10-10")}[b] == "4A"

    # 公告 on the first working day after the period; the withheld organisation gets no certificate
    certs = {x["org_name"]: x for x in read_on(db, certificates, "2025-10-10")}
    assert set(certs) == {a, b, d}
    assert all(x["issued"] == "2025-10-10" and x["expires"] == "2028-10-09" and x["status"] == "有效" for x in certs.values())
    numbers = sorted(x["number"] for x in certs.values())
    assert numbers == ["ZJSK-2025-0001", "ZJSK-2025-0002", "ZJSK-2025-0003"]
    status = {r["org_name"]: r["status"] for r in read_on(db, published_results, "2025-10-10")}
    assert status[c] == "暂缓公告" and status[a] == "已公告"

    # same inputs, same day: nothing new anywhere
    before = table_counts(db)
    rep = ingest_on(db, wb, "2025-10-10")
    assert not rep.changed and table_counts(db)["results"] == before["results"]
    assert {k: v for k, v in table_counts(db).items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}
    assert table_counts(db)["audit"] == before["audit"]

    # actions over the following months
    (wb / "zj-skpw" / "actions.csv").write_text(
        "date,credit_code,action,detail,document_no\n"
        f"2026-02-15,{CODES[a]},年度检查合格,,浙环监协〔2026〕3号\n"
        f"2026-03-02,{CODES[b]},降级,3A,浙环监协〔2026〕8号\n"
        f"2026-05-11,{CODES[d]},撤销,年度检查不合格且整改不符合要求,浙环监协〔2026〕15号\n"
        f"2026-06-01,{CODES[a]},变更,名称=杭州甲生态环境科技有限公司;法定代表人=王某,浙环监协〔2026〕20号\n"
        f"2026-06-02,{CODES[a]},降级,5A,bad\n"
        "2026-13-01,x,注销,,\n",
        encoding="utf-8-sig",
    )
    rep = ingest_on(db, wb, "2026-03-02")
    old_b_number = next(x["number"] for x in cert_of(db, "2026-03-02", b) if x["grade"] == "4A")
    with open(wb / "zj-skpw" / "actions.csv", "a", encoding="utf-8") as fh:  # D21: the downgraded certificate comes back in time
        fh.write(f"2026-03-17,{CODES[b]},证书退回,{old_b_number},\n")
    assert len(rep.actions) == 2 and any(p.code == "action_invalid" and "第 7 行" in p.message for p in rep.action_problems)
    b_certs = {x["number"]: x for x in cert_of(db, "2026-03-02", b)}
    old_b = next(x for x in b_certs.values() if x["grade"] == "4A")
    new_b = next(x for x in b_certs.values() if x["grade"] == "3A")
    assert (old_b["status"], old_b["replaced_by"]) == ("已换发", new_b["number"])
    assert new_b["number"] == "ZJSK-2026-0001" and new_b["expires"] == "2028-10-09"  # same validity, new year's number
    assert [n["kind"] for n in read_on(db, published_notices, "2026-03-02") if n["kind"] != "公示" and n["kind"] != "公告"] == ["降级公告"]

    # the objection is resolved: the withheld organisation is released and announced in a 补充公告
    write_round(r1, "2025年度第一批运维服务能力评估结果", "2025-09-26")
    zj_workbook(r1 / f"{b}.xlsx", b, "4A", transmission_rate=76)  # back to the published content
    rep = ingest_on(db, wb, "2026-04-01")
    (cc,) = cert_of(db, "2026-04-01", c)
    assert (cc["number"], cc["issued"], cc["expires"]) == ("ZJSK-2026-0002", "2026-04-01", "2029-03-31")
    assert any("补充公告" in n for n in rep.notices)

    # 撤销: certificate revoked; not returned within 15 days (D21: deadline 05-26) -> 公告作废 on 05-27
    ingest_on(db, wb, "2026-05-11")
    (dc,) = cert_of(db, "2026-05-11", d)
    assert dc["status"] == "已撤销"
    assert not any(n["kind"] == "作废公告" for n in read_on(db, published_notices, "2026-05-26"))  # b's returned one neither
    rep = ingest_on(db, wb, "2026-05-26")
    assert not [n for n in rep.notices if "作废公告" in n]
    rep = ingest_on(db, wb, "2026-05-27")
    assert [n for n in rep.notices if "作废公告" in n] and dc["number"] in rep.notices[0]
    assert cert_of(db, "2026-05-27", d)[0]["status"] == "已作废"

    # 变更: re-issued with the same validity, name history kept, no person's name published
    rep = ingest_on(db, wb, "2026-06-02")
    a_certs = sorted(cert_of(db, "2026-06-02", a), key=lambda x: x["number"])
    assert [(x["org_name"], x["status"]) for x in a_certs] == [(a, "已换发"), ("杭州甲生态环境科技有限公司", "有效")]
    assert a_certs[1]["expires"] == a_certs[0]["expires"] == "2028-10-09"
    assert any(p.code == "action_not_applied" and "第 6 行" in p.message and "不能“降级”" in p.message for p in rep.action_problems)
    hist = read_on(db, lambda con, today: organisation_history(con, CODES[a], today), "2026-06-02")
    assert [n["name"] for n in hist["names"]] == [a, "杭州甲生态环境科技有限公司"]
    notice = next(n for n in read_on(db, published_notices, "2026-06-02") if n["kind"] == "变更公告")
    assert "王某" not in json.dumps(notice.as_dict(), ensure_ascii=False)

    # a revoked organisation applying again within the year is ineligible
    r2 = wb / "zj-skpw" / "2026-2"
    write_round(r2, "2026年度第二批运维服务能力评估结果", "2026-09-30")
    zj_workbook(r2 / f"{d}.xlsx", d, "5A", application="2026-09-01")
    ingest_on(db, wb, "2026-10-13")
    (res,) = [r for r in read_on(db, published_results, "2026-10-13") if r["round"] == "2026-2"] or [None]
    assert res is None  # ineligible results are not in the published listing
    with open_registry(db, write=False) as con:
        row = con.execute(
            "SELECT status, result_json FROM results WHERE credit_code=? AND superseded_on IS NULL ORDER BY id DESC", (CODES[d],)
        ).fetchone()
    assert row["status"] == "ineligible" and "2027-05-11" in row["result_json"]

    # renewal due three months before expiry; a year nobody knows stops only its own round
    assert CODES[b] not in {x["credit_code"] for x in read_on(db, renewals_due, "2028-07-09")}
    due = {x["credit_code"]: x["renewal_due"] for x in read_on(db, renewals_due, "2028-07-10")}
    assert due[CODES[b]] == "2028-07-10"
    r3 = wb / "zj-skpw" / "2028-1"
    write_round(r3, "2028年度第一批运维服务能力评估结果", "2028-06-01")
    zj_workbook(r3 / f"{b}.xlsx", b, "4A", application="2028-05-01")
    rep = ingest_on(db, wb, "2028-07-10")
    assert any(p.code == "unknown_year" and "2028" in p.message and "calendar.toml" in p.message for p in rep.round_problems)
    assert "zj-skpw/2025-1" in rep.rounds
    (wb / "calendar.toml").write_text("[2028]\nholidays = []\nworkdays = []\n", encoding="utf-8")
    rep = ingest_on(db, wb, "2028-07-10")
    assert rep.round_problems == [] and any("4A" in x for x in rep.certificates)
    b_now = {x["status"] for x in cert_of(db, "2028-07-10", b)}
    assert b_now == {"已换发", "有效"}  # 复审 replaced the 3A certificate

    # expiry: a certificate not renewed is 已过期 the day after its last day
    assert {x["status"] for x in cert_of(db, "2028-10-09", a) if x["status"] != "已换发"} == {"有效"}
    assert {x["status"] for x in cert_of(db, "2028-10-10", a) if x["status"] != "已换发"} == {"已过期"}

    # nothing issued was lost or renumbered along the way
    numbers = [x["number"] for x in read_on(db, certificates, "2028-10-10")]
    assert len(numbers) == len(set(numbers)) and {"ZJSK-2025-0001", "ZJSK-2025-0002", "ZJSK-2025-0003"} <= set(numbers)
    con = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError, match="never"):
        con.execute("DELETE FROM certificates")
    with pytest.raises(sqlite3.IntegrityError, match="never"):
        con.execute("UPDATE certificates SET number='X' WHERE number='ZJSK-2025-0001'")
    from scoring.registry.db import MIGRATIONS

    assert con.execute("SELECT COUNT(*) FROM migrations").fetchone()[0] == len(list(MIGRATIONS.glob("*.sql")))


def _datong(folder: Path, name: str, ok: bool, seed: int, units: list | None = None):
    values, tables = random_entry("datong-filing", random.Random(seed), 1.0)
    if units is not None:
        tables = {"operated_units": units}
    values.update(
        enterprises=len(tables["operated_units"]),
        org_name=name,
        legal_entity="是",
        fraud_record_3y="否",
        office="是",
        integrity_pledge="是",
        vehicles=2,
        lab="自有",
        lab_cma_factors="氨氮、二氧化硫",
        operated_factors="氨氮",
        spares="是",
        quality_system="是",
        ledger="是",
        staff_total=5,
        staff_certified=5 if ok else 4,
        supervisors=1,
        supervisors_3y=1,
        qa_staff=1,
        qa_staff_3y=1,
        water_staff=1,
        water_points=1,
        water_instruments=1,
        gas_staff=1,
        gas_points=1,
        gas_instruments=1,
    )
    return fill_template("datong-filing", values, folder / f"{name}.xlsx", tables)


UNITS = [[f"大同市第{i:02d}热电有限公司", credit_code(random.Random(1000 + i)), 2] for i in range(60)]


def _units_of(i: int) -> list:
    """Organisation i operates units 2i … 2i+2: neighbours share one unit (several operators)."""
    return UNITS[2 * i : 2 * i + 3]


def test_datong_filings_numbers_notice_and_reproducible_draw(tmp_path):
    wb = tmp_path / "workbooks"
    rd = wb / "datong-filing" / "2026-q4"
    write_round(rd, "2026年第四季度社会化运营机构备案结果", "2026-09-28")
    for i in range(23):
        _datong(rd, f"大同运营机构{i:02d}有限公司", ok=i % 5 != 0, seed=i, units=_units_of(i))
    db = tmp_path / "r.sqlite"
    ingest_on(db, wb, "2026-10-12")
    assert read_on(db, certificates, "2026-10-12") == []  # 7 working days: 28 Sep … 12 Oct
    res = read_on(db, published_results, "2026-10-12")
    refused = [r for r in res if r["grade"] == "不予备案"]
    assert len(refused) == 5 and all(r["failed_conditions"] == ["staff_certified"] and r["reasons"] for r in refused)
    ingest_on(db, wb, "2026-10-13")
    filings = read_on(db, certificates, "2026-10-13")
    assert [f["number"] for f in filings] == [f"2026-{i:03d}" for i in range(1, 19)]
    assert all(f["expires"] == "" and f["status"] == "有效" for f in filings)
    ingest_on(db, wb, "2027-01-01")  # D22: drawn on the quarter's first day ...
    with open_registry(db, write=False) as con:
        (recorded,) = con.execute("SELECT * FROM draws").fetchall()
    assert recorded["quarter"] == "2027Q1" and recorded["published"] == "2027-04-01"
    ingest_on(db, wb, "2027-03-31")  # ... and kept from the public until the quarter has ended
    assert read_on(db, draws, "2027-03-31") == [] and not [n for n in read_on(db, published_notices, "2027-03-31") if n["kind"] == "抽查"]
    ingest_on(db, wb, "2027-04-01")
    draw = next(d for d in read_on(db, draws, "2027-04-01") if d["quarter"] == "2027Q1")
    filed = [i for i in range(23) if i % 5 != 0]
    population = sorted({u[1] for i in filed for u in _units_of(i)})  # units, each once, of valid filings only
    assert draw["population"] == population and len(population) == 41  # 18 filings × 3 units, neighbours sharing one
    assert len(draw["drawn"]) == 5  # ceil(10 % of 41)
    assert draw["drawn"] == draw_sample(population, "datong-filing-2027Q1", 10)  # anyone can re-draw it
    ranked = sorted(population, key=lambda c: hashlib.sha256(f"datong-filing-2027Q1:{c}".encode()).hexdigest())
    assert draw["drawn"] == sorted(ranked[:5])  # schemes.md: SHA-256 of "<scheme>-<year>Q<n>:<unit code>"
    assert draw_sample(["91330100MA2XXXXX0X"], "s", 10) == ["91330100MA2XXXXX0X"] and draw_sample([], "s", 10) == []
    notice = next(n for n in read_on(db, published_notices, "2027-04-01") if n["kind"] == "抽查" and n["id"].endswith("2027Q1"))
    assert notice["published"] == "2027-04-01" and all(e["seed"] == draw["seed"] and e["population"] == 41 for e in notice["entries"])
    shared = UNITS[4][1]  # operated by organisations 1 and 2
    assert all(e["unit_name"].startswith("大同市第") and e["operators"] for e in notice["entries"])
    ops = dict(_operators(db))
    assert ops[shared] == ["大同运营机构01有限公司", "大同运营机构02有限公司"]


def _operators(db):
    from scoring.registry.ingest import _operated_units

    with open_registry(db, write=False) as con:
        units = _operated_units(con, "datong-filing", date(2027, 1, 1))
    return [(code, sorted(u["operators"].values())) for code, u in units.items()]


def test_schemes_without_a_notice_period_publish_on_the_notice_date(tmp_path):
    wb = tmp_path / "workbooks"
    rd = wb / "hosting" / "2026"
    write_round(rd, "2026年度托管服务绩效评价结果", "2026-10-12")
    for i in range(3):
        values, _ = random_entry("hosting", random.Random(i), 0.9)
        values["fraud"] = "是" if i == 0 else "否"
        fill_template("hosting", values, rd / f"{i}.xlsx")
    db = tmp_path / "r.sqlite"
    ingest_on(db, wb, "2026-10-11")
    assert read_on(db, published_results, "2026-10-11") == []
    ingest_on(db, wb, "2026-10-12")
    res = read_on(db, published_results, "2026-10-12")
    assert len(res) == 3 and {r["status"] for r in res} == {"已公布"} and {r["period_end"] for r in res} == {""}
    fraud = [r for r in res if r["veto"]]
    assert len(fraud) == 1 and fraud[0]["total"] == 0 and fraud[0]["grade"] == "不合格"  # 弄虚作假 is public
    (notice,) = read_on(db, published_notices, "2026-10-12")
    assert notice["kind"] == "公告" and len(notice["entries"]) == 3


KILLER = """
import sys, time
from datetime import date
from pathlib import Path
import scoring.registry.ingest as ingest
from scoring.jobs import ingest as refresh
from scoring.registry import open_registry
real = ingest.issue
def slow_issue(*a, **k):
    number = real(*a, **k)
    Path(sys.argv[3]).write_text(number)
    time.sleep(60)
    return number
ingest.issue = slow_issue
with open_registry(sys.argv[1]) as con:
    refresh(con, Path(sys.argv[2]), date(2025, 10, 10))
"""


def test_a_kill_during_ingest_leaves_the_registry_consistent(world):
    tmp, wb, db = world
    ingest_on(db, wb, "2025-09-26")
    before = table_counts(db)
    flag = tmp / "issued"
    proc = subprocess.Popen([sys.executable, "-c", KILLER, str(db), str(wb), str(flag)])
    for _ in range(300):
        if flag.exists():
            break
        time.sleep(0.1)
    assert flag.exists(), "the child never reached the certificate step"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    assert table_counts(db) == before  # the half-done refresh left nothing behind
    rep = ingest_on(db, wb, "2025-10-10")  # and the next run completes
    assert len(rep.certificates) == 3


def test_one_credit_code_under_two_names_in_two_schemes_is_said_on_both_files(tmp_path):
    """D24: recorded as usual, a warning naming both files and both names."""
    wb = tmp_path / "workbooks"
    code = credit_code(random.Random(77))
    for scheme, name in (("hosting", "徐州清泓环保科技有限公司"), ("maturity", "徐州清泓环保科技股份有限公司")):
        write_round(wb / scheme / "2026", "2026年度评价结果", "2026-10-12")
        values, tables = random_entry(scheme, random.Random(5), 1.0)
        values.update(org_name=name, credit_code=code)
        fill_template(scheme, values, wb / scheme / "2026" / "a.xlsx", tables)
    same = credit_code(random.Random(78))
    for scheme in ("hosting", "maturity"):  # the same name in both: nothing to say
        values, tables = random_entry(scheme, random.Random(6), 1.0)
        values.update(org_name="徐州碧水环境工程有限公司", credit_code=same)
        fill_template(scheme, values, wb / scheme / "2026" / "b.xlsx", tables)
    db = tmp_path / "r.sqlite"
    rep = ingest_on(db, wb, "2026-10-12")
    warned = [p for p in rep.problems if p.code == "name_twice"]
    assert sorted(p.file for p in warned) == ["hosting/2026/a.xlsx", "maturity/2026/a.xlsx"]
    assert all(code in p.message and "清泓环保科技有限公司" in p.message and "股份有限公司" in p.message for p in warned)
    assert len(read_on(db, published_results, "2026-10-12")) == 4  # recorded as usual
    assert [p for p in ingest_on(db, wb, "2026-10-13").problems if p.code == "name_twice"] == []  # said once, when recorded


def test_a_workbook_after_the_period_gets_no_certificate(small_world):
    tmp, wb, r1 = small_world
    ingest_on(tmp / "registry.sqlite", wb, "2026-10-12")
    zj_workbook(r1 / "late.xlsx", C, "3A", application="2026-09-01")
    rep = ingest_on(tmp / "registry.sqlite", wb, "2026-10-19")  # period ended 10-16
    assert [p.code for p in rep.refused] == ["result_late"] and "新的批次" in rep.refused[0].message
    with open_registry(tmp / "registry.sqlite", write=False) as con:
        assert con.execute("SELECT COUNT(*) FROM certificates WHERE credit_code=?", (CODES[C],)).fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM certificates").fetchone()[0] == 2


# --- each action kind ---------------------------------------------------------------------------------


def not_applied(rep):
    return [p.message for p in rep.problems if p.code == "action_not_applied"]


def test_annual_inspections_are_recorded_and_change_no_certificate(acts):
    before = read_on(acts.db, certificates, "2026-02-15")
    rep = acts(
        "2026-02-15",
        ("2026-02-15", A, "年度检查合格", "", "浙环监协〔2026〕3号"),
        ("2026-02-15", B, "年度检查不合格", "整改中", "浙环监协〔2026〕4号"),
    )
    assert rep.actions == [f"2026-02-15 {A} 年度检查合格", f"2026-02-15 {B} 年度检查不合格 整改中"] and rep.problems == []
    assert rep.certificates == [] and rep.notices == [] and action_notices(acts.db, "2026-02-15") == []
    assert read_on(acts.db, certificates, "2026-02-15") == before
    with open_registry(acts.db, write=False) as con:
        recorded = [(r["action"], r["document_no"], r["applied_on"]) for r in con.execute("SELECT * FROM actions ORDER BY id")]
    assert recorded == [("年度检查合格", "浙环监协〔2026〕3号", "2026-02-15"), ("年度检查不合格", "浙环监协〔2026〕4号", "2026-02-15")]


def test_a_downgrade_reissues_with_the_same_validity_and_voids_the_old_certificate_unless_returned(acts):
    (old,) = certs(acts.db, "2026-03-02", B).values()
    rep = acts("2026-03-02", ("2026-03-02", B, "降级", "3A", "浙环监协〔2026〕8号"))
    b = certs(acts.db, "2026-03-02", B)
    new = next(c for c in b.values() if c["number"] != old["number"])
    assert (new["grade"], new["issued"], new["expires"], new["status"]) == ("3A", "2026-03-02", old["expires"], "有效")
    assert new["number"] == "ZJSK-2026-0001" and rep.certificates == [f"{new['number']} {B} 3A（降级换发）"]
    assert (b[old["number"]]["status"], b[old["number"]]["replaced_by"]) == ("已换发", new["number"])
    (notice,) = action_notices(acts.db, "2026-03-02")
    assert notice["kind"] == "降级公告" and notice["published"] == "2026-03-02" and "由4A降为3A" in notice["title"]
    (entry,) = notice["entries"]
    assert (entry["old_number"], entry["new_number"], entry["old_grade"], entry["new_grade"], entry["document_no"]) == (
        old["number"],
        new["number"],
        "4A",
        "3A",
        "浙环监协〔2026〕8号",
    )
    assert return_state(acts.db, old["number"]) == ("2026-03-18", None)  # D21: 15 days to return it, the day itself not counted
    assert [n["kind"] for n in action_notices(acts.db, "2026-03-17")] == ["降级公告"] and not acts("2026-03-17").notices
    rep = acts("2026-03-18")
    assert any("作废公告" in n for n in rep.notices)
    void = next(n for n in action_notices(acts.db, "2026-03-18") if n["kind"] == "作废公告")
    assert old["number"] in json.dumps(void["entries"], ensure_ascii=False)
    assert certs(acts.db, "2026-03-18", B)[old["number"]]["status"] == "已作废"
    assert certs(acts.db, "2026-03-18", B)[new["number"]]["status"] == "有效"


def test_a_downgrade_must_lower_the_grade(acts):
    rep = acts("2026-03-02", ("2026-03-02", A, "降级", "5A", "x"), ("2026-03-02", DD, "降级", "4A", "y"))
    assert rep.actions == [] and rep.certificates == [] and len(not_applied(rep)) == 2
    assert "5A 不能“降级”为 5A" in not_applied(rep)[0] and "2A 不能“降级”为 4A" in not_applied(rep)[1]
    assert {c["status"] for c in read_on(acts.db, certificates, "2026-03-02")} == {"有效"}


def test_a_revocation_ends_the_certificate_and_a_certificate_not_returned_is_void(acts):
    (d,) = certs(acts.db, "2026-05-11", DD).values()
    (a,) = certs(acts.db, "2026-05-11", A).values()
    rep = acts(
        "2026-05-11",
        ("2026-05-11", DD, "撤销", "年度检查不合格", "浙环监协〔2026〕15号"),
        ("2026-05-11", A, "撤销", "已退回", "浙环监协〔2026〕16号"),
    )
    assert rep.certificates == [] and len(rep.actions) == 2
    assert certs(acts.db, "2026-05-11", DD)[d["number"]]["status"] == "已撤销" and certs(acts.db, "2026-05-11", A)[a["number"]]["status"] == "已撤销"
    revoked = [n for n in action_notices(acts.db, "2026-05-11") if n["kind"] == "撤销公告"]
    assert sorted(n["entries"][0]["number"] for n in revoked) == sorted([d["number"], a["number"]])
    assert all(n["title"].endswith("运维服务能力评估等级的公告") for n in revoked)
    assert return_state(acts.db, d["number"]) == ("2026-05-27", None)
    assert return_state(acts.db, a["number"]) == ("2026-05-27", "2026-05-11")  # 已退回: handed back with the decision
    assert not acts("2026-05-26").notices
    rep = acts("2026-05-27")
    void = [n for n in rep.notices if "作废公告" in n]
    assert len(void) == 1 and d["number"] in void[0] and a["number"] not in void[0]
    assert certs(acts.db, "2026-05-27", DD)[d["number"]]["status"] == "已作废"
    assert certs(acts.db, "2026-05-27", A)[a["number"]]["status"] == "已撤销"


def test_a_certificate_returned_in_time_is_never_void_and_bad_returns_are_refused(acts):
    (b,) = certs(acts.db, "2026-05-11", B).values()
    (a,) = certs(acts.db, "2026-05-11", A).values()
    acts("2026-05-11", ("2026-05-11", B, "撤销", "", "浙环监协〔2026〕15号"))
    rep = acts(
        "2026-05-20",
        ("2026-05-10", B, "证书退回", b["number"], ""),  # before it was revoked
        ("2026-05-20", B, "证书退回", b["number"], ""),
        ("2026-05-20", B, "证书退回", "ZJSK-2099-0001", ""),  # no such certificate
        ("2026-05-20", A, "证书退回", a["number"], ""),  # still valid: nothing to return
    )
    assert rep.actions == [f"2026-05-20 {B} 证书退回 {b['number']}"]
    refused = not_applied(rep)
    assert len(refused) == 3 and "早于该日" in refused[0] and "没有编号为 ZJSK-2099-0001 的证书" in refused[1] and "未被降级或撤销" in refused[2]
    assert return_state(acts.db, b["number"]) == ("2026-05-27", "2026-05-20")
    rep = acts("2026-05-21", ("2026-05-21", B, "证书退回", b["number"], "again"))
    assert rep.actions == [] and "已于 2026-05-20 退回" in not_applied(rep)[0]
    rep = acts("2026-05-27")
    assert not [n for n in rep.notices if "作废公告" in n] and certs(acts.db, "2026-05-27", B)[b["number"]]["status"] == "已撤销"


def test_a_late_return_is_recorded_after_the_certificate_was_voided(acts):
    (d,) = certs(acts.db, "2026-05-11", DD).values()
    acts("2026-05-11", ("2026-05-11", DD, "撤销", "", "x号"))
    acts("2026-05-27")
    rep = acts("2026-06-01", ("2026-06-01", DD, "证书退回", d["number"], ""))
    assert rep.actions == [f"2026-06-01 {DD} 证书退回 {d['number']}（逾期，已公告作废）"]
    assert certs(acts.db, "2026-06-01", DD)[d["number"]]["status"] == "已作废"


def test_a_change_reissues_under_the_new_particulars_and_never_publishes_the_legal_representative(acts):
    (a,) = certs(acts.db, "2026-06-01", A).values()
    rep = acts("2026-06-01", ("2026-06-01", A, "变更", "名称=杭州甲生态环境科技有限公司；地址=杭州市某路2号;法定代表人=王某", "浙环监协〔2026〕20号"))
    now = sorted(certs(acts.db, "2026-06-01", "杭州甲环保科技有限公司").values(), key=lambda c: c["number"])
    assert [(c["org_name"], c["status"], c["expires"]) for c in now] == [
        ("杭州甲环保科技有限公司", "已换发", a["expires"]),
        ("杭州甲生态环境科技有限公司", "有效", a["expires"]),
    ]
    assert now[1]["grade"] == "5A" and rep.certificates == [f"{now[1]['number']} 杭州甲生态环境科技有限公司 5A（变更换发）"]
    history = read_on(acts.db, lambda con, today: organisation_history(con, CODES[A], today), "2026-06-01")
    assert [n["name"] for n in history["names"]] == ["杭州甲环保科技有限公司", "杭州甲生态环境科技有限公司"]
    (notice,) = action_notices(acts.db, "2026-06-01")
    assert notice["kind"] == "变更公告" and notice["title"] == "关于杭州甲环保科技有限公司评估证书变更的公告"
    assert notice["entries"][0]["changes"] == {"name": "杭州甲生态环境科技有限公司", "address": "杭州市某路2号"}
    published = [(n["title"], n["entries"]) for n in read_on(acts.db, published_notices, "2026-06-01")]
    assert "王某" not in json.dumps(published, ensure_ascii=False)
    with open_registry(acts.db, write=False) as con:  # the office keeps it
        (legal_rep,) = con.execute("SELECT legal_rep FROM org_details WHERE credit_code=? ORDER BY id DESC LIMIT 1", (CODES[A],)).fetchone()
    assert legal_rep == "王某"


def test_a_split_or_a_merger_is_a_change_naming_the_other_organisation(acts):
    other, partner = credit_code(random.Random("分立")), credit_code(random.Random("合并"))
    rep = acts(
        "2026-07-01",
        ("2026-07-01", B, "变更", f"分立={other.lower()}", "浙环监协〔2026〕30号"),
        ("2026-07-01", C, "变更", f"合并={partner}", "浙环监协〔2026〕31号"),
    )
    assert len(rep.certificates) == 2 and all("（变更换发）" in line for line in rep.certificates)
    changes = {n["entries"][0]["credit_code"]: n["entries"][0]["changes"] for n in action_notices(acts.db, "2026-07-01")}
    assert changes == {CODES[B]: {"split": other}, CODES[C]: {"merge": partner}}  # the code upper-cased
    valid = [c for c in cert_of(acts.db, "2026-07-01", B) if c["status"] == "有效"]
    assert len(valid) == 1 and valid[0]["org_name"] == B  # the name stays


def test_a_deregistration_ends_the_certificate_with_nothing_to_return(acts):
    (c,) = certs(acts.db, "2026-08-03", C).values()
    rep = acts("2026-08-03", ("2026-08-03", C, "注销", "机构申请注销", "浙环监协〔2026〕44号"))
    assert rep.actions == [f"2026-08-03 {C} 注销 机构申请注销"]
    assert certs(acts.db, "2026-08-03", C)[c["number"]]["status"] == "已注销"
    (notice,) = action_notices(acts.db, "2026-08-03")
    assert notice["kind"] == "注销公告" and notice["title"] == f"关于注销{C}评估证书的公告" and notice["entries"][0]["number"] == c["number"]
    assert return_state(acts.db, c["number"]) == (None, None)
    assert not [n for n in acts("2026-12-31").notices if "作废公告" in n]


def test_an_action_needs_a_valid_certificate_on_its_date(acts):
    nobody = credit_code(random.Random("nobody"))
    rep = acts("2026-08-03", ("2026-08-03", nobody, "注销", "", ""), ("2025-10-01", A, "撤销", "", ""))  # before A's certificate
    assert rep.actions == [] and len(not_applied(rep)) == 2 and all("没有有效的证书或备案" in m for m in not_applied(rep))
    acts("2026-08-04", ("2026-08-04", B, "注销", "", ""))
    rep = acts("2026-08-05", ("2026-08-05", B, "撤销", "", ""))  # ended the day before
    assert rep.actions == [] and "没有有效的证书或备案" in not_applied(rep)[0]


def test_an_action_waits_for_its_date_and_is_applied_once(acts):
    row = ("2026-03-10", DD, "注销", "", "浙环监协〔2026〕9号")
    assert acts("2026-03-09", row).actions == []
    assert {c["status"] for c in cert_of(acts.db, "2026-03-09", DD)} == {"有效"}
    assert len(acts("2026-03-10").actions) == 1
    again = acts("2026-03-11")
    assert again.actions == [] and again.problems == [] and not again.changed
    assert len([n for n in action_notices(acts.db, "2026-03-11") if n["kind"] == "注销公告"]) == 1
