"""Zips the reader cannot undo, and names stretched backwards (second attack of issue 24): each is a
problem of its file or read as Excel reads it — before, each was a 程序内部错误 from check/score,
and in a round folder it stopped every night's publish (the file never recorded)."""

import random
import re
import struct
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoring.cli import main
from scoring.excel.fill import fill_template
from scoring.excel.reader import expand, read_raw, split_destination
from scoring.pipeline import read_one
from scoring.samples import random_entry
from scoring.validate import wanted_names


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    values, tables = random_entry("zj-skpw", random.Random(7), 1.0)
    return fill_template("zj-skpw", values, tmp_path_factory.mktemp("archive") / "base.xlsx", tables)


def _patched(base: Path, out: Path, local: int, central: int, value: int, field: str = "<H", mask: bool = False) -> Path:
    """`base` with one field of every local header (offset `local`) and central record (`central`) set."""
    data = bytearray(base.read_bytes())
    for sig, off in ((b"PK\x03\x04", local), (b"PK\x01\x02", central)):
        i = 0
        while (i := data.find(sig, i)) >= 0:
            if mask:
                data[i + off] |= value
            else:
                data[i + off : i + off + 2] = struct.pack(field, value)
            i += 4
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("method", [9, 98])  # Deflate64, PPMd: zipfile raises NotImplementedError
def test_a_compression_method_zipfile_lacks_is_file_unreadable(tmp_path, base, method):
    path = _patched(base, tmp_path / "m.xlsx", 8, 10, method)
    assert read_raw(path, wanted_names).fatal[0] == "file_unreadable"
    assert [p.code for p in read_one(str(path)).problems] == ["file_unreadable"]


def test_a_part_encrypted_by_the_zip_is_file_unreadable(tmp_path, base):
    path = _patched(base, tmp_path / "e.xlsx", 6, 8, 1, mask=True)  # general-purpose flag bit 0: RuntimeError
    assert read_raw(path, wanted_names).fatal[0] == "file_unreadable"
    assert [p.code for p in read_one(str(path)).problems] == ["file_unreadable"]


def test_a_range_written_backwards_is_read_as_excel_reads_it(tmp_path, base):
    with zipfile.ZipFile(base) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    book = parts["xl/workbook.xml"].decode()
    m = re.search(r'<definedName name="service_areas">([^<]*)</definedName>', book)
    sheet, ref = m[1].rsplit("!", 1)
    first, last = ref.split(":")
    parts["xl/workbook.xml"] = book.replace(m[0], f'<definedName name="service_areas">{sheet}!{last}:{first}</definedName>').encode()
    path = tmp_path / "rev.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert expand("F32:B3") == expand("B3:F32")
    assert read_one(str(path)).problems == read_one(str(base)).problems
    assert read_one(str(path)).values == read_one(str(base)).values


@pytest.mark.parametrize("ref", ["$C$99999999999999999999", "$C$" + "9" * 5000, "$C$0", "$C$1048577", "$XFE$19", "$C$3:$F$1048577"])
def test_a_name_off_excels_grid_is_a_broken_name(ref):
    # before: read as a cell, and `check --annotate` died in openpyxl (Row numbers must be between 1 and 1048576)
    assert split_destination(f"'附表2 申请表'!{ref}") is None


def test_a_workbook_naming_a_cell_off_the_grid_is_checked_and_annotated(tmp_path, base, monkeypatch):
    with zipfile.ZipFile(base) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    book = parts["xl/workbook.xml"].decode()
    parts["xl/workbook.xml"] = re.sub(r'(<definedName name="staff_on_duty">[^!<]*!)[^<]*', r"\1$C$99999999999999999999", book).encode()
    path = tmp_path / "offgrid.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert "name_missing" in {p.code for p in read_one(str(path)).problems if p.field == "staff_on_duty"}
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(main, ["check", "--today", "2026-12-01", "--annotate", "marked", str(path)])
    assert out.exit_code == 1 and "程序内部错误" not in out.output and (tmp_path / "marked").is_dir()
    assert list((tmp_path / "marked").iterdir())
