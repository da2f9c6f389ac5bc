"""Working days and 公示 periods (`workdays.py`) with the real 2025–2026 holidays."""

import pytest
from helpers import D

from scoring.workdays import UnknownYear, load_calendar, notice_period


def test_notice_periods_around_national_day():
    cal = load_calendar(None)
    p = notice_period(cal, D("2025-09-26"), 5)  # Fri; Sun 28 Sep is a make-up working day; 1–8 Oct off
    assert (p.start, p.end, p.announce) == (D("2025-09-26"), D("2025-10-09"), D("2025-10-10"))
    p = notice_period(cal, D("2026-09-30"), 5)  # 1–7 Oct off, Sat 10 Oct is a make-up working day
    assert (p.start, p.end, p.announce) == (D("2026-09-30"), D("2026-10-12"), D("2026-10-13"))
    p = notice_period(cal, D("2026-10-03"), 7)  # published on a holiday: starts on the next working day
    assert (p.start, p.end) == (D("2026-10-08"), D("2026-10-15"))  # 8, 9, 10 (Sat, make-up), 12, 13, 14, 15
    assert p.days_left(D("2026-10-10"), cal) == 5 and p.days_left(D("2026-10-17"), cal) == 0
    with pytest.raises(UnknownYear) as err:
        notice_period(cal, D("2027-01-04"), 5)
    assert "2027" in str(err.value) and "calendar.toml" in str(err.value)


def test_calendar_overrides_supply_an_unknown_year(tmp_path):
    path = tmp_path / "calendar.toml"
    path.write_text("[2027]\nholidays = [2027-01-01]\nworkdays = [2027-01-09]\n", encoding="utf-8")
    cal = load_calendar(path)
    assert not cal.is_workday(D("2027-01-01")) and cal.is_workday(D("2027-01-09")) and cal.is_workday(D("2027-01-04"))
    p = notice_period(cal, D("2026-12-30"), 5)  # a 公示 started late in December runs into 2027
    assert (p.end, p.announce) == (D("2027-01-06"), D("2027-01-07"))
    path.write_text("[2027]\nholidays = [2026-01-01]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="2027"):
        load_calendar(path)
