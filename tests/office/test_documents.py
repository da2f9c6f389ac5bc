"""The issuing body's office (`office/`): certificates to print, reports, letters, the dashboard of
applications in progress, the actions workbook. PDFs are read back with poppler (pdftotext,
pdfinfo, pdffonts, pdftoppm) and their QR codes decoded with zxing-cpp."""

import dataclasses
import hashlib
import re
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import ROOT, write_round, zj_workbook

from scoring.cli import main
from scoring.jobs import publish
from scoring.publish import PublishError, load_site_config
from scoring.registry import certificates, open_registry

TODAY = date(2026, 11, 25)
SITE_URL = "https://zjema.example.org/pingjia/"
ISSUER = "浙江省环境监测协会（测试）"
HOSTILE = "<img src=x onerror=alert(1)>/../宁波某公司"
POPPLER = shutil.which("pdftotext") is not None
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext) is not installed")
pytestmark = pytest.mark.slow  # some 30 PDFs by WeasyPrint (about a second a page); the deadlines and applications.csv are in test_due.py and inputs/


def config():
    return dataclasses.replace(load_site_config(), site_url=SITE_URL, issuer={"issuer": ISSUER})


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_info(path: Path) -> dict:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def flat(text: str) -> str:
    """pdftotext's text without the spaces and line breaks layout puts between characters."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("office")
    wb = tmp / "workbooks"
    r1 = wb / "zj-skpw" / "2026-1"
    write_round(r1, "2026年度第一批运维服务能力评估结果", "2026-11-02")
    zj_workbook(r1 / "a.xlsx", "杭州甲环保科技有限公司", "5A", application="2026-06-01")
    zj_workbook(r1 / "b.xlsx", "宁波乙环境工程有限公司", "3A", application="2026-06-01", note_transmission="数据传输有效率抽查两家企业均未达到 90%。")
    zj_workbook(r1 / "c.xlsx", HOSTILE, "4A", application="2026-06-01")
    datong = wb / "datong-filing" / "2026-q4"
    datong.mkdir(parents=True)
    shutil.copy(ROOT / "workbooks" / "datong-filing" / "2026-q4" / "round.toml", datong)
    for f in sorted((ROOT / "workbooks" / "datong-filing" / "2026-q4").glob("*.xlsx"))[:4]:
        shutil.copy(f, datong)
    prep = wb / "zj-skpw" / "2027-1"
    prep.mkdir()
    (prep / "round.toml").write_text('title = "2027年度第一批运维服务能力评估结果"\n', encoding="utf-8")
    (prep / "applications.csv").write_text(
        "统一社会信用代码,单位名称,机构申请,协会受理,材料预审\n"
        "91330200FLL7DRUXW7,温州清源环境工程有限公司,2026-11-02,,\n"  # 受理 due 2026-11-20: overdue on 11-25
        "91330600XH04HE7Q9Y,绍兴正源运维服务有限公司,2026-11-10,2026-11-18,\n",  # 预审 due 2026-12-01: 5 working days left
        encoding="utf-8",
    )
    out, db, folder = tmp / "public", tmp / "registry.sqlite", tmp / "office"
    publish(wb, out, TODAY, db, config(), office=folder)
    with open_registry(db, write=False) as con:
        certs = {c["org_name"]: c for c in certificates(con, TODAY)}
    b, c = certs["宁波乙环境工程有限公司"], certs[HOSTILE]
    (wb / "zj-skpw" / "actions.csv").write_text(
        "date,credit_code,action,detail,document_no\n"
        f"2026-11-20,{b['credit_code']},降级,2A,浙环监协〔2026〕40号\n"
        f"2026-11-23,{c['credit_code']},撤销,弄虚作假,浙环监协〔2026〕41号\n",
        encoding="utf-8",
    )
    # decisions of 11-20 and 11-23 first read on 11-25, a day already processed: noticed on 11-25, the
    # certificates to be returned within 15 days of it (D21/D23)
    result = publish(wb, out, TODAY, db, config(), office=folder)
    return tmp, wb, db, folder, out, result


def instance_config(tmp: Path) -> Path:
    """scoring.toml with the same site_url and issuer as `config()`, for the CLI."""
    cfg = tmp / "scoring.toml"
    cfg.write_text(f'schemes = ["zj-skpw", "datong-filing"]\n[site]\nsite_url = "{SITE_URL}"\nissuer = "{ISSUER}"\n', encoding="utf-8")
    return cfg


def cert_pdf(folder: Path, number: str) -> Path:
    (path,) = folder.glob(f"证书/*/{number}.pdf")
    return path


@needs_poppler
def test_every_certificate_prints_what_article_12_lists(office):
    tmp, wb, db, folder, out, result = office
    with open_registry(db, write=False) as con:
        certs = certificates(con, TODAY)
    assert sum(c["scheme"] == "zj-skpw" for c in certs) == 3 + 1  # three certificates and the 降级 re-issue
    assert sum(c["kind"] == "filing" for c in certs) == 2  # two of the four datong filings are 准予备案
    for c in certs:
        path = cert_pdf(folder, c["number"])
        text = flat(pdf_text(path))
        info = pdf_info(path)
        assert info["Pages"].strip() == "1" and "841.89 x 595.276" in info["Page size"], c["number"]  # A4 landscape, one page
        y, m, d = (int(x) for x in c["issued"].split("-"))
        for part in (c["org_name"], c["number"], c["credit_code"], c["address"], c["grade"], f"{y}年{m}月{d}日", ISSUER, "盖章处"):
            assert flat(part) in text, (c["number"], part)
        if c["kind"] == "certificate":
            ey, em, ed = (int(x) for x in c["expires"].split("-"))
            assert "运行服务能力级别" in text and "有效期限" in text and f"{ey}年{em}月{ed}日" in text and "发证日期" in text
        else:
            assert "备案号" in text and "备案意见" in text
        fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout.splitlines()[2:]
        assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # every font embedded
        assert any("CJK" in line for line in fonts)


@needs_poppler
def test_the_qr_code_opens_the_verification_page_on_the_configured_site(office, tmp_path):
    import zxingcpp
    from PIL import Image

    tmp, wb, db, folder, out, result = office
    for number in ("ZJSK-2026-0001", "2026-001"):
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(cert_pdf(folder, number)), str(tmp_path / number)], check=True)
        (found,) = zxingcpp.read_barcodes(Image.open(tmp_path / f"{number}.png"))
        assert found.text == f"{SITE_URL}verify/?n={number}"


@needs_poppler
def test_a_downgrade_reissues_the_certificate_and_sends_a_letter_with_the_return_deadline(office):
    tmp, wb, db, folder, out, result = office
    with open_registry(db, write=False) as con:
        certs = {c["number"]: c for c in certificates(con, TODAY)}
    new = next(c for c in certs.values() if c["replaces"])
    old = certs[new["replaces"]]
    assert old["status"] == "已换发" and new["grade"] == "2A"
    assert flat(f"本证书换发原证书{old['number']}") in flat(pdf_text(cert_pdf(folder, new["number"])))
    (letter,) = folder.glob(f"通知书/zj-skpw/2026-11-25-降级-{old['number']}.pdf")
    text = flat(pdf_text(letter))
    for part in (
        "降低评估等级通知书",
        "浙环监协〔2026〕40号",
        old["org_name"],
        "由3A级降为2A级",
        new["number"],
        "即2026年12月10日前",
        "送达回证",
        ISSUER,
        "第十六条、第十七条",
    ):
        assert flat(part) in text, part
    (revoked,) = folder.glob("通知书/zj-skpw/2026-11-25-撤销-*.pdf")
    text = flat(pdf_text(revoked))
    assert "取消评估等级通知书" in text and "2026年12月10日" in text and "一年内不再受理" in text and "浙环监协〔2026〕41号" in text
    dashboard = (folder / "index.html").read_text(encoding="utf-8")
    assert "待退回的证书（2）" in dashboard and "2026-12-10" in dashboard


def test_each_action_kind_makes_its_documents_and_no_other(office, tmp_path):
    """Of the seven action kinds, 降级 makes a re-issued certificate and a 降低评估等级通知书, 撤销 a
    取消评估等级通知书, 变更 a re-issued certificate under the new name; 年度检查合格/不合格, 证书退回
    and 注销 make no document (a return leaves the dashboard's list of certificates to be returned)."""
    tmp, wb, db, folder, out, result = office
    with open_registry(db, write=False) as con:
        certs = {c["number"]: c for c in certificates(con, TODAY)}
    downgraded = next(c for c in certs.values() if c["replaces"])
    revoked = next(c for c in certs.values() if c["status"] == "已撤销")
    # the fixture's second night: the 降级 and the 撤销 of actions.csv
    assert sorted(result.office.made) == sorted(
        [
            f"证书/zj-skpw/{downgraded['number']}",
            f"通知书/zj-skpw/2026-11-25-降级-{downgraded['replaces']}",
            f"通知书/zj-skpw/2026-11-25-撤销-{revoked['number']}",
        ]
    )
    # the other five kinds, on a copy of the office's state
    shutil.copytree(wb, tmp_path / "workbooks")
    shutil.copy(db, tmp_path / "registry.sqlite")
    shutil.copytree(folder, tmp_path / "office")
    a = next(c for c in certs.values() if c["org_name"] == "杭州甲环保科技有限公司")
    filing = next(c for c in certs.values() if c["kind"] == "filing" and c["status"] == "有效")
    with open(tmp_path / "workbooks" / "zj-skpw" / "actions.csv", "a", encoding="utf-8") as fh:
        fh.write(
            f"2026-11-24,{a['credit_code']},年度检查合格,,浙环监协〔2026〕50号\n"
            f"2026-11-24,{a['credit_code']},年度检查不合格,限期整改,浙环监协〔2026〕51号\n"
            f"2026-11-24,{revoked['credit_code']},证书退回,{revoked['number']},\n"
            f"2026-11-25,{a['credit_code']},变更,名称=杭州甲新环保科技有限公司,浙环监协〔2026〕52号\n"
        )
    (tmp_path / "workbooks" / "datong-filing" / "actions.csv").write_text(
        f"date,credit_code,action,detail,document_no\n2026-11-24,{filing['credit_code']},注销,机构申请注销,大环备〔2026〕9号\n", encoding="utf-8"
    )
    res = publish(tmp_path / "workbooks", tmp_path / "public", TODAY, tmp_path / "registry.sqlite", config(), office=tmp_path / "office")
    assert len(res.report.actions) == 5 and res.report.action_problems == []
    with open_registry(tmp_path / "registry.sqlite", write=False) as con:
        now = {c["number"]: c for c in certificates(con, TODAY)}
    (renamed,) = [c for n, c in now.items() if n not in certs]
    assert renamed["org_name"] == "杭州甲新环保科技有限公司" and renamed["replaces"] == a["number"]
    assert now[filing["number"]]["status"] == "已注销" and now[revoked["number"]]["status"] == "已撤销"
    assert sorted(res.office.made) == [f"证书/zj-skpw/{renamed['number']}"]
    assert (tmp_path / "office" / f"证书/zj-skpw/{renamed['number']}.pdf").is_file() or not shutil.which("pdftotext")
    letters = sorted(p.name for p in (tmp_path / "office" / "通知书").rglob("*") if p.is_file())
    assert not [n for n in letters if "年度检查" in n or "注销" in n or "变更" in n or "退回" in n]
    waiting = [re.search(r"待退回的证书（(\d+)）", (f / "index.html").read_text(encoding="utf-8")) for f in (folder, tmp_path / "office")]
    assert int(waiting[1][1]) == int(waiting[0][1]) - 1  # the revoked certificate came back


@needs_poppler
def test_the_report_has_the_four_parts_of_annex_3(office):
    tmp, wb, db, folder, out, result = office
    (path,) = folder.glob("评估报告/zj-skpw/2026-1/*宁波乙环境工程有限公司.pdf")
    text = flat(pdf_text(path))
    for heading in ("一、运维服务机构概况", "二、现场评估", "三、能力评估结论", "四、附表与附件"):
        assert heading in text
    assert "浙江省刷卡排污总量自动控制系统运维服务能力评估报告" in text
    assert "基本条件" in text and "浙江省刷卡排污总量自动控制系统运维服务能力评估得分表" in text
    assert "法人代表" in text  # private particulars are in the report (the office is not published)
    assert "数据传输有效率抽查两家企业均未达到90%" in text  # the evaluators' 评估意见 (note_<item>)
    assert "失分" in text and "评定结果为“3A”" in text
    assert "评估组长（签字）" in text and "报告审核专家（签字）" in text
    info = pdf_info(path)
    assert "595.276 x 841.89" in info["Page size"] and int(info["Pages"]) >= 2  # A4 portrait, numbered pages
    assert flat(f"第1页共{int(info['Pages'])}页") in text
    html = next(folder.glob("评估报告/zj-skpw/2026-1/*宁波乙环境工程有限公司.html")).read_text(encoding="utf-8")
    assert "<h2>一、运维服务机构概况</h2>" in html
    letters = [flat(pdf_text(p)) for p in folder.glob("评估报告/datong-filing/2026-q4/*.pdf")]
    assert len(letters) == 4 and all("社会化运营机构备案结果告知书" in t and "三、备案意见" in t for t in letters)
    assert all("准予备案" in t or "不予备案" in t for t in letters)
    assert all("二、备案条件审查" in t and "基本条件" in t.split("二、备案条件审查")[1] for t in letters)  # the conditions, in part 二
    assert not any("{" in t for t in letters)  # reasons with their figures, never a message template


def test_hostile_names_stay_text_and_never_become_paths(office):
    tmp, wb, db, folder, out, result = office
    reports = list(folder.glob("评估报告/zj-skpw/2026-1/*.html"))
    assert len(reports) == 3 and all(p.parent == folder / "评估报告" / "zj-skpw" / "2026-1" for p in reports)
    hostile = next(p for p in reports if "img" in p.name)
    assert "/" not in hostile.name[:-5] and ".." not in hostile.name
    html = hostile.read_text(encoding="utf-8")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_nothing_from_the_office_reaches_the_site(office):
    tmp, wb, db, folder, out, result = office
    site_files = [p for p in out.resolve().rglob("*") if p.is_file()]
    assert site_files and not any(p.suffix == ".pdf" for p in site_files)
    office_names = {p.name for p in folder.rglob("*") if p.is_file()} - {"index.html"}
    assert not office_names & {p.name for p in site_files}
    private = ["（签字）", "送达回证", "13800000000", "评估意见：", "数据传输有效率抽查两家企业"]
    for p in site_files:
        if p.suffix in (".html", ".json", ".csv", ".xml", ".txt", ".js"):
            text = p.read_text(encoding="utf-8", errors="ignore")
            assert not [w for w in private if w in text], p
    with pytest.raises(PublishError, match="不能放在发布目录"):
        publish(wb, out, TODAY, db, config(), office=out / "office")


def test_documents_are_remade_only_when_their_inputs_change(office):
    tmp, wb, db, folder, out, result = office
    assert result.office.made and not result.office.problems  # the second run: the re-issue and the letters
    again = publish(wb, out, TODAY, db, config(), office=folder, force=True)
    assert again.office.made == [] and again.office.kept == len(result.office.made) + result.office.kept


@needs_poppler
def test_documents_are_byte_reproducible(office, tmp_path):
    tmp, wb, db, folder, out, result = office
    again = tmp_path / "again"
    args = [
        "--config",
        str(instance_config(tmp)),
        "office",
        "documents",
        "--db",
        str(db),
        "--workbooks",
        str(wb),
        "--today",
        "2026-11-25",
        "--office",
        str(again),
    ]
    done = subprocess.run([sys.executable, "-m", "scoring", *args], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr

    def digests(root: Path) -> dict:
        return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}

    first, second = digests(folder), digests(again)
    assert len(first) > 20 and first == second


def test_the_dashboard_and_office_due_list_what_is_late_or_due_soon(office):
    tmp, wb, db, folder, out, result = office
    dashboard = (folder / "index.html").read_text(encoding="utf-8")
    assert "温州清源环境工程有限公司" in dashboard and "2026-11-20" in dashboard and "已逾期 3 个工作日" in dashboard
    run = CliRunner().invoke(main, ["office", "due", "--db", str(db), "--workbooks", str(wb), "--today", "2026-11-25"])
    assert run.exit_code == 1  # something is overdue
    lines = run.output.splitlines()
    # 绍兴's 预审 (due 12-01) and the returns (12-10) have more than three working days left
    assert lines == [
        "2026-11-25 待办 1 项：",
        "  逾期：温州清源环境工程有限公司（2027年度第一批运维服务能力评估结果） 机构申请（2026-11-02）→ 协会受理（15 个工作日内），时限 2026-11-20，已逾期 3 个工作日",
    ]
    soon = CliRunner().invoke(main, ["office", "due", "--db", str(db), "--workbooks", str(wb), "--today", "2026-11-27"])
    assert "即将到期：绍兴正源运维服务有限公司" in soon.output and "剩余 3 个工作日" in soon.output  # 11-27, 11-30, 12-01
    quiet = CliRunner().invoke(main, ["office", "due", "--quiet", "--db", str(db), "--workbooks", str(wb), "--today", "2026-11-03"])
    assert quiet.exit_code == 0 and quiet.output == ""


def test_the_actions_workbook_is_read_like_actions_csv(office, tmp_path):
    tmp, wb, db, folder, out, result = office
    blank = tmp_path / "actions.xlsx"
    run = CliRunner().invoke(main, ["template", "actions", "-o", str(blank)])
    assert run.exit_code == 0, run.output
    book = openpyxl.load_workbook(blank)
    ws = book["操作表"]
    assert [c.value for c in ws[1]] == ["日期", "统一社会信用代码", "事项", "说明", "文号"]
    kinds = next(dv for dv in ws.data_validations.dataValidation if dv.type == "list")
    assert "撤销" in kinds.formula1 and "证书退回" in kinds.formula1 and "C2:C1001" in str(kinds.sqref)
    assert all(dv.prompt for dv in ws.data_validations.dataValidation)  # every column explains itself in Chinese
    # a clerk records the return of the downgraded certificate, and a bad row
    with open_registry(db, write=False) as con:
        old = next(c for c in certificates(con, TODAY) if c["status"] == "已换发")
    rows = [
        [datetime(2026, 11, 24), old["credit_code"], "证书退回", old["number"], "浙环监协〔2026〕42号"],
        [datetime(2026, 11, 24), "91330100MA2XXXXX0X", "撤销", "", ""],
        ["2026-11-20", old["credit_code"], "降级", "2A", "浙环监协〔2026〕40号"],  # the same row as actions.csv's: counted once
    ]
    for r, values in enumerate(rows, start=2):  # typed into the first empty rows, as a clerk does
        for col, value in enumerate(values, start=1):
            ws.cell(r, col, value)
    book.save(wb / "zj-skpw" / "actions.xlsx")
    try:
        res = publish(wb, out, TODAY, db, config(), office=folder)
        problems = [p.message for p in res.report.action_problems]
        assert len(problems) == 1 and "actions.xlsx 第 3 行" in problems[0]
        assert any("证书退回" in a and old["number"] in a for a in res.report.actions)
        assert not any("降级" in a for a in res.report.actions)
        with open_registry(db, write=False) as con:
            returned = con.execute("SELECT returned_on FROM certificates WHERE number=?", (old["number"],)).fetchone()[0]
        assert returned == "2026-11-24"
        assert "待退回的证书（1）" in (folder / "index.html").read_text(encoding="utf-8")
        # `scoring check` on the workbooks folder does not take the actions workbook for an assessment
        checked = CliRunner().invoke(main, ["check", str(wb / "zj-skpw")])
        assert "actions.xlsx" not in checked.output and "applications.csv" not in checked.output
    finally:
        (wb / "zj-skpw" / "actions.xlsx").unlink()


def test_office_certificates_remakes_one_on_demand(office):
    tmp, wb, db, folder, out, result = office
    target = cert_pdf(folder, "ZJSK-2026-0001")
    before = target.read_bytes()
    target.unlink()
    base = ["--config", str(instance_config(tmp)), "office", "certificates", "--db", str(db), "--workbooks", str(wb), "--office", str(folder)]
    run = CliRunner().invoke(main, [*base, "--number", "ZJSK-2026-0001", "--today", "2026-11-25"])
    assert run.exit_code == 0 and run.output.strip().endswith("ZJSK-2026-0001.pdf")
    assert target.read_bytes() == before  # the same certificate, byte for byte
    missing = CliRunner().invoke(main, [*base, "--number", "NOPE-1"])
    assert missing.exit_code == 1 and "没有编号为 NOPE-1" in missing.output
