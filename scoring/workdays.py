"""Chinese working days (State Council holiday notices, 调休 make-up days included) and periods.

Built on chinesecalendar, which knows the years the State Council has published. A year it does
not know yet can be supplied in `workbooks/calendar.toml`:

    [2027]
    holidays = [2027-01-01, 2027-02-16, ...]   # weekdays off
    workdays = [2027-02-07]                    # weekend make-up working days (调休上班)

A date in a year neither knows raises UnknownYear naming the year: never a silent guess (D12).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar

from .tomlsafe import loads as toml_loads

__all__ = ["Calendar", "UnknownYear", "NoWorkday", "MAX_DAYS_OFF", "Period", "notice_period", "load_calendar", "parse_calendar"]


class UnknownYear(ValueError):
    def __init__(self, year: int, source: str = "workbooks/calendar.toml"):
        self.year = year
        super().__init__(
            f"不知道 {year} 年的法定节假日和调休安排：请在国务院办公厅公布 {year} 年部分节假日安排后，"
            f"在 {source} 中加入 [{year}] 一节（holidays = 放假的工作日，workdays = 调休上班的周末），"
            f"或升级 chinesecalendar"
        )


class NoWorkday(ValueError):
    """No working day within 40 days (the message is Chinese): never from a calendar parse_calendar
    accepted."""


# the longest run of days off a calendar.toml may make (holidays, weekends and the package's own
# days around them): the longest real one is 10 days (2020); 40+ made next_workday give up
MAX_DAYS_OFF = 30


@dataclass(frozen=True)
class Period:
    """A notice period of N working days: start and end both inclusive; announce = first working day after."""

    published: date
    start: date
    end: date
    days: int
    announce: date

    def days_left(self, today: date, cal: Calendar) -> int:
        """Working days of the period still to come, today included when it is one of them."""
        if today > self.end:
            return 0
        d, n = max(today, self.start), 0
        while d <= self.end:
            n += cal.is_workday(d)
            d += timedelta(days=1)
        return n


@dataclass
class Calendar:
    holidays: dict[int, set[date]] = field(default_factory=dict)
    workdays: dict[int, set[date]] = field(default_factory=dict)
    source: str = "workbooks/calendar.toml"

    def is_workday(self, d: date) -> bool:
        if d.year in self.holidays or d.year in self.workdays:
            if d in self.workdays.get(d.year, ()):
                return True
            if d in self.holidays.get(d.year, ()):
                return False
            if not self._package_knows(d.year):
                return d.weekday() < 5
        try:
            return chinese_calendar.is_workday(d)
        except NotImplementedError:
            raise UnknownYear(d.year, self.source) from None

    @staticmethod
    def _package_knows(year: int) -> bool:
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
            return True
        except NotImplementedError:
            return False

    def next_workday(self, d: date, include: bool = True) -> date:
        d = d if include else d + timedelta(days=1)
        first = d
        for _ in range(40):  # the longest holiday is far shorter (parse_calendar refuses longer)
            if self.is_workday(d):
                return d
            d += timedelta(days=1)
        raise NoWorkday(f"{self.source}: {first} 起 40 天内没有工作日，无法计算公示期；请检查 holidays")

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day counting `start` (a working day) as the first."""
        d, count = start, 1
        while count < n:
            d += timedelta(days=1)
            count += self.is_workday(d)
        return d


def notice_period(cal: Calendar, published: date, days: int) -> Period:
    """D12: starts on the publication day if it is a working day, else the next one; ends on its N-th."""
    start = cal.next_workday(published)
    end = cal.add_workdays(start, days)
    return Period(published, start, end, days, cal.next_workday(end, include=False))


def load_calendar(path: Path | None) -> Calendar:
    """Overrides from calendar.toml (missing file: none). Bad entries raise ValueError with the place."""
    if not path or not Path(path).exists():
        return Calendar(source=str(path) if path else "workbooks/calendar.toml")
    return parse_calendar(Path(path).read_text(encoding="utf-8-sig"), str(path))


def parse_calendar(text: str, path: str) -> Calendar:
    """calendar.toml's text as a Calendar; bad entries raise ValueError with the place."""
    cal = Calendar(source=path)
    try:
        data = toml_loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: 不是有效的 TOML：{exc}") from None
    for key, section in data.items():
        if not (key.isdigit() and isinstance(section, dict)):
            raise ValueError(f"{path}: [{key}] 应为年份，如 [2027]")
        year = int(key)
        for kind in ("holidays", "workdays"):
            days = section.get(kind, [])
            if not isinstance(days, list) or not all(isinstance(d, date) and not isinstance(d, datetime) and d.year == year for d in days):
                raise ValueError(f"{path}: [{key}] {kind} 应为 {year} 年的日期列表，如 {year}-01-01")
            getattr(cal, kind)[year] = set(days)
    _check_days_off(cal, path)
    return cal


def _off(cal: Calendar, d: date) -> bool:
    """`d` is a day off; a day of a year nobody knows (or beyond the dates Python has) ends a run."""
    try:
        return not cal.is_workday(d)
    except UnknownYear:
        return False


def _check_days_off(cal: Calendar, path: str) -> None:
    """No run of more than MAX_DAYS_OFF days off around the holidays `cal` lists (a period could
    never start or end). Visits each listed holiday once and at most MAX_DAYS_OFF days beside it."""
    covered: date | None = None
    one = timedelta(days=1)
    for h in sorted(d for days in cal.holidays.values() for d in days):
        if (covered is not None and h <= covered) or not _off(cal, h):
            continue
        first = last = h
        n = 1
        while n <= MAX_DAYS_OFF and first > date.min and _off(cal, first - one):
            first, n = first - one, n + 1
        while n <= MAX_DAYS_OFF and last < date.max and _off(cal, last + one):
            last, n = last + one, n + 1
        if n > MAX_DAYS_OFF:
            raise ValueError(f"{path}: {first} 至 {last} 连续 {n} 天以上没有工作日（超过 {MAX_DAYS_OFF} 天），请检查 holidays 是否写错")
        covered = last
