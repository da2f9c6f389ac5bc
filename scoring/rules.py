"""The vectorised rule kinds. Each turns whole columns into one item's points for every row.

A rule kind is defined once, here, with three parts side by side (the way pandera registers one
check per backend): the parameters it takes, its numpy implementation and its spreadsheet formula.
The numpy side returns an exact rational (numerator, denominator) in centi-points; the engine
rounds it half-up to 0.01 once and clips it to the item's range. The formula side returns the
workbook's live cell formula, rounded and clipped the same way. The rubric YAML refers to a kind
by name (`rule: {kind: shortfall, …}`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from .expr import MICRO, compile_expr
from .formula import FormulaError, choice_terms, expr_formula, num, rounded, value_of

if TYPE_CHECKING:
    from .rubric_data import Item, Rubric

__all__ = ["RULES", "RuleKind", "rule", "centi", "round_half_up", "item_formula"]

Fraction = tuple[np.ndarray, "np.ndarray | int"]


@dataclass(frozen=True)
class RuleKind:
    name: str
    required: frozenset[str]  # parameters the rubric must give
    optional: frozenset[str]
    score: Callable[[Item, dict, Rubric], Fraction]  # numpy: columns -> (num, den) centi-points
    formula: Callable[[Item, Rubric], str]  # spreadsheet: the unrounded expression
    doc: str = ""

    def check_params(self, params: dict) -> str | None:
        """What is wrong with a rubric's parameters for this kind, or None."""
        given = set(params) - {"kind"}
        missing, unknown = self.required - given, given - self.required - self.optional
        if missing:
            return f"rule kind {self.name} needs {', '.join(sorted(missing))}"
        if unknown:
            return f"rule kind {self.name} does not take {', '.join(sorted(unknown))}"
        return None


RULES: dict[str, RuleKind] = {}


def rule(name: str, required: set[str], optional: set[str] | frozenset[str] = frozenset(), *, formula: Callable[[Item, Rubric], str]):
    """Register a numpy implementation under `name` with its parameters and formula."""

    def register(fn):
        RULES[name] = RuleKind(name, frozenset(required), frozenset(optional), fn, formula, (fn.__doc__ or "").strip())
        return fn

    return register


def item_formula(item: Item, rubric: Rubric) -> str:
    """The live formula (without '=') of one item's score, rounded and clipped like the engine."""
    return rounded(RULES[item.kind].formula(item, rubric), item.max, item.min)


def centi(points) -> int:
    """Points written in the rubric (3, 0.5, -10) as exact int centi-points."""
    d = Decimal(str(points)) * 100
    if d != d.to_integral_value():
        raise ValueError(f"{points} is not on the 0.01 grid")
    return int(d)


def round_half_up(num: np.ndarray, den) -> np.ndarray:
    """num/den rounded to the nearest integer, halves away from zero (Excel's ROUND, 四舍五入)."""
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    mag = (2 * np.abs(num) + den) // (2 * den)
    return np.where(num < 0, -mag, mag)


def _rows(cols: dict) -> int:
    return len(next(iter(cols.values())))


# --- per_choice -----------------------------------------------------------------------------------


def _per_input(p: dict) -> dict:
    inputs = p["inputs"]
    return inputs if isinstance(inputs, dict) else {name: p["points"] for name in inputs}


def _choice_points(rubric: Rubric, field_id: str, points: dict, col: np.ndarray) -> np.ndarray:
    f = rubric.fields[field_id]
    choices = f.choices
    unknown = set(points) - set(choices)
    if unknown:
        raise ValueError(f"{field_id}: {sorted(unknown)} not among {choices}")
    lut = np.array([centi(points.get(c, 0)) for c in choices] + [0], dtype=np.int64)
    codes = np.where(col, 0, 1) if f.type == "bool" else col.astype(np.int64)  # -1 (missing) -> 0 points
    return lut[codes]


def _per_choice_formula(item: Item, rubric: Rubric) -> str:
    p = item.params
    terms = [num(p.get("base", 0))] + [t for n, pts in _per_input(p).items() for t in choice_terms(rubric, n, pts)]
    return "+".join(terms)


@rule("per_choice", {"inputs"}, {"base", "points"}, formula=_per_choice_formula)
def per_choice(item: Item, cols: dict, rubric: Rubric) -> Fraction:
    """base + points for each input's chosen value (是/否 or an enum choice)."""
    total = np.full(_rows(cols), centi(item.params.get("base", 0)), dtype=np.int64)
    for name, points in _per_input(item.params).items():
        total = total + _choice_points(rubric, name, points, cols[name])
    return total, 1


# --- per_count ------------------------------------------------------------------------------------


def _per_count_formula(item: Item, rubric: Rubric) -> str:
    p = item.params
    terms = [f"{num(w)}*{value_of(rubric, n)}" for n, w in p["weights"].items()]
    combined = f"MAX({','.join(terms)})" if p.get("combine", "sum") == "max" else "+".join(terms)
    return f"{num(p.get('base', 0))}+{combined}"


