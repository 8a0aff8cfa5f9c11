"""Working-time arithmetic for work-order clocks (DEM-03, architecture §8).

Working time is the office-hour spans (``workorder_office_hours``, e.g. 08:30–12:00 and 14:00–17:30)
of working days in Asia/Shanghai, where a working day follows ``chinese-calendar``: public holidays
(the Spring Festival week …) are off and make-up days (调休, a Saturday or Sunday worked) are on.
A year the calendar does not know yet falls back to Monday–Friday, and ``calendar_warning`` says so
for the screens that show a deadline in that year.

Limits come from the rule set as a table (``workorder_limits``, ``workorder_sign_limits``): items
``category.urgency.level=amount`` with ``d`` (working days) or ``h`` (working hours) and ``*`` for
any; the most specific item wins (the one naming the most of category, urgency and level; on a tie
the later item). A working day is the length of one day's office hours, so "1d" dispatched at 15:00
on a Friday falls due at 15:00 on the next working day.
"""

import datetime
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.core import rules as rule_catalogue

TZ = ZoneInfo("Asia/Shanghai")
MAX_DAYS = 3 * 366  # no limit is longer; guards the loops against a bad table


@lru_cache(maxsize=4096)
def _calendar_day(day: datetime.date) -> tuple[bool, bool]:
    """(is a working day, known to the holiday calendar)."""
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        return day.weekday() < 5, False


def is_working_day(day: datetime.date) -> bool:
    return _calendar_day(day)[0]


def calendar_known(day: datetime.date) -> bool:
    return _calendar_day(day)[1]


def calendar_warning(*moments) -> str:
    """A visible warning when a deadline falls in a year the holiday calendar does not know."""
    years = sorted(
        {
            timezone.localtime(m, TZ).year
            for m in moments
            if m is not None and not calendar_known(timezone.localtime(m, TZ).date())
        }
    )
    if not years:
        return ""
    return _("节假日安排未知的年份（%(years)s）按周一至周五计算工作日，时限仅供参考。") % {
        "years": "、".join(str(y) for y in years)
    }


@dataclass(frozen=True)
class WorkCalendar:
    spans: tuple[tuple[int, int], ...]  # minutes from midnight

    @classmethod
    def from_rules(cls, rule_set=None) -> "WorkCalendar":
        rule_set = rule_set or rule_catalogue.current()
        return cls(tuple(rule_catalogue.office_spans(rule_set["workorder_office_hours"])))

    @property
    def minutes_per_day(self) -> int:
        return sum(end - start for start, end in self.spans)

    def _day_intervals(self, day: datetime.date):
        if not is_working_day(day):
            return
        midnight = datetime.datetime.combine(day, datetime.time(), TZ)
        for start, end in self.spans:
            yield (
                midnight + datetime.timedelta(minutes=start),
                midnight + datetime.timedelta(minutes=end),
            )

    def add(self, start: datetime.datetime, minutes: int) -> datetime.datetime:
        """The moment ``minutes`` of working time after ``start`` (``start`` itself if 0 and
        inside working time; otherwise the end of the last working minute)."""
        local = timezone.localtime(start, TZ)
        remaining = max(int(minutes), 0)
        day = local.date()
        for _i in range(MAX_DAYS):
            for begin, end in self._day_intervals(day):
                if end <= local:
                    continue
                begin = max(begin, local)
                available = int((end - begin).total_seconds() // 60)
                if remaining <= available:
                    if remaining == 0:
                        return begin if available else end
                    return begin + datetime.timedelta(minutes=remaining)
                remaining -= available
            day += datetime.timedelta(days=1)
        raise ValueError("working-time limit too long")

    def between(self, start: datetime.datetime, end: datetime.datetime) -> int:
        """Working minutes from ``start`` to ``end`` (0 if ``end`` is not later)."""
        if end <= start:
            return 0
        first = timezone.localtime(start, TZ)
        last = timezone.localtime(end, TZ)
        total = 0.0
        day = first.date()
        while day <= last.date():
            for begin, finish in self._day_intervals(day):
                lo, hi = max(begin, first), min(finish, last)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += datetime.timedelta(days=1)
        return int(total // 60)


def limit_minutes(table: str, *, category: str, urgency: str, level: str, minutes_per_day: int):
    """The working minutes of the most specific item of a limit table for this order."""
    best, best_rank = None, -1
    for cat, urg, lev, amount, unit in rule_catalogue.limit_items(table):
        if cat not in ("*", category) or urg not in ("*", urgency) or lev not in ("*", level):
            continue
        rank = (cat != "*") + (urg != "*") + (lev != "*")
        if rank >= best_rank:
            best, best_rank = (amount, unit), rank
    if best is None:  # the table has a generic item for every urgency it is used with
        best = (1, "d")
    amount, unit = best
    return amount * minutes_per_day if unit == "d" else amount * 60


@dataclass(frozen=True)
class Limits:
    sign_minutes: int
    reply_minutes: int
    rule_version: int


def limits_for(*, category: str, urgency: str, level: str, rule_set=None) -> Limits:
    rule_set = rule_set or rule_catalogue.current()
    per_day = WorkCalendar.from_rules(rule_set).minutes_per_day
    keys = {"category": category, "urgency": urgency, "level": level, "minutes_per_day": per_day}
    return Limits(
        sign_minutes=limit_minutes(rule_set["workorder_sign_limits"], **keys),
        reply_minutes=limit_minutes(rule_set["workorder_limits"], **keys),
        rule_version=rule_set.version,
    )


def due_at(order, calendar: WorkCalendar | None = None) -> datetime.datetime:
    """Dispatch + limit + approved extensions + working time spent suspended."""
    calendar = calendar or WorkCalendar.from_rules()
    minutes = order.limit_minutes + order.extension_minutes + order.paused_minutes
    return calendar.add(order.dispatched_at, minutes)


def used_percent(order, now, calendar: WorkCalendar | None = None) -> int:
    """How much of the order's limit (with extensions) its open handling has used, in percent;
    suspended time does not count."""
    calendar = calendar or WorkCalendar.from_rules()
    end = order.suspended_at or now
    spent = calendar.between(order.dispatched_at, end) - order.paused_minutes
    limit = order.limit_minutes + order.extension_minutes
    return int(max(spent, 0) * 100 // limit) if limit else 100
