"""fields.bad_character / visible and the text parser (issue 24, class 2): characters XML 1.0 cannot
carry and bidirectional controls are refused in every text, zero-width characters, line breaks and
tabs also in one-line text; the message names the character and never holds it."""

import pytest

from scoring.fields import ParseError, bad_character, parse_value, visible
from scoring.rubric_data import Field

TEXT = Field("name", "text", "名称", max_length=100)
NOT_XML = ["\x00", "\x01", "\x0b", "\x0c", "\x1f", "\ud800", "\udfff", "\ufdd0", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff"]
CONTROLS = ["\x80", "\x9b", "\x9f"]  # C1
BIDI = ["\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\u061c"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u034f", "\u3164", "\u180e", "\ufff9", "\U000e0041"]
BREAKS = ["\n", "\r", "\t", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("ch", NOT_XML + CONTROLS + BIDI)
def test_no_text_holds_what_xml_cannot_carry_or_a_bidi_control(ch):
    for one_line in (False, True):
        bad = bad_character(f"杭州{ch}公司", one_line)
        assert bad and f"U+{ord(ch):04X}" in bad and "第 3 个字符" in bad and ch not in bad
    with pytest.raises(ParseError) as exc:
        parse_value(TEXT, f"杭州{ch}公司")
    assert exc.value.code == "bad_character" and ch not in exc.value.message


@pytest.mark.parametrize("ch", INVISIBLE + BREAKS)
def test_one_line_text_holds_no_zero_width_character_or_line_break(ch):
    assert bad_character(f"杭州{ch}公司") is None
    assert parse_value(TEXT, f"杭州{ch}公司") == f"杭州{ch}公司"  # a free text (介绍、原因) keeps them
    with pytest.raises(ParseError) as exc:
        parse_value(TEXT, f"杭州{ch}公司", one_line=True)
    assert exc.value.code == "bad_character" and f"U+{ord(ch):04X}" in exc.value.message and ch not in exc.value.message


def test_ordinary_text_is_kept_as_it_was():
    for text in ("杭州甲运维服务有限公司", "ABC Environmental (Hangzhou) Co., Ltd.", "浙江省杭州市西湖区某路1号　3楼", "😀"):
        assert bad_character(text, one_line=True) is None and parse_value(TEXT, text, one_line=True) == text
        assert visible(text) == text
    assert parse_value(TEXT, "  前后的空白和换行被去掉\n") == "前后的空白和换行被去掉"
    assert parse_value(TEXT, "删除\x7f字符") == "删除字符"  # DEL was always dropped


def test_visible_writes_every_unshowable_character_on_the_line():
    text = "甲\n  [新证书/备案] 伪造\r\u202e\u200b\uffff\ud800\x9b"
    shown = visible(text)
    assert shown == "甲<U+000A>  [新证书/备案] 伪造<U+000D><U+202E><U+200B><U+FFFF><U+D800><U+009B>"
    shown.encode("utf-8")  # no lone surrogate left to crash a print


def test_messages_echoing_a_bad_value_show_it_on_one_line():
    with pytest.raises(ParseError) as exc:
        parse_value(Field("n", "int", "数量"), "1\n2")
    assert "1<U+000A>2" in exc.value.message
    with pytest.raises(ParseError) as exc:
        parse_value(Field("c", "credit_code", "统一社会信用代码"), "91330100MA2\u202eXXXXX")
    assert "\u202e" not in exc.value.message


def test_a_percent_format_is_read_as_before_in_one_pass():
    """fields._unquoted: the very text the old pattern left, on random formats of its special
    characters, and linear: a format of a million unclosed `[` (40,000 took 1.15 s, this ~12 minutes)."""
    import random
    import re
    import subprocess
    import sys

    from scoring.fields import _unquoted

    rng = random.Random(24)
    for _ in range(20000):
        fmt = "".join(rng.choice('""[[]]\\\\\n%0.a') for _ in range(rng.randrange(12)))
        assert _unquoted(fmt) == re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", fmt), fmt
    assert (_unquoted("0.0%"), _unquoted('0.0"%"'), _unquoted("[Red]0%;\\%")) == ("0.0%", "0.0", "0%;")
    code = "from scoring.fields import _unquoted; print(_unquoted('[' * 1_000_000 + '0.0%').count('%'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout == "1\n"
