"""Lifecycle actions from `workbooks/<scheme>/actions.csv`, validated row by row.

Columns: date,credit_code,action,detail,document_no. UTF-8 (with or without BOM) or GB18030, as
Excel saves it. A bad row is reported and skipped, never guessed.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import Problem
from ..fields import credit_code_ok

__all__ = ["Action", "read_actions", "ACTION_KINDS", "CHANGE_FIELDS"]

ACTION_KINDS = ("年度检查合格", "年度检查不合格", "降级", "撤销", "变更", "注销")
CHANGE_FIELDS = {"名称": "name", "法定代表人": "legal_rep", "地址": "address"}
COLUMNS = ("date", "credit_code", "action", "detail", "document_no")


@dataclass(frozen=True)
class Action:
    scheme: str
    line: int
    date: date
    credit_code: str
    action: str
    detail: str
    document_no: str
    row_hash: str
    changes: tuple[tuple[str, str], ...] = ()  # 变更: (column, new value)


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ValueError("既不是 UTF-8 也不是 GB18030 编码")


def read_actions(path: Path, scheme: str, grades: tuple[str, ...]) -> tuple[list[Action], list[Problem]]:
    """Valid actions and one problem per bad row."""
    if not path.exists():
        return [], []
    try:
        text = _decode(path.read_bytes())
    except ValueError as exc:
        return [], [Problem.of("actions_unreadable", str(path), detail=f"{path}: {exc}")]
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if tuple(header[:5]) != COLUMNS:
        return [], [Problem.of("actions_unreadable", str(path), detail=f"{path}: 第 1 行应为列名 {','.join(COLUMNS)}，实际为 {','.join(header)}")]
    actions, problems = [], []
    for line, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        row = [c.strip() for c in row] + [""] * (5 - len(row))
        d, code, kind, detail, doc = row[:5]
        where = f"{path} 第 {line} 行"
        try:
            when = date.fromisoformat(d)
        except ValueError:
            problems.append(Problem.of("action_invalid", str(path), where=where, detail=f"日期“{d}”应为 YYYY-MM-DD"))
            continue
        code = code.upper()
        if not credit_code_ok(code):
            problems.append(Problem.of("action_invalid", str(path), where=where, detail=f"统一社会信用代码“{code}”有误"))
            continue
        if kind not in ACTION_KINDS:
            problems.append(Problem.of("action_invalid", str(path), where=where, detail=f"操作“{kind}”应为 {'、'.join(ACTION_KINDS)} 之一"))
            continue
        changes: tuple = ()
        if kind == "降级" and detail not in grades:
            problems.append(
                Problem.of(
                    "action_invalid", str(path), where=where, detail=f"降级须在 detail 中填写新的等级（{'、'.join(grades)}），实际为“{detail}”"
                )
            )
            continue
        if kind == "变更":
            pairs = [p for p in detail.replace("；", ";").split(";") if p.strip()]
            parsed = [tuple(x.strip() for x in p.split("=", 1)) for p in pairs]
            if not parsed or any(len(p) != 2 or p[0] not in CHANGE_FIELDS or not p[1] for p in parsed):
                problems.append(
                    Problem.of(
                        "action_invalid",
                        str(path),
                        where=where,
                        detail=f"变更须在 detail 中填写“字段=新值”（字段为 名称、法定代表人、地址，多项用分号分隔），实际为“{detail}”",
                    )
                )
                continue
            changes = tuple((CHANGE_FIELDS[k], v) for k, v in parsed)
        digest = hashlib.sha256("\x1f".join((scheme, when.isoformat(), code, kind, detail, doc)).encode()).hexdigest()
        actions.append(Action(scheme, line, when, code, kind, detail, doc, digest, changes))
    return actions, problems
