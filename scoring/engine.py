"""Score a batch: all rows of one scheme at once, in integer centi-points.

The only place where rounding, clipping (扣完为止), section sums, gates, conditions, vetoes and
grades happen. No per-organisation loop in the arithmetic; the Chinese reasons are formatted per
row afterwards (text, not scoring).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .batch import Batch, format_message
from .expr import compile_expr, covers_arguments, uncovered_factors
from .rubric_data import Rubric
from .rules import RULES, round_half_up

__all__ = ["Scores", "score_batch"]


@dataclass
class Scores:
    items: dict[str, np.ndarray]  # item id -> int64 centi-points
    sections: dict[str, np.ndarray]
    total: np.ndarray  # after clipping / zeroing
    raw_total: np.ndarray  # before total clipping
    clipped: np.ndarray  # bool
    zeroed: np.ndarray  # bool (hosting 弄虚作假)
    gate: np.ndarray  # int: index into rubric.gates of the first failed gate, -1 none
    failed: dict[str, np.ndarray]  # condition code -> bool (failed)
    veto: np.ndarray
    eligible: np.ndarray
    grade: np.ndarray  # object: grade label or None


def score_items(rubric: Rubric, cols: dict) -> dict[str, np.ndarray]:
    out = {}
    for it in rubric.items:
        num, den = RULES[it.kind].score(it, cols, rubric)
        pts = round_half_up(num, den)  # the one rounding, per item
        if it.min is not None:  # 扣完为止
            pts = np.maximum(pts, it.min)
        out[it.id] = np.minimum(pts, it.max).astype(np.int64)
    return out


def score_batch(batch: Batch) -> Scores:
    r, cols, n = batch.rubric, batch.cols, batch.n
    items = score_items(r, cols)
    zeros = np.zeros(n, dtype=np.int64)
    sections = {}
    for s in r.sections:
        total = sum((items[it.id] for it in r.items if it.section == s.name), zeros)
        if s.floor is not None:
            total = np.maximum(total, s.floor)
        sections[s.name] = total
    raw_total = sum(sections.values(), zeros)
    lo, hi = r.total_clip
    total = raw_total
    if lo is not None:
        total = np.maximum(total, lo)
    if hi is not None:
        total = np.minimum(total, hi)
    clipped = total != raw_total
    zeroed = np.zeros(n, dtype=bool)
    if r.zero_if:
        zeroed = compile_expr(r.zero_if.test, r)(cols)
        total = np.where(zeroed, 0, total)

    gate = np.full(n, -1, dtype=np.int64)  # index of the first failed gate, -1 none
    for k, g in enumerate(r.gates):
        fails = ~compile_expr(g.test, r)(cols)
        gate = np.where((gate < 0) & fails, k, gate)

    failed = {c.code: ~compile_expr(c.test, r)(cols) for c in r.conditions}

    def by_effect(effect: str) -> np.ndarray:
        """Rows where any condition with this effect failed."""
        return np.logical_or.reduce([failed[c.code] for c in r.conditions if c.effect == effect] or [np.zeros(n, dtype=bool)])

    veto = by_effect("veto") | zeroed
    eligible = ~by_effect("eligibility")

    grade: np.ndarray = np.full(n, None, dtype=object)
    grades = r.grades
    if grades.kind == "bands":
        picks = [(total >= b.value) if b.op == ">=" else (total > b.value) for b in grades.bands]
        # numpy's type stubs do not cover object arrays of labels
        grade = np.select(picks, [b.label for b in grades.bands], default=grades.otherwise).astype(object)  # type: ignore[type-var, arg-type, attr-defined]
        grade = np.where(veto, grades.veto_grade, grade)  # type: ignore[arg-type]
    elif grades.kind == "conditions":
        grade = np.where(by_effect("outcome"), grades.fail_label, grades.pass_label).astype(object)  # type: ignore[arg-type, attr-defined]
    return Scores(items, sections, total, raw_total, clipped, zeroed, gate, failed, veto, eligible, grade)


def reasons_for(batch: Batch, scores: Scores, i: int) -> list[str]:
    """The Chinese reasons of one scored row: one per lost point group or failed condition."""
    r = batch.rubric
    out = []
    for c in r.conditions:
        if scores.failed[c.code][i]:
            extra = {}
            covered = covers_arguments(c.test) if "{uncovered}" in c.reason else None
            if covered:
                cma, operated = covered
                extra["uncovered"] = "、".join(uncovered_factors(batch.cols[cma][i], batch.cols[operated][i])) or "（未填写 CMA 因子）"
            out.append(format_message(c.reason, batch, i, extra))
    if r.zero_if and scores.zeroed[i]:
        out.append(r.zero_if.reason)
    for it in r.items:
        got, top = int(scores.items[it.id][i]), it.max
        if (not it.bonus and got < top) or (it.bonus and got < 0):
            head = "·".join(p for p in (it.section, it.group) if p)
            out.append(
                f"【{head}】{it.wording}——得 {_pts(got)} 分（满分 {_pts(top)} 分）" if not it.bonus else f"【{head}】{it.wording}——{_pts(got)} 分"
            )
    if scores.clipped[i]:
        lo, hi = r.total_clip
        bound = (
            f"{_pts(lo)}–{_pts(hi)} 分"
            if lo is not None and hi is not None
            else (f"不低于 {_pts(lo)} 分" if lo is not None else f"不高于 {_pts(hi or 0)} 分")
        )
        out.append(f"各项合计 {_pts(int(scores.raw_total[i]))} 分，总分按{bound}计为 {_pts(int(scores.total[i]))} 分")
    return out


def gate_reason(batch: Batch, i: int, k: int) -> str:
    r = batch.rubric
    g = r.gates[k]
    extra = {}
    if g.list_false:
        missing = [f"{n + 1}. {r.fields[f].label}" for n, f in enumerate(g.list_false) if not batch.cols[f][i]]
        extra["missing"] = "；".join(missing)
    return format_message(g.reason, batch, i, extra)


def _pts(c: int) -> str:
    return f"{c / 100:.2f}".rstrip("0").rstrip(".") if c % 100 else str(c // 100)
