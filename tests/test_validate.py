"""Bad input gets a clear error with its place, and never stops the other workbooks."""

import shutil
import zipfile

import pytest
from helpers import A, zj_workbook
from openpyxl import load_workbook

from scoring.excel.template import write_template
from scoring.pipeline import score_paths


def errors(path, **kw):
    (res,) = [r.as_json() for r in score_paths([path], **kw)]
    return res, [(e["code"], e["field"]) for e in res["errors"]]


def edit(path, fn):
    wb = load_workbook(path)
    fn(wb)
    wb.save(path)
    return path


def cell_of(wb, name):
    ((sheet, ref),) = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "")]


def set_cells(**values):
    def fn(wb):
        for k, v in values.items():
            cell_of(wb, k).value = v

    return fn


def test_a_clean_fill_has_no_errors(fill):
    res, errs = errors(fill("zj-skpw", seed=2))
    assert errs == [] and res["status"] in ("scored", "incomplete", "ineligible")


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"tech_staff": "十二"}, ("wrong_type", "tech_staff")),
        ({"tech_staff": 12.5}, ("wrong_type", "tech_staff")),
        ({"vehicles": -1}, ("out_of_range", "vehicles")),
        ({"transmission_rate": 100.5}, ("out_of_range", "transmission_rate")),
        ({"pts_records": 3.3}, ("bad_step", "pts_records")),
        ({"pts_archives": 2.5}, ("out_of_range", "pts_archives")),
        ({"cert_iso9001": "有"}, ("bad_choice", "cert_iso9001")),
        ({"st_manual": "张贴"}, ("bad_choice", "st_manual")),
        ({"founded_date": "去年三月"}, ("bad_date", "founded_date")),
        ({"credit_code": "91330100MA2XXXXX01"}, ("credit_code", "credit_code")),
        ({"credit_code": "9133010012345"}, ("credit_code", "credit_code")),
        ({"credit_code": 913301001234567890}, ("credit_code", "credit_code")),
        ({"org_name": None}, ("required", "org_name")),
        ({"complaints": None}, ("required", "complaints")),
        ({"remarks": "长" * 1001}, ("too_long", "remarks")),
    ],
)
def test_field_errors_name_field_sheet_and_cell(fill, values, expected):
    path = edit(fill("zj-skpw", seed=2), set_cells(**values))
    res, errs = errors(path)
    assert res["status"] == "invalid"
    assert errs == [expected]
    e = res["errors"][0]
    assert e["sheet"] and e["cell"] and e["message"]


def test_a_number_in_a_general_cell_is_not_taken_for_a_date(fill):
    def fn(wb):
        c = cell_of(wb, "founded_date")
        c.value, c.number_format = 42000, "General"

    res, errs = errors(edit(fill("zj-skpw", seed=2), fn))
    assert errs == [("bad_date", "founded_date")] and "日期格式" in res["errors"][0]["message"]


def test_formula_typed_into_an_input_cell(fill):
    def fn(wb):
        cell_of(wb, "complaints").value = "=1+1"
        cell_of(wb, "complaints").data_type = "f"

    res, errs = errors(edit(fill("zj-skpw", seed=2), fn))
    assert errs == [("formula_in_input", "complaints")]

    def as_text(wb):
        cell_of(wb, "complaints").value = "=1+1"
        cell_of(wb, "complaints").data_type = "s"  # text that only looks like a formula

    res, errs = errors(edit(fill("zj-skpw", seed=2), as_text))
    assert errs == [("wrong_type", "complaints")]


def test_harmless_formatting_is_accepted(fill):
    def fn(wb):
        c = cell_of(wb, "transmission_rate")
        c.value, c.number_format = 0.935, "0.00%"
        cell_of(wb, "ledger_entry_rate").value = "９８.５"
        cell_of(wb, "complaints").value = " 2 "
        cell_of(wb, "late_repairs").value = "1.0"
        cell_of(wb, "application_date").value = "2026-05-20"
        cell_of(wb, "founded_date").value = "2010/3/1"
        cell_of(wb, "ops_start_date").value = "2015年6月1日"
        cell_of(wb, "credit_code").value = cell_of(wb, "credit_code").value.lower()
        cell_of(wb, "cert_iso9001").value = " 是 "
        cell_of(wb, "registered_capital").value = "1,500.5"

    res, errs = errors(edit(fill("zj-skpw", seed=2, overrides={f"mat_app_{i:02d}": "是" for i in range(1, 13)}), fn))
    assert errs == [] and res["status"] == "scored"
    assert res["items"]["transmission"] == 15.0 and res["items"]["bonus_transmission"] == 0
    assert res["items"]["ledger_entry"] == 11.25 and res["items"]["complaints"] == 2.0


