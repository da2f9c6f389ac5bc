"""Typed rows and columns: what validation hands to the engine, with no knowledge of files.

A `Row` is one workbook's typed values (int64 micro-units, day numbers, choice codes) and the
problems found while reading it; a `Batch` stacks the rows of one scheme into numpy columns and
runs the rubric's cross-checks over all of them at once. Invalid rows stay in place (masked), so
row i is workbook i.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from .errors import Problem
from .expr import EPOCH, compile_expr
from .fields import days_to_date, micro_to_str
from .rubric_data import Rubric, expression_names

__all__ = ["Row", "Batch", "build_batch", "format_message", "display_value", "NEUTRAL", "DTYPES", "NO_ROWS_MIN", "FATAL_CODES"]

NO_ROWS_MIN = 2**40  # min() over an empty 附表3: "every row has ≥ 1" holds vacuously
NEUTRAL = {"int": 0, "num": 0, "pct": 0, "pts": 0, "bool": False, "enum": -1, "date": 0, "text": "", "credit_code": ""}
DTYPES = {
    "int": np.int64,
    "num": np.int64,
    "pct": np.int64,
    "pts": np.int64,
    "bool": np.bool_,
    "enum": np.int16,
    "date": np.int64,
    "text": object,
    "credit_code": object,
}


@dataclass
class Row:
    file: str
    scheme: str | None
    values: dict = field(default_factory=dict)
    present: set = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    missing_score_fields: list[Problem] = field(default_factory=list)  # forgiven when gated out
    where: dict = field(default_factory=dict)  # field -> (sheet, cell)
    tables: dict = field(default_factory=dict)  # listed table id -> its filled rows ({column id: value})
    notes: dict = field(default_factory=dict)  # item id -> the evaluators' 评估意见 (not scored)

    @property
    def fatal(self) -> bool:
        return any(p.code in FATAL_CODES for p in self.problems)


FATAL_CODES = {"file_unreadable", "not_xlsx", "encrypted", "not_template", "too_large", "template_version", "wrong_scheme"}


@dataclass
class Batch:
    """All workbooks of one scheme as columns; row i is workbook i."""

    rubric: Rubric
    rows: list[Row]
    cols: dict[str, np.ndarray]
    present: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return len(self.rows)


def build_batch(rubric: Rubric, rows: list[Row], scoring_date: date | None = None) -> Batch:
    """Stack rows into columns and run the cross-checks; `scoring_date` (the day the workbooks are
    scored) is the latest date any date field may hold."""
    n = len(rows)
    cols: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray] = {}
    for fid, f in rubric.fields.items():
        neutral = NEUTRAL[f.type]
        cols[fid] = np.array([r.values.get(fid, neutral) for r in rows], dtype=DTYPES[f.type]) if n else np.zeros(0, DTYPES[f.type])
        present[fid] = np.fromiter((fid in r.present for r in rows), dtype=bool, count=n)
    for tid, table in rubric.tables.items():
        keys = [f"{tid}.rows"] + [f"{tid}.{c.id}.{agg}" for c in table.columns if c.type == "int" for agg in ("sum", "min")]
        for k in keys:
            cols[k] = np.fromiter((r.values.get(k, 0) for r in rows), dtype=np.int64, count=n)
        present[tid] = np.fromiter((tid in r.present for r in rows), dtype=bool, count=n)
    batch = Batch(rubric, rows, cols, present)
    _cross_checks(batch)
    if scoring_date is not None:
        _no_future_dates(batch, scoring_date)
    return batch


def _needed_present(batch: Batch, text: str) -> np.ndarray:
    """Rows where a check can be judged: every required field it reads was read (an empty
    optional field means its neutral value, e.g. no note)."""
    ok = np.ones(batch.n, dtype=bool)
    for name in expression_names(text):
        f = batch.rubric.fields.get(name)
        if f is not None and f.required:
            ok &= batch.present[name]
    for tid in batch.rubric.tables:
        if f"{tid}." in text:
            ok &= batch.present[tid]
    return ok


def _cross_checks(batch: Batch) -> None:
    r = batch.rubric
    for chk in r.checks:
        fails = ~compile_expr(chk.test, r)(batch.cols) & _needed_present(batch, chk.test)
        for i in np.flatnonzero(fails):
            row = batch.rows[i]
            sheet, cell = row.where.get(chk.field, ("", ""))
            row.problems.append(Problem("cross_check", format_message(chk.message, batch, int(i)), row.file, sheet, cell, chk.field))


def display_value(batch: Batch, name: str, i: int) -> str:
    v = batch.cols[name][i]
    f = batch.rubric.fields.get(name)
    if f is None or f.numeric:
        return micro_to_str(int(v))
    if f.type == "bool":
        return f.choices[0] if v else f.choices[1]
    if f.type == "enum":
        return f.choices[v] if v >= 0 else ""
    if f.type == "date":
        return days_to_date(v).isoformat()
    return str(v)


def format_message(template: str, batch: Batch, i: int, extra: dict | None = None) -> str:
    extra = extra or {}

    def sub(m):
        key = m[1]
        if key in extra:
            return str(extra[key])
        if key in batch.cols:
            return display_value(batch, key, i)
        return m[0]

    return re.sub(r"\{([\w.]+)\}", sub, template)


def _no_future_dates(batch: Batch, scoring_date: date) -> None:
    """schemes.md: no date after the date the workbook is scored (a typo'd year, a form pre-dated)."""
    limit = scoring_date.toordinal() - EPOCH
    for fid, f in batch.rubric.fields.items():
        if f.type != "date":
            continue
        for i in np.flatnonzero(batch.present[fid] & (batch.cols[fid] > limit)):
            row = batch.rows[i]
            sheet, cell = row.where.get(fid, ("", ""))
            day = date.fromordinal(int(batch.cols[fid][i]) + EPOCH)
            message = f"“{f.label}”为 {day.isoformat()}，晚于评分日期 {scoring_date.isoformat()}；请核对日期"
            row.problems.append(Problem("date_after_scoring", message, row.file, sheet, cell, fid))
