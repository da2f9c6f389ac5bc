"""One character never stops publishing (issue 24, class 2): a name holding a character XML 1.0
cannot carry, a bidirectional control, a zero-width character or a line break is refused naming its
cell, the other workbooks are published, and the next publish works."""

from datetime import date
from xml.etree import ElementTree as ET

import pytest
from helpers import A, B, ingest_on, zj_workbook

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


@pytest.mark.slow
def test_a_registry_recorded_by_an_older_version_with_a_bad_name_still_publishes_a_valid_feed(small_world, monkeypatch):
    tmp, wb, r1 = small_world
    db = tmp / "registry.sqlite"
    zj_workbook(r1 / "ffff.xlsx", "杭州\uffff运维\ufdd0服务有限公司", "3A", reg_address="杭州市\ufdd0某路")
    import scoring.fields

    with monkeypatch.context() as m:  # the version before bad_character recorded such a name as it was
        m.setattr(scoring.fields, "bad_character", lambda text, one_line=False: None, raising=False)
        rep = ingest_on(db, wb, "2026-10-12")
    assert len(rep.new_results) == 3 and any("\uffff" in r for r in rep.new_results)
    publish(wb, tmp / "site", date(2026, 10, 12), db)
    for feed in (tmp / "site" / "feed.xml", tmp / "site" / "zj-skpw" / "feed.xml"):
        text = ET.tostring(ET.parse(feed).getroot(), encoding="unicode")
        assert "杭州\ufffd运维\ufffd服务有限公司" in text and "\uffff" not in text
    publish(wb, tmp / "site", date(2026, 10, 13), db)


@pytest.mark.slow
def test_a_notice_titled_with_such_a_name_still_builds(world, monkeypatch):
    """A 注销公告 is titled with the organisation's name, and a page title is YAML front matter, which
    may not hold U+FFFF or a C1 control raw: the front matter was unreadable, the page titled by its
    file name and its front matter shown as a heading."""
    tmp, wb, db = world
    r1 = wb / "zj-skpw" / "2025-1"
    zj_workbook(r1 / "ffff.xlsx", "衢州\uffff运维服务有限公司", "3A")
    import scoring.fields
    import scoring.inputs.actions
    from scoring.samples import credit_code

    with monkeypatch.context() as m:  # the version before bad_character recorded such a name as it was
        m.setattr(scoring.fields, "bad_character", lambda text, one_line=False: None, raising=False)
        m.setattr(scoring.inputs.actions, "bad_character", lambda text, one_line=False: None, raising=False)
        ingest_on(db, wb, "2025-12-01")
    import random

    code = credit_code(random.Random("衢州\uffff运维服务有限公司"))
    (wb / "zj-skpw" / "actions.csv").write_text(
        f"date,credit_code,action,detail,document_no\n2026-01-05,{code},注销,机构申请注销,\n", encoding="utf-8"
    )
    result = publish(wb, tmp / "site", date(2026, 1, 5), db)
    assert any("注销" in n and "\uffff" in n for n in result.report.notices)
    feed = ET.tostring(ET.parse(tmp / "site" / "feed.xml").getroot(), encoding="unicode")
    assert "关于注销衢州\ufffd运维服务有限公司" in feed
    (page,) = (tmp / "site" / "notices").glob("2026-01-05-*/index.html")
    html = page.read_text(encoding="utf-8")
    assert "<title>关于注销衢州\uffff运维服务有限公司评估证书的公告 - " in html and 'id="title"' not in html  # no front matter in the body
