"""Filled workbooks print on A4: every official sheet, no column cut, signature blocks present."""

import random
import re
import shutil
import subprocess

import pytest
from conftest import SCHEMES

from scoring.excel.fill import fill_template
from scoring.samples import random_entry

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")), reason="LibreOffice and poppler-utils are installed by .ci/run"),
]
LAST_COLUMN = {"zj-skpw": "得分", "maturity": "6.1 评分档", "datong-filing": "填写说明", "xuzhou-service": "考核结果", "hosting": "得分"}
MAX_PAGES = {"zj-skpw": 10, "maturity": 6, "datong-filing": 5, "xuzhou-service": 5, "hosting": 5}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("print")
    for scheme in SCHEMES:
        values, tables = random_entry(scheme, random.Random(f"print-{scheme}"), 0.8)
        fill_template(scheme, values, tmp / f"{scheme}.xlsx", tables)
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp), *map(str, sorted(tmp.glob("*.xlsx")))],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return tmp


@pytest.mark.parametrize("scheme", SCHEMES)
def test_prints_on_a4_without_cut_columns_and_with_signatures(pdfs, scheme):
    pdf = pdfs / f"{scheme}.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert (round(width), round(height)) == (595, 842)  # A4 portrait, in points
    assert 2 <= pages <= MAX_PAGES[scheme]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert LAST_COLUMN[scheme] in text  # the rightmost column made it onto the page
    assert "签字" in text and "日期" in text and "填表说明" in text
    assert re.search(r"第 \d+ 页，共 \d+ 页", text)  # page numbers in the footer
