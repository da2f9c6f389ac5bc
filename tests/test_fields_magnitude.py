"""fields._parse_number on numbers no form holds (second attack of issue 24): -1E+300 in a table's
number column (no lower bound) raised decimal.InvalidOperation from _to_micro — a 程序内部错误 from
check/score, and in a round folder it stopped every night's publish. Now out_of_range."""

import pytest

from scoring.fields import MAX_MAGNITUDE, ParseError, parse_value
from scoring.rubric_data import Field


@pytest.mark.parametrize("value", [-1e300, 1e300, 1e40, 10**30, -(10**11)])
@pytest.mark.parametrize("kind", ["int", "num", "pts"])
def test_a_number_beyond_any_form_is_out_of_range(value, kind):
    with pytest.raises(ParseError) as exc:
        parse_value(Field("n", kind, "数量"), value)
    assert exc.value.code == "out_of_range"


@pytest.mark.parametrize("value", [0, 17, -5, 5000.5, MAX_MAGNITUDE, -MAX_MAGNITUDE])
def test_ordinary_numbers_read_as_before(value):
    assert parse_value(Field("n", "num", "数量"), value) == round(value * 10**6)


def test_a_bounded_field_still_says_its_bounds():
    with pytest.raises(ParseError) as exc:
        parse_value(Field("n", "int", "数量", min=0, max=100), 1e300)
    assert exc.value.code == "out_of_range" and "0 到 100" in exc.value.message
