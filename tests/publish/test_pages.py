"""The pages of the site (`publish/pages.py`): every notice kind built on its day, round pages and their titles."""

import json
import shutil
from pathlib import Path

import pytest
from helpers import CODES, DD, ORGS, ROOT, A, B, C, D, write_round, zj_workbook

from scoring.jobs import publish
from scoring.publish import PublishError


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


def test_a_quote_in_a_round_title_stays_text(tmp_path):
    wb = tmp_path / "workbooks"
    shutil.copytree(ROOT / "workbooks" / "hosting", wb / "hosting")
    toml = wb / "hosting" / "2026" / "round.toml"
    toml.write_text('title = "2026年度评价结果\\" onload=\\"alert(1)//"\nnotice_date = 2026-10-12\n', encoding="utf-8")
    publish(wb, tmp_path / "public", D("2026-11-25"), tmp_path / "r.sqlite")
    page = (tmp_path / "public" / "hosting" / "2026" / "index.html").read_text(encoding="utf-8")
    assert "aria-label=" in page and ' onload="' not in page and "onload=&quot;alert(1)" in page


def test_round_folders_named_like_scheme_pages_keep_both(tmp_path):
    wb = tmp_path / "workbooks"
    for key in ("index", "method"):
        shutil.copytree(ROOT / "workbooks" / "hosting" / "2026", wb / "hosting" / key)
    result = publish(wb, tmp_path / "public", D("2026-11-25"), tmp_path / "r.sqlite")
    assert "生态环境综合托管" in (tmp_path / "public" / "hosting" / "index.html").read_text(encoding="utf-8")
    assert "评估方法" in (tmp_path / "public" / "hosting" / "method" / "index.html").read_text(encoding="utf-8")
    assert result.pages > 10 and len(list((tmp_path / "public" / "hosting").glob("r-*"))) == 2
