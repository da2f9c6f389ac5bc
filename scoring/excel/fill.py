"""Fill a template by defined name, the way outside programs do (openpyxl: load, set, save)."""
from __future__ import annotations

import io
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
    wb.save(out)
    return out
