"""Read the defined-name cells of filled workbooks.

`read_raw` is the hot path: it opens the xlsx zip itself and parses only what it needs — the
workbook's defined-name table, the number formats, the shared strings and the cells that the
names point at. `read_raw_openpyxl` does the same through openpyxl; tests prove both return the
same RawWorkbook on every template and many fills. Neither interprets values: that is
`scoring.fields`' job, so both readers feed the very same validation.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from ..fields import ParseError
from ..xlsxparts import (  # noqa: F401  (_is_date_format: the tests' too)
    _ATTR,
    _CELL,
    _DEFNAME,
    _F,
    _IS,
    _REL,
    _SHEET,
    _SI,
    _V,
    MAX_PART_BYTES,
    _between,
    _cast_number,
    _is_date_format,
    _styles,
    _text_of,
    _TooLarge,
    _unescape,
    _Zip,
)
from .template import META_SCHEME, META_VERSION

__all__ = ["RawCell", "RawWorkbook", "Unreadable", "read_raw", "read_raw_openpyxl", "MAX_FILE_BYTES", "MAX_PART_BYTES"]

MAX_FILE_BYTES = 20 * 1024 * 1024  # a filled form is ~30 KB; anything this big is not one
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class Unreadable(str):
    """The value of a cell the reader cannot decode: a shared-string index that is no string's, a
    date, number or boolean that is not one. The rest of the workbook is read as usual; validation
    refuses this cell alone, naming it and its field, whatever the field's type: every parser of
    `scoring.fields` makes text of a value (`str()`) before it accepts or shows it, and that raises
    the cell's ParseError. Its own text is one NUL, so it is never blank, a choice, a date or a code."""

    code: str
    message: str

    def __new__(cls, code: str, message: str) -> Unreadable:
        self = super().__new__(cls, "\x00")
        self.code, self.message = code, message
        return self

    def __str__(self) -> str:
        raise ParseError(self.code, self.message)

    def __repr__(self) -> str:
        return f"Unreadable({self.code!r}, {self.message!r})"

    def __reduce__(self):
        return Unreadable, (self.code, self.message)


@dataclass(frozen=True)
class RawCell:
    value: Any  # str, int, float, bool, datetime/date/time, or None
    number_format: str = "General"
    formula: bool = False
    sheet: str = ""
    cell: str = ""


@dataclass
class RawWorkbook:
    path: str
    sheets: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # name -> its destination as written ('Sheet'!$A$1)
    cells: dict[str, RawCell] = field(default_factory=dict)  # single-cell names
    blocks: dict[str, list[list[RawCell]]] = field(default_factory=dict)  # range names, row-major
    oversized: dict[str, tuple[int, int]] = field(default_factory=dict)  # range names too large to read: (rows, columns)
    scheme: str | None = None
    version: Any = None
    fatal: tuple[str, str] | None = None  # (problem code, message) when the file can't be read


# --- reference parsing -------------------------------------------------------------------------------

MAX_ROW, MAX_COLUMN = 1_048_576, 16_384  # Excel's grid: A1:XFD1048576
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def split_destination(text: str) -> tuple[str, str] | None:
    """`'附表2 申请表'!$C$3` -> ('附表2 申请表', 'C3'); None when broken (#REF!) or not a cell ref."""
    text = text.strip()
    if "!" not in text:
        return None
    sheet, _, ref = text.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    m = _REF.match(ref)
    if not m or "#REF" in sheet:
        return None
    corners = [(m[1], m[2])] + ([(m[3], m[4])] if m[3] else [])
    if any(not (len(r) <= 7 and 1 <= int(r) <= MAX_ROW and col_index(c) <= MAX_COLUMN) for c, r in corners):  # int() of 5,000 digits raises
        return None  # `C99999999999999999999`, `ZZZ1`, `A0`: off Excel's grid, no cell of any sheet (openpyxl refuses it)
    ref = f"{m[1]}{m[2]}" + (f":{m[3]}{m[4]}" if m[3] else "")
    return sheet, ref


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


MAX_RANGE_CELLS = 5000  # the largest table of any template is far smaller; a name stretched past it is not read


