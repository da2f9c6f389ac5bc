"""The blank workbooks (`excel/template.py`): official sheets in order, a defined name and a validation
on every input; filled workbooks print on A4 (every official sheet, no column cut, signature blocks
present)."""

import random
import re
import shutil
import subprocess

import pytest
from helpers import SCHEMES
from openpyxl import load_workbook
from openpyxl.worksheet.cell_range import CellRange

from scoring.excel.fill import fill_template
from scoring.excel.template import write_template
from scoring.rubric import load_rubric
from scoring.samples import random_entry

OFFICIAL_SHEETS = {
    "zj-skpw": ["申请书", "附件2 诚信承诺书", "附表1 材料清单", "附表2 申请表", "附表3 运维服务区", "附表4 基本条件表", "附表5 得分表"],
    "maturity": ["基本信息", "评价表", "6.1 评分方法"],
    "datong-filing": ["附件1 备案登记表", "附件1 运营企业及点位清单", "备案条件"],
    "xuzhou-service": ["基本要求", "表G.1 服务考核评价表"],
    "hosting": ["基本信息", "表C.1 托管服务绩效评价表"],
}


@pytest.fixture(params=SCHEMES)
def book(request, tmp_path):
    scheme = request.param
    return scheme, load_workbook(write_template(scheme, tmp_path / f"{scheme}.xlsx"))


def validations_of(ws):
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row in CellRange(rng.coord).cells:
                out[row] = dv
    return out


def test_sheets_in_official_order_and_meta_hidden(book):
    scheme, wb = book
    hidden = ["_calc", "_check", "_meta"] if scheme == "datong-filing" else ["_check", "_meta"]
    assert wb.sheetnames == OFFICIAL_SHEETS[scheme] + ["填表说明"] + hidden
    assert all(wb[n].sheet_state != "visible" for n in hidden)
    assert wb["_meta"].sheet_state == "veryHidden"
    assert wb["_meta"]["B1"].value == scheme and wb["_meta"]["B2"].value == load_rubric(scheme).template_version == (
        3 if scheme == "datong-filing" else 2
    )


def test_every_input_is_named_validated_unlocked_and_labels_locked(book):
    scheme, wb = book
    rubric = load_rubric(scheme)
    expected = set(rubric.fields) | set(rubric.tables)
    if rubric.item_notes:
        expected |= {f"note_{it.id}" for it in rubric.items}
    names = {n for n in wb.defined_names if not n.startswith(("template_", "out_", "calc_", "_chk_"))}
    assert names == expected
    outputs = {n for n in wb.defined_names if n.startswith("out_")}
    assert outputs == (
        {f"out_{it.id}" for it in rubric.items}
        | ({"out_total"} if rubric.items else set())
        | ({"out_grade"} if rubric.grades.kind != "none" else set())
    )
    inputs = set()
    for name in names:
        ((sheet, ref),) = wb.defined_names[name].destinations
        ws = wb[sheet]
        dvs = validations_of(ws)
        cells = ws[ref.replace("$", "")]
        cells = [c for row in cells for c in row] if isinstance(cells, tuple) else [cells]
        for c in cells:
            inputs.add((sheet, c.coordinate))
            assert c.protection.locked is False, (name, c.coordinate)
            dv = dvs.get((c.row, c.column))
            assert dv is not None and dv.showErrorMessage and dv.error and dv.prompt, (name, c.coordinate)
            if name in rubric.fields and rubric.fields[name].type in ("bool", "enum"):
                assert dv.type == "list" and all(ch in dv.formula1 for ch in rubric.fields[name].choices)
    for ws in wb.worksheets:
        if ws.title in ("_meta", "_calc"):
            continue
        assert ws.protection.sheet
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None and (ws.title, c.coordinate) not in inputs:
                    assert c.protection.locked is not False


def test_official_wording_is_in_the_workbook(book):
    scheme, wb = book
    text = "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    for it in load_rubric(scheme).items:
        assert it.wording in text
    phrases = {
        "zj-skpw": ["注：基本条件实行一票否决", "浙江省刷卡排污总量自动控制系统运维服务能力评估得分表"],
        "maturity": ["0%~20%", "5.13"],
        "datong-filing": ["运营机构备案登记表", "备案意见"],
        "xuzhou-service": ["表G.1 服务考核评价表（满分100分）"],
        "hosting": ["表C.1 托管服务绩效评价表"],
    }
    for p in phrases[scheme]:
        assert p in text


def test_zj_service_areas_block_is_30_by_5(tmp_path):
    wb = load_workbook(write_template("zj-skpw", tmp_path / "t.xlsx"))
    ((sheet, ref),) = wb.defined_names["service_areas"].destinations
    block = wb[sheet][ref.replace("$", "")]
    assert len(block) >= 30 and all(len(r) == 5 for r in block)


def test_prints_on_a4_fitted_to_width_with_signatures(book):
    scheme, wb = book
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    for ws in visible:
        assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.fitToWidth == 1 and ws.print_area
        assert ws.print_title_rows or ws.title in ("填表说明", "6.1 评分方法", "申请书", "附件2 诚信承诺书")
    text = "".join(str(c.value) for ws in visible for row in ws.iter_rows() for c in row if c.value)
    assert "签字" in text and "日期" in text
    if scheme == "zj-skpw":
        assert "申请单位（盖章）" in text and "法定代表人（签字）" in text and "评估人员（签字）" in text


