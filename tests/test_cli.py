"""The `scoring` command as interfaces.md specifies it."""

import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from helpers import SCHEMES

from scoring.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["template"],
        ["check"],
        ["score"],
        ["registry"],
        ["registry", "ingest"],
        ["registry", "certificates"],
        ["registry", "show"],
        ["registry", "export"],
        ["registry", "verify"],
        ["publish"],
        ["nightly"],
        ["office"],
        ["office", "certificates"],
        ["office", "documents"],
        ["office", "due"],
    ],
)
def test_every_command_has_help_in_chinese(command):
    res = run(*command, "--help")
    assert res.exit_code == 0 and res.output.startswith("用法：") and "选项" in res.output and len(res.output) > 150
    body = res.output.split("\n\n", 1)[1]  # after the usage block
    # the description and section heads (option help wraps onto deeply indented continuation lines)
    prose = [line for line in body.splitlines() if line.strip() and not line.strip().startswith("-") and len(line) - len(line.lstrip()) < 20]
    assert prose and all(any("\u4e00" <= ch <= "\u9fff" for ch in line) for line in prose[:3]), prose[:3]


def test_python_dash_m_and_console_script_work():
    out = subprocess.run([sys.executable, "-m", "scoring", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "template" in out.stdout


@pytest.mark.parametrize("scheme", SCHEMES)
def test_template_writes_a_readable_workbook(tmp_path, scheme):
    res = run("template", scheme, "-o", tmp_path / "t.xlsx")
    assert res.exit_code == 0 and (tmp_path / "t.xlsx").stat().st_size > 5000
    res = run("check", tmp_path / "t.xlsx")
    assert res.exit_code == 1 and "[required]" in res.output


def test_usage_errors_exit_2_and_say_错误(tmp_path):
    res = run("template", "no-such-scheme", "-o", tmp_path / "x.xlsx")
    assert res.exit_code == 2 and "错误：" in res.output and "Error" not in res.output
    res = run("score")
    assert res.exit_code == 2 and "错误：缺少参数" in res.output


def test_check_exit_codes_and_lines(tmp_path, fill):
    good = fill("hosting", seed=1, overrides={"fraud": "否"})
    res = run("check", good)
    assert res.exit_code == 0 and res.output.strip().endswith("0 份有问题")
    bad = fill("hosting", seed=2, overrides={"pts_daily_1": 9})
    res = run("check", good, bad)
    assert res.exit_code == 1
    line = next(x for x in res.output.splitlines() if x.startswith(str(bad)))
    file, where, field, message = line.split("\t")
    assert where.startswith("表C.1") and "!" in where and field == "pts_daily_1" and "[out_of_range]" in message


def test_score_json_follows_the_contract(tmp_path, fill):
    good = fill("zj-skpw", seed=3, quality=1.0, overrides={f"mat_app_{i:02d}": "是" for i in range(1, 13)})
    missing = fill("zj-skpw", seed=4, overrides={"mat_app_03": "否"})
    bad = fill("zj-skpw", seed=5, overrides={"tech_staff_college": 9999})
    out = tmp_path / "r.json"
    res = run("score", good, missing, bad, tmp_path / "nope.xlsx", "--json", out)
    assert res.exit_code == 1
    assert "已计分 1，无效 2，材料不全 1，不符合申请条件 0" in res.output
    results = json.loads(out.read_text(encoding="utf-8"))
    assert [r["status"] for r in results] == ["scored", "incomplete", "invalid", "invalid"]
    r = results[0]
    assert list(r)[:13] == [
        "file",
        "scheme",
        "status",
        "org_name",
        "credit_code",
        "errors",
        "items",
        "sections",
        "total",
        "grade",
        "veto",
        "failed_conditions",
        "reasons",
    ]
    assert r["scheme"] == "zj-skpw" and len(r["credit_code"]) == 18
    for v in list(r["items"].values()) + list(r["sections"].values()) + [r["total"]]:
        assert isinstance(v, (int, float)) and round(v, 2) == v
    assert set(r["sections"]) == {"运营能力", "运维质量", "日常运营", "加分项"}
    e = results[2]["errors"][0]
    assert set(e) >= {"sheet", "cell", "field", "message"} and e["field"] == "tech_staff_college"
    assert "技术人员总数（" in e["message"] and "tech_staff" not in e["message"]  # the other field, named in words


def test_score_all_scored_exits_0(tmp_path, fill):
    paths = [fill("maturity", seed=s) for s in range(3)]
    res = run("score", *paths, "--json", tmp_path / "r.json")
    assert res.exit_code == 0 and "已计分 3" in res.output


def test_registry_commands_on_the_bundled_samples(tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "workbooks"
    db = tmp_path / "r.sqlite"
    res = run("registry", "ingest", "--workbooks", root, "--today", "2026-11-25", "--db", db)
    assert res.exit_code == 0 and "新证书/备案" in res.output and "[无效评估表]" in res.output
    again = run("registry", "ingest", "--workbooks", root, "--today", "2026-11-25", "--db", db)
    assert "新结果 0，更正 0，新公告/公示 0，新证书/备案 0" in again.output
    res = run("registry", "certificates", "--today", "2026-11-25", "--db", db)
    lines = res.output.strip().splitlines()
    assert res.exit_code == 0 and lines and all(x.split("\t")[3] == "有效" for x in lines)
    code = lines[0].split("\t")[7]
    res = run("registry", "show", code, "--today", "2026-11-25", "--db", db)
    assert res.exit_code == 0 and code in res.output and "证书" in res.output
    res = run("registry", "show", "91330100MA2XXXXX0X", "--db", db)
    assert res.exit_code == 1 and res.output.startswith("错误：")
    name = lines[0].split("\t")[6]
    res = run("registry", "show", name, "--today", "2026-11-25", "--db", db)  # the full name finds it ...
    assert res.exit_code == 0 and code in res.output
    twin = "太原安澜环保科技有限公司"  # ... even when it is part of another's name (the samples' “（二）”)
    res = run("registry", "show", twin, "--today", "2026-11-25", "--db", db)
    assert res.exit_code == 0 and "（二）" not in res.output.splitlines()[0]
    res = run("registry", "show", "安澜环保", "--today", "2026-11-25", "--db", db)  # a fragment of both names asks which
    assert res.exit_code == 1 and "有 2 个机构" in res.output
    res = run("registry", "certificates", "--due", "--today", "2026-11-25", "--db", db)
    assert res.exit_code == 0 and "没有需要申请复审的证书" in res.output
    res = run("registry", "export", "--out", tmp_path / "data", "--today", "2026-11-25", "--db", db)
    assert res.exit_code == 0 and (tmp_path / "data" / "certificates.csv").exists()
    assert run("registry", "certificates", "--db", tmp_path / "none.sqlite").exit_code == 1
    assert run("registry", "ingest", "--today", "2026-02-30", "--db", db).exit_code == 2


def test_check_annotate_writes_marked_copies(tmp_path, fill):
    from openpyxl import load_workbook

    good = fill("hosting", seed=1, overrides={"fraud": "否"})
    bad = fill("zj-skpw", seed=5, overrides={"tech_staff_college": 9999, "complaints": "很多"}, name="某公司.xlsx")
    before = bad.read_bytes()
    (tmp_path / "junk.xlsx").write_text("not a workbook")
    res = run("check", good, bad, tmp_path / "junk.xlsx", "--annotate", tmp_path / "marked")
    assert res.exit_code == 1
    assert bad.read_bytes() == before  # the original is untouched
    marked = tmp_path / "marked" / "某公司（问题批注）.xlsx"
    assert sorted(p.name for p in (tmp_path / "marked").iterdir()) == [marked.name]
    wb = load_workbook(marked)
    assert wb.sheetnames[0] == "问题清单"
    listing = wb["问题清单"]
    rows = list(listing.iter_rows(min_row=2, values_only=True))
    assert {r[5] for r in rows} == {"tech_staff_college", "complaints"} and listing.column_dimensions["F"].hidden  # ids hidden
    assert {r[3] for r in rows} == {"具有大专以上学历的技术人员数（人）", "运维期间投诉次数"}  # the form's own item names
    assert not any(re.search(r"[a-z]+_[a-z]+", r[4]) for r in rows)  # no field id in a message
    assert listing.page_setup.fitToWidth == 1 and listing.sheet_properties.pageSetUpPr.fitToPage  # one A4 page wide
    for r in listing.iter_rows(min_row=2):
        sheet, ref = r[1].value, r[2].value
        assert r[2].hyperlink.location == f"'{sheet}'!{ref}"
        cell = wb[sheet][ref]
        assert cell.comment and r[4].value in cell.comment.text
        assert cell.fill.fgColor.rgb.endswith("FF9999")


def test_annotated_copy_marks_empty_cells_apart_from_wrong_ones(tmp_path, fill):
    from openpyxl import load_workbook

    bad = fill("datong-filing", seed=2, overrides={"credit_code": "91140200MA0KXXXXX0"}, drop=("vehicles",), name="某公司.xlsx")
    res = run("check", bad, "--annotate", tmp_path / "marked")
    assert res.exit_code == 1
    wb = load_workbook(tmp_path / "marked" / "某公司（问题批注）.xlsx")
    rows = {r[5].value: r for r in wb["问题清单"].iter_rows(min_row=2)}
    empty, wrong = rows["vehicles"], rows["credit_code"]
    assert empty[4].value.startswith("【待填写】") and wb[empty[1].value][empty[2].value].fill.fgColor.rgb.endswith("FFEB9C")
    assert wb[wrong[1].value][wrong[2].value].fill.fgColor.rgb.endswith("FF9999")
    assert wrong[4].value.count("统一社会信用代码") == 1  # the label said once


def test_init_writes_an_instance_the_commands_read_and_never_overwrites_it(tmp_path, monkeypatch):
    folder = tmp_path / "xh"
    res = run("init", folder, "--scheme", "hosting", "--issuer", "某某协会", "--site-url", "https://pj.example.net/")
    assert res.exit_code == 0 and "下一步" in res.output
    assert (folder / "workbooks" / "hosting").is_dir() and (folder / "使用说明.md").is_file() and (folder / "office").is_dir()
    toml = (folder / "scoring.toml").read_text(encoding="utf-8")
    assert 'schemes = ["hosting"]' in toml and 'issuer = "某某协会"' in toml and "https://pj.example.net/" in toml
    again = run("init", folder)
    assert again.exit_code == 1 and "已存在" in again.output and (folder / "scoring.toml").read_text(encoding="utf-8") == toml
    monkeypatch.chdir(folder / "workbooks")  # a folder below the instance finds it
    res = run("registry", "certificates")
    assert res.exit_code == 1 and str(folder / "registry.sqlite") in res.output  # the instance's registry, not ./registry.sqlite


def test_serve_previews_the_site_with_its_own_404(tmp_path):
    import socket
    import time
    import urllib.error
    import urllib.request

    out = tmp_path / "public"
    out.mkdir()
    (out / "index.html").write_text("<h1>首页</h1>", encoding="utf-8")
    (out / "404.html").write_text("<h1>页面不存在（404）</h1>", encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "scoring", "serve", "--out", str(out), "--port", str(port)], cwd=tmp_path)
    try:
        for _ in range(50):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert "首页" in page
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no/such/page/", timeout=2)
        assert missing.value.code == 404 and "页面不存在" in missing.value.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
