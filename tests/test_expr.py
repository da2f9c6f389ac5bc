"""The expression language (`expr.py`): conditions parsed with `ast`, checked against the rubric's
fields when compiled, and evaluated by the numpy backend over whole columns at once. Columns are
as the engine holds them: numbers in int64 micro-units, 是/否 as bools, enums as choice indexes,
dates as days since 1970, text as objects."""

from datetime import date

import numpy as np
import pytest

from scoring.expr import (
    MICRO,
    add_years,
    compile_expr,
    covers_arguments,
    expression_names,
    parse_expr,
    split_factors,
    uncovered_factors,
)
from scoring.rubric import load_rubric

DATONG = load_rubric("datong-filing")
ZJ = load_rubric("zj-skpw")
EPOCH = date(1970, 1, 1).toordinal()


def num(*values):
    return np.array([round(v * MICRO) for v in values], dtype=np.int64)


def days(*isos):
    return np.array([date.fromisoformat(d).toordinal() - EPOCH for d in isos], dtype=np.int64)


def evaluate(text, rubric=DATONG, **cols):
    out = compile_expr(text, rubric)(cols)
    assert out.dtype == np.bool_
    return out.tolist()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("staff_certified == staff_total", [True, False, False]),
        ("staff_certified != staff_total", [False, True, True]),
        ("staff_certified < staff_total", [False, True, False]),
        ("staff_certified <= staff_total", [True, True, False]),
        ("staff_certified > staff_total", [False, False, True]),
        ("staff_certified >= staff_total", [True, False, True]),
        ("1 <= staff_certified < staff_total", [False, True, False]),  # chained: both hold
        ("staff_certified + 2 >= staff_total", [True, False, True]),
        ("staff_total - staff_certified == 5", [False, True, False]),
        ("2 * staff_certified >= staff_total", [True, False, True]),  # an integer literal may multiply a field
        ("staff_certified * 2 >= staff_total", [True, False, True]),
        ("-staff_certified < -4", [True, False, True]),
        ("staff_total >= 5.5", [False, True, False]),
    ],
)
def test_comparisons_and_arithmetic_are_exact_over_whole_columns(text, expected):
    assert evaluate(text, staff_certified=num(5, 1, 7), staff_total=num(5, 4 + 2, 3)) == expected


def test_fractions_are_compared_exactly_in_micro_units():
    assert evaluate("staff_total >= 0.000001", staff_total=np.array([0, 1, 2], dtype=np.int64)) == [False, True, True]
    assert evaluate("staff_total + staff_certified == 0.3", staff_total=num(0.1, 0.2), staff_certified=num(0.2, 0.2)) == [True, False]


def test_logic_over_yes_no_fields_and_enum_and_text_literals():
    cols = {
        "legal_entity": np.array([True, True, False, True]),
        "fraud_record_3y": np.array([False, True, False, False]),
        "lab": np.array([0, 1, 2, 2], dtype=np.int16),  # 自有, 联合, 无, 无
    }
    assert evaluate("legal_entity and not fraud_record_3y", **cols) == [True, False, False, True]
    assert evaluate("fraud_record_3y or lab == '无'", **cols) == [False, True, True, True]
    assert evaluate("lab != '无' and legal_entity", **cols) == [True, True, False, False]
    assert evaluate("'联合' == lab", **cols) == [False, True, False, False]  # the literal on either side
    assert evaluate("org_name == '甲公司'", org_name=np.array(["甲公司", "乙公司"], dtype=object)) == [True, False]


def test_table_aggregates_are_columns():
    cols = {"operated_units.rows": num(2, 3), "enterprises": num(2, 2), "operated_units.points.sum": num(5, 9)}
    assert evaluate("operated_units.rows == enterprises", **cols) == [True, False]
    assert evaluate("operated_units.points.sum > 8", **cols) == [False, True]


