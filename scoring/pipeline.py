"""From paths to results: collect workbooks, read and validate them, score each scheme's batch.

Library entry points for the CLI and for the publish job: `collect_workbooks`, `read_rows`,
`score_rows`, `score_paths`. Each workbook gives one `Result` (`scoring.result`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from .batch import Batch, Row, build_batch
from .engine import gate_reason, reasons_for, score_batch
from .errors import Problem
from .excel.reader import read_raw
from .fields import days_to_date, entry_text
from .inputs.files import shown_name, workbook_kind
from .result import Result
from .rubric import load_rubric
from .validate import parse_workbook, scheme_from_path, wanted_names
from .workers import worker_pool

__all__ = ["collect_workbooks", "read_rows", "score_rows", "score_files", "score_paths", "missing_results", "result_counts"]

PARALLEL_FROM = 64  # below this many files, worker start-up costs more than it saves


def collect_workbooks(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """Files as given, folders searched recursively for .xlsx in any case (Excel's ~$ lock files
    skipped); other spreadsheets (.xls, .et, …) found there are reported as `not_xlsx`."""
    files, problems = [], []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                kind = workbook_kind(f.name)
                if kind == "xlsx" and f.is_file():  # (the actions workbook is not a kind: the registry reads it)
                    files.append(f)
                elif kind == "other" and f.is_file():
                    problems.append(
                        Problem("not_xlsx", f"不是 .xlsx 工作簿（{f.suffix}），未读取；请在 Excel 或 WPS 中“另存为” .xlsx 格式", shown_name(str(f)))
                    )
        elif p.is_file():
            files.append(p)
        else:
            problems.append(Problem("file_unreadable", "文件或目录不存在", shown_name(str(p))))
    seen, unique = set(), []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, problems


def read_one(path: str, expect_scheme: str | None = None) -> Row:
    """Read and validate one workbook; never raises on bad input."""
    try:
        raw = read_raw(path, wanted_names)
        return parse_workbook(raw, expect_scheme or scheme_from_path(path))
    except RecursionError:
        row = Row(str(path), None)
        row.problems.append(Problem("file_unreadable", "文件结构异常，无法读取", str(path)))
        return row
    except Exception as exc:  # a case no check foresaw: this file's problem, never the whole run's (the night goes on)
        row = Row(str(path), None)
        row.problems.append(Problem("file_unreadable", f"文件内容异常，无法读取（{type(exc).__name__}），已跳过", str(path)))
        return row


def _read_chunk(args: list[tuple[str, str | None]]) -> list[Row]:
    return [read_one(p, s) for p, s in args]


def read_rows(
    files: list[Path], expect_scheme: str | None = None, jobs: int | None = None, progress: Callable[[int], None] | None = None
) -> list[Row]:
    return _read_all([(str(f), expect_scheme) for f in files], jobs, progress)


def score_files(files: list[tuple[Path, str | None]], jobs: int | None = None, scoring_date: date | None = None) -> list[Result]:
    """Read, validate and score (path, expected scheme) pairs: one result each, in order."""
    return score_rows(_read_all([(str(f), s) for f, s in files], jobs, None), scoring_date)


def _read_all(args: list[tuple[str, str | None]], jobs: int | None, progress: Callable[[int], None] | None) -> list[Row]:
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(args) < PARALLEL_FROM:
        rows = []
        for a in args:
            rows.append(read_one(*a))
            if progress:
                progress(1)
        return rows
    size = max(8, min(64, len(args) // (jobs * 4) or 1))
    chunks = [args[i : i + size] for i in range(0, len(args), size)]
    rows = []
    with worker_pool(jobs) as pool:  # workers that die with the run and hold none of its locks
        for part in pool.map(_read_chunk, chunks):
            rows.extend(part)
            if progress:
                progress(len(part))
    return rows


def _num(c: int) -> float:
    return round(int(c) / 100, 2)


def score_rows(rows: list[Row], scoring_date: date | None = None) -> list[Result]:
    """One result per row (interfaces.md), in the order of `rows`. A date field after
    `scoring_date` (default: today) is an input error."""
    scoring_date = scoring_date or date.today()
    results: list[Result | None] = [None] * len(rows)
    by_scheme: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if row.scheme and not row.fatal:
            by_scheme.setdefault(row.scheme, []).append(i)
        else:
            results[i] = _invalid(row, row.problems)
    for scheme, idx in sorted(by_scheme.items()):
        batch = build_batch(load_rubric(scheme), [rows[i] for i in idx], scoring_date)
        for j, res in enumerate(_results(batch)):
            results[idx[j]] = res
    return [r for r in results if r is not None]


def _invalid(row: Row, problems: list[Problem], scheme: str | None = None) -> Result:
    res = _base(row, scheme or row.scheme, "invalid")
    res.errors = list(problems)
    return res


def _base(row: Row, scheme: str | None, status: str) -> Result:
    org = row.values.get("org_name") if "org_name" in row.present else None
    code = row.values.get("credit_code") if "credit_code" in row.present else None
    listed = {} if row.fatal else dict(row.tables)
    res = Result(file=row.file, scheme=scheme, status=status, org_name=org, credit_code=code, particulars=_particulars(row, scheme), tables=listed)
    if scheme and not row.fatal:
        fields = load_rubric(scheme).fields
        res.entries = {fid: entry_text(fields[fid], row.values[fid]) for fid in fields if fid in row.present}
        res.notes = dict(row.notes)
    return res


def _particulars(row: Row, scheme: str | None) -> dict:
    """The organisation's particulars the rubric names by role (address, legal_rep, application_date)."""
    if not scheme or row.fatal:
        return {}
    rubric, out = load_rubric(scheme), {}
    for role, fid in rubric.roles.items():
        if fid in row.present:
            value = row.values[fid]
            out[role] = days_to_date(value) if rubric.fields[fid].type == "date" else value
    return out


