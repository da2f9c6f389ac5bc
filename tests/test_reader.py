"""The fast reader returns exactly what openpyxl reads, on every template and many fills."""

import random
import shutil
import subprocess
from datetime import datetime

import pytest
from conftest import SCHEMES
from openpyxl import load_workbook

from scoring.excel.reader import read_raw, read_raw_openpyxl
from scoring.excel.template import write_template
from scoring.pipeline import score_paths
from scoring.rubric import load_rubric
from scoring.validate import wanted_names


def same(path):
    fast, ref = read_raw(path), read_raw_openpyxl(path)
    assert fast.fatal is None and ref.fatal is None
    assert fast.sheets == ref.sheets
    assert fast.names == ref.names
    assert (fast.scheme, fast.version) == (ref.scheme, ref.version)
    assert fast.cells == ref.cells
    assert fast.blocks == ref.blocks
    return fast


@pytest.mark.parametrize("scheme", SCHEMES)
def test_blank_templates_read_the_same(tmp_path, scheme):
    raw = same(write_template(scheme, tmp_path / f"{scheme}.xlsx"))
    assert raw.scheme == scheme and raw.version == load_rubric(scheme).template_version
    assert all(c.value is None for name, c in raw.cells.items() if not name.startswith("template_"))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_many_fills_read_the_same(fill, scheme):
    for seed in range(12):
        same(fill(scheme, seed=seed, quality=random.Random(seed).random()))


def test_awkward_cell_contents_read_the_same(tmp_path, fill):
    path = fill("zj-skpw", seed=5)
    wb = load_workbook(path)
    dn = wb.defined_names

    def cell(name):
        ((sheet, ref),) = dn[name].destinations
        return wb[sheet][ref.replace("$", "")]

    cell("transmission_rate").value = 0.935
    cell("transmission_rate").number_format = "0.0%"
    cell("ledger_entry_rate").value = "９８.５"
    cell("founded_date").value = "2015-03-01"
    cell("application_date").value = datetime(2026, 3, 1, 0, 0)
    cell("org_name").value = '  <b>杭州&amp;"某"公司</b>\t '
    cell("remarks").value = "=1+1"  # a formula typed into an input cell
    cell("vehicles").value = True
    cell("tech_staff").value = " 12 "
    cell("email").value = "a_x000D_b"
    wb.save(path)
    raw = same(path)
    assert raw.cells["transmission_rate"].value == 0.935 and "%" in raw.cells["transmission_rate"].number_format
    assert raw.cells["remarks"].formula


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")
def test_a_workbook_saved_by_libreoffice_reads_the_same_and_scores_the_same(tmp_path, fill):
    """LibreOffice (like Excel) writes shared strings and its own styles: the other code path."""
    src = fill("zj-skpw", seed=21, name="orig.xlsx")
    out = tmp_path / "lo"
    subprocess.run(
        ["soffice", "--headless", "--calc", "--convert-to", "xlsx", "--outdir", str(out), str(src)], check=True, capture_output=True, timeout=180
    )
    converted = out / "orig.xlsx"
    raw = same(converted)
    assert raw.scheme == "zj-skpw"
    before, after = score_paths([src])[0].as_json(), score_paths([converted])[0].as_json()
    for key in ("status", "total", "grade", "items", "errors"):
        assert before[key] == after[key], key


def test_only_the_wanted_names_are_read(fill):
    path = fill("hosting", seed=1)
    raw = read_raw(path, wanted_names)
    assert set(raw.cells) == set(wanted_names("hosting", 1)) | {"template_scheme", "template_version"}
