"""The public view is an allow-list: only workbook fields the rubric flags `public: true` reach the
site (pages, open data, feeds, certificate records), and the office keeps every particular."""

from __future__ import annotations

import random
import shutil
from datetime import date
from pathlib import Path

import pytest

from scoring import rubric as rubric_module
from scoring.excel.fill import fill_template
from scoring.jobs import publish
from scoring.registry import open_registry, public_view
from scoring.registry.public import Certificate, PublishedResult, address_public_everywhere, published_fields
from scoring.rubric import load_rubric
from scoring.samples import complete_application, credit_code, random_entry

TODAY = date(2026, 11, 25)
PACKAGE_RUBRICS = rubric_module.RUBRIC_DIR
ADDRESS = "浙江省杭州市公开路88号"  # zj-skpw's reg_address: flagged public
# every free-text field of zj-skpw that the rubric does not flag public, each with a value that
# must never be published
SECRETS = {
    "office_address": "秘密办公路1号",
    "legal_rep": "秘密甲",
    "legal_rep_title": "秘密职务",
    "legal_rep_phone": "13900000001",
    "contact_person": "秘密乙",
    "contact_title": "秘密职称",
    "contact_phone": "13900000002",
    "phone": "0571-99990000",
    "fax": "0571-99990001",
    "email": "secret@example.invalid",
    "remarks": "秘密备注",
    "basic_1_note": "秘密评估意见",
}


def _instance(tmp: Path) -> Path:
    wb = tmp / "workbooks" / "zj-skpw" / "2026-1"
    wb.mkdir(parents=True)
    (wb / "round.toml").write_text('title = "2026年度第一批"\nnotice_date = 2026-11-02\n', encoding="utf-8")
    for i in range(3):
        values, tables = random_entry("zj-skpw", random.Random(i), 1.0)
        complete_application(values, 2026)
        values.update(SECRETS, org_name=f"公开测试环保有限公司{i}", credit_code=credit_code(random.Random(100 + i)), reg_address=ADDRESS)
        fill_template("zj-skpw", values, wb / f"{i}.xlsx", tables)
    return tmp / "workbooks"


def _published_text(out: Path) -> str:
    """Every text file of the built site, concatenated (HTML, Markdown sources, JSON, CSV, XML, SVG)."""
    site = out.resolve()
    parts = []
    for f in sorted(site.rglob("*")):
        if f.is_file() and f.suffix in (".html", ".json", ".csv", ".xml", ".svg", ".txt", ".js"):
            parts.append(f.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def flagged(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("allow")
    wb = _instance(tmp)
    publish(wb, tmp / "public", TODAY, tmp / "registry.sqlite", office=tmp / "office")
    return tmp


def test_no_unflagged_field_is_published(flagged):
    text = _published_text(flagged / "public")
    assert "公开测试环保有限公司0" in text and ADDRESS in text  # the flagged fields are there
    leaked = {f: v for f, v in SECRETS.items() if v in text}
    assert leaked == {}
    # … while the registry and the office have them
    office = "\n".join(p.read_text(encoding="utf-8") for p in (flagged / "office").rglob("*.html"))
    assert ADDRESS in office


def test_view_records_are_typed_and_frozen(flagged):
    with open_registry(flagged / "registry.sqlite", write=False) as con:
        view = public_view(con, TODAY)
    assert view.results and all(isinstance(r, PublishedResult) for r in view.results)
    assert all(isinstance(c, Certificate) for c in view.certificates)
    r = view.results[0]
    with pytest.raises(AttributeError):
        r.org_name = "x"  # type: ignore[misc]
    assert r["org_name"] == r.org_name and r.get("nothing") is None
    # no record type has a field for a private particular
    names = {f for rec in (view.results[0], *view.certificates[:1]) for f in rec.keys()}
    assert not names & {"legal_rep", "entries", "notes", "file", "contact_person", "email", "phone"}


def test_unflagging_a_field_removes_it_everywhere(tmp_path, monkeypatch, flagged):
    """The same workbooks with reg_address no longer flagged public: the address is on no page,
    in no open data file or certificate record; the office still prints it."""
    rubrics = tmp_path / "rubrics"
    shutil.copytree(PACKAGE_RUBRICS, rubrics)
    yaml = rubrics / "zj-skpw.yaml"
    text = yaml.read_text(encoding="utf-8")
    flag = "reg_address: {type: text, label: 注册地址, required: true, public: true,"
    assert flag in text
    yaml.write_text(text.replace(flag, "reg_address: {type: text, label: 注册地址, required: true,"), encoding="utf-8")
    _use_rubrics(monkeypatch, rubrics)
    assert "reg_address" not in published_fields("zj-skpw") and not address_public_everywhere()
    assert "org_name" in published_fields("zj-skpw")

    wb = _instance(tmp_path)
    publish(wb, tmp_path / "public", TODAY, tmp_path / "registry.sqlite", office=tmp_path / "office")
    text = _published_text(tmp_path / "public")
    assert "公开测试环保有限公司0" in text and ADDRESS not in text
    office = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "office").rglob("*.html"))
    assert ADDRESS in office
    # and flagged again, the same registry publishes it
    _use_rubrics(monkeypatch, PACKAGE_RUBRICS)
    publish(wb, tmp_path / "public", TODAY, tmp_path / "registry.sqlite", force=True)
    assert ADDRESS in _published_text(tmp_path / "public")


def _use_rubrics(monkeypatch, folder: Path) -> None:
    """Load rubrics from `folder` from now on (the loader's and the allow-list's caches emptied;
    emptied again when the test ends, see `_fresh_rubrics`)."""
    monkeypatch.setattr(rubric_module, "RUBRIC_DIR", folder)
    _clear_rubric_caches()
    assert load_rubric("zj-skpw")


def _clear_rubric_caches() -> None:
    from scoring import rubric_data

    for module in (rubric_module, rubric_data):
        for fn in vars(module).values():
            if callable(getattr(fn, "cache_clear", None)):
                fn.cache_clear()
    published_fields.cache_clear()
    address_public_everywhere.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_rubrics():
    yield
    _clear_rubric_caches()
