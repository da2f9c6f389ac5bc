"""The vectorised rule kinds. Each turns whole columns into one item's points for every row.

A rule returns an exact rational (numerator, denominator) in centi-points; the engine rounds it
half-up to 0.01 once and clips it to the item's range. Rule kinds are registered by name and
referred to from the rubric YAML (`rule: {kind: shortfall, …}`).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable

import numpy as np

from .expr import MICRO, compile_expr
from .rubric import Item, Rubric

__all__ = ["RULES", "rule", "centi", "round_half_up"]

RULES: dict[str, Callable] = {}


def rule(name: str):
    def register(fn):
        RULES[name] = fn
        return fn
    return register


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


def _choice_points(rubric: Rubric, field_id: str, points: dict, col: np.ndarray) -> np.ndarray:
    f = rubric.fields[field_id]
    choices = ("是", "否") if f.type == "bool" else f.choices
    unknown = set(points) - set(choices)
    if unknown:
        raise ValueError(f"{field_id}: {sorted(unknown)} not among {choices}")
    lut = np.array([centi(points.get(c, 0)) for c in choices] + [0], dtype=np.int64)
    codes = np.where(col, 0, 1) if f.type == "bool" else col.astype(np.int64)   # -1 (missing) -> 0 points
    return lut[codes]


@rule("per_choice")
def per_choice(item: Item, cols: dict, rubric: Rubric):
    """base + points for each input's chosen value (是/否 or an enum choice)."""
    p = item.params
    total = np.full(len(next(iter(cols.values()))), centi(p.get("base", 0)), dtype=np.int64)
    inputs = p["inputs"]
    per_input = inputs if isinstance(inputs, dict) else {name: p["points"] for name in inputs}
    for name, points in per_input.items():
        total = total + _choice_points(rubric, name, points, cols[name])
    return total, 1


@rule("per_count")
def per_count(item: Item, cols: dict, rubric: Rubric):
    """base + weight × count for each counted input (“1 次扣 1 分”); `combine: max` keeps the largest term."""
    p = item.params
    terms = [centi(w) * (cols[name] // MICRO) for name, w in p["weights"].items()]
    combined = np.maximum.reduce(terms) if p.get("combine", "sum") == "max" else np.add.reduce(terms)
    return centi(p.get("base", 0)) + combined, 1


def _points_of(amount_micro: np.ndarray, counting: str) -> np.ndarray:
    # D2: linear counts fractions of a percentage point; whole counts completed points only
    if counting == "whole":
        return (amount_micro // MICRO) * MICRO
    if counting != "linear":
        raise ValueError(f"unknown counting {counting!r}")
    return amount_micro


@rule("shortfall")
def shortfall(item: Item, cols: dict, rubric: Rubric):
    """max − per_point × (target − value) when the value falls short of the target (“不足每个百分点扣 N 分”)."""
    p = item.params
    short = np.maximum(0, centi(p["target"]) * (MICRO // 100) - cols[p["input"]])
    short = _points_of(short, p.get("counting", "linear"))
    return item.max * MICRO - centi(p["per_point"]) * short, MICRO


@rule("excess")
def excess(item: Item, cols: dict, rubric: Rubric):
    """per_point × (value − threshold) above the threshold (“高于 97% 的，每高一个百分点加 1 分”)."""
    p = item.params
    over = np.maximum(0, cols[p["input"]] - centi(p["threshold"]) * (MICRO // 100))
    over = _points_of(over, p.get("counting", "linear"))
    return centi(p["per_point"]) * over, MICRO


@rule("awarded")
def awarded(item: Item, cols: dict, rubric: Rubric):
    """The points the evaluator awarded (a pts or num field), as entered."""
    return cols[item.params["input"]], MICRO // 100


@rule("share_of_max")
def share_of_max(item: Item, cols: dict, rubric: Rubric):
    """max × percentage / 100 (maturity 评分比例)."""
    return item.max * cols[item.params["input"]], 100 * MICRO


@rule("ratio")
def ratio(item: Item, cols: dict, rubric: Rubric):
    """max × numerator / denominator (xuzhou 任务完成数/合同总任务数 × 70)."""
    p = item.params
    den = cols[p["denominator"]]
    return item.max * cols[p["numerator"]], np.where(den > 0, den, 1)


@rule("checks")
def checks(item: Item, cols: dict, rubric: Rubric):
    """Sum of the points of every test that holds."""
    n = len(next(iter(cols.values())))
    total = np.zeros(n, dtype=np.int64)
    for chk in item.params["checks"]:
        total = total + centi(chk["points"]) * compile_expr(chk["test"], rubric)(cols)
    return total, 1
