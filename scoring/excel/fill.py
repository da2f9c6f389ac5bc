"""Fill a template by defined name, the way outside programs do (openpyxl: load, set, save)."""

from __future__ import annotations

import io
import re
import zipfile
from functools import cache
from pathlib import Path

from openpyxl import load_workbook

from ..rubric import load_rubric
from .template import build_template

__all__ = ["fill_template", "template_bytes"]


@cache
def template_bytes(scheme: str) -> bytes:
    buf = io.BytesIO()
    build_template(load_rubric(scheme)).save(buf)
    return buf.getvalue()


def fill_template(scheme: str, values: dict, out: Path | str, tables: dict | None = None) -> Path:
    """Write a filled copy of SCHEME's template: `values` by field id, `tables` as lists of rows."""
    wb = load_workbook(io.BytesIO(template_bytes(scheme)))
    for name, value in values.items():
        ((sheet, ref),) = wb.defined_names[name].destinations
        wb[sheet][ref.replace("$", "")].value = value
    for name, rows in (tables or {}).items():
        ((sheet, ref),) = wb.defined_names[name].destinations
        block = wb[sheet][ref.replace("$", "")]
        for cells, row in zip(block, rows):
            for cell, value in zip(cells, row):
                cell.value = value
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    wb.save(buf)
    out.write_bytes(_without_timestamps(buf.getvalue()))
    return out


def _without_timestamps(data: bytes) -> bytes:
    """The same workbook with fixed zip and document dates: equal entries give equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", body)
            dst.writestr(zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0)), body, zipfile.ZIP_DEFLATED)
    return buf.getvalue()
