"""Marked copies of workbooks with problems: what a clerk sends back to an organisation.

The original file is never touched. In the copy, every problem cell is highlighted (an empty
required cell in yellow, a wrong entry in red) and carries a comment with the Chinese message, and
a first sheet 问题清单 lists all problems by the form's own item names, with links to the cells,
printable on A4 one page wide. Field ids stay in a hidden column for whoever scripts the fixes.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink

from .reader import MAX_PART_BYTES, _open_problem

__all__ = ["annotate", "annotated_name", "READ_REFUSED", "MAX_MARKED_BYTES"]

READ_REFUSED = frozenset({"file_unreadable", "too_large", "not_xlsx", "encrypted"})  # the reader's codes for a file it did not read
MAX_MARKED_BYTES = MAX_PART_BYTES  # the whole workbook uncompressed: openpyxl loads every part, and ~50 times its size

MARK = PatternFill("solid", fgColor="FF9999")  # a wrong entry
EMPTY_MARK = PatternFill("solid", fgColor="FFEB9C")  # a required cell left empty
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


def _within_bounds(source: str) -> bool:
    """Whether openpyxl may load the file: what the reader opens (`_open_problem`), a zip whose parts
    are each within the reader's bound and all together within MAX_MARKED_BYTES, uncompressed, as
    the zip's directory declares (openpyxl stops at the declared size too). Nothing is decompressed:
    a zip bomb the reader refused took openpyxl 69 s and 3.6 GB."""
    if _open_problem(Path(source)):
        return False
    try:
        with zipfile.ZipFile(source) as zf:
            sizes = [i.file_size for i in zf.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    return max(sizes, default=0) <= MAX_PART_BYTES and sum(sizes) <= MAX_MARKED_BYTES


def annotate(source: str, errors: list[dict], out_dir: Path, labels: dict[str, str] | None = None) -> Path | None:
    """Write the marked copy; None when the file cannot be opened (the problem list says why), and
    without opening it when it is beyond the reader's bounds. `labels` maps field ids to the form's
    item names (the rubric's labels)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if not _within_bounds(source):
        return None
    target = annotated_name(source, out_dir)
    try:
        shutil.copyfile(source, target)
        wb = load_workbook(target)
    except Exception:  # unreadable, encrypted, not a workbook: nothing to mark
        target.unlink(missing_ok=True)
        return None
    labels = labels or {}
    listing = wb.create_sheet("问题清单", 0)
    listing.sheet_properties.tabColor = "C00000"
    listing.append(["序号", "工作表", "单元格", "项目", "问题", "字段"])
    for c in listing[1]:
        c.font = Font(bold=True)
    for width, col in zip((6, 18, 9, 24, 70, 20), "ABCDEF"):
        listing.column_dimensions[col].width = width
    listing.column_dimensions["F"].hidden = True  # field ids: for scripts, not for the clerk
    top = Alignment(wrap_text=True, vertical="top")
    for i, e in enumerate(errors, 1):
        sheet, ref, field = e.get("sheet") or "", e.get("cell") or "", e.get("field") or ""
        empty = e.get("code") == "required"
        listing.append([i, sheet, ref, labels.get(field, ""), ("【待填写】" if empty else "") + e["message"], field])
        row = listing.max_row
        for wrapped in (2, 4, 5):
            listing.cell(row, wrapped).alignment = top
        if sheet in wb.sheetnames and CELL.match(ref):
            target_cell = wb[sheet][ref]
            target_cell.fill = EMPTY_MARK if empty else MARK
            old = target_cell.comment.text + "\n" if target_cell.comment else ""
            target_cell.comment = Comment(old + f"[{i}] {e['message']}", "评估系统", width=320, height=120)
            link = listing.cell(row, 3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quote_sheetname(sheet)}!{ref}", display=ref)
            link.font = Font(color="0563C1", underline="single")
    listing.print_title_rows = "1:1"
    listing.page_setup.paperSize = listing.PAPERSIZE_A4
    listing.page_setup.orientation = "portrait"
    listing.page_setup.fitToWidth, listing.page_setup.fitToHeight = 1, 0
    listing.sheet_properties.pageSetUpPr.fitToPage = True
    listing.print_area = f"A1:E{listing.max_row}"
    listing.oddFooter.center.text = "第 &P 页，共 &N 页"
    wb.active = 0
    wb.save(target)
    return target
