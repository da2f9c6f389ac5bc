"""Stage and return deadlines (`office/due.py`): working days around the holidays, calendar days for returns."""

from datetime import date

from scoring.inputs.applications import Application
from scoring.office.due import application_items, return_items
from scoring.workdays import Calendar


def _app(*stages: tuple[str, str], closed: str | None = None) -> Application:
    return Application(
        "zj-skpw",
        "2027-1",
        2,
        "91330200FLL7DRUXW7",
        "温州清源",
        tuple((s, date.fromisoformat(d)) for s, d in stages),
        date.fromisoformat(closed) if closed else None,
    )


def test_stage_deadlines_count_working_days_around_national_day_and_spring_festival():
    cal = Calendar()

    def one(app, today):
        (item,) = application_items([app], {}, date.fromisoformat(today), cal)
        return item

    # 国庆 2026: 10-01..10-07 off, Saturday 10-10 worked. 受理 on Monday 09-28: 材料预审 within 10 working days
    # = 09-28, 09-29, 09-30, 10-08, 10-09, 10-10, 10-12, 10-13, 10-14, 10-15.
    app = _app(("机构申请", "2026-09-14"), ("协会受理", "2026-09-28"))
    assert one(app, "2026-09-30").deadline == "2026-10-15"
    assert (one(app, "2026-10-05").left, one(app, "2026-10-05").state) == (7, "进行中")  # a holiday: the week off does not count
    assert (one(app, "2026-10-13").left, one(app, "2026-10-13").state) == (3, "即将到期")
    assert (one(app, "2026-10-15").left, one(app, "2026-10-15").state) == (1, "即将到期")
    assert (one(app, "2026-10-16").left, one(app, "2026-10-16").state) == (-1, "逾期")
    # 春节 2026: 02-15..02-23 off, Saturdays 02-14 and 02-28 worked. Applied Tuesday 02-10: 受理 within 15
    # working days = 02-10..02-14 (5), 02-24..02-28 (10), 03-02..03-06 (15).
    app = _app(("机构申请", "2026-02-10"))
    assert one(app, "2026-02-13").deadline == "2026-03-06"
    assert one(app, "2026-02-20").left == 10  # mid-festival: 02-24 … 03-06
    assert (one(app, "2026-03-09").left, one(app, "2026-03-09").state) == (-1, "逾期")
    # an application filed on a holiday: its period starts on the next working day (D12)
    assert one(_app(("机构申请", "2026-10-03")), "2026-10-03").deadline == "2026-10-27"  # 10-08 is the first of 15
    # stages without a time limit, finished and ended applications
    assert (
        one(_app(("机构申请", "2026-09-01"), ("协会受理", "2026-09-02"), ("材料预审", "2026-09-03"), ("现场评估", "2026-09-04")), "2026-11-25").state
        == "无时限"
    )
    assert one(_app(("机构申请", "2026-09-01"), closed="2026-09-10"), "2026-11-25").state == "已终止"
    # a deadline in a year the calendar does not know: said, never guessed
    late = one(_app(("机构申请", "2026-12-20"), ("协会受理", "2026-12-21"), ("材料预审", "2026-12-22")), "2026-12-23")
    assert late.state == "日历未知" and "2027" in late.note


def test_return_deadlines_are_calendar_days_and_end_when_returned_or_voided():
    cal = Calendar()
    d = {
        "scheme": "zj-skpw",
        "credit_code": "91330200FLL7DRUXW7",
        "org_name": "甲",
        "kind": "撤销",
        "date": "2026-09-28",
        "document_no": "x号",
        "number": "N",
    }
    due = {**d, "return_by": "2026-10-13", "returned_on": "", "void_on": "2026-10-14"}
    (item,) = return_items([due], date(2026, 10, 1), cal)
    assert item.deadline == "2026-10-13" and item.left == 5 and item.state == "进行中"  # 10-08, 10-09, 10-10 (Saturday), 10-12, 10-13
    assert return_items([{**due, "returned_on": "2026-10-09"}], date(2026, 10, 12), cal) == []
    (late,) = return_items([due], date(2026, 10, 20), cal)
    assert late.state == "已作废" and "2026-10-14" in late.note
