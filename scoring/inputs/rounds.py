"""Assessment rounds (批次): `workbooks/<scheme>/<round>/round.toml` and their notice periods."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeGuard

from ..fields import bad_character, credit_code_ok
from ..rubric import load_rubric
from ..tomlsafe import loads as toml_loads
from ..workdays import Calendar, notice_period
from .files import InputFileError, read_small_file

__all__ = ["RoundSpec", "load_round", "RoundError", "RoundInPreparation"]


class RoundError(ValueError):
    pass


class RoundInPreparation(Exception):
    """round.toml has a title but no notice_date yet: applications are tracked, nothing is published."""

    def __init__(self, title: str):
        super().__init__(title)
        self.title = title


@dataclass(frozen=True)
class RoundSpec:
    scheme: str
    key: str
    folder: Path
    title: str
    notice_date: date
    issue_date: date | None
    withheld: tuple[str, ...]
    period_days: int | None
    period_start: date | None
    period_end: date | None
    announce_date: date
    source_hash: str


MAX_ROUND_BYTES = 64 * 1024
MAX_TITLE = 120  # a round title is one line of an official notice heading
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


def _plain_date(value) -> TypeGuard[date]:
    """A TOML date without a time, within the years the system works with."""
    return isinstance(value, date) and not isinstance(value, datetime) and EARLIEST <= value <= LATEST


def load_round(folder: Path, scheme: str, cal: Calendar) -> RoundSpec:
    """Parse and check round.toml; the period needs the working-day calendar (UnknownYear propagates)."""
    path = folder / "round.toml"
    try:
        text = read_small_file(path, MAX_ROUND_BYTES)
    except InputFileError as exc:
        raise RoundError(f"{path}: {exc}") from None
    try:
        data = toml_loads(text.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RoundError(f"{path}: 不是有效的 UTF-8 TOML 文件（{exc}）") from None
    unknown = set(data) - {"title", "notice_date", "issue_date", "withheld"}
    if unknown:
        raise RoundError(f"{path}: 不认识的设置 {', '.join(sorted(unknown))}")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise RoundError(f"{path}: 缺少 title（批次标题）")
    if len(title.strip()) > MAX_TITLE or any(ord(c) < 32 for c in title):
        raise RoundError(f"{path}: title 应为一行、不超过 {MAX_TITLE} 个字符的批次标题")
    bad = bad_character(title, one_line=True)  # the title heads notices, the feed and the report
    if bad:
        raise RoundError(f"{path}: title {bad}；请删除后重新填写")
    notice = data.get("notice_date")
    if notice is None and set(data) <= {"title"}:
        raise RoundInPreparation(title.strip())
    if not _plain_date(notice):
        raise RoundError(f"{path}: notice_date 应为日期（不带时间），如 notice_date = 2026-11-02")
    issue = data.get("issue_date")
    if issue is not None and (not _plain_date(issue) or issue < notice):
        raise RoundError(f"{path}: issue_date 应为不早于 notice_date 的日期（不带时间）")
    withheld = data.get("withheld", [])
    if not isinstance(withheld, list) or not all(isinstance(c, str) and credit_code_ok(c.strip().upper()) for c in withheld):
        raise RoundError(f'{path}: withheld 应为统一社会信用代码列表，如 withheld = ["91330100…"]')
    days = load_rubric(scheme).lifecycle.notice_working_days
    start: date | None
    end: date | None
    if days:
        period = notice_period(cal, notice, int(days))
        start, end, announce = period.start, period.end, issue or period.announce
        if issue is not None and issue <= period.end:
            raise RoundError(f"{path}: issue_date {issue} 早于公示期结束（{period.end}）")
    else:
        start = end = None
        announce = notice
    return RoundSpec(
        scheme,
        folder.name,
        folder,
        title.strip(),
        notice,
        issue,
        tuple(sorted(c.strip().upper() for c in withheld)),
        int(days) if days else None,
        start,
        end,
        announce,
        hashlib.sha256(text).hexdigest(),
    )
