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


def test_every_text_field_of_every_scheme_seeded():
    """Seeded: a random unshowable character at a random place of each text field of each scheme is
    refused naming that field (or, a line break or zero-width character in free text, kept), and
    every problem stays one line."""
    from helpers import SCHEMES

    from scoring.fields import BIDI, C1, LINE_BREAKS, NOT_XML, ZERO_WIDTH

    def chars(spec):  # "a-c" ranges as the regex classes write them
        out, i = [], 0
        while i < len(spec):
            if i + 2 < len(spec) and spec[i + 1] == "-":
                out += [chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1)]
                i += 3
            else:
                out.append(spec[i])
                i += 1
        return out

    refused_everywhere = chars(NOT_XML) + chars(C1) + chars(BIDI)
    one_line_only = chars(ZERO_WIDTH) + chars(LINE_BREAKS)
    rnd = random.Random(24)
    for scheme in SCHEMES:
        rubric = load_rubric(scheme)
        one_line = one_line_fields(rubric)
        texts = [fid for fid, f in rubric.fields.items() if f.type == "text"]
        for fid in texts:
            ch = rnd.choice(refused_everywhere + one_line_only)
            base = "甲乙丙丁戊己庚"
            at = rnd.randrange(1, len(base))
            bad, row = _problems(scheme, **{fid: base[:at] + ch + base[at:]})
            if ch in refused_everywhere or fid in one_line:
                assert [b[1] for b in bad] == [fid], (scheme, fid, hex(ord(ch)))
            else:
                assert bad == [] and row.values[fid] == base[:at] + ch + base[at:], (scheme, fid, hex(ord(ch)))
            assert all(p.line().splitlines() == [p.line()] and p.line().count("\t") == 3 for p in row.problems)
