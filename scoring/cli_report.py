"""The run report's text, in one place: what the `publish`, `registry ingest` and `office due`
commands print and what the nightly run appends to its log (`scoring.jobs.nightly` is given
`nightly_summary`: the jobs layer makes no report text of its own results). One item, one line: what
an item quotes (a name, an action's detail, a file name, a message) is shown by `fields.visible`, so
no line break, control or invisible character of an input (or of a registry an older version
recorded) can forge a line of the report or the log."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .fields import visible
from .office import OfficeReport
from .publish import PublishResult
from .registry import Report, certificates, closed_rounds, open_registry, renewals_due

__all__ = ["report_lines", "publish_lines", "office_lines", "carried_line", "due_line", "summary_lines", "nightly_summary"]


def report_lines(rep: Report) -> list[str]:
    """The registry update, as `registry ingest` and `publish` print it."""
    lines = [
        f"登记库更新（{rep.today}）：新结果 {len(rep.new_results)}，更正 {len(rep.replaced_results)}，"
        f"新公告/公示 {len(rep.notices)}，新证书/备案 {len(rep.certificates)}，执行操作 {len(rep.actions)}，抽查 {len(rep.draws)}"
    ]
    for title, items in (
        ("新公告", rep.notices),
        ("新证书/备案", rep.certificates),
        ("执行的操作", rep.actions),
        ("抽查", rep.draws),
        ("未接受的更改", [p.message for p in rep.refused]),
        ("提示", [p.message for p in rep.warnings]),
        ("批次问题", [p.message for p in rep.round_problems]),
        ("操作表问题", [p.message for p in rep.action_problems]),
    ):
        lines += [visible(f"  [{title}] {line}") for line in items]
    lines += [
        visible(f"  [无效评估表] {file}：{len(problems)} 个问题，首个：{problems[0].message}") for file, problems in rep.workbook_problems.items()
    ]
    return lines


def publish_lines(result: PublishResult, out: Path) -> list[str]:
    """What `scoring publish` prints: the registry update, the office stage, the site (with each stage's time)."""
    lines = report_lines(result.report) + office_lines(result.office)
    timing = "，".join(f"{k} {v:.1f} 秒" for k, v in result.seconds.items())
    if result.skipped:
        lines.append(visible(f"网站内容没有变化，保留 {out} 中现有的 {result.pages} 个页面（{timing}）"))
    else:
        lines.append(visible(f"已发布 {result.pages} 个页面到 {out}（{carried_line(result)}；{timing}）"))
    return lines


def office_lines(office: OfficeReport | None) -> list[str]:
    """What the office stage did and what is due (the nightly mail shows it first thing)."""
    if office is None:
        return []
    late = sum(1 for d in office.urgent if d.state == "逾期")
    lines = [f"办公文件（{office.folder}）：新生成或更新 {len(office.made)} 份，未变 {office.kept} 份；待办 {len(office.urgent)} 项（逾期 {late}）"]
    lines += [f"  [待办] {due_line(d)}" for d in office.urgent]  # due_line: one line each
    lines += [f"  [办公文件问题] {p}" for p in office.problems]
    return lines


def carried_line(result: PublishResult) -> str:
    return f"新写 {result.made} 个文件，沿用未变的 {result.carried} 个" if result.carried else f"全部重建，共 {result.made} 个文件"


def due_line(d) -> str:
    left = "" if d.left is None else (f"，已逾期 {-d.left} 个工作日" if d.left < 0 else f"，剩余 {d.left} 个工作日")
    where = f"（{d.round}）" if d.round else ""
    return visible(f"{d.state}：{d.org_name}{where} {d.stage}（{d.since}）→ {d.next}，时限 {d.deadline}{left}")


def summary_lines(result: PublishResult, db: Path, today: date, since: date | None) -> list[str]:
    rep = result.report
    lines = []
    with open_registry(db, write=False) as con:
        due = renewals_due(con, today)
        expired = [
            c
            for c in certificates(con, today)
            if c["status"] == "已过期" and c["expires"] and (since is None or date.fromisoformat(c["expires"]) >= since)
        ]
        closed = closed_rounds(con, today, since)
    workbook_problems = rep.workbook_problems
    lines.append(f"新结果 {len(rep.new_results)}，更正 {len(rep.replaced_results)}，拒绝更改 {len(rep.refused)}")
    lines.append(f"新公告/公示 {len(rep.notices)}，公示期结束 {len(closed)}")
    lines.append(f"新证书/备案 {len(rep.certificates)}，即将到期 {len(due)}，{'自上次运行以来' if since else ''}已过期 {len(expired)}")
    lines.append(f"执行操作 {len(rep.actions)}，抽查 {len(rep.draws)}，有问题的评估表 {len(workbook_problems)}")
    for label, items in (
        ("新结果", rep.new_results),
        ("更正", rep.replaced_results),
        ("拒绝更改", [p.message for p in rep.refused]),
        ("提示", [p.message for p in rep.warnings]),
        ("新公告/公示", rep.notices),
        ("公示期结束", [f"{r['scheme']}/{r['key']} {r['title']}（{r['period_end']}）" for r in closed]),
        ("新证书/备案", rep.certificates),
        ("即将到期", [f"{c['number']} {c['org_name']} 有效期至 {c['expires']}" for c in due]),
        ("已过期", [f"{c['number']} {c['org_name']}（{c['expires']}）" for c in expired]),
        ("执行操作", rep.actions),
        ("抽查", rep.draws),
        ("批次问题", [f"[{p.code}] {p.message}" for p in rep.round_problems]),
        ("操作表问题", [f"[{p.code}] {p.message}" for p in rep.action_problems]),
    ):
        lines += [visible(f"  [{label}] {x}") for x in items]
    lines += office_lines(result.office)
    for file, problems in workbook_problems.items():
        lines.append(visible(f"  [评估表问题] {file}：{len(problems)} 个"))
        lines += [visible(f"      {p.sheet}!{p.cell} {p.field} [{p.code}] {p.message}") for p in problems[:20]]
    return lines


def nightly_summary(result: PublishResult, db: Path, today: date, since: date | None, seconds: float) -> list[str]:
    """The nightly log's lines after a publish: the summary since the last run, then the site."""
    lines = summary_lines(result, db, today, since)
    if result.skipped:
        lines.append(f"网站内容没有变化，未重新构建（{seconds:.1f} 秒）")
    else:
        lines.append(visible(f"已发布 {result.pages} 个页面到 {result.out}（{seconds:.1f} 秒；{carried_line(result)}）"))
    return lines
