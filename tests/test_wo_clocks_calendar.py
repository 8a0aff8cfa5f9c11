"""DEM-03: working-time arithmetic of the work-order clocks (``workorders.clocks``).

Office hours are the rule set's default, 08:30–12:00 and 14:00–17:30: 420 working minutes a day
(one working day, "1d"). Every expected value below was computed by hand from the 2026 calendar:
the Spring Festival holiday runs Sun 15 – Mon 23 Feb, and Sat 14 Feb and Sat 28 Feb are make-up
working days (调休)."""

import datetime
from types import SimpleNamespace

import pytest

from sibao.core import rules
from sibao.workorders import clocks

pytestmark = pytest.mark.req("DEM-03")

TZ = clocks.TZ
CAL = clocks.WorkCalendar(tuple(rules.office_spans("08:30-12:00,14:00-17:30")))


def at(y, m, d, hh, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=TZ)


def order(dispatched, limit, *, extension=0, paused=0, suspended_at=None):
    return SimpleNamespace(
        dispatched_at=dispatched,
        limit_minutes=limit,
        extension_minutes=extension,
        paused_minutes=paused,
        suspended_at=suspended_at,
    )


def test_a_working_day_is_the_length_of_the_office_hours():
    assert CAL.minutes_per_day == 420


def test_the_spring_festival_is_skipped_and_the_make_up_saturday_counts():
    # Fri 13 Feb 10:00 + 5 working days (2100 min): Fri 330, Sat 14 (make-up) 420,
    # 15–23 off, Tue 24 420, Wed 25 420, Thu 26 420 → 90 left: Fri 27 08:30 + 90 = 10:00
    assert CAL.add(at(2026, 2, 13, 10), 5 * 420) == at(2026, 2, 27, 10)


def test_the_make_up_saturday_after_the_festival_is_a_working_day():
    # Fri 27 Feb 16:00 + 1 working day: Fri 90 min, Sat 28 (make-up) 08:30–12:00 210,
    # then 120 min from 14:00 → Sat 28 Feb 16:00
    assert CAL.add(at(2026, 2, 27, 16), 420) == at(2026, 2, 28, 16)
    assert clocks.is_working_day(datetime.date(2026, 2, 28))
    assert not clocks.is_working_day(datetime.date(2026, 3, 1))  # an ordinary Sunday


def test_working_minutes_between_two_moments_skip_the_holiday():
    # Fri 13 10:00 → Tue 24 10:00: Fri 330 + Sat 14 420 + Tue 24 (08:30–10:00) 90
    assert CAL.between(at(2026, 2, 13, 10), at(2026, 2, 24, 10)) == 840
    # a holiday-only stretch has no working time at all
    assert CAL.between(at(2026, 2, 15, 9), at(2026, 2, 23, 17)) == 0
    assert CAL.between(at(2026, 2, 24, 10), at(2026, 2, 13, 10)) == 0


def test_a_limit_in_hours_runs_across_the_lunch_break():
    # Tue 3 Mar 11:00 + 4 working hours: 60 min to 12:00, then 180 from 14:00 → 17:00
    assert CAL.add(at(2026, 3, 3, 11), 4 * 60) == at(2026, 3, 3, 17)


def test_a_limit_in_hours_runs_across_the_night():
    # Tue 3 Mar 16:00 + 8 working hours: 90 min to 17:30, Wed 08:30–12:00 210, 180 from 14:00
    assert CAL.add(at(2026, 3, 3, 16), 8 * 60) == at(2026, 3, 4, 17)
    # dispatched at night: the clock starts at the next morning's 08:30
    assert CAL.add(at(2026, 3, 3, 20), 4 * 60) == at(2026, 3, 4, 14, 30)
    # dispatched in the lunch break: it starts at 14:00
    assert CAL.add(at(2026, 3, 3, 12, 30), 60) == at(2026, 3, 3, 15)


def test_an_unknown_year_falls_back_to_weekdays_with_a_warning():
    # 2031 is beyond the holiday calendar: Mon–Fri count, New Year's Day (a Wednesday) too
    assert not clocks.calendar_known(datetime.date(2031, 1, 1))
    assert clocks.is_working_day(datetime.date(2031, 1, 1))
    assert not clocks.is_working_day(datetime.date(2031, 1, 4))  # a Saturday
    # Fri 3 Jan 09:00 + 1 working day: Fri 180 + 210 = 390, 30 more on Mon 6 Jan → 09:00
    due = CAL.add(at(2031, 1, 3, 9), 420)
    assert due == at(2031, 1, 6, 9)
    warning = clocks.calendar_warning(at(2026, 12, 31, 9), due)
    assert "2031" in warning and "2026" not in warning
    assert "周一至周五" in warning


def test_a_known_year_gives_no_warning():
    assert clocks.calendar_warning(at(2026, 2, 27, 10), None) == ""


TABLE = (
    "*.normal.*=5d; *.urgent.*=2d; policy.*.*=3d; policy.normal.*=10d; "
    "*.normal.province=8d; policy.normal.province=12h"
)


@pytest.mark.parametrize(
    "category, urgency, level, minutes",
    [
        ("labour", "normal", "county", 5 * 420),  # only the generic item
        ("policy", "urgent", "county", 3 * 420),  # two items name one key: the later wins
        ("policy", "normal", "city", 10 * 420),  # category + urgency beat category alone
        ("labour", "normal", "province", 8 * 420),  # urgency + level
        ("policy", "normal", "province", 12 * 60),  # all three named: most specific, in hours
    ],
)
def test_the_most_specific_item_of_a_limit_table_wins(category, urgency, level, minutes):
    found = clocks.limit_minutes(
        TABLE, category=category, urgency=urgency, level=level, minutes_per_day=420
    )
    assert found == minutes


def test_limits_come_from_the_current_rule_set(db):
    limits = clocks.limits_for(category="policy", urgency="normal", level="county")
    assert (limits.sign_minutes, limits.reply_minutes) == (420, 10 * 420)
    limits = clocks.limits_for(category="labour", urgency="critical", level="city")
    assert (limits.sign_minutes, limits.reply_minutes) == (2 * 60, 8 * 60)


def test_due_at_adds_extensions_and_suspended_time():
    # Fri 13 Feb 10:00, 1 working day + 1 day extension + 210 min suspended = 1050 min:
    # Fri 330, Sat 14 420 → 300 left, Tue 24 08:30–12:00 210, 90 from 14:00 → 15:30
    found = clocks.due_at(order(at(2026, 2, 13, 10), 420, extension=420, paused=210), CAL)
    assert found == at(2026, 2, 24, 15, 30)


def test_used_percent_leaves_out_suspended_time():
    start = at(2026, 2, 13, 10)
    now = at(2026, 2, 24, 10)  # 840 working minutes later
    assert clocks.used_percent(order(start, 2100), now, CAL) == 40
    assert clocks.used_percent(order(start, 2100, paused=210), now, CAL) == 30
    # a suspended order's clock stands still at its suspension
    assert clocks.used_percent(order(start, 2100, suspended_at=at(2026, 2, 13, 12)), now, CAL) == 5
    # an extension lowers the share used: 840 of 2520
    assert clocks.used_percent(order(start, 2100, extension=420), now, CAL) == 33