@pytest.mark.parametrize(
    "name, code, field",
    [
        ({"tech_staff_college": 999}, "cross_check", "tech_staff_college"),
        ({"valve_models_spared": 99}, "cross_check", "valve_models_spared"),
        ({"service_area_count": 40}, "cross_check", "service_area_count"),
        ({"tech_staff": 999, "tech_staff_college": 1}, "cross_check", "tech_staff"),
        ({"vehicles": 999}, "cross_check", "vehicles"),
        ({"spare_warehouses": 999}, "cross_check", "spare_warehouses"),
        ({"devices_gas": 99999}, "cross_check", "devices_water"),
    ],
)
def test_cross_checks_name_both_fields(fill, name, code, field):
    res, errs = errors(edit(fill("zj-skpw", seed=4), set_cells(**name)))
    assert (code, field) in errs
    msg = next(e["message"] for e in res["errors"] if e["field"] == field)
    assert "附表" in msg or "超过" in msg


def test_xuzhou_and_datong_cross_checks(fill):
    res, errs = errors(fill("xuzhou-service", {"tasks_completed": 11, "tasks_contracted": 10}))
    assert ("cross_check", "tasks_completed") in errs and "合同总任务数（10）" in res["errors"][0]["message"]
    res, errs = errors(fill("xuzhou-service", {"tasks_contracted": 0, "tasks_completed": 0}))
    assert ("out_of_range", "tasks_contracted") in errs


def test_deleted_sheet_renamed_sheet_and_missing_name(fill):
    res, errs = errors(edit(fill("zj-skpw", seed=2), lambda wb: wb.remove(wb["附表4 基本条件表"])))
    assert ("sheet_missing", "") in errs
    res, errs = errors(edit(fill("zj-skpw", seed=2), lambda wb: setattr(wb["附表1 材料清单"], "title", "材料")))
    # openpyxl (unlike Excel) does not follow a rename in defined names: either way it is reported
    assert errs and errs[0][0] in ("sheet_renamed", "sheet_missing")
    res, errs = errors(edit(fill("zj-skpw", seed=2), lambda wb: wb.defined_names.pop("complaints")))
    assert errs == [("name_missing", "complaints")]


def test_renamed_sheet_as_excel_does_it_names_follow(fill):
    def fn(wb):
        wb["附表5 得分表"].title = "得分"
        for dn in wb.defined_names.values():
            dn.attr_text = dn.attr_text.replace("'附表5 得分表'", "'得分'")

    res, errs = errors(edit(fill("zj-skpw", seed=2), fn))
    assert errs == [("sheet_renamed", "")] and "得分" in res["errors"][0]["message"]


def test_other_scheme_and_other_template_version(fill, tmp_path):
    src = fill("hosting", seed=1)
    wrong = tmp_path / "zj-skpw" / "2026" / "x.xlsx"
    wrong.parent.mkdir(parents=True)
    shutil.copy(src, wrong)
    res, errs = errors(wrong)
    assert errs == [("wrong_scheme", "")] and "托管" in res["errors"][0]["message"]
    res, errs = errors(src, expect_scheme="maturity")
    assert errs == [("wrong_scheme", "")]
    old = edit(fill("hosting", seed=1), lambda wb: wb["_meta"].__setitem__("B2", 0))
    res, errs = errors(old)
    message = res["errors"][0]["message"]
    assert errs == [("template_version", "")] and "模板版本为 0" in message and "第 2 版" in message


def test_an_older_zj_workbook_without_the_printable_pages_is_read(fill):
    def as_v1(wb):
        for name in ("申请书", "附件2 诚信承诺书", "填表说明"):
            wb.remove(wb[name])
        wb["_meta"]["B2"] = 1

    res, errs = errors(edit(fill("zj-skpw", seed=2), as_v1))
    assert errs == [] and res["status"] in ("scored", "incomplete", "ineligible")