def range_shape(ref: str) -> tuple[int, int]:
    """`B3:F32` -> (30, 5)."""
    m = _REF.match(ref)
    if m is None:
        raise ValueError(f"not a cell range: {ref!r}")
    c1, r1 = col_index(m[1]), int(m[2])
    c2, r2 = (col_index(m[3]), int(m[4])) if m[3] else (c1, r1)
    return abs(r2 - r1) + 1, abs(c2 - c1) + 1


def expand(ref: str) -> list[list[str]]:
    m = _REF.match(ref)
    if m is None:
        raise ValueError(f"not a cell range: {ref!r}")
    c1, r1 = col_index(m[1]), int(m[2])
    c2, r2 = (col_index(m[3]), int(m[4])) if m[3] else (c1, r1)
    (c1, c2), (r1, r2) = sorted((c1, c2)), sorted((r1, r2))  # `F32:B3` is `B3:F32`, as Excel reads it (and range_shape)
    return [[f"{col_letters(c)}{r}" for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]


def _open_problem(path: Path) -> tuple[str, str] | None:
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        return "file_unreadable", f"无法打开文件：{exc.strerror or exc}"
    if size > MAX_FILE_BYTES:
        return "too_large", f"文件大小 {size // 1024 // 1024} MB，超过 {MAX_FILE_BYTES // 1024 // 1024} MB 上限，不是正常的评估表"
    if head == OLE_MAGIC:
        with open(path, "rb") as fh:
            data = fh.read(1 << 20)
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            return "encrypted", "工作簿设置了打开密码，无法读取；请取消密码后重新保存为 .xlsx"
        return "not_xlsx", "这是旧版 Excel（.xls）或其他格式的文件；请用本系统生成的 .xlsx 模板填写"
    if head[:2] != b"PK":
        return "not_xlsx", "不是 Excel 工作簿（.xlsx）文件，或文件已损坏"
    return None


def _started(path: Path) -> RawWorkbook:
    """A RawWorkbook for `path`, with `fatal` set when the file cannot even be opened as xlsx
    (both readers classify broken files the same way)."""
    wb = RawWorkbook(str(path))
    wb.fatal = _open_problem(path)
    return wb


def _unreadable(exc: Exception) -> tuple[str, str]:
    return "file_unreadable", f"文件已损坏或不是有效的 .xlsx 工作簿（{type(exc).__name__}）"


def read_raw(path: str | Path, wanted: Callable | None = None) -> RawWorkbook:
    """Read a workbook's defined names and the cells they point at.

    `wanted(scheme, version)` returns the set of names to read once the template's scheme is
    known (None: every defined name).
    """
    path = Path(path)
    wb = _started(path)
    if wb.fatal:
        return wb
    try:
        _read_into(_Zip(path), wb, wanted)
    except _TooLarge as exc:
        wb.fatal = ("too_large", f"工作簿中的 {exc} 解压后过大，可能是异常文件，已停止读取")
    # zlib.error: a part's compressed bytes damaged (its header and sizes intact)
    # RuntimeError: a part encrypted by the zip itself (no password); NotImplementedError: a compression
    # method zipfile cannot undo (Deflate64, PPMd …) — both a file's problem, never the night's
    except (
        zipfile.BadZipFile,
        zlib.error,
        KeyError,
        ValueError,
        UnicodeDecodeError,
        EOFError,
        OSError,
        IndexError,
        RuntimeError,
        NotImplementedError,
    ) as exc:
        wb.fatal = _unreadable(exc)
    return wb


def _read_into(z: _Zip, wb: RawWorkbook, wanted) -> None:
    book = z.text("xl/workbook.xml")
    if book is None:
        raise KeyError("xl/workbook.xml")
    date1904 = bool(re.search(r'date1904="(1|true)"', book))
    epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
    rels = {}
    for m in _REL.finditer(z.text("xl/_rels/workbook.xml.rels") or ""):
        a = dict(_ATTR.findall(m[1]))
        target = a.get("Target", "")
        target = target[1:] if target.startswith("/") else "xl/" + target
        rels[a.get("Id")] = target
    sheet_part = {}
    for m in _SHEET.finditer(book):
        a = dict(_ATTR.findall(m[1]))
        name = _unescape(a.get("name", ""))
        wb.sheets.append(name)
        # the relationships namespace's prefix is the writer's choice (r:id, rel:id, ns1:id …)
        rid = next((v for k, v in a.items() if k.endswith(":id")), None)
        sheet_part[name] = rels.get(rid)
    local: dict[str, str] = {}
    for m in _DEFNAME.finditer(book):
        a = dict(_ATTR.findall(m[1]))
        name = _unescape(a.get("name", ""))
        target = (name, _unescape(m[2]))
        if name.startswith("_xlnm."):  # print areas/titles: not data
            continue
        if "localSheetId" in a:
            local.setdefault(name, target[1])
        else:
            wb.names[name] = target[1]
    for name, text in local.items():  # a sheet-scoped name only fills a gap
        wb.names.setdefault(name, text)

    styles = _styles(z.text("xl/styles.xml") or "")
    shared: list[str] | None = None  # the shared strings' XML, read once
    texts: dict[int, str] = {}  # shared string index -> its text, made once however many cells show it
    parts: dict[str, dict[str, tuple] | None] = {}  # sheet part -> its cells, parsed once whichever sheets name it
    fetched: dict[tuple[str, str], RawCell] = {}  # each cell decoded once however many names point at it
    date_formats: dict[str, bool] = {}  # each number format looked at once however many cells have it

    def dated(fmt: str) -> bool:
        if fmt not in date_formats:
            date_formats[fmt] = _is_date_format(fmt)
        return date_formats[fmt]

    def sheet_cells(sheet: str) -> dict | None:
        nonlocal shared
        part = sheet_part.get(sheet)
        if not part:
            return None
        if part not in parts:
            xml = z.text(part)
            if xml is None:
                parts[part] = None
            else:
                if shared is None:
                    shared = _SI.findall(z.text("xl/sharedStrings.xml") or "")
                parts[part] = _cells(xml)
        return parts[part]

    def shared_text(v: str) -> str:
        assert shared is not None  # read with the first sheet
        i = int(v)
        if not 0 <= i < len(shared):  # -1 is no string's, not the last one's
            have = f"序号只有 0 到 {len(shared) - 1}" if shared else "没有共享字符串"
            return Unreadable("cell_unreadable", f"单元格内容已损坏：指向序号为 {_shown(v)} 的共享字符串，工作簿中{have}；请重新填写该单元格")
        if i not in texts:
            texts[i] = _text_of(shared[i])
        return texts[i]

    def value_of(t: str, v: str, fmt: str):
        if t == "s":
            return shared_text(v)
        if t in ("str", "e"):
            return _unescape(v)
        if t == "b":
            return bool(int(v))
        if t == "d":
            from openpyxl.utils.datetime import from_ISO8601

            return from_ISO8601(v)
        value = _cast_number(v)
        if fmt != "General" and dated(fmt):
            try:
                value = from_excel(value, epoch)
            except (OverflowError, ValueError):  # 20261115 in a date cell: no date; the validator says so
                pass
        return value

    def decode(sheet: str, ref: str) -> RawCell:
        cells = sheet_cells(sheet)
        raw = cells.get(ref) if cells else None
        if raw is None:
            return RawCell(None, "General", False, sheet, ref)
        s, t, inner = raw
        fmt = styles[s] if s < len(styles) else "General"
        if inner is None:
            return RawCell(None, fmt, False, sheet, ref)
        if _F.search(inner):
            return RawCell(None, fmt, True, sheet, ref)
        if t == "inlineStr":
            run = _between(inner, _IS)
            return RawCell(_text_of(inner[run[1] : run[2]]) if run else None, fmt, False, sheet, ref)
        m = _V.search(inner)
        if m is None:
            return RawCell(None, fmt, False, sheet, ref)
        try:
            value = value_of(t, m[1], fmt)
        except (ValueError, OverflowError, TypeError):  # this cell only: the rest of the workbook is read
            value = _undecodable(t, m[1])
        return RawCell(value, fmt, False, sheet, ref)

    def fetch(sheet: str, ref: str) -> RawCell:
        key = (sheet, ref)
        if key not in fetched:
            fetched[key] = decode(sheet, ref)
        return fetched[key]

    _read_names(wb, fetch, wanted)


_KINDS = {"s": "共享字符串序号", "b": "逻辑值", "d": "日期", "n": "数字"}


def _shown(v: str) -> str:
    v = v.strip()
    return v if len(v) <= 20 else v[:19] + "…"


def _undecodable(t: str, v: str) -> Unreadable:
    """The value of a cell whose stored value is not of its own type (`t="d"` with no ISO date …)."""
    if t == "d":
        return Unreadable("bad_date", f"单元格存为日期，但其内容“{_shown(v)}”不是有效日期，无法读取；请重新输入该日期")
    kind = _KINDS.get(t, "数字")
    return Unreadable("cell_unreadable", f"单元格内容已损坏：存为{kind}，但其内容“{_shown(v)}”不是有效的{kind}，无法读取；请重新填写该单元格")


def _read_names(wb: RawWorkbook, fetch, wanted) -> None:
    """Template id first, then the names the scheme needs, each through the reader's `fetch`."""

    def read_name(name: str) -> None:
        dest = split_destination(wb.names.get(name, ""))
        if dest is None:
            return
        sheet, ref = dest
        if ":" in ref:
            rows, cols = range_shape(ref)
            if rows * cols > MAX_RANGE_CELLS:  # never expanded: the validator reports it against the template's shape
                wb.oversized[name] = (rows, cols)
                return
            wb.blocks[name] = [[fetch(sheet, r) for r in row] for row in expand(ref)]
        else:
            wb.cells[name] = fetch(sheet, ref)

    for meta in (META_SCHEME, META_VERSION):
        read_name(meta)
    if META_SCHEME in wb.cells:
        wb.scheme = _readable(wb.cells[META_SCHEME].value)  # an undecodable template id: not a template
        wb.version = _readable(wb.cells[META_VERSION].value) if META_VERSION in wb.cells else None
    names = wb.names if wanted is None else (wanted(wb.scheme, wb.version) or ())
    for name in names:
        if name in wb.names and name not in wb.cells and name not in wb.blocks:
            read_name(name)


def _readable(value):
    return None if isinstance(value, Unreadable) else value


_PREFIXED_CELL = re.compile(r"<\w+:c[\s>/]")  # another writer's namespace prefix: not the fast path's shape
_CELL_FAST = re.compile(r'<c r="([A-Z]+\d+)"(?: s="(\d+)")?(?: t="(\w+)")?\s*(/>|>((?:[^<]|<(?!/c>|c ))*+)</c>)')


def _cells(xml: str) -> dict[str, tuple]:
    """ref -> (style index, type, inner xml or None) for every cell of a sheet."""
    # Excel and openpyxl write <c r=.. s=.. t=..> in that order; one findall handles them fast.
    fast = _CELL_FAST.findall(xml)
    if fast and len(fast) == xml.count("<c ") and not _PREFIXED_CELL.search(xml):
        return {r: (int(s) if s else 0, t or "n", None if end == "/>" else inner) for r, s, t, end, inner in fast}
    out = {}
    for m in _CELL.finditer(xml):
        attrs = m[1]
        r = re.search(r'\br="([A-Z]+\d+)"', attrs)
        if r is None:
            raise ValueError("cell without a reference")
        s = re.search(r'\bs="(\d+)"', attrs)
        t = re.search(r'\bt="(\w+)"', attrs)
        out[r[1]] = (int(s[1]) if s else 0, t[1] if t else "n", m[2])
    return out


# --- reference reader (openpyxl) ----------------------------------------------------------------------


def read_raw_openpyxl(path: str | Path, wanted: Callable | None = None) -> RawWorkbook:
    """The same RawWorkbook, read through openpyxl (slow; the reference for tests and the baseline)."""
    from openpyxl import load_workbook

    path = Path(path)
    wb = _started(path)
    if wb.fatal:
        return wb
    try:
        book = load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on broken files
        wb.fatal = _unreadable(exc)
        return wb
    wb.sheets = list(book.sheetnames)
    for name, dn in book.defined_names.items():
        wb.names[name] = dn.attr_text
    for ws in book.worksheets:
        for name, dn in ws.defined_names.items():
            wb.names.setdefault(name, dn.attr_text)
    wb.names = {k: v for k, v in wb.names.items() if not k.startswith("_xlnm.")}

    def fetch(sheet, ref):
        if sheet not in book.sheetnames:
            return RawCell(None, "General", False, sheet, ref)
        c = book[sheet][ref]
        if c.data_type == "f":
            return RawCell(None, c.number_format, True, sheet, ref)
        return RawCell(c.value, c.number_format, False, sheet, ref)

    _read_names(wb, fetch, wanted)
    return wb
