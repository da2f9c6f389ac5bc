"""publish.render's feeds and page titles against text a registry of an older version may hold
(issue 24, class 2): no character XML 1.0 forbids in a feed, none YAML may not hold raw in a page's
front matter; ordinary text written as it is."""

from datetime import date
from xml.etree import ElementTree as ET

import yaml

from scoring.publish.render import _yaml_title, write_feed


def _notice(title, kind="公示"):
    return {"id": 1, "title": title, "published": "2026-10-12", "period_end": "2026-10-19", "kind": kind}


def test_a_feed_never_holds_a_character_xml_forbids(tmp_path):
    path = tmp_path / "feed.xml"
    bad = "杭州\uffff运维\x01服务\ufffe有限公司\x1f"
    write_feed(path, [_notice(bad, kind="公\x0b示")], "https://example.org/", {1: "notices/1.md"}, date(2026, 10, 12), {1: bad})
    root = ET.parse(path).getroot()
    text = ET.tostring(root, encoding="unicode")
    assert "杭州\ufffd运维\ufffd服务\ufffd有限公司\ufffd" in text and "公\ufffd示" in text


def test_a_feed_of_ordinary_text_is_written_as_it_is(tmp_path):
    path = tmp_path / "feed.xml"
    title = "2026年度第一批 & <评估> “结果”\t公示"
    write_feed(path, [_notice(title)], "https://example.org/", {1: "notices/1.md"}, date(2026, 10, 12))
    (entry,) = ET.parse(path).getroot().iter("{http://www.w3.org/2005/Atom}entry")
    assert entry.find("{http://www.w3.org/2005/Atom}title").text == title


def test_a_page_title_is_yaml_front_matter_whatever_it_holds():
    for title in ("关于注销衢州\uffff运维\x9b服务\x7f有限公司的公告", "控制\x01字符", "行\u2028分隔"):
        assert yaml.safe_load(f"title: {_yaml_title(title)}") == {"title": title}
    assert str(_yaml_title("2026年度 & <第一批>")) == '"2026年度 &amp; &lt;第一批&gt;"'  # as it always was
