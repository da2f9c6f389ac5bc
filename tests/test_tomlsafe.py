"""The bounded TOML read: deep nesting refused by a linear scan, as a TOMLDecodeError."""

import time
import tomllib

import pytest

from scoring.tomlsafe import MAX_DEPTH, loads


def test_nesting_at_the_limit_is_read_and_beyond_it_refused():
    assert loads("x = " + "[" * MAX_DEPTH + "]" * MAX_DEPTH)["x"] is not None
    with pytest.raises(tomllib.TOMLDecodeError, match="嵌套超过"):
        loads("x = " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_brackets_and_dots_in_strings_and_comments_do_not_count():
    text = (
        'a = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ \\" [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\n'
        "b = '{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{'\n"
        'c = """\n[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\""" [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["""\n'
        "d = '''\n[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['''  # [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n"
        'e = "' + "." * 100 + '"\n'
        "\"f.g\".h.'i' = {j.k = [[1.5, 2.5], [3]]}\n"
    )
    assert loads(text) == tomllib.loads(text)


def test_the_scan_is_linear():
    text = "[2027]\nholidays = [" + ", ".join(["2027-01-01"] * 300_000) + "]\n"  # 3.6 MB
    t = time.perf_counter()
    loads(text)
    assert time.perf_counter() - t < 10
    t = time.perf_counter()
    with pytest.raises(tomllib.TOMLDecodeError):
        loads("a" + ".a" * 1_000_000 + " = 1")  # tomllib alone: quadratic, hours
    with pytest.raises(tomllib.TOMLDecodeError):
        loads("x = " + "[" * 2_000_000)
    assert time.perf_counter() - t < 5
