"""A stored round's 公示 period and countdown (rounds are parsed from round.toml by `scoring.inputs`)."""

from __future__ import annotations

from datetime import date

from ..workdays import Calendar, Period, UnknownYear

__all__ = ["stored_period", "days_left"]


def stored_period(rd) -> Period | None:
    """The 公示 period of a round as stored in the registry (None: the scheme has none)."""
    if not rd["period_days"]:
        return None
    day = date.fromisoformat
    return Period(day(rd["notice_date"]), day(rd["period_start"]), day(rd["period_end"]), rd["period_days"], day(rd["announce_date"]))


def days_left(rd, today: date, cal: Calendar) -> int | None:
    """Working days of the round's 公示 still to come on `today` (None: no period, or a year the
    calendar does not know — the round page then shows the dates without a countdown)."""
    period = stored_period(rd)
    try:
        return period.days_left(today, cal) if period else None
    except UnknownYear:
        return None