def test_required_and_wrong_entries_are_marked(book):
    scheme, wb = book
    rubric = load_rubric(scheme)
    ((sheet, ref),) = wb.defined_names["org_name"].destinations
    rules = [r for rng in wb[sheet].conditional_formatting for r in rng.rules]
    assert any("LEN(TRIM(" in r.formula[0] for r in rules)
    assert any("ISNUMBER" in r.formula[0] for ws in wb.worksheets for rng in ws.conditional_formatting for r in rng.rules) or not any(
        f.numeric for f in rubric.fields.values()
    )


def test_guide_quotes_the_rules_and_decisions(book):
    scheme, wb = book
    text = "".join(str(c.value) for row in wb["填表说明"].iter_rows() for c in row if c.value)
    rubric = load_rubric(scheme)
    assert all(it.wording in text for it in rubric.items)
    assert all(d.text in text for d in rubric.decisions.values())


def test_zj_application_letter_and_pledge_show_the_applicant_live(tmp_path):
    import shutil
    import subprocess

    from openpyxl import load_workbook

    from scoring.excel.fill import fill_template

    wb = load_workbook(write_template("zj-skpw", tmp_path / "t.xlsx"))
    pledge = "".join(str(c.value) for row in wb["附件2 诚信承诺书"].iter_rows() for c in row if c.value)
    assert "不存在任何弄虚作假的行为或活动" in pledge and "org_name" in pledge and "单位代表签字" in pledge
    if not shutil.which("soffice"):
        return
    path = fill_template(
        "zj-skpw", {"org_name": "杭州某某环保科技有限公司", "application_date": __import__("datetime").date(2026, 3, 5)}, tmp_path / "f.xlsx"
    )
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(tmp_path / "out"), str(path)], check=True, capture_output=True, timeout=300
    )
    done = load_workbook(tmp_path / "out" / "f.xlsx", data_only=True)
    letter = "".join(str(c.value) for row in done["申请书"].iter_rows() for c in row if c.value)
    assert "申请单位：杭州某某环保科技有限公司" in letter and "申请日期：2026年3月5日" in letter
    assert "申请单位名称：杭州某某环保科技有限公司（盖章）" in "".join(
        str(c.value) for row in done["附件2 诚信承诺书"].iter_rows() for c in row if c.value
    )


def test_official_numbering_restarts_in_the_second_list(tmp_path):
    wb = load_workbook(write_template("zj-skpw", tmp_path / "t.xlsx"))
    ((sheet, ref),) = wb.defined_names["mat_site_01"].destinations
    row = int(ref.split("$")[-1])
    assert wb[sheet].cell(row, 1).value == 1 and wb[sheet].cell(row, 2).value.startswith("运维服务机构技术人员身份证")


def test_xuzhou_archive_is_a_form_checked_but_not_an_assessment(tmp_path):
    import random

    from scoring.excel.fill import fill_template
    from scoring.pipeline import score_paths
    from scoring.rubric import scheme_ids, template_ids
    from scoring.samples import credit_code

    assert "xuzhou-archive" in template_ids() and "xuzhou-archive" not in scheme_ids()
    rubric = load_rubric("xuzhou-archive")
    wb = load_workbook(write_template("xuzhou-archive", tmp_path / "t.xlsx"))
    text = "".join(str(c.value) for row in wb["表E.1 一企一档资料存档表"].iter_rows() for c in row if c.value)
    for phrase in ("营业执照", "危险废物转移联单", "污染痕迹照片（若有）", "已归档内容打“√”", "资料类别"):
        assert phrase in text
    values = {"org_name": "徐州某化工有限公司", "credit_code": credit_code(random.Random(1))}
    values.update({f: "√" for f in rubric.fields if f.startswith(("e_", "p_")) and not f.endswith("_note")})
    values["p_9_14"] = "否"
    (res,) = [r.as_json() for r in score_paths([fill_template("xuzhou-archive", values, tmp_path / "a.xlsx")])]
    assert [(e["code"], e["field"]) for e in res["errors"]] == [("cross_check", "p_9_14_note")]
    values["p_9_14_note"] = "企业无污染痕迹"
    (res,) = [r.as_json() for r in score_paths([fill_template("xuzhou-archive", values, tmp_path / "b.xlsx")])]
    assert res["errors"] == [] and res["total"] is None and res["grade"] is None


needs_soffice_and_poppler = pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftotext")), reason="LibreOffice and poppler-utils are installed by .ci/run"
)


LAST_COLUMN = {"zj-skpw": "得分", "maturity": "6.1 评分档", "datong-filing": "填写说明", "xuzhou-service": "考核结果", "hosting": "得分"}


MAX_PAGES = {"zj-skpw": 10, "maturity": 6, "datong-filing": 5, "xuzhou-service": 5, "hosting": 5}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("print")
    for scheme in SCHEMES:
        values, tables = random_entry(scheme, random.Random(f"print-{scheme}"), 0.8)
        fill_template(scheme, values, tmp / f"{scheme}.xlsx", tables)
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp), *map(str, sorted(tmp.glob("*.xlsx")))],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return tmp


@pytest.mark.slow
@needs_soffice_and_poppler
@pytest.mark.parametrize("scheme", SCHEMES)
def test_prints_on_a4_without_cut_columns_and_with_signatures(pdfs, scheme):
    pdf = pdfs / f"{scheme}.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert (round(width), round(height)) == (595, 842)  # A4 portrait, in points
    assert 2 <= pages <= MAX_PAGES[scheme]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert LAST_COLUMN[scheme] in text  # the rightmost column made it onto the page
    assert "签字" in text and "日期" in text and "填表说明" in text
    assert re.search(r"第 \d+ 页，共 \d+ 页", text)  # page numbers in the footer