def test_dates_compare_and_add_years_keeps_the_calendar_day():
    cols = {"ops_start_date": days("2023-03-01", "2023-03-02", "2024-02-29"), "application_date": days("2025-03-01", "2025-03-01", "2026-02-28")}
    assert evaluate("add_years(ops_start_date, 2) <= application_date", ZJ, **cols) == [True, False, True]
    assert evaluate("ops_start_date < application_date", ZJ, **cols) == [True, True, True]
    assert add_years(days("2024-02-29", "2025-12-31"), 1).tolist() == days("2025-02-28", "2026-12-31").tolist()  # 29 Feb -> 28 Feb (D11)
    assert add_years(days("2024-02-29"), 4).tolist() == days("2028-02-29").tolist()


def test_covers_compares_factor_lists_whatever_their_separators():
    cols = {
        "lab_cma_factors": np.array(["氨氮、COD，pH", "二氧化硫; 氮氧化物", ""], dtype=object),
        "operated_factors": np.array(["cod,氨氮", "二氧化硫、颗粒物", ""], dtype=object),
    }
    assert evaluate("covers(lab_cma_factors, operated_factors)", **cols) == [True, False, True]
    assert uncovered_factors("二氧化硫; 氮氧化物", "二氧化硫、颗粒物") == ["颗粒物"]
    assert split_factors("ＣＯＤ、 pH\n氨氮；") == ["cod", "ph", "氨氮"]  # full-width letters and separators (NFKC), blanks dropped
    assert covers_arguments("vehicles >= 1 and covers(lab_cma_factors, operated_factors)") == ("lab_cma_factors", "operated_factors")
    assert covers_arguments("vehicles >= 1") is None


def test_expression_names_are_the_plain_field_names():
    assert sorted(expression_names("add_years(ops_start_date, 2) <= application_date and not fraud")) == [
        "application_date",
        "fraud",
        "ops_start_date",
    ]
    assert expression_names("operated_units.rows == enterprises") == ["enterprises"]
    assert expression_names("this is not (an expression") == []


@pytest.mark.parametrize(
    "text, message",
    [
        ("staff_total >=", "cannot parse"),
        ("no_such_field > 1", "unknown column 'no_such_field'"),
        ("operated_units.nothing.sum > 1", "unknown column"),
        ("lab == '外包'", "'外包' is not one of"),
        ("lab < '无'", "text can only be compared with == or !="),
        ("vehicles == '两辆'", "a text literal needs an enum or text field"),
        ("1.5 * vehicles > 2", "only an integer number may multiply a field"),
        ("vehicles * staff_total > 2", "only an integer number may multiply a field"),
        ("vehicles / 2 > 1", "Div is not allowed"),
        ("vehicles > 0.0000001", "more than 6 decimals"),
        ("legal_entity == True", "use 是/否 fields"),
        ("legal_entity > 1", "cannot compare bool with int"),
        ("legal_entity and vehicles", "and/or need yes/no tests"),
        ("not vehicles", "`not` needs a yes/no test"),
        ("vehicles + legal_entity > 1", "arithmetic needs numbers"),
        ("max(vehicles, 1) > 1", "unknown function max()"),
        ("covers(vehicles, lab)", "unknown function covers()"),
        ("vehicles.real > 1", "unknown column 'vehicles.real'"),
        ("(lambda: 1)() > 0", "unsupported call"),
        ("[vehicles][0] > 1", "Subscript is not allowed"),
        ("vehicles + 1", "is not a yes/no test"),
        ("vehicles is vehicles", "unsupported comparison"),
        ("vehicles in (1, 2)", "Tuple is not allowed"),
    ],
)
def test_a_bad_expression_fails_when_compiled_naming_itself(text, message):
    with pytest.raises(ValueError) as err:
        compile_expr(text, DATONG)
    assert message in str(err.value) and (text.strip() in str(err.value) or message == "cannot parse")


def test_parse_expr_gives_python_syntax_or_a_value_error():
    assert type(parse_expr("  a >= 1  ")).__name__ == "Compare"
    with pytest.raises(ValueError, match="cannot parse"):
        parse_expr("a >= ")


def test_every_rubric_condition_compiles_to_a_yes_no_test():
    for scheme in ("zj-skpw", "maturity", "datong-filing", "xuzhou-service", "hosting"):
        rubric = load_rubric(scheme)
        for text in [c.test for c in rubric.conditions] + [g.test for g in rubric.gates] + [c.test for c in rubric.checks]:
            assert callable(compile_expr(text, rubric)), (scheme, text)
