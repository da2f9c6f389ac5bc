"""One character never stops publishing (issue 24, class 2): a name holding a character XML 1.0
cannot carry, a bidirectional control, a zero-width character or a line break is refused naming its
cell, the other workbooks are published, and the next publish works."""

from datetime import date
from xml.etree import ElementTree as ET

import pytest
from helpers import A, B, zj_workbook

from scoring.jobs import publish

BAD_NAMES = {
    "ffff.xlsx": "杭州\uffff运维服务有限公司",
    "rlo.xlsx": "杭州\u202e司公限有务服维运",
    "zwsp.xlsx": "杭州甲\u200b运维服务有限公司",
    "newline.xlsx": "杭州乙运维服务有限公司\n  [新证书/备案] 伪造的证书",
}


@pytest.mark.slow
def test_a_bad_character_in_a_name_is_refused_naming_the_cell_and_the_site_still_publishes(small_world):
    tmp, wb, r1 = small_world
    for file, name in BAD_NAMES.items():
        zj_workbook(r1 / file, name, "3A")
    result = publish(wb, tmp / "site", date(2026, 10, 12), tmp / "registry.sqlite")
    problems = result.report.workbook_problems
    for file in BAD_NAMES:
        (key,) = [k for k in problems if k.endswith(file)]
        p = next(p for p in problems[key] if p.field == "org_name")
        assert p.code == "bad_character" and p.sheet and p.cell, p
        assert "\n" not in p.message and "\uffff" not in p.message
    assert len(result.report.new_results) == 2 and all(any(n in r for r in result.report.new_results) for n in (A, B))
    ET.parse(tmp / "site" / "feed.xml")
    for file in BAD_NAMES:
        (r1 / file).unlink()
    publish(wb, tmp / "site", date(2026, 10, 13), tmp / "registry.sqlite")
    ET.parse(tmp / "site" / "feed.xml")
