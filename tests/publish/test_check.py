"""check_site's outside-link check: text holding "http://" is not a link (before: any "http://" on
the home page refused the build; a round title or an organisation's name holding one — recorded
before the build — stopped every later publish for good)."""

from datetime import date

import pytest
from helpers import ORGS, A, write_round, zj_workbook

from scoring.jobs import publish
from scoring.publish.check import check_site
from scoring.publish.outcome import PublishError


def _site(tmp_path, body: str):
    site = tmp_path / "site"
    (site / "data").mkdir(parents=True)
    for name in ("certificates", "results", "notices"):
        (site / "data" / f"{name}.json").write_text("[]", encoding="utf-8")
    for name in ("certificates", "results"):
        (site / "data" / f"{name}.csv").write_text("a\n", encoding="utf-8")
    (site / "feed.xml").write_text('<feed xmlns="http://www.w3.org/2005/Atom"/>', encoding="utf-8")
    (site / "index.html").write_text(f'<svg xmlns="http://www.w3.org/2000/svg"></svg><article>{body}</article>', encoding="utf-8")
    return site


@pytest.mark.parametrize(
    "text",
    [
        "第七批 http://evil.example/x.png",
        '<a href="org/x/" data-name="名称http://x">名称http://x</a>',
        "&lt;img src=&#34;http://evil/x.png&#34;&gt;",
        "href=http://x",
    ],
)
def test_text_holding_http_is_not_an_outside_link(tmp_path, text):
    site = _site(tmp_path, text)
    (site / "org" / "x").mkdir(parents=True)
    (site / "org" / "x" / "index.html").write_text("", encoding="utf-8")
    check_site(site, ["index.html"])


@pytest.mark.parametrize(
    "tag",
    ['<img src="http://cdn.example/x.png">', "<link rel='stylesheet' href='http://fonts.example/a.css'>", '<script src= "http://x/y.js">'],
)
def test_a_real_outside_link_is_still_refused(tmp_path, tag):
    with pytest.raises(PublishError, match="外部主机"):
        check_site(_site(tmp_path, tag), ["index.html"])


def test_a_round_title_with_an_address_publishes_and_keeps_publishing(tmp_path):
    wb = tmp_path / "workbooks"
    write_round(wb / "zj-skpw" / "2026-7", "第七批 http://evil.example/x.png", "2026-10-12")
    zj_workbook(wb / "zj-skpw" / "2026-7" / f"{A}.xlsx", A, ORGS[A], application="2026-09-01")
    for today in (date(2026, 11, 20), date(2026, 11, 21)):
        res = publish(wb, tmp_path / "public", today, tmp_path / "registry.sqlite")
        assert res.report.problems == []
    assert "http://evil.example/x.png" in (tmp_path / "public" / "index.html").read_text(encoding="utf-8")