def test_an_older_template_whose_fields_mean_the_same_is_read(fill):
    """v1 workbooks (before live formulas) are read and scored exactly like v2 ones."""
    current = fill("maturity", seed=4)
    older = edit(fill("maturity", seed=4), lambda wb: wb["_meta"].__setitem__("B2", 1))
    a, b = errors(current)[0], errors(older)[0]
    assert a["status"] == b["status"] == "scored" and a["total"] == b["total"] and b["errors"] == []


def test_not_our_template(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "某公司"
    wb.save(tmp_path / "plain.xlsx")
    res, errs = errors(tmp_path / "plain.xlsx")
    assert errs == [("not_template", "")]


def test_broken_files(tmp_path, fill):
    (tmp_path / "text.xlsx").write_text("这不是表格", encoding="utf-8")
    (tmp_path / "empty.xlsx").write_bytes(b"")
    good = fill("maturity", seed=1)
    (tmp_path / "cut.xlsx").write_bytes(good.read_bytes()[:3000])
    with zipfile.ZipFile(tmp_path / "nobook.xlsx", "w") as z:
        z.writestr("hello.txt", "hi")
    (tmp_path / "old.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    codes = {p: errors(tmp_path / p)[1] for p in ("text.xlsx", "empty.xlsx", "cut.xlsx", "nobook.xlsx", "old.xlsx")}
    assert codes == {
        "text.xlsx": [("not_xlsx", "")],
        "empty.xlsx": [("not_xlsx", "")],
        "cut.xlsx": [("file_unreadable", "")],
        "nobook.xlsx": [("file_unreadable", "")],
        "old.xlsx": [("not_xlsx", "")],
    }


def test_password_protected_workbook(tmp_path, fill):
    from msoffcrypto.format.ooxml import OOXMLFile

    src = fill("hosting", seed=1)
    with open(src, "rb") as fh, open(tmp_path / "locked.xlsx", "wb") as out:
        OOXMLFile(fh).encrypt("secret", out)
    res, errs = errors(tmp_path / "locked.xlsx")
    assert errs == [("encrypted", "")] and "密码" in res["errors"][0]["message"]


def test_zip_bomb_is_stopped(tmp_path, fill):
    src = fill("hosting", seed=1)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"</sheetData>", b"</sheetData>" + b"<!--" + b" " * (60 * 1024 * 1024) + b"-->")
            zout.writestr(item, data)
    assert bomb.stat().st_size < 1024 * 1024
    res, errs = errors(bomb)
    assert errs == [("too_large", "")]


def test_one_bad_workbook_never_stops_the_others(tmp_path, fill):
    folder = tmp_path / "batch"
    folder.mkdir()
    for i in range(4):
        shutil.copy(fill("hosting", seed=i, overrides={"fraud": "否"}), folder / f"good{i}.xlsx")
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04garbage")
    shutil.copy(edit(fill("hosting", seed=9), set_cells(pts_daily_1=7)), folder / "bad.xlsx")
    (folder / "~$good0.xlsx").write_bytes(b"lock")  # Excel's lock file is skipped
    results = [r.as_json() for r in score_paths([folder])]
    status = {r["file"].rsplit("/", 1)[1]: r["status"] for r in results}
    assert status == {
        "bad.xlsx": "invalid",
        "broken.xlsx": "invalid",
        "good0.xlsx": "scored",
        "good1.xlsx": "scored",
        "good2.xlsx": "scored",
        "good3.xlsx": "scored",
    }


def test_hostile_text_is_kept_as_text(fill):
    name = '<img src=x onerror=alert(1)>../../etc/passwd =HYPERLINK("x")'
    res, errs = errors(fill("maturity", {"org_name": name}, seed=3))
    assert errs == [] and res["org_name"] == name


def test_hostile_file_names_are_just_names(tmp_path, fill):
    src = fill("maturity", seed=3)
    odd = tmp_path / "..;rm -rf ~;<b>.xlsx"
    shutil.copy(src, odd)
    (res,) = [r.as_json() for r in score_paths([odd])]
    assert res["status"] == "scored" and res["file"] == str(odd)


def test_blank_template_is_invalid_with_required_errors(tmp_path):
    res, errs = errors(write_template("xuzhou-service", tmp_path / "blank.xlsx"))
    assert res["status"] == "invalid" and ("required", "org_name") in errs and ("required", "pro_staff") in errs
    assert ("required", "other_adjust") not in errs  # optional, defaults to 0


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
