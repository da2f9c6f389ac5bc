"""TOML read with its nesting bounded: `loads` is `tomllib.loads` after a linear scan that refuses
a text nested deeper than `MAX_DEPTH` (arrays and inline tables inside each other, or the parts of
one dotted key). tomllib parses nesting by recursion: a round.toml of 20,000 `[` ended in a
RecursionError that stopped the whole publish, and 20,000 parts of a dotted key took seconds
(quadratic). The refusal is a `tomllib.TOMLDecodeError`, so every reader's own handling of a
malformed file (a coded problem naming the file) applies unchanged.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

__all__ = ["loads", "MAX_DEPTH", "too_deep"]

MAX_DEPTH = 32  # the system's own files nest 2 deep at most

# what the scan looks at outside strings and comments; everything else is skipped in one step
_SIGNIFICANT = re.compile(r"[\[\]{}.,=\n#\"']")
_BASIC = re.compile(r'(?:[^"\\\n]|\\.)*(?:"|\n|\Z)')  # after the opening quote
_LITERAL = re.compile(r"[^'\n]*(?:'|\n|\Z)")
_MULTI_BASIC = re.compile(r'(?:[^"\\]|\\.|"(?!""))*(?:"""|\Z)', re.DOTALL)  # after the opening """


def too_deep(text: str, limit: int = MAX_DEPTH) -> str | None:
    """What is nested beyond `limit` in `text` (in Chinese), or None. Linear in the text; strings
    and comments are skipped as TOML reads them."""
    depth = dots = 0
    pos, end = 0, len(text)
    while pos < end:
        m = _SIGNIFICANT.search(text, pos)
        if m is None:
            break
        c, pos = m.group(), m.end()
        if c == "#":
            nl = text.find("\n", pos)
            pos = end if nl < 0 else nl
        elif c == '"':
            if text.startswith('""', pos):
                close = _MULTI_BASIC.match(text, pos + 2)
            else:
                close = _BASIC.match(text, pos)
            pos = close.end() if close else end
        elif c == "'":
            if text.startswith("''", pos):
                close_at = text.find("'''", pos + 2)
                pos = end if close_at < 0 else close_at + 3
            else:
                close = _LITERAL.match(text, pos)
                pos = close.end() if close else end
        elif c in "[{":
            depth += 1
            dots = 0
            if depth > limit:
                return f"嵌套超过 {limit} 层（方括号或花括号套得太深）"
        elif c in "]}":
            depth = max(depth - 1, 0)
            dots = 0
        elif c == ".":
            dots += 1
            if dots > limit:
                return f"一个键由超过 {limit} 段组成（点号太多）"
        else:  # , = newline
            dots = 0
    return None


def loads(text: str) -> dict[str, Any]:
    """`tomllib.loads(text)`, refusing a text nested deeper than MAX_DEPTH with a TOMLDecodeError."""
    why = too_deep(text)
    if why is not None:
        raise tomllib.TOMLDecodeError(why)
    try:
        return tomllib.loads(text)
    except RecursionError:  # not reached after the scan; kept so no nesting can ever raise it
        raise tomllib.TOMLDecodeError(f"嵌套超过 {MAX_DEPTH} 层") from None