@rule("per_count", {"weights"}, {"base", "combine"}, formula=_per_count_formula)
def per_count(item: Item, cols: dict, rubric: Rubric) -> Fraction:
    """base + weight × count for each counted input (“1 次扣 1 分”); `combine: max` keeps the largest term."""
    p = item.params
    terms = [centi(w) * (cols[name] // MICRO) for name, w in p["weights"].items()]
    combined = np.maximum.reduce(terms) if p.get("combine", "sum") == "max" else np.add.reduce(terms)
    return centi(p.get("base", 0)) + combined, 1


# --- shortfall / excess ---------------------------------------------------------------------------


def _points_of(amount_micro: np.ndarray, counting: str) -> np.ndarray:
    # D2: linear counts fractions of a percentage point; whole counts completed points only
    if counting == "whole":
        return (amount_micro // MICRO) * MICRO
    if counting != "linear":
        raise ValueError(f"unknown counting {counting!r}")
    return amount_micro


def _linear_only(item: Item) -> None:
    if item.params.get("counting", "linear") != "linear":
        raise FormulaError("whole-point counting")


def _shortfall_formula(item: Item, rubric: Rubric) -> str:
    _linear_only(item)
    p = item.params
    return f"{num(item.max / 100)}-{num(p['per_point'])}*MAX(0,{num(p['target'])}-{value_of(rubric, p['input'])})"


@rule("shortfall", {"input", "target", "per_point"}, {"counting"}, formula=_shortfall_formula)
def shortfall(item: Item, cols: dict, rubric: Rubric) -> Fraction:
    """max − per_point × (target − value) when the value falls short of the target (“不足每个百分点扣 N 分”)."""
    p = item.params
    short = np.maximum(0, centi(p["target"]) * (MICRO // 100) - cols[p["input"]])
    short = _points_of(short, p.get("counting", "linear"))
    return item.max * MICRO - centi(p["per_point"]) * short, MICRO


def _excess_formula(item: Item, rubric: Rubric) -> str:
    _linear_only(item)
    p = item.params
    return f"{num(p['per_point'])}*MAX(0,{value_of(rubric, p['input'])}-{num(p['threshold'])})"


@rule("excess", {"input", "threshold", "per_point"}, {"counting"}, formula=_excess_formula)
def excess(item: Item, cols: dict, rubric: Rubric) -> Fraction:
    """per_point × (value − threshold) above the threshold (“高于 97% 的，每高一个百分点加 1 分”)."""
    p = item.params
    over = np.maximum(0, cols[p["input"]] - centi(p["threshold"]) * (MICRO // 100))
    over = _points_of(over, p.get("counting", "linear"))
    return centi(p["per_point"]) * over, MICRO


# --- awarded / share_of_max / ratio ---------------------------------------------------------------


@rule("awarded", {"input"}, formula=lambda item, rubric: value_of(rubric, item.params["input"]))
def awarded(item: Item, cols: dict, rubric: Rubric) -> Fraction:
    """The points the evaluator awarded (a pts or num field), as entered."""
    return cols[item.params["input"]], MICRO // 100


@rule("share_of_max", {"input"}, formula=lambda item, rubric: f"{num(item.max / 100)}*{value_of(rubric, item.params['input'])}/100")
def share_of_max(item: Item, cols: dict, rubric: Rubric) -> Fraction:
    """max × percentage / 100 (maturity 评分比例)."""
    return item.max * cols[item.params["input"]], 100 * MICRO


def _ratio_formula(item: Item, rubric: Rubric) -> str:
    p = item.params
    den = value_of(rubric, p["denominator"])
    return f"IF({den}>0,{num(item.max / 100)}*{value_of(rubric, p['numerator'])}/{den},0)"


@rule("ratio", {"numerator", "denominator"}, formula=_ratio_formula)
def ratio(item: Item, cols: dict, rubric: Rubric) -> Fraction:
    """max × numerator / denominator (xuzhou 任务完成数/合同总任务数 × 70)."""
    p = item.params
    den = cols[p["denominator"]]
    return item.max * cols[p["numerator"]], np.where(den > 0, den, 1)


# --- checks ---------------------------------------------------------------------------------------


def _checks_formula(item: Item, rubric: Rubric) -> str:
    return "+".join(f"{num(c['points'])}*IF({expr_formula(c['test'], rubric)},1,0)" for c in item.params["checks"])


@rule("checks", {"checks"}, formula=_checks_formula)
def checks(item: Item, cols: dict, rubric: Rubric) -> Fraction:
    """Sum of the points of every test that holds."""
    total = np.zeros(_rows(cols), dtype=np.int64)
    for chk in item.params["checks"]:
        total = total + centi(chk["points"]) * compile_expr(chk["test"], rubric)(cols)
    return total, 1
