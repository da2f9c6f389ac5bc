"""A clerk's own commands never lose a filled workbook, never write into the live site, and say a
broken registry in Chinese (the second attack of issue 24)."""

from __future__ import annotations

import hashlib
from datetime import date

from click.testing import CliRunner

from scoring.cli import main
from scoring.jobs import publish


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_template_is_never_written_over_an_existing_workbook(fill):
    filled = fill("hosting", seed=3)
    before = filled.read_bytes()
    res = run("template", "hosting", "-o", filled)
    assert res.exit_code == 1 and "已存在，未覆盖" in res.output and "--force" in res.output
    assert filled.read_bytes() == before  # the evaluator's entries are still there
    res = run("template", "hosting", "-o", filled, "--force")
    assert res.exit_code == 0 and filled.read_bytes() != before


def test_a_new_template_and_an_empty_file_are_written_as_before(tmp_path):
    assert run("template", "hosting", "-o", tmp_path / "new.xlsx").exit_code == 0
    empty = tmp_path / "empty.xlsx"
    empty.touch()
    assert run("template", "hosting", "-o", empty).exit_code == 0 and empty.stat().st_size > 0


def test_open_data_is_never_exported_into_the_published_site(tmp_path, fill):
    wb = tmp_path / "workbooks"
    round_dir = wb / "hosting" / "2026"
    round_dir.mkdir(parents=True)
    (round_dir / "round.toml").write_text('title = "2026年度托管服务"\nnotice_date = 2026-11-02\n', encoding="utf-8")
    fill("hosting", seed=1).rename(round_dir / "a.xlsx")
    db = tmp_path / "registry.sqlite"
    publish(wb, tmp_path / "public", date(2026, 11, 25), db)
    data = (tmp_path / "public" / "data").resolve()
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in data.iterdir()}
    for target in (tmp_path / "public" / "data", tmp_path / "public"):
        res = run("registry", "export", "--out", target, "--db", db, "--today", "2026-12-01")
        assert res.exit_code == 1 and "在已发布的网站之内" in res.output
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in data.iterdir()} == digests
    res = run("registry", "export", "--out", tmp_path / "export", "--db", db, "--today", "2026-12-01")
    assert res.exit_code == 0 and (tmp_path / "export" / "certificates.json").is_file()


def test_verify_of_a_damaged_registry_is_said_in_chinese(tmp_path):
    db = tmp_path / "registry.sqlite"
    db.write_bytes(b"this is not a database, it was cut short" * 200)
    res = run("registry", "verify", "--db", db)
    assert res.exit_code == 1 and "登记库文件已损坏" in res.output
    assert "Traceback" not in res.output and "程序内部错误" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
