"""The marked copy (`scoring check --annotate`) of a workbook, never made of one beyond the reader's
bounds: openpyxl loads a file whole, and a zip bomb the reader refused took it 69 s and 3.6 GB."""

import random
import subprocess
import sys
import zipfile

import pytest

from scoring.excel.fill import fill_template
from scoring.samples import random_entry

GIB = 1 << 30
pytestmark = pytest.mark.slow  # the bomb takes ~5 s to compress


def zip_bomb(src, out, size=GIB):
    """`src` with its sheet parts each followed by `size` bytes of spaces in a comment (valid XML,
    ~1 MB compressed), written by chunks: never `size` bytes in memory."""
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":
                head, tail = data.split(b"</sheetData>", 1)
                with zout.open(item.filename, "w", force_zip64=True) as fh:
                    fh.write(head + b"</sheetData><!--")
                    for _ in range(size // len(chunk)):
                        fh.write(chunk)
                    fh.write(b"-->" + tail)
            else:
                zout.writestr(item, data)
    return out


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bomb")
    values, tables = random_entry("hosting", random.Random(1), 0.9)
    out = zip_bomb(fill_template("hosting", values, folder / "hosting.xlsx", tables), folder / "bomb.xlsx")
    assert out.stat().st_size < 4 * 1024 * 1024
    return out


def test_a_zip_bomb_is_never_loaded_to_be_marked(tmp_path, bomb):
    code = "import sys; from pathlib import Path; from scoring.excel.annotate import annotate; "
    code += "print(annotate(sys.argv[1], [{'code': 'too_large', 'message': '过大'}], Path(sys.argv[2])))"
    res = subprocess.run([sys.executable, "-c", code, str(bomb), str(tmp_path / "marked")], capture_output=True, text=True, timeout=60)
    assert res.stdout == "None\n", res.stderr
    assert list((tmp_path / "marked").iterdir()) == []


def test_check_annotate_says_a_refused_workbook_is_not_marked(tmp_path, bomb, fill):
    bad = fill("zj-skpw", seed=5, overrides={"complaints": "很多"}, name="某公司.xlsx")
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook")
    args = [sys.executable, "-m", "scoring", "check", str(bomb), str(junk), str(bad), "--annotate", str(tmp_path / "marked")]
    res = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert res.returncode == 1, res.stderr
    assert "[too_large]" in res.stdout and "[not_xlsx]" in res.stdout
    assert f"未生成批注副本（读取时已拒绝：工作簿中的 xl/worksheets/sheet2.xml 解压后过大，可能是异常文件，已停止读取）：{bomb}" in res.stderr
    assert f"未生成批注副本（读取时已拒绝：不是 Excel 工作簿（.xlsx）文件，或文件已损坏）：{junk}" in res.stderr
    assert sorted(p.name for p in (tmp_path / "marked").iterdir()) == ["某公司（问题批注）.xlsx"]  # the others still marked