def _results(batch: Batch) -> list[Result]:
    r = batch.rubric
    scores = score_batch(batch)
    out = []
    for i, row in enumerate(batch.rows):
        k = int(scores.gate[i])
        # Gate inputs are required `stage: gate` fields, so a gate only decides on rows read cleanly;
        # an empty score field is forgiven when a gate already decided (材料不全 forms stop there).
        if row.problems or (row.missing_score_fields and k < 0):
            out.append(_invalid(row, row.problems + row.missing_score_fields))
            continue
        if k >= 0:
            res = _base(row, r.scheme, r.gates[k].status)
            res.reasons = [gate_reason(batch, i, k)]
            out.append(res)
            continue
        res = _base(row, r.scheme, "scored")
        res.items = {it.id: _num(scores.items[it.id][i]) for it in r.items}
        res.sections = {s.name: _num(scores.sections[s.name][i]) for s in r.sections}
        res.total = _num(scores.total[i]) if r.items else None
        res.grade = scores.grade[i]
        res.veto = bool(scores.veto[i])
        res.failed_conditions = [c.code for c in r.conditions if scores.failed[c.code][i]]
        if any(c.effect == "eligibility" for c in r.conditions):
            res.eligible = bool(scores.eligible[i])
        if r.total_clip != (None, None):
            res.clipped = bool(scores.clipped[i])
        res.reasons = reasons_for(batch, scores, i)
        out.append(res)
    return out


def missing_results(problems: list[Problem]) -> list[Result]:
    """Invalid results for paths that did not exist."""
    return [_invalid(Row(p.file, None), [p]) for p in problems]


def score_paths(paths, expect_scheme: str | None = None, jobs: int | None = None, progress=None, scoring_date: date | None = None) -> list[Result]:
    files, missing = collect_workbooks(paths)
    rows = read_rows(files, expect_scheme, jobs, progress)
    return score_rows(rows, scoring_date) + missing_results(missing)


def result_counts(results: list[Result]) -> dict[str, int]:
    counts = {"scored": 0, "invalid": 0, "incomplete": 0, "ineligible": 0}
    for res in results:
        counts[res.status] = counts.get(res.status, 0) + 1
    return counts
