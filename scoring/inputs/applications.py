"""Applications in progress: `workbooks/<scheme>/<round>/applications.csv`, one row per application.

Columns (the first row, in Chinese as clerks keep them): 统一社会信用代码, 单位名称, then one column
per stage of the scheme's procedure (its rubric's `office.stages`, e.g. zj-skpw 第九条: 机构申请,
协会受理, 材料预审, 现场评估, 综合评议, 报告审核, 公示公告, 发放证书) holding the date the stage
was reached, then 终止 (the date an application ended without a certificate: 不予受理, 撤回 …) and
备注. Stage columns may be left out from the right; a stage is reached only after the one before.
UTF-8 (with or without BOM) or GB18030, as Excel saves it. A bad row is reported and skipped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import Problem
from ..fields import bad_character, credit_code_ok
from ..rubric import Rubric
from .actions import decode_text
from .files import read_small_file

__all__ = ["Application", "read_applications", "FILE_NAME", "header_for"]

FILE_NAME = "applications.csv"
ID_COLUMNS = ("统一社会信用代码", "单位名称")
END_COLUMNS = ("终止", "备注")


@dataclass(frozen=True)
class Application:
    scheme: str
    round: str
    line: int
    credit_code: str
    org_name: str
    reached: tuple[tuple[str, date], ...]  # (stage, date) in the procedure's order
    closed: date | None = None  # ended without a certificate
    note: str = ""


def header_for(rubric: Rubric) -> list[str]:
    return [*ID_COLUMNS, *(s.name for s in rubric.office.stages), *END_COLUMNS]


def _date(text: str) -> date | None:
    text = text.strip().replace("/", "-").replace(".", "-")
    try:
        d = date.fromisoformat("-".join(p.zfill(2) for p in text.split("-"))) if text else None
    except ValueError:
        return None
    return d if d and date(2000, 1, 1) <= d <= date(2099, 12, 31) else None


def read_applications(path: Path, rubric: Rubric, round_key: str) -> tuple[list[Application], list[Problem]]:
    if not path.exists() and not path.is_symlink():
        return [], []
    where = f"{rubric.scheme}/{round_key}/{FILE_NAME}"
    stages = [s.name for s in rubric.office.stages]
    try:
        rows = list(csv.reader(io.StringIO(decode_text(read_small_file(path)))))
    except (ValueError, csv.Error) as exc:
        return [], [Problem.of("applications_unreadable", where, detail=f"{where}: {exc}")]
    header = [h.strip() for h in (rows[0] if rows else [])]
    known = set(header_for(rubric))
    if tuple(header[:2]) != ID_COLUMNS or any(h not in known for h in header if h):
        return [], [Problem.of("applications_unreadable", where, detail=f"{where}: 第 1 行应为列名 {','.join(header_for(rubric))}")]
    col = {h: i for i, h in enumerate(header) if h}
    out: list[Application] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        cells = {h: (row[i].strip() if i < len(row) else "") for h, i in col.items()}
        if not any(cells.values()):
            continue
        app = _application(cells, stages, seen, rubric.scheme, round_key, line)
        if isinstance(app, str):
            problems.append(Problem.of("application_invalid", where, where=f"{where} 第 {line} 行", detail=app))
            continue
        seen[app.credit_code] = line
        out.append(app)
    return out, problems


def _application(cells: dict[str, str], stages: list[str], seen: dict[str, int], scheme: str, round_key: str, line: int) -> Application | str:
    """One row's application, or what is wrong with it."""
    bad = next((f"“{h}”{b}" for h, v in cells.items() if (b := bad_character(v, one_line=h not in END_COLUMNS[1:]))), None)
    if bad:  # the name is printed in the office's documents and the report's 待办 lines; only 备注 may hold line breaks
        return bad + "；请删除后重新填写"
    code = cells["统一社会信用代码"].upper()
    if not credit_code_ok(code):
        return f"统一社会信用代码“{code}”有误"
    if code in seen:
        return f"与第 {seen[code]} 行是同一机构；每个机构每批次一行"
    reached = _reached(cells, stages)
    if isinstance(reached, str):
        return reached
    closed = _date(cells.get("终止", "")) if cells.get("终止") else None
    if cells.get("终止") and closed is None:
        return f"“终止”的日期“{cells['终止']}”应为 YYYY-MM-DD"
    if not reached:
        return f"至少应填写“{stages[0]}”的日期"
    return Application(scheme, round_key, line, code, cells["单位名称"], reached, closed, cells.get("备注", ""))


def _reached(cells: dict[str, str], stages: list[str]) -> tuple[tuple[str, date], ...] | str:
    """The stages reached, with their dates, in the procedure's order; or what is wrong with them."""
    reached: list[tuple[str, date]] = []
    for s in stages:
        text = cells.get(s, "")
        if not text:
            continue
        d = _date(text)
        if d is None:
            return f"“{s}”的日期“{text}”应为 YYYY-MM-DD"
        if len(reached) != stages.index(s):
            return f"“{s}”已填日期，但之前的“{stages[len(reached)]}”尚未填写"
        if reached and d < reached[-1][1]:
            return f"“{s}”的日期 {d} 早于“{reached[-1][0]}”的 {reached[-1][1]}"
        reached.append((s, d))
    return tuple(reached)
