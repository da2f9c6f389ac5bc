"""Turn one raw cell value into a typed value, or say in Chinese what was expected.

Harmless formatting is accepted (spaces, full-width digits, a number stored as text, a percent
cell holding 0.935, real dates or `YYYY-MM-DD` text); anything whose meaning is unclear is
rejected. Numbers come out as int micro-units (value × 10**6) so scoring stays exact.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .expr import EPOCH, MICRO
from .rubric_data import Field

__all__ = ["parse_value", "ParseError", "credit_code_ok", "is_blank", "micro_to_str", "days_to_date", "bad_character", "visible"]

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_CONTROL = re.compile(r"[\x7f]")
# Characters XML 1.0 cannot carry (no feed, sitemap or spreadsheet could hold them): the C0 controls
# but tab, newline and carriage return; lone surrogates; U+FFFE, U+FFFF and the other noncharacters.
NOT_XML = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff" + "".join(
    chr(p << 16 | 0xFFFE) + chr(p << 16 | 0xFFFF) for p in range(1, 17)
)
C1 = "\x80-\x84\x86-\x9f"  # the C1 controls but NEL (a line break): XML carries them, nothing shows them
# Invisible characters that change how text is shown or compared: the bidirectional controls, and
# the zero-width and other invisible characters (a name with one looks like another organisation's
# name): zero-width space, joiners, word joiner, BOM; soft hyphen, combining grapheme joiner, Hangul
# fillers, Khmer inherent vowels, Mongolian variation selectors and vowel separator, interlinear
# annotation marks, tag characters
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
ZERO_WIDTH = "\u200b-\u200d\u2060-\u2064\ufeff\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\uffa0\ufff9-\ufffb\U000e0000-\U000e007f"
LINE_BREAKS = "\t\n\r\x85\u2028\u2029"
_NOT_IN_TEXT = re.compile(f"[{NOT_XML}{C1}{BIDI}]")  # any text field, 评估意见 included
_NOT_IN_LINE = re.compile(f"[{NOT_XML}{C1}{BIDI}{ZERO_WIDTH}{LINE_BREAKS}]")  # names, codes, addresses, titles, document numbers
_NOT_SHOWN = re.compile(f"[{NOT_XML}{BIDI}{ZERO_WIDTH}{LINE_BREAKS}\x7f-\x9f]")  # what one line of a report cannot show as itself
MIN_DATE, MAX_DATE = date(1950, 1, 1), date(2100, 12, 31)


class ParseError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == time(0) else value
    text = visible(str(value))
    return text if len(text) <= 40 else text[:39] + "…"


def _decimal_of(value, number_format: str, pct: bool) -> Decimal:
    """A number from a numeric cell or from text that plainly is a number."""
    if isinstance(value, bool) or isinstance(value, (datetime, date, time)):
        raise ParseError("wrong_type", f"应填写数字，实际为“{_shown(value)}”")
    if isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ParseError("wrong_type", "应填写数字")
        d = Decimal(repr(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
        is_pct_text = pct and text.endswith("%")
        if is_pct_text:
            text = text[:-1]
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        if not _NUMBER.match(text):
            raise ParseError("wrong_type", f"应填写数字，实际为“{_shown(value)}”")
        return Decimal(text)
    if pct and "%" in _unquoted(number_format):
        d = d * 100  # a percent-formatted cell holds 0.935 for 93.5 %
    return d


def _unquoted(fmt: str) -> str:
    """`fmt` without its quoted literals, bracketed codes and escaped characters: what
    `re.sub(r'"[^"]*"|\\[[^\\]]*\\]|\\\\.', "", fmt)` gives, in one pass (that pattern rescans to the end
    from every `[` no `]` follows: 40,000 of them took 1.15 s, a cell's format may hold millions)."""
    fmt = fmt or ""
    kept: list[str] = []
    i, n = 0, len(fmt)
    close = fmt.find("]")  # the first `]` after i, -1 once there is none
    while i < n:
        ch = fmt[i]
        if ch == '"':
            j = fmt.find('"', i + 1)  # only the last quote can lack a closing one: one scan to the end at most
            if j >= 0:
                i = j + 1
                continue
        elif ch == "[" and close >= 0:
            if close < i:
                close = fmt.find("]", i + 1)
            if close >= 0:
                i = close + 1
                continue
        elif ch == "\\" and i + 1 < n and fmt[i + 1] != "\n":  # `.` is any character but a newline
            i += 2
            continue
        kept.append(ch)
        i += 1
    return "".join(kept)


MAX_MAGNITUDE = 10**10  # far beyond any entry of any form; its micro-units summed over a table stay within int64


def _to_micro(d: Decimal) -> int:
    return int((d * MICRO).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def micro_to_str(m: int) -> str:
    d = (Decimal(m) / MICRO).normalize()
    return format(d, "f")


def days_to_date(days: int) -> date:
    return date.fromordinal(int(days) + EPOCH)


def entry_text(f: Field, value) -> str:
    """A parsed value as the form shows it (the 评估报告 repeats the organisation's entries)."""
    if f.type == "bool":
        return f.choices[0] if value else f.choices[1]
    if f.type == "enum":
        return f.choices[int(value)]
    if f.type == "date":
        return days_to_date(value).isoformat()
    if f.numeric:
        return micro_to_str(int(value)) + ("%" if f.type == "pct" else "")
    return str(value)


def credit_code_ok(code: str) -> bool:
    if len(code) != 18 or any(ch not in CREDIT_CHARS for ch in code):
        return False
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(code[:17], CREDIT_WEIGHTS))
    check = (31 - total % 31) % 31
    return CREDIT_CHARS[check] == code[17]


def bad_character(text: str, one_line: bool = False) -> str | None:
    """What is wrong with the first character `text` may not hold, in Chinese, or None.

    No text may hold a character XML 1.0 cannot carry or a bidirectional control; a one-line text
    (a name, credit code, address, title, document number) neither a zero-width character nor a
    line break or tab. Such text is refused, never cleaned: a name must be exactly what was written.
    """
    m = (_NOT_IN_LINE if one_line else _NOT_IN_TEXT).search(text)
    if m is None:
        return None
    ch = m[0]
    if ch in LINE_BREAKS:
        what = "制表符" if ch == "\t" else "换行"
    elif re.fullmatch(f"[{BIDI}]", ch):
        what = "不可见的文字方向控制字符"
    elif re.fullmatch(f"[{ZERO_WIDTH}]", ch):
        what = "不可见的零宽字符或格式字符"
    else:
        what = "不可显示的控制字符或非字符"
    return f"含有不可显示或不允许的字符：第 {m.start() + 1} 个字符是{what}（U+{ord(ch):04X}）"


def visible(text: str) -> str:
    """`text` on one line as it is: each line break, control, bidirectional control, zero-width
    character, noncharacter or lone surrogate written as <U+XXXX> (a report item stays one line)."""
    return _NOT_SHOWN.sub(lambda m: f"<U+{ord(m[0]):04X}>", text)


def _clean_text(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return _CONTROL.sub("", str(value)).strip()


def parse_value(f: Field, value, number_format: str = "General", one_line: bool = False):
    """Typed value of a non-blank cell: int micro-units, bool, enum code, days, or str (`one_line`:
    a name, address or other particular, which holds no line break and no invisible character)."""
    if f.type in ("int", "num", "pct", "pts"):
        return _parse_number(f, value, number_format)
    if f.type not in _PARSERS:
        return _parse_text(f, value, one_line)
    return _PARSERS[f.type](f, value)


def _parse_number(f: Field, value, number_format: str) -> int:
    t = f.type
    try:
        d = _decimal_of(value, number_format, pct=(t == "pct"))
    except InvalidOperation:
        raise ParseError("wrong_type", f"应填写数字，实际为“{_shown(value)}”") from None
    if t == "int" and d != d.to_integral_value():
        raise ParseError("wrong_type", f"应填写整数，实际为“{_shown(value)}”")
    if f.min is not None and d < f.min or f.max is not None and d > f.max:
        unit = "%" if t == "pct" else ""
        lo = "" if f.min is None else f"{f.min}{unit}"
        hi = "" if f.max is None else f"{f.max}{unit}"
        raise ParseError("out_of_range", f"应在 {lo} 到 {hi} 之间，实际为 {format(d.normalize(), 'f')}{unit}")
    if abs(d) > MAX_MAGNITUDE:  # -1E+300 in a field without a bound: no int64 micro-unit holds it (InvalidOperation)
        raise ParseError("out_of_range", f"数值过大，超出可填写的范围（绝对值不超过 {MAX_MAGNITUDE:,}），实际为“{_shown(value)}”")
    if t == "pts" and f.step is not None and (d / f.step) != (d / f.step).to_integral_value():
        raise ParseError("bad_step", f"评分应以 {f.step} 分为步长（如 1、1.5、2），实际为 {_shown(value)}")
    return _to_micro(d)


def _parse_bool(f: Field, value) -> bool:
    if isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text in f.accepted:
        return text in f.yes_words
    yes, no = f.choices
    raise ParseError("bad_choice", f"应填写“{yes}”或“{no}”，实际为“{_shown(value)}”")


def _parse_enum(f: Field, value) -> int:
    choice = unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else None
    if choice in f.choices:
        return f.choices.index(choice)
    raise ParseError("bad_choice", f"应从“{'、'.join(f.choices)}”中选择，实际为“{_shown(value)}”")


def _parse_date(f: Field, value) -> int:
    day = _day_of(value)
    if not MIN_DATE <= day <= MAX_DATE:
        raise ParseError("out_of_range", f"日期应在 1950-01-01 到 2100-12-31 之间，实际为 {day.isoformat()}")
    return day.toordinal() - EPOCH


def _day_of(value) -> date:
    """The day a date cell holds: a date (or datetime) as Excel stores it, or a date written as text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ParseError("bad_date", f"应填写日期（如 2026-03-15），实际为数字 {_shown(value)}；请将单元格设为日期格式后重新输入")
    m = _DATE_TEXT.match(unicodedata.normalize("NFKC", value).strip())
    try:
        parsed = date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ParseError("bad_date", f"应填写日期（如 2026-03-15），实际为“{_shown(value)}”")
    return parsed


def _parse_credit_code(f: Field, value) -> str:
    if not isinstance(value, str):
        raise ParseError("credit_code", "被存成了数字（可能已丢失位数）；请将单元格设为文本格式后重新输入")
    code = unicodedata.normalize("NFKC", value).strip().replace(" ", "").upper()
    if len(code) != 18:
        raise ParseError("credit_code", f"应为 18 位，实际为 {len(code)} 位（“{_shown(value)}”）")
    if not credit_code_ok(code):
        raise ParseError("credit_code", f"“{visible(code)}”校验位不正确或含有无效字符（GB 32100），请核对")
    return code


def _parse_text(f: Field, value, one_line: bool = False) -> str:
    text = _clean_text(value)
    bad = bad_character(text, one_line)
    if bad:
        raise ParseError("bad_character", bad + "；请删除后重新填写")
    if len(text) > f.max_length:
        raise ParseError("too_long", f"不超过 {f.max_length} 个字，实际 {len(text)} 个字")
    return text


_PARSERS = {"bool": _parse_bool, "enum": _parse_enum, "date": _parse_date, "credit_code": _parse_credit_code}
