"""Years of nightly publishing: every notice kind in the built site on the day it appears, and the
failures found by hostile hands (issue: years without a failure), each as a regression test."""

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_registry import CODES, ORGS, write_round, zj_workbook

from scoring.jobs import ingest, publish, publish_lock
from scoring.pipeline import score_paths
from scoring.publish import PublishError
from scoring.registry import open_registry

ROOT = Path(__file__).resolve().parents[1]
D = date.fromisoformat
A, B, C, DD = ORGS  # 5A, 4A, 3A, 2A


def certs_json(site: Path) -> dict:
    return {c["number"]: c for c in json.loads((site / "data" / "certificates.json").read_text(encoding="utf-8"))}


def notice_pages(site: Path) -> dict[str, str]:
    """kind -> text of every notice page built (several of a kind joined)."""
    kinds: dict[str, str] = {}
    for n in json.loads((site / "data" / "notices.json").read_text(encoding="utf-8")):
        pages = [p for p in (site / "notices").iterdir() if p.name.startswith(n["published"])]
        text = "".join((p / "index.html").read_text(encoding="utf-8") for p in pages)
        kinds[n["kind"]] = kinds.get(n["kind"], "") + text
    return kinds


def all_text(site: Path) -> str:
    return "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*") if p.is_file() and p.suffix in (".html", ".json", ".csv", ".xml")
    )


@pytest.fixture(scope="module")
def timeline(tmp_path_factory):
    """A zj-skpw round through 公示, 公告, 补充公告 and every action, plus the bundled datong filings."""
    tmp = tmp_path_factory.mktemp("lifecycle")
    wb = tmp / "workbooks"
    shutil.copytree(ROOT / "workbooks" / "datong-filing", wb / "datong-filing")
    r1 = wb / "zj-skpw" / "2026-3"
    write_round(r1, "2026年度第三批运维服务能力评估结果", "2026-10-12", withheld=[CODES[C]])
    for name, grade in ORGS.items():
        zj_workbook(r1 / f"{name}.xlsx", name, grade, application="2026-09-01")
    return tmp, wb, r1


def day(timeline, today: str):
    tmp, wb, _ = timeline
    result = publish(wb, tmp / "public", D(today), tmp / "registry.sqlite")
    return result, tmp / "public"


def test_every_notice_kind_is_built_on_its_day(timeline):
    tmp, wb, r1 = timeline
    _, site = day(timeline, "2026-10-12")  # 公示: 5 working days, 12–16 Oct
    assert "公示" in notice_pages(site) and "还剩 5 个工作日" in notice_pages(site)["公示"]

    _, site = day(timeline, "2026-10-19")  # 公告 on the first working day after; C is withheld
    certs = certs_json(site)
    number = {c["credit_code"]: n for n, c in certs.items() if c["scheme"] == "zj-skpw"}
    assert CODES[C] not in number and len(number) == 3
    assert all(n in notice_pages(site)["公告"] for n in number.values())

    (wb / "zj-skpw" / "actions.csv").write_text(
        "date,credit_code,action,detail,document_no\n"
        f"2026-10-20,{CODES[A]},降级,4A,浙环监协〔2026〕41号\n"  # never returned: void on 11-05
        f"2026-10-21,{CODES[B]},撤销,,浙环监协〔2026〕42号\n"  # returned on 10-27: never void
        f"2026-10-22,{CODES[DD]},变更,名称=嘉兴丁新环保有限公司；法定代表人=王秘密,浙环监协〔2026〕43号\n"
        f"2026-10-27,{CODES[B]},证书退回,{number[CODES[B]]},\n",
        encoding="utf-8",
    )
    result, site = day(timeline, "2026-10-23")
    kinds = notice_pages(site)
    assert {"降级公告", "撤销公告", "变更公告"} <= set(kinds)
    assert "浙环监协〔2026〕41号" in kinds["降级公告"] and "嘉兴丁新环保有限公司" in kinds["变更公告"]
    assert certs_json(site)[number[CODES[A]]]["status"] == "已换发"

    write_round(r1, "2026年度第三批运维服务能力评估结果", "2026-10-12")  # the objection is resolved
    with open(wb / "zj-skpw" / "actions.csv", "a", encoding="utf-8") as fh:
        fh.write(f"2026-10-28,{CODES[C]},注销,机构申请注销,浙环监协〔2026〕44号\n")
    result, site = day(timeline, "2026-10-28")
    kinds = notice_pages(site)
    assert "补充公告" in "".join(result.report.notices) and "注销公告" in kinds
    c_number = next(n for n, c in certs_json(site).items() if c["credit_code"] == CODES[C])
    assert certs_json(site)[c_number]["status"] == "已注销"

    _, site = day(timeline, "2026-11-04")  # the last day to return A's certificate
    assert "作废公告" not in notice_pages(site) and certs_json(site)[number[CODES[A]]]["status"] == "已换发"
    _, site = day(timeline, "2026-11-05")  # D21: 10-20 + 16
    kinds = notice_pages(site)
    assert number[CODES[A]] in kinds["作废公告"] and "浙环监协〔2026〕41号" in kinds["作废公告"]
    assert certs_json(site)[number[CODES[A]]]["status"] == "已作废"
    _, site = day(timeline, "2026-11-06")  # B returned its certificate in time: revoked, not void
    assert certs_json(site)[number[CODES[B]]]["status"] == "已撤销" and number[CODES[B]] not in notice_pages(site)["作废公告"]

    _, site = day(timeline, "2027-01-02")  # D22: the quarter's 抽查 is drawn on its first day, kept secret ...
    assert "抽查" not in notice_pages(site) and "datong-filing-2027Q1" not in all_text(site)
    _, site = day(timeline, "2027-04-01")  # ... and published once the quarter has ended
    page = notice_pages(site)["抽查"]
    assert "datong-filing-2027Q1" in page and "重点单位" in page and "有限公司" in page
    assert "王秘密" not in all_text(site)  # the legal representative, written after a full-width ；


