"""Round folder names that are the names of the site's own files: the round's page takes a hashed
URL part, the build never collides."""

from datetime import date

import pytest
from helpers import ORGS, A, write_round, zj_workbook

from scoring.jobs import publish
from scoring.publish.pages import safe_slug

TOP_LEVEL = ["index", "README", "method", "feed.xml", "about", "assets", "data", "org", "certificates", "notices", "verify", "search"]
TOP_LEVEL += ["pagefind", "sitemap.xml", "sitemap.xml.gz", "404.html", "index.html", "robots.txt", "favicon.ico"]


@pytest.mark.parametrize("name", TOP_LEVEL + [n.upper() for n in TOP_LEVEL] + ["Readme", "readme.md", "Feed.XML", "index.md"])
def test_a_site_file_name_is_never_a_round_slug(name):
    slug = safe_slug(name)
    assert slug.startswith("r-") and slug == safe_slug(name)


@pytest.mark.parametrize("name", ["2026-1", "2027-q4", "batch.2", "feeder-2026", "readme2026", "data2026"])
def test_ordinary_round_names_are_kept(name):
    assert safe_slug(name) == name


def test_rounds_named_like_site_files_are_published(tmp_path):
    # before: `feed.xml` made a folder where the scheme's feed.xml is written (File exists),
    # `README` was MkDocs' index of the folder (page missing): the whole build failed, every night
    wb = tmp_path / "workbooks"
    for name in ("feed.xml", "README", "index.html"):
        write_round(wb / "zj-skpw" / name, f"第{name}批", "2026-10-12")
    zj_workbook(wb / "zj-skpw" / "feed.xml" / f"{A}.xlsx", A, ORGS[A], application="2026-09-01")
    res = publish(wb, tmp_path / "public", date(2026, 11, 20), tmp_path / "registry.sqlite")
    assert res.report.problems == []
    site = tmp_path / "public"
    assert (site / "zj-skpw" / "feed.xml").is_file()  # the scheme's feed, as before
    for name in ("feed.xml", "README", "index.html"):
        assert (site / "zj-skpw" / safe_slug(name) / "index.html").is_file()
    assert A in (site / "zj-skpw" / safe_slug("feed.xml") / "index.html").read_text(encoding="utf-8")
