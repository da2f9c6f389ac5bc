"""The xlsx zip and its XML, read in bounded work and memory: the primitives the workbook reader
(`excel.reader`) and the actions workbook's reader (`inputs.actions`) share, below both layers.

Each part is read whole but never past MAX_PART_BYTES uncompressed (a zip bomb stops at the zip's
directory); every pattern is linear in its input (see the note above them).
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path
from typing import IO

from openpyxl.styles.numbers import BUILTIN_FORMATS

__all__ = ["MAX_PART_BYTES"]

MAX_PART_BYTES = 20 * 1024 * 1024  # uncompressed size of one part (zip bomb, huge sheet)


_DATE_PART = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_ELAPSED = ("h]", "hh]", "m]", "mm]", "s]", "ss]")


def _is_date_format(fmt: str) -> bool:
    """openpyxl's `is_date_format`, the same answer for every format, in one pass: it drops the
    quoted literals and the bracketed codes but elapsed time from the format's first section and
    looks for a date letter, and its pattern rescans to the end from every `[` no `]` follows."""
    fmt = fmt.split(";")[0]
    kept: list[str] = []
    i, n = 0, len(fmt)
    newline = fmt.find("\n")  # the first newline at or after i (a quoted literal does not span one)
    close = fmt.find("]")  # the first `]` after i, -1 once there is none
    while i < n:
        ch = fmt[i]
        if ch == '"':
            if 0 <= newline <= i:
                newline = fmt.find("\n", i + 1)
            j = fmt.find('"', i + 1)
            if j >= 0 and (newline < 0 or j < newline):
                i = j + 1
                continue
        elif ch == "[" and close >= 0 and not fmt.startswith(_ELAPSED, i + 1):
            if close <= i:
                close = fmt.find("]", i + 1)
            if close >= 0:
                i = close + 1
                continue
        kept.append(ch)
        i += 1
    return _DATE_PART.search("".join(kept)) is not None


def _cast_number(v: str):
    # exactly openpyxl's rule (openpyxl.reader.excel / _reader._cast_number)
    if "." in v or "E" in v or "e" in v:
        return float(v)
    return int(v)


# --- fast reader -----------------------------------------------------------------------------------
#
# Every pattern is linear in its input (bounded work per byte, whatever the bytes): a tag's
# attributes are `[^<>]*`, so a match attempt never runs past the next `<` (well-formed XML has no
# `<` inside a tag); a cell's content stops at the next thing that starts a cell; an attribute's
# name starts only where a name can start; an element whose content runs to its end tag (cellXfs,
# is, rPh) is found by looking for its end tag once from its start tag (`_between`), never by a
# pattern that, lacking the end tag, would rescan to the end of the part from every start tag. And
# bounded memory: content repeats are possessive (`*+`; giving back never helps, as the end tag
# cannot start inside them), so no backtracking state is kept per character (~130 bytes each
# otherwise: 2.6 GB for a 20 MB cell).

_SHEET = re.compile(r"<(?:\w+:)?sheet\b([^<>]*)/?>")
_ATTR = re.compile(r'(?<![\w:])([\w:]+)="([^"]*)"')
_DEFNAME = re.compile(r"<(?:\w+:)?definedName\b([^<>]*)>([^<]*)</(?:\w+:)?definedName>")
_REL = re.compile(r"<(?:\w+:)?Relationship\b([^<>]*)/?>")
_NUMFMT = re.compile(r"<(?:\w+:)?numFmt\b([^<>]*)/?>")
_CELLXFS = (re.compile(r"<(?:\w+:)?cellXfs\b[^<>]*>"), re.compile(r"</(?:\w+:)?cellXfs>"))
_XF = re.compile(r"<(?:\w+:)?xf\b([^<>]*?)(?:/>|>)")
_SI = re.compile(r"<(?:\w+:)?si>((?:[^<]|<(?!/?(?:\w+:)?si>))*+)</(?:\w+:)?si>|<(?:\w+:)?si/>")
_T = re.compile(r"<(?:\w+:)?t(?:\s[^<>]*)?>([^<]*)</(?:\w+:)?t>|<(?:\w+:)?t/>")
_RPH = (re.compile(r"<(?:\w+:)?rPh\b"), re.compile(r"</(?:\w+:)?rPh>"))
_CELL = re.compile(r"<(?:\w+:)?c\b([^<>]*?)(?:/>|>((?:[^<]|<(?!/(?:\w+:)?c>|(?:\w+:)?c\b))*+)</(?:\w+:)?c>)")
_V = re.compile(r"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_F = re.compile(r"<(?:\w+:)?f\b")
_IS = (re.compile(r"<(?:\w+:)?is>"), re.compile(r"</(?:\w+:)?is>"))


def _between(xml: str, tags: tuple[re.Pattern, re.Pattern], pos: int = 0) -> tuple[int, int, int, int] | None:
    """(start, content start, content end, end) of the first element `tags` (its start tag, its end
    tag) opens at or after `pos` and closes; None when none does. The same as one pattern
    `start((?:[^<]|<(?!end))*)end` gives, in one pass: lacking an end tag after the first start tag,
    no later start tag has one either."""
    m = tags[0].search(xml, pos)
    if m is None:
        return None
    e = tags[1].search(xml, m.end())
    return None if e is None else (m.start(), m.end(), e.start(), e.end())


def _unescape(s: str) -> str:
    # XML entities only; `_xHHHH_` escapes are kept literally, exactly as openpyxl reads them
    return html.unescape(s) if "&" in s else s


def _without_rph(xml: str) -> str:
    """`xml` without its phonetic runs (<rPh>…</rPh>), as `re.sub` of the one pattern would give."""
    kept, pos = [], 0
    while (run := _between(xml, _RPH, pos)) is not None:
        kept.append(xml[pos : run[0]])
        pos = run[3]
    return "".join(kept) + xml[pos:] if kept else xml


def _text_of(xml: str) -> str:
    xml = _without_rph(xml)  # phonetic runs are not part of the text
    return "".join(_unescape(m[1] or "") for m in _T.finditer(xml))


class _Zip:
    def __init__(self, path: str | Path | IO[bytes]):
        self.zf = zipfile.ZipFile(path)
        self.infos = {i.filename: i for i in self.zf.infolist()}

    def text(self, name: str) -> str | None:
        info = self.infos.get(name)
        if info is None:
            return None
        if info.file_size > MAX_PART_BYTES:
            raise _TooLarge(name)
        return self.zf.read(info).decode("utf-8")


class _TooLarge(Exception):
    pass


def _styles(xml: str) -> list[str]:
    custom = {}
    for m in _NUMFMT.finditer(xml):
        a = dict(_ATTR.findall(m[1]))
        custom[int(a["numFmtId"])] = _unescape(a.get("formatCode", ""))
    out = []
    xfs = _between(xml, _CELLXFS)
    for xf in _XF.finditer(xml[xfs[1] : xfs[2]] if xfs else ""):
        a = dict(_ATTR.findall(xf[1]))
        fid = int(a.get("numFmtId", 0))
        out.append(custom.get(fid) or BUILTIN_FORMATS.get(fid, "General"))
    return out


# --- the first sheet's cells, as openpyxl's read-only workbook gives them with data_only ------------

_ROW = re.compile(r"<(?:\w+:)?row\b([^<>]*)>")
_SHEET_DATA = (re.compile(r"<(?:\w+:)?sheetData\b[^<>]*>"), re.compile(r"</(?:\w+:)?sheetData>"))
_CELL_START = re.compile(r"<(?:\w+:)?c\b")
_COORD = re.compile(r"([A-Z]{1,3})(\d{1,12})")
_TIMEDELTA = re.compile(r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I)  # openpyxl's, linear
WORKSHEET_TYPE = "/worksheet"


class SheetError(ValueError):
    """The sheet cannot be read (the message is Chinese, for the report)."""


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def first_sheet_cells(source: str | Path | IO[bytes], max_col: int) -> dict[int, dict[int, object]]:
    """row -> column -> value of the first worksheet's cells in its first `max_col` columns that
    hold a value, as openpyxl's read-only, data-only workbook gives them (a formula's cached value;
    a number in a date format a datetime, or "#VALUE!" when it is no date; every row and column the
    sheet holds, whatever its stale `<dimension>` says), in bounded work and memory: each part at
    most MAX_PART_BYTES uncompressed, one linear pass over the sheet. Raises SheetError, _TooLarge,
    and zipfile's, zlib's and decoding errors on a broken file."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

    z = _Zip(source)
    book = z.text("xl/workbook.xml")
    if book is None:
        raise SheetError("缺少 xl/workbook.xml")
    epoch = CALENDAR_MAC_1904 if re.search(r'date1904="(1|true)"', book) else CALENDAR_WINDOWS_1900
    rels = {}
    for m in _REL.finditer(z.text("xl/_rels/workbook.xml.rels") or ""):
        a = dict(_ATTR.findall(m[1]))
        if a.get("Type", "").endswith(WORKSHEET_TYPE):
            target = a.get("Target", "")
            rels[a.get("Id")] = target[1:] if target.startswith("/") else "xl/" + target
    part = None
    for m in _SHEET.finditer(book):
        rid = next((v for k, v in _ATTR.findall(m[1]) if k.endswith(":id")), None)
        if rid in rels:
            part = rels[rid]
            break
    xml = z.text(part) if part else None
    if xml is None:
        raise SheetError("找不到工作表")
    formats = _styles(z.text("xl/styles.xml") or "")
    kinds: dict[str, tuple[bool, bool]] = {}  # each format looked at once however many styles have it
    for f in formats:
        if f not in kinds:
            d = _is_date_format(f)
            kinds[f] = (d, d and _TIMEDELTA.search(f.split(";")[0]) is not None)
    dated, elapsed = [kinds[f][0] for f in formats], [kinds[f][1] for f in formats]
    shared: list[str] | None = None
    texts: dict[int, str] = {}  # each shared string made into text once however many cells show it
    data = _between(xml, _SHEET_DATA)
    if data is None:
        return {}
    xml = xml[data[1] : data[2]]
    rows: dict[int, dict[int, object]] = {}
    row_tags = [(m.start(), dict(_ATTR.findall(m[1])).get("r")) for m in _ROW.finditer(xml)]
    tag, row, col, cells = 0, 0, 0, 0
    for m in _CELL.finditer(xml):
        cells += 1
        while tag < len(row_tags) and row_tags[tag][0] < m.start():  # the row this cell is in
            r = row_tags[tag][1]
            if r is not None and not (r.isdigit() and len(r) <= 12 and int(r) >= 1):
                raise SheetError(f"行号“{r[:20]}”无效")
            row, col, tag = (int(r) if r else row + 1), 0, tag + 1
        a = dict(_ATTR.findall(m[1]))
        ref = _COORD.fullmatch(a.get("r", ""))
        if ref and int(ref[2]) >= 1:
            row, col = int(ref[2]), _column(ref[1])
        elif "r" in a:
            raise SheetError(f"单元格引用“{a['r'][:20]}”无效")
        else:
            col += 1
        inner, t = m[2], a.get("t", "n")
        if col > max_col or inner is None:
            continue
        where = f"单元格 {a.get('r') or col}"
        if t == "inlineStr":
            run = _between(inner, _IS)
            if run is not None:
                rows.setdefault(row, {}).setdefault(col, _text_of(inner[run[1] : run[2]]))
            continue
        v = _V.search(inner)
        if v is None or not v[1]:
            continue
        value: object = _unescape(v[1])
        try:
            if t == "n":
                s = int(a.get("s") or 0)
                value = _cast_number(str(value))
                if s < len(dated) and dated[s]:
                    try:
                        value = from_excel(value, epoch, timedelta=elapsed[s])
                    except (OverflowError, ValueError):
                        value = "#VALUE!"
            elif t == "s":
                if shared is None:
                    shared = _SI.findall(z.text("xl/sharedStrings.xml") or "")
                i = int(str(value))
                if not 0 <= i < len(shared):
                    raise SheetError(f"{where} 指向不存在的共享字符串")
                if i not in texts:
                    texts[i] = _text_of(shared[i])
                value = texts[i]
            elif t == "b":
                value = bool(int(str(value)))
            elif t == "d":
                value = from_ISO8601(str(value))
        except (ValueError, OverflowError, TypeError) as exc:
            raise SheetError(f"{where} 的内容已损坏") if not isinstance(exc, SheetError) else exc from None
        rows.setdefault(row, {}).setdefault(col, value)
    if cells != sum(1 for _ in _CELL_START.finditer(xml)):  # a cell without its end tag: never dropped without a word
        raise SheetError("有单元格缺少结束标记")
    return rows
