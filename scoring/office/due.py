"""What is due: each open application's next stage and its deadline in working days (D12), and
each certificate still to be returned after a 降级/撤销 (D21).

A stage with `days` in the rubric (zj-skpw 第十条: 受理 15, 材料预审 10, 现场评估 30, 报告审核 7)
must be reached within that many working days counted from the day the previous stage was
reached (that day counts when it is a working day, D12). Due soon: three working days or fewer
left, today included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..inputs.applications import Application
from ..rubric import load_rubric
from ..workdays import Calendar, UnknownYear, notice_period

__all__ = ["DueItem", "application_items", "return_items", "workdays_between", "SOON"]

SOON = 3  # working days


@dataclass(frozen=True)
class DueItem:
    kind: str  # 申请 | 证书退回
    scheme: str
    round: str
    credit_code: str
    org_name: str
    stage: str  # the stage reached (申请) or the decision (证书退回)
    since: str  # the date it was reached
    next: str  # what is due
    deadline: str  # YYYY-MM-DD, "" when the stage has no time limit
    left: int | None  # working days left, today included; negative: overdue by that many
    state: str  # 逾期 | 即将到期 | 进行中 | 无时限 | 已完成 | 已终止 | 日历未知
    note: str = ""

    @property
    def urgent(self) -> bool:
        return self.state in ("逾期", "即将到期")


def workdays_between(cal: Calendar, today: date, deadline: date) -> int:
    """Working days from today to the deadline, both included; after it, minus the working days
    since (the deadline's day not counted)."""
    if today <= deadline:
        d, n = today, 0
        while d <= deadline:
            n += cal.is_workday(d)
            d += timedelta(days=1)
        return n
    d, n = deadline + timedelta(days=1), 0
    while d <= today:
        n += cal.is_workday(d)
        d += timedelta(days=1)
    return -max(n, 1)


def _state(left: int) -> str:
    return "逾期" if left < 0 else ("即将到期" if left <= SOON else "进行中")


def application_items(apps: list[Application], titles: dict[tuple[str, str], str], today: date, cal: Calendar) -> list[DueItem]:
    out = []
    for a in apps:
        stages = load_rubric(a.scheme).office.stages
        stage, since = a.reached[-1]
        base = dict(kind="申请", scheme=a.scheme, round=titles.get((a.scheme, a.round), a.round), credit_code=a.credit_code, org_name=a.org_name)
        if a.closed:
            out.append(DueItem(**base, stage=stage, since=a.closed.isoformat(), next="", deadline="", left=None, state="已终止", note=a.note))
            continue
        if len(a.reached) == len(stages):
            out.append(DueItem(**base, stage=stage, since=since.isoformat(), next="", deadline="", left=None, state="已完成", note=a.note))
            continue
        nxt = stages[len(a.reached)]
        if not nxt.days:
            out.append(DueItem(**base, stage=stage, since=since.isoformat(), next=nxt.name, deadline="", left=None, state="无时限", note=a.note))
            continue
        try:
            deadline = notice_period(cal, since, int(nxt.days)).end
            left = workdays_between(cal, today, deadline)
        except UnknownYear as exc:
            note = f"{exc.year} 年工作日历未知，无法计算时限：请在 calendar.toml 中补充"
            out.append(DueItem(**base, stage=stage, since=since.isoformat(), next=nxt.name, deadline="", left=None, state="日历未知", note=note))
            continue
        item = DueItem(
            **base,
            stage=stage,
            since=since.isoformat(),
            next=f"{nxt.name}（{nxt.days} 个工作日内）",
            deadline=deadline.isoformat(),
            left=left,
            state=_state(left),
            note=a.note,
        )
        out.append(item)
    return out


def return_items(decided: list[dict], today: date, cal: Calendar) -> list[DueItem]:
    """D21: certificates to be returned (calendar days; the state is in working days like the rest)."""
    out = []
    for d in decided:
        if not d["return_by"] or d["returned_on"]:
            continue
        deadline = date.fromisoformat(d["return_by"])
        base = dict(kind="证书退回", scheme=d["scheme"], round="", credit_code=d["credit_code"], org_name=d["org_name"])
        text = f"退回证书 {d['number']}（{d['document_no'] or d['kind']}）"
        if today > deadline:
            note = f"逾期未退回，{d['void_on']} 起已公告作废" if d["void_on"] else "逾期未退回"
            out.append(DueItem(**base, stage=d["kind"], since=d["date"], next=text, deadline=d["return_by"], left=None, state="已作废", note=note))
            continue
        try:
            left = workdays_between(cal, today, deadline)
        except UnknownYear as exc:
            note = f"{exc.year} 年工作日历未知"
            out.append(DueItem(**base, stage=d["kind"], since=d["date"], next=text, deadline=d["return_by"], left=None, state="日历未知", note=note))
            continue
        out.append(DueItem(**base, stage=d["kind"], since=d["date"], next=text, deadline=d["return_by"], left=left, state=_state(left)))
    return out
