"""Nothing one workbook holds stops the others (second attack of issue 24): a zip the reader cannot
undo (zip-level encryption, Deflate64), a number no int64 holds, or a failure no check foresaw is a
problem of that file; the night publishes the rest. Before, each stopped `publish` and `nightly`
with 程序内部错误 — every night, the file never being recorded."""

import re
import struct
import zipfile
from datetime import date
from pathlib import Path

from helpers import ORGS, A, B, write_round, zj_workbook

import scoring.pipeline as pipeline
from scoring.jobs import publish


def _rewrite(src: Path, dst: Path, part: str, fn) -> Path:
    with zipfile.ZipFile(src) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts[part] = fn(parts[part].decode()).encode()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return dst


def _encrypted(src: Path, dst: Path) -> Path:
    data = bytearray(src.read_bytes())
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = 0
        while (i := data.find(sig, i)) >= 0:
            data[i + off] |= 1
            i += 4
    dst.write_bytes(bytes(data))
    return dst


def _deflate64(src: Path, dst: Path) -> Path:
    data = bytearray(src.read_bytes())
    for sig, off in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        i = 0
        while (i := data.find(sig, i)) >= 0:
            data[i + off : i + off + 2] = struct.pack("<H", 9)
            i += 4
    dst.write_bytes(bytes(data))
    return dst


def test_an_unforeseen_failure_is_a_problem_of_its_file(tmp_path, monkeypatch):
    path = zj_workbook(tmp_path / "a.xlsx", A, ORGS[A])

    def broken(*args, **kwargs):
        raise ArithmeticError("no check foresaw this")

    monkeypatch.setattr(pipeline, "parse_workbook", broken)
    row = pipeline.read_one(str(path))
    assert [p.code for p in row.problems] == ["file_unreadable"] and "ArithmeticError" in row.problems[0].message


def test_hostile_workbooks_do_not_stop_the_publish(tmp_path):
    wb = tmp_path / "workbooks"
    rnd = wb / "zj-skpw" / "2026-1"
    write_round(rnd, "第一批", "2026-10-12")
    zj_workbook(rnd / f"{A}.xlsx", A, ORGS[A], application="2026-09-01")
    other = zj_workbook(tmp_path / "b.xlsx", B, ORGS[B], application="2026-09-01")
    _encrypted(other, rnd / "encrypted.xlsx")
    _deflate64(other, rnd / "deflate64.xlsx")
    huge = _rewrite(other, rnd / "huge.xlsx", "xl/worksheets/sheet5.xml", lambda x: re.sub(r"<v>200</v>", "<v>-1E+300</v>", x))
    assert "-1E+300" in zipfile.ZipFile(huge).read("xl/worksheets/sheet5.xml").decode()
    res = publish(wb, tmp_path / "public", date(2026, 11, 20), tmp_path / "registry.sqlite")
    by_file: dict[str, set[str]] = {}
    for p in res.report.problems:
        by_file.setdefault(Path(p.file).name, set()).add(p.code)
    assert by_file == {
        "encrypted.xlsx": {"file_unreadable"},
        "deflate64.xlsx": {"file_unreadable"},
        "huge.xlsx": {"out_of_range", "cross_check"},
    }  # the column total no longer adds up either
    assert len(res.report.new_results) == 1 and A in res.report.new_results[0]
