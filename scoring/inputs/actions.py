"""Lifecycle actions from `workbooks/<scheme>/actions.csv`, validated row by row.

Columns: date,credit_code,action,detail,document_no. UTF-8 (with or without BOM) or GB18030, as
Excel saves it. A bad row is reported and skipped, never guessed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..action_kinds import ACTION_KINDS, CHANGE_FIELDS, COLUMN_LABELS, COLUMNS
from ..errors import Problem
from ..fields import bad_character, credit_code_ok
from .files import read_small_file

__all__ = [
    "Action",
    "read_actions",
    "public_detail",
    "change_pairs",
    "returned_with",
    "decode_text",
    "ACTION_KINDS",
    "CHANGE_FIELDS",
    "COLUMNS",
    "COLUMN_LABELS",
]


@dataclass(frozen=True)
class Action:
    scheme: str
    line: int
    date: date
    credit_code: str
    action: str
    detail: str
    document_no: str
    row_hash: str
    changes: tuple[tuple[str, str], ...] = ()  # 变更: (column, new value)
    source: str = "actions.csv"  # the file it came from (actions.csv or actions.xlsx)
    returned: bool = False  # 撤销: the certificate came back with the decision (its detail says so, `returned_with`)


PRIVATE_CHANGES = ("法定代表人",)  # a person's name is never published


def change_pairs(detail: str) -> list[tuple[str, ...]]:
    """`名称=X;地址=Y` (either semicolon, ASCII or full-width) -> [("名称", "X"), ("地址", "Y")]."""
    pairs = [p for p in re.split("[;；]", detail) if p.strip()]
    return [tuple(x.strip() for x in p.split("=", 1)) for p in pairs]


_RETURNED = {"已退回": True, "证书已退回": True, "未退回": False, "证书未退回": False}  # what a 撤销's detail may say alone
_RETURN_ANSWERS = {"是": True, "已退回": True, "否": False, "未退回": False}  # … or as the answer to 是否已退回
_RETURN_QUESTION = re.compile(r"(?:证书)?(?:是否已退回|是否退回|已退回|退回)[:：=](.*)")


def returned_with(detail: str) -> bool | str:
    """Whether a 撤销's detail says the certificate came back with the decision (D21), read strictly:
    each part of the detail (between ; ， , 。) that mentions 退回 must be 已退回 / 未退回 or
    `是否已退回：是` / `：否`; anything else about 退回, or both answers, is what is wrong with it (a str).
    A detail that does not mention 退回 says no."""
    said = set()
    for part in re.split("[;；,，。]", detail):
        part = re.sub(r"\s+", "", part)
        if "退回" not in part:
            continue
        asked = _RETURN_QUESTION.fullmatch(part)
        answer = _RETURN_ANSWERS.get(asked.group(1)) if asked else _RETURNED.get(part)
        if answer is None:
            return (
                f"撤销的说明中“{part}”无法确定证书是否已退回：随撤销决定已退回的写“已退回”（或“是否已退回：是”），"
                "未退回的写“未退回”（或“是否已退回：否”）或不写"
            )
        said.add(answer)
    if len(said) > 1:
        return f"撤销的说明“{detail}”中证书是否已退回前后矛盾"
    return said == {True}


def public_detail(action: str, detail: str) -> str:
    """An action's detail as it may be published: a 变更 without the private fields."""
    if action != "变更":
        return detail
    return "；".join("=".join(p) for p in change_pairs(detail) if p[0] not in PRIVATE_CHANGES)


