"""Hostile calendar.toml: a coded Chinese problem naming the file, the official calendar used alone,
the rounds collected as usual."""

from datetime import date, timedelta

import pytest
from helpers import write_round

from scoring.inputs import collect_inputs
from scoring.workdays import MAX_DAYS_OFF, Calendar, NoWorkday, parse_calendar


def _holidays(year_start: date, n: int) -> str:
    return ", ".join((year_start + timedelta(days=i)).isoformat() for i in range(n))


def _collect(tmp_path, calendar: str, notice: str = "2031-01-06"):
    wb = tmp_path / "workbooks"
    write_round(wb / "zj-skpw" / "2031-1", "2031年度第一批", notice)
    (wb / "calendar.toml").write_text(calendar, encoding="utf-8")
    return wb, collect_inputs(wb)


def test_forty_consecutive_holidays_are_calendar_invalid_in_chinese(tmp_path):
    # before: the round's notice period asked next_workday, which raised an English ValueError
    # ("no working day within 40 days") out of collect_inputs and stopped the publish
    wb, inputs = _collect(tmp_path, f"[2031]\nholidays = [{_holidays(date(2031, 1, 1), 45)}]\n")
    codes = [p.code for p in inputs.problems]
    assert "calendar_invalid" in codes
    [problem] = [p for p in inputs.problems if p.code == "calendar_invalid"]
    assert problem.file == str(wb / "calendar.toml")
    assert "连续" in problem.message and "no working day" not in problem.message
    # the official calendar alone: 2031 is unknown to it, so the round is unknown_year, said in Chinese
    assert codes == ["calendar_invalid", "unknown_year"]


def test_a_run_across_the_new_year_counts_whole():
    text = f"[2031]\nholidays = [{_holidays(date(2031, 12, 10), 22)}]\n[2032]\nholidays = [{_holidays(date(2032, 1, 1), 20)}]\n"
    with pytest.raises(ValueError, match="2031-12-10 至"):
        parse_calendar(text, "calendar.toml")


def test_the_longest_run_allowed_is_read():
    # weekends included: holidays on every weekday of a stretch no longer than MAX_DAYS_OFF days
    days = [date(2031, 2, 3) + timedelta(days=i) for i in range(MAX_DAYS_OFF - 2)]
    cal = parse_calendar(f"[2031]\nholidays = [{', '.join(d.isoformat() for d in days if d.weekday() < 5)}]\n", "calendar.toml")
    assert cal.next_workday(date(2031, 2, 1)) > days[-1]


def test_next_workday_gives_up_in_chinese():
    cal = Calendar(holidays={2031: {date(2031, 1, 1) + timedelta(days=i) for i in range(365)}})
    with pytest.raises(NoWorkday, match="40 天内没有工作日"):
        cal.next_workday(date(2031, 1, 1))


def test_deeply_nested_calendar_is_calendar_invalid(tmp_path):
    wb, inputs = _collect(tmp_path, "[2031]\nholidays = " + "[" * 20000 + "]" * 20000 + "\n", notice="2026-10-12")
    assert [p.code for p in inputs.problems] == ["calendar_invalid"]
    assert "嵌套" in inputs.problems[0].message
    assert inputs.problems[0].file == str(wb / "calendar.toml")
    assert len(inputs.schemes[0].rounds) == 1
