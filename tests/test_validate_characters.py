"""validate: which text fields are one line (issue 24, class 2). The organisation's particulars
(identity, public, roles) and a table's names hold no line break or invisible character; free text
(介绍、评估意见) keeps its line breaks; every refusal names the cell."""

import random

from scoring.fields import parse_value
from scoring.rubric import load_rubric
from scoring.samples import random_entry
from scoring.validate import NOTE, one_line_fields, parse_workbook, raw_from_values


def _problems(scheme, tables=None, **values):
    base, tabs = random_entry(scheme, random.Random(1), 1.0)
    base.update(values)
    row = parse_workbook(raw_from_values(scheme, base, tables if tables is not None else tabs))
    return [(p.code, p.field, p.sheet, p.cell) for p in row.problems if p.code == "bad_character"], row


def test_particulars_are_one_line_fields():
    assert {"org_name", "credit_code", "reg_address", "legal_rep"} <= one_line_fields(load_rubric("zj-skpw"))
    assert {"org_name", "address", "legal_rep"} <= one_line_fields(load_rubric("datong-filing"))
    assert "intro" not in one_line_fields(load_rubric("datong-filing"))


def test_a_name_with_a_zero_width_character_is_refused_naming_its_cell():
    bad, row = _problems("datong-filing", org_name="大同甲\u200b运维有限公司", address="大同市\n某路1号", intro="第一段\n第二段")
    assert sorted(b[1] for b in bad) == ["address", "org_name"] and all(b[2] and b[3] for b in bad)
    assert row.values["org_name"] != "大同甲\u200b运维有限公司"


def test_free_text_keeps_its_line_breaks():
    bad, row = _problems("datong-filing", intro="第一段\n第二段")
    assert bad == [] and row.values["intro"] == "第一段\n第二段"
    assert parse_value(NOTE, "意见一\n意见二") == "意见一\n意见二"


def test_a_table_name_is_one_line():
    base, tabs = random_entry("zj-skpw", random.Random(1), 1.0)
    rows = [list(r) for r in tabs["service_areas"]]
    rows[0][0] = "杭州\n西湖区"
    bad, _ = _problems("zj-skpw", tables={**tabs, "service_areas": rows})
    assert [b[1] for b in bad] == ["service_areas"] and bad[0][3].startswith("B")