def test_the_registry_date_never_moves_backwards(timeline):
    tmp, wb, _ = timeline
    with pytest.raises(PublishError, match="不能再按更早的日期"):
        publish(wb, tmp / "public", D("2026-10-20"), tmp / "registry.sqlite")
    assert (tmp / "public" / "index.html").is_file()


# --- the output folder ------------------------------------------------------------------------------


def test_an_out_that_is_not_our_output_is_never_touched(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    (tmp_path / "link").symlink_to(elsewhere)
    for out in (precious, tmp_path / "link", ROOT / "workbooks"):
        with pytest.raises(PublishError, match="不是本系统以前发布的网站|不能是评估表目录"):
            publish(ROOT / "workbooks", out, D("2026-11-25"), tmp_path / "r.sqlite")
    assert (precious / "keep.txt").read_text() == "mine" and (elsewhere / "keep.txt").read_text() == "mine"
    assert (tmp_path / "link").is_symlink() and (ROOT / "workbooks" / "zj-skpw").is_dir()


def test_a_second_publish_is_refused_and_leftovers_are_cleaned(tmp_path):
    out = tmp_path / "public"
    (tmp_path / ".public.work-killed").mkdir()  # what a killed run leaves
    (tmp_path / ".public.work-killed" / "big").write_bytes(b"x" * 1000)
    with publish_lock(out), pytest.raises(PublishError, match="另一个发布"):
        publish(ROOT / "workbooks", out, D("2026-11-25"), tmp_path / "r.sqlite")
    assert (tmp_path / ".public.work-killed").exists()  # not touched while another run holds the lock
    publish(ROOT / "workbooks", out, D("2026-11-25"), tmp_path / "r.sqlite")
    assert not list(tmp_path.glob(".public.work-*")) and (out / "index.html").is_file()
    # an empty state file (a write cut short by older versions) only costs a rebuild
    state = tmp_path / ".public.builds" / "state.json"
    state.write_text("")
    result = publish(ROOT / "workbooks", out, D("2026-11-25"), tmp_path / "r.sqlite")
    assert not result.skipped and json.loads(state.read_text())["pages"] == result.pages


def test_a_quote_in_a_round_title_stays_text(tmp_path):
    wb = tmp_path / "workbooks"
    shutil.copytree(ROOT / "workbooks" / "hosting", wb / "hosting")
    toml = wb / "hosting" / "2026" / "round.toml"
    toml.write_text('title = "2026年度评价结果\\" onload=\\"alert(1)//"\nnotice_date = 2026-10-12\n', encoding="utf-8")
    publish(wb, tmp_path / "public", D("2026-11-25"), tmp_path / "r.sqlite")
    page = (tmp_path / "public" / "hosting" / "2026" / "index.html").read_text(encoding="utf-8")
    assert "aria-label=" in page and ' onload="' not in page and "onload=&quot;alert(1)" in page


# --- the folder's own files -----------------------------------------------------------------------------


@pytest.fixture
def small_world(tmp_path):
    wb = tmp_path / "workbooks"
    r1 = wb / "zj-skpw" / "2026-1"
    write_round(r1, "2026年度第一批", "2026-10-12")
    for name in (A, B):
        zj_workbook(r1 / f"{name}.xlsx", name, ORGS[name], application="2026-09-01")
    return tmp_path, wb, r1


def run(tmp, wb, today):
    with open_registry(tmp / "registry.sqlite") as con:
        return ingest(con, wb, D(today))


def codes(rep):
    return sorted({p.code for p in rep.problems})


def test_pipes_named_like_inputs_never_hang(small_world):
    tmp, wb, r1 = small_world
    (r1 / "round.toml").unlink()
    os.mkfifo(r1 / "round.toml")
    os.mkfifo(wb / "zj-skpw" / "actions.csv")
    os.mkfifo(wb / "calendar.toml")
    signal.alarm(30)  # a hang fails the test instead of the suite
    try:
        rep = run(tmp, wb, "2026-10-12")
    finally:
        signal.alarm(0)
    assert codes(rep) == ["actions_unreadable", "calendar_invalid", "round_invalid"]
    assert all("不是普通文件" in p.message for p in rep.problems)


def test_bad_actions_files_are_reported_row_by_row(small_world):
    tmp, wb, _ = small_world
    run(tmp, wb, "2026-10-19")
    actions = wb / "zj-skpw" / "actions.csv"
    row = f"2026-10-20,{CODES[A]},年度检查合格,,浙环监协〔2026〕1号\n"
    actions.write_text("date,credit_code,action,detail,document_no\n" + row + row + "9999-12-31,x,注销,,\n", encoding="utf-8")
    rep = run(tmp, wb, "2026-10-21")
    assert len(rep.actions) == 1 and [p.code for p in rep.action_problems] == ["action_invalid", "action_invalid"]
    assert "与第 2 行完全相同" in rep.action_problems[0].message
    actions.write_text('date,credit_code,action,detail,document_no\n2026-10-22,"' + "x" * 200_000 + "\n", encoding="utf-8")
    rep = run(tmp, wb, "2026-10-22")
    assert [p.code for p in rep.action_problems] == ["actions_unreadable"]
    actions.unlink()
    actions.symlink_to("/etc/passwd")  # the header of a linked private file is never echoed
    rep = run(tmp, wb, "2026-10-23")
    assert [p.code for p in rep.action_problems] == ["actions_unreadable"] and ":0:0:" not in rep.action_problems[0].message
    actions.unlink()
    with open(actions, "wb") as fh:  # a huge file is refused without being read
        fh.truncate(1 << 30)
    rep = run(tmp, wb, "2026-10-24")
    assert [p.code for p in rep.action_problems] == ["actions_unreadable"] and "上限" in rep.action_problems[0].message


def test_round_settings_that_would_crash_are_refused(small_world):
    tmp, wb, r1 = small_world
    (r1 / "round.toml").write_text('title = "x"\nnotice_date = 2026-11-02T10:00:00\n', encoding="utf-8")
    rep = run(tmp, wb, "2026-11-02")
    assert codes(rep) == ["round_invalid"] and "不带时间" in rep.problems[0].message
    (r1 / "round.toml").write_text(f'title = "{"长" * 10_000}"\nnotice_date = 2026-11-02\n', encoding="utf-8")
    assert codes(run(tmp, wb, "2026-11-02")) == ["round_invalid"]
    res = subprocess.run([sys.executable, "-m", "scoring", "publish", "--today", "9999-12-31"], capture_output=True, text=True, cwd=tmp)
    assert res.returncode == 2 and "2099-12-31" in res.stderr and "Traceback" not in res.stderr


def test_unreadable_workbooks_never_stop_the_others(small_world):
    tmp, wb, r1 = small_world
    (r1 / "mem.xlsx").symlink_to("/proc/self/mem")
    with open(r1 / "sparse.xlsx", "wb") as fh:
        fh.truncate(6 << 30)  # 6 GB, sparse: never read
    (r1 / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    shutil.copy(r1 / f"{A}.xlsx", r1 / "UPPER.XLSX")
    (r1 / "forged\n  [新证书] ZJSK-2099-0001.xlsx").write_bytes(b"")
    rep = run(tmp, wb, "2026-10-12")
    problems = {p.file: p.code for p in rep.problems}
    assert problems["zj-skpw/2026-1/mem.xlsx"] == "file_unreadable" and problems["zj-skpw/2026-1/sparse.xlsx"] == "too_large"
    assert problems["zj-skpw/2026-1/old.xls"] == "not_xlsx"
    assert any("\\x0a" in f and c == "file_unreadable" for f, c in problems.items()) and not any("\n" in f for f in problems)
    assert "zj-skpw/2026-1/UPPER.XLSX" in problems and problems["zj-skpw/2026-1/UPPER.XLSX"] == "duplicate_workbook"
    assert problems[f"zj-skpw/2026-1/{A}.xlsx"] == "duplicate_workbook"  # D24: both copies of A are held
    assert len(rep.new_results) == 1 and B in rep.new_results[0]
    (r1 / "UPPER.XLSX").unlink()
    rep = run(tmp, wb, "2026-10-12")
    assert len(rep.new_results) == 1 and A in rep.new_results[0]


def test_a_workbook_after_the_period_gets_no_certificate(small_world):
    tmp, wb, r1 = small_world
    run(tmp, wb, "2026-10-12")
    zj_workbook(r1 / "late.xlsx", C, "3A", application="2026-09-01")
    rep = run(tmp, wb, "2026-10-19")  # period ended 10-16
    assert [p.code for p in rep.refused] == ["result_late"] and "新的批次" in rep.refused[0].message
    with open_registry(tmp / "registry.sqlite", write=False) as con:
        assert con.execute("SELECT COUNT(*) FROM certificates WHERE credit_code=?", (CODES[C],)).fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM certificates").fetchone()[0] == 2


def test_round_folders_named_like_scheme_pages_keep_both(tmp_path):
    wb = tmp_path / "workbooks"
    for key in ("index", "method"):
        shutil.copytree(ROOT / "workbooks" / "hosting" / "2026", wb / "hosting" / key)
    result = publish(wb, tmp_path / "public", D("2026-11-25"), tmp_path / "r.sqlite")
    assert "生态环境综合托管" in (tmp_path / "public" / "hosting" / "index.html").read_text(encoding="utf-8")
    assert "评估方法" in (tmp_path / "public" / "hosting" / "method" / "index.html").read_text(encoding="utf-8")
    assert result.pages > 10 and len(list((tmp_path / "public" / "hosting").glob("r-*"))) == 2


# --- hostile cells ---------------------------------------------------------------------------------------


def test_a_number_in_a_date_cell_is_an_input_error(tmp_path):
    for bad in (20261115, -800000):
        path = zj_workbook(tmp_path / f"{bad}.xlsx", A, "5A", application="2026-09-01")
        wbk = load_workbook(path)
        dest = wbk.defined_names["application_date"].attr_text
        sheet, ref = dest.split("!")
        wbk[sheet.strip("'")][ref.replace("$", "")].value = bad
        wbk.save(path)
        (res,) = score_paths([path])
        assert res.status == "invalid" and [e.code for e in res.errors if e.field == "application_date"] == ["bad_date"]


def test_named_ranges_are_bounded_by_the_template(tmp_path):
    path = zj_workbook(tmp_path / "wide.xlsx", A, "5A", application="2026-09-01")
    wbk = load_workbook(path)
    sheet = wbk.defined_names["service_areas"].attr_text.split("!")[0]
    wbk.defined_names["service_areas"].attr_text = f"{sheet}!$A$1:$XFD$1048576"
    wbk.defined_names["org_name"].attr_text = f"{sheet}!$A$1:$C$9"
    wbk.save(path)
    (res,) = score_paths([path])
    assert res.status == "invalid"
    assert {e.field for e in res.errors if e.code == "name_missing"} == {"service_areas", "org_name"}


# --- tamper evidence --------------------------------------------------------------------------------------

TAMPERING = {
    "rename a holder": ["DROP TRIGGER certificates_particulars", "UPDATE certificates SET org_name='冒名有限公司' WHERE rowid=1"],
    "silent revocation": ["UPDATE certificates SET ended_on='2026-11-20', ended_status='已撤销' WHERE rowid=2"],
    "change a total": ["DROP TRIGGER results_frozen", "UPDATE results SET total=9999 WHERE rowid=1"],
    "fake certificate": [
        "INSERT INTO certificates (number, scheme, kind, credit_code, grade, org_name, issued, year, seq) "
        "SELECT 'ZJSK-2026-0999', scheme, kind, credit_code, '5A', org_name, issued, year, 999 FROM certificates WHERE rowid=1"
    ],
    "drop a trigger": ["DROP TRIGGER notices_frozen"],
    "edit the audit log": [
        "DROP TRIGGER audit_append_only",
        "UPDATE audit SET change='recorded ' WHERE id=3",
        "CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'x'); END",
    ],
}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tamper")
    publish(ROOT / "workbooks", tmp / "public", D("2026-11-25"), tmp / "registry.sqlite")
    return tmp


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "scoring", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_an_untouched_registry_verifies(published):
    res = cli("registry", "verify", "--db", published / "registry.sqlite", "--site", published / "public")
    assert res.returncode == 0 and "校验通过" in res.stderr


@pytest.mark.parametrize("case", list(TAMPERING))
def test_direct_edits_are_detected_and_nothing_is_published(published, tmp_path, case):
    import sqlite3

    shutil.copy(published / "registry.sqlite", tmp_path / "registry.sqlite")
    shutil.copytree(published / ".public.builds", tmp_path / ".public.builds", symlinks=True)
    (tmp_path / "public").symlink_to(os.readlink(published / "public"))
    con = sqlite3.connect(tmp_path / "registry.sqlite")
    for sql in TAMPERING[case]:
        con.execute(sql)
    con.commit()
    con.close()
    before = (tmp_path / "public" / "data" / "certificates.json").read_bytes()
    with pytest.raises(PublishError, match="登记库|审计日志|触发器"):
        publish(ROOT / "workbooks", tmp_path / "public", D("2026-11-26"), tmp_path / "registry.sqlite")
    assert (tmp_path / "public" / "data" / "certificates.json").read_bytes() == before
    # the registry update alone refuses too: it must never checkpoint the edited content
    res = cli("registry", "ingest", "--workbooks", ROOT / "workbooks", "--today", "2026-11-26", "--db", tmp_path / "registry.sqlite")
    assert res.returncode == 1 and "错误：" in res.stderr and "Traceback" not in res.stderr
    res = cli("registry", "verify", "--db", tmp_path / "registry.sqlite")
    assert res.returncode == 1 and "Traceback" not in res.stderr


def test_published_open_data_is_compared_with_the_registry(published, tmp_path):
    shutil.copytree(published / ".public.builds", tmp_path / ".public.builds", symlinks=True)
    (tmp_path / "public").symlink_to(os.readlink(published / "public"))
    data = tmp_path / "public" / "data" / "certificates.json"
    data.write_text(data.read_text(encoding="utf-8").replace("有效", "已撤销", 1), encoding="utf-8")
    res = cli("registry", "verify", "--db", published / "registry.sqlite", "--site", tmp_path / "public")
    assert res.returncode == 1 and "certificates.json" in res.stdout


def test_a_read_only_or_full_registry_is_said_plainly(tmp_path):
    import sqlite3

    from scoring.jobs import registry_error

    publish(ROOT / "workbooks", tmp_path / "public", D("2026-11-25"), tmp_path / "registry.sqlite")
    assert "磁盘已满" in registry_error(sqlite3.OperationalError("database or disk is full"), tmp_path / "r.sqlite")
    db = tmp_path / "registry.sqlite"
    uri = f"file:{db}?mode=ro"
    ro = sqlite3.connect(uri, uri=True)
    with pytest.raises(sqlite3.OperationalError) as err:
        ro.execute("INSERT INTO meta VALUES ('x', 'y')")
    ro.close()
    assert "只读" in registry_error(err.value, db)
