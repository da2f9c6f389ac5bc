"""Marked copies of workbooks with problems: what a clerk sends back to an organisation.

The original file is never touched. In the copy, every problem cell is highlighted and carries a
comment with the Chinese message, and a first sheet 问题清单 lists all problems with links to the
cells.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink

__all__ = ["annotate", "annotated_name"]

MARK = PatternFill("solid", fgColor="FF9999")
CELL = re.compile(r"^[A-Z]{1,3}\d+$")


def annotated_name(source: str, out_dir: Path) -> Path:
    """`<name>（问题批注）.xlsx` inside out_dir; only the file's own name is used, never its path."""
    stem = Path(source).name.removesuffix(".xlsx").removesuffix(".XLSX") or "评估表"
    target = out_dir / f"{stem}（问题批注）.xlsx"
    n = 2
    while target.exists():
        target = out_dir / f"{stem}（问题批注{n}）.xlsx"
        n += 1
    return target


def annotate(source: str, errors: list[dict], out_dir: Path) -> Path | None:
    """Write the marked copy; None when the file cannot be opened (the problem list says why)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = annotated_name(source, out_dir)
    try:
        shutil.copyfile(source, target)
        wb = load_workbook(target)
    except Exception:  # unreadable, encrypted, not a workbook: nothing to mark
        target.unlink(missing_ok=True)
        return None
    listing = wb.create_sheet("问题清单", 0)
    listing.sheet_properties.tabColor = "C00000"
    listing.append(["序号", "工作表", "单元格", "字段", "问题"])
    for c in listing[1]:
        c.font = Font(bold=True)
    for width, col in zip((6, 20, 10, 26, 90), "ABCDE"):
        listing.column_dimensions[col].width = width
    for i, e in enumerate(errors, 1):
        sheet, ref = e.get("sheet") or "", e.get("cell") or ""
        listing.append([i, sheet, ref, e.get("field") or "", e["message"]])
        row = listing.max_row
        listing.cell(row, 5).alignment = Alignment(wrap_text=True, vertical="top")
        if sheet in wb.sheetnames and CELL.match(ref):
            target_cell = wb[sheet][ref]
            target_cell.fill = MARK
            old = target_cell.comment.text + "\n" if target_cell.comment else ""
            target_cell.comment = Comment(old + f"[{i}] {e['message']}", "评估系统", width=320, height=120)
            link = listing.cell(row, 3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quote_sheetname(sheet)}!{ref}", display=ref)
            link.font = Font(color="0563C1", underline="single")
    wb.active = 0
    wb.save(target)
    return target
