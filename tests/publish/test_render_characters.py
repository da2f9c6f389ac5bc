"""Bidirectional controls a registry of an older version may hold (new input refuses them) are
never printed: the templates' `finalize`, the listing rows, the feeds and the open data remove them;
other text as it is."""

import zipfile
from datetime import date

import pytest
from helpers import ingest_on, zj_workbook

from scoring.jobs import publish
from scoring.publish.config import load_site_config
from scoring.publish.render import environment, listing_rows

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_every_printed_value_loses_its_bidi_controls():
    env = environment(load_site_config())
    page = env.from_string("{{ name }}|{{ name | md }}|{{ name | yaml_title }}|{{ safe }}")
    text = page.render(name=f"杭州{BIDI}司公限有", safe=env.from_string("{{ x }}").render(x="a\u202eb"))
    assert not any(c in text for c in BIDI)
    assert text == '杭州司公限有|杭州司公限有|"杭州司公限有"|ab'
    assert env.from_string("{{ name }}").render(name="杭州（A&B）运维服务有限公司 <x>") == "杭州（A&amp;B）运维服务有限公司 &lt;x&gt;"


def test_the_listing_rows_lose_them_too():
    row = {"total": 91.5, "org_name": "杭州\u202e司公限有", "credit_code": "91330100MA2XXXXXX1", "address": "杭州市\u2066某路\u2069"}
    row |= {
        "outcome": "3A",
        "rank": 1,
        "round": "2026年度第一批",
        "province": "浙江省",
        "city": "杭州市",
        "fail": False,
        "veto": False,
        "status": "有效",
    }
    env = environment(load_site_config())
    html = env.from_string("{{ listing_rows(rows, 'a/', {}, True, True) }}").render(rows=[row])
    assert html == str(listing_rows([row | {"org_name": "杭州司公限有", "address": "杭州市某路"}], "a/", {}, True, True))


@pytest.mark.slow
def test_a_registry_recorded_by_an_older_version_with_bidi_controls_publishes_none(small_world, monkeypatch):
    tmp, wb, r1 = small_world
    db = tmp / "registry.sqlite"
    zj_workbook(r1 / "rlo.xlsx", "杭州\u202e司公限有务服维运", "3A", reg_address="杭州市\u2066某路\u2069")
    import scoring.fields

    with monkeypatch.context() as m:  # the version before bad_character recorded such a name as it was
        m.setattr(scoring.fields, "bad_character", lambda text, one_line=False: None, raising=False)
        rep = ingest_on(db, wb, "2026-10-12")
    assert any("\u202e" in r for r in rep.new_results)
    publish(wb, tmp / "site", date(2026, 10, 12), db)
    site = (tmp / "site").resolve()
    texts = {p: p.read_text(encoding="utf-8") for p in site.rglob("*") if p.suffix in (".html", ".xml", ".json", ".csv") and p.is_file()}
    for book in site.glob("data/*.xlsx"):  # the open data's spreadsheets
        with zipfile.ZipFile(book) as z:
            texts |= {book / n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}
    assert texts and not [p for p, text in texts.items() if any(c in text for c in BIDI)]
    for where in ("/org/", "data/results.json", "data/results.csv", "data/results.xlsx"):
        assert any("杭州司公限有务服维运" in text for p, text in texts.items() if where in str(p)), where