def decode_text(data: bytes) -> str:
    """A small text file as Excel saves it: UTF-8 (with or without BOM) or GB18030."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ValueError("既不是 UTF-8 也不是 GB18030 编码")


def _csv_rows(path: Path) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(decode_text(read_small_file(path)))))
    except csv.Error as exc:  # an unclosed quote swallowing the rest of the file, a NUL byte …
        raise ValueError(f"不是有效的 CSV（{exc}），请检查引号是否成对") from None


def _cell_text(value) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _xlsx_rows(path: Path) -> list[list[str]]:
    """The first sheet of an actions workbook (`scoring template actions`) as text rows, read by our
    own bounded reader (`xlsxparts.first_sheet_cells`: each part at most 20 MB uncompressed, one
    linear pass), as openpyxl's read-only workbook gave them but for a stale `<dimension>`: every
    row the sheet holds. openpyxl padded each row to the dimension (a 254 KB file: MemoryError after
    87 s), dropped the rows below it, and a number format of unclosed `[` ran its is_date_format
    for hours."""
    import zipfile

    from ..xlsxparts import SheetError, _TooLarge, first_sheet_cells

    data = read_small_file(path)  # the size limit and the not-a-regular-file checks
    broken = "无法作为 Excel 工作簿读取（{}），文件已损坏或不是 .xlsx 工作簿"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:  # declared sizes bound what is read (a zip bomb stops here)
            unpacked = sum(i.file_size for i in z.infolist())
    except Exception as exc:  # BadZipFile, a damaged directory's ValueError, EOFError …
        raise ValueError(broken.format(type(exc).__name__)) from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise ValueError(f"解压后有 {unpacked // 1024 // 1024} MB，超过 {MAX_XLSX_UNPACKED // 1024 // 1024} MB 的上限，可能是异常文件")
    try:
        cells = first_sheet_cells(io.BytesIO(data), XLSX_COLUMNS)
    except SheetError as exc:
        raise ValueError(f"无法作为 Excel 工作簿读取：{exc}") from None
    except _TooLarge as exc:
        raise ValueError(f"工作簿中的 {exc} 解压后过大，可能是异常文件") from None
    except Exception as exc:  # BadZipFile, zlib.error, a zip-encrypted part's RuntimeError, Deflate64's NotImplementedError …
        raise ValueError(broken.format(type(exc).__name__)) from None
    last = max(cells, default=0)
    if last > EXCEL_ROWS:
        raise ActionsTooLong(f"第 {EXCEL_ROWS} 行之后仍有单元格，超过 Excel 的行数上限，文件已损坏")
    rows: list[list[str]] = [BLANK_ROW] * last
    for r, row in cells.items():
        if r >= 1:
            rows[r - 1] = [_cell_text(row.get(c)) for c in range(1, XLSX_COLUMNS + 1)]
    return rows


class ActionsTooLong(ValueError):
    pass


EXCEL_ROWS = 1_048_576
MAX_XLSX_UNPACKED = 20 * 1024 * 1024  # the actions workbook's parts, uncompressed (the template's are ~100 KB)
XLSX_COLUMNS = 32  # the columns read (the template has 5): a cell at XFD would pad every row to 16,384 cells
BLANK_ROW: list[str] = []  # one shared list for every blank row (a cell at row 1048576 makes a million)


def read_actions(path: Path, scheme: str, grades: tuple[str, ...]) -> tuple[list[Action], list[Problem]]:
    """Valid actions and one problem per bad row, from actions.csv or the actions workbook (.xlsx)."""
    if not path.exists() and not path.is_symlink():
        return [], []
    try:
        rows = _xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path)
    except ValueError as exc:  # InputFileError, encoding, not a workbook
        return [], [Problem.of("actions_unreadable", str(path), detail=f"{path}: {exc}")]
    header = [h.strip() for h in (rows[0] if rows else [])]
    if tuple(header[:5]) not in (COLUMNS, COLUMN_LABELS):
        # the header is not echoed: the file could be anything (a link to a private file)
        return [], [Problem.of("actions_unreadable", str(path), detail=f"{path}: 第 1 行应为列名 {','.join(COLUMNS)}")]
    actions: list[Action] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        row = [c.strip() for c in row] + [""] * (5 - len(row))
        d, code, kind, detail, doc = row[:5]
        where = f"{path} 第 {line} 行"
        bad = next((f"“{h}”{b}" for h, v in zip(header, row[:5]) if (b := bad_character(v, one_line=True))), None)
        if bad:  # a line break would forge lines of the report, an invisible character a name
            problems.append(Problem.of("action_invalid", str(path), where=where, detail=bad + "；请删除后重新填写"))
            continue
        long = next(((h, len(v), n) for h, v, n in ((header[3], detail, MAX_DETAIL), (header[4], doc, MAX_DOCUMENT_NO)) if len(v) > n), None)
        if long:  # a 文号 of 120,000 characters in a 撤销 held the night over ten minutes (its letter, notice, pages)
            problems.append(Problem.of("action_invalid", str(path), where=where, detail=f"“{long[0]}”不超过 {long[2]} 个字，实际 {long[1]} 个字"))
            continue
        checked = _check_row(d, code, kind, detail, grades)
        if isinstance(checked, str):
            problems.append(Problem.of("action_invalid", str(path), where=where, detail=checked))
            continue
        when, code, detail, changes, returned = checked
        digest = hashlib.sha256("\x1f".join((scheme, when.isoformat(), code, kind, detail, doc)).encode()).hexdigest()
        if digest in seen:
            problems.append(Problem.of("action_invalid", str(path), where=where, detail=f"与第 {seen[digest]} 行完全相同"))
            continue
        seen[digest] = line
        actions.append(Action(scheme, line, when, code, kind, detail, doc, digest, changes, path.name, returned))
    return actions, problems


MAX_DETAIL, MAX_DOCUMENT_NO = 1000, 100  # 说明 and 文号 of a row: far beyond any real one (浙环监协〔2026〕1号)
CHANGE_MAX_LENGTH = {"名称": 100, "地址": 200, "法定代表人": 50}  # the forms' max_length of the name, address and legal representative


def _check_row(d: str, code: str, kind: str, detail: str, grades: tuple[str, ...]) -> tuple[date, str, str, tuple, bool] | str:
    """A row's (date, credit code, detail, 变更 pairs, 撤销 with the certificate returned), normalised,
    or what is wrong with it."""
    try:
        when = date.fromisoformat(d)
    except ValueError:
        when = None
    if when is None or not date(2000, 1, 1) <= when <= date(2099, 12, 31):
        return f"日期“{d}”应为 YYYY-MM-DD"
    code = code.upper()
    if not credit_code_ok(code):
        return f"统一社会信用代码“{code}”有误"
    if kind not in ACTION_KINDS:
        return f"操作“{kind}”应为 {'、'.join(ACTION_KINDS)} 之一"
    if kind == "降级" and detail not in grades:
        return f"降级须在 detail 中填写新的等级（{'、'.join(grades)}），实际为“{detail}”"
    if kind == "证书退回":
        detail = detail.upper()
        if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{0,39}", detail):
            return f"证书退回须在 detail 中填写退回的证书编号（如 ZJSK-2026-0001），实际为“{detail}”"
    changes: tuple = ()
    if kind == "变更":
        parsed = change_pairs(detail)
        if not parsed or any(
            len(p) != 2 or p[0] not in CHANGE_FIELDS or not p[1] or (p[0] in ("分立", "合并") and not credit_code_ok(p[1].upper())) for p in parsed
        ):
            return (
                "变更须在 detail 中填写“字段=新值”（字段为 名称、法定代表人、地址，分立、合并填写另一机构的统一社会信用代码，"
                f"多项用分号分隔），实际为“{detail}”"
            )
        changes = tuple((CHANGE_FIELDS[k], v.upper() if k in ("分立", "合并") else v) for k, v in parsed)
        fields = [p[0] for p in parsed]
        twice = next((k for k in fields if fields.count(k) > 1), None)
        if twice:  # one of the two would be dropped without a word
            return f"变更的“{twice}”填写了两次（“{detail}”），每个字段只能填写一次"
        long = next(((k, v) for k, v in parsed if len(v) > CHANGE_MAX_LENGTH.get(k, 100)), None)
        if long:  # as long as the form's own field takes (a name of 5,000 characters took the night minutes, in every PDF and page)
            return f"变更的“{long[0]}”不超过 {CHANGE_MAX_LENGTH.get(long[0], 100)} 个字，实际 {len(long[1])} 个字"
        if any(k in ("split", "merge") and v == code for k, v in changes):
            return f"分立、合并须填写另一机构的统一社会信用代码，不能填写本机构自己的（{code}）"
    returned = returned_with(detail) if kind == "撤销" else False
    if isinstance(returned, str):
        return returned
    return when, code, detail, changes, returned
