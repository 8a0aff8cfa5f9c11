"""Handling metrics of work orders (DEM-03), per unit (department), level or category over a
period of dispatches — counted in the database with one aggregate per group; only the median
handling time is computed in Python, over one column.

Which orders count where:

* ``orders`` — every order dispatched in the period to the unit, whatever became of it; the
  denominator of the return, rework and extension rates.
* "held" orders — the orders the unit answers for: all but those it gave back with the office's
  approval (``returned``: an approved return is not held against the returning unit; the order
  dispatched again counts for the unit that got it) and those escalated (``escalated``: counted
  at the level that holds it now — the linked order of the next level). The sign, close, rating
  and handling-time figures are over held orders only.
* on-time sign rate = ``signed_on_time`` (signed by ``sign_due_at``) ÷ ``sign_due`` (signed, or
  unsigned with the sign deadline passed).
* on-time close rate = ``closed_on_time`` (closed, replied by ``due_at``) ÷ (``closed`` +
  ``open_overdue``). Open overdue orders always count: open and past the deadline, or replied
  late and not closed yet — an order left open never improves the rate.
* resolution rate = ``resolved`` ÷ ``rated_resolution`` and satisfaction rate = ``satisfied``
  (满意 + 基本满意) ÷ ``rated_satisfaction``, from the enterprise's verdict on the demand, kept
  separate (a closure the enterprise has not rated counts in neither).
* return rate = ``returned_requested`` (orders the unit asked to return, granted or not) ÷
  ``orders``; rework rate = ``reworked`` ÷ ``orders``; extension rate = ``extended`` (an approved
  extension) ÷ ``orders``.
* median handling time: working hours from dispatch to the reply, less the time suspended.

``COUNTS`` names the condition behind every count so that a page can list the orders behind a
number (``orders_behind``).
"""

import statistics
from dataclasses import dataclass, field

from django.db.models import Count, F, Q

from sibao.workorders import clocks
from sibao.workorders.models import (
    DemandCategory,
    Level,
    OrderStatus,
    Resolution,
    Satisfaction,
)
from sibao.workorders.models.orders import AFTER_REPLY_STATUSES, HANDLING_STATUSES

__all__ = [
    "COUNTS",
    "DIMENSIONS",
    "Metrics",
    "Row",
    "by",
    "compute",
    "conditions",
    "orders_behind",
]

NOT_HELD = (OrderStatus.RETURNED, OrderStatus.ESCALATED)


def _held() -> Q:
    return ~Q(status__in=NOT_HELD)


def _counts(now) -> dict[str, Q]:
    held = _held()
    return {
        "orders": Q(pk__isnull=False),
        "held": held,
        "returned": Q(status=OrderStatus.RETURNED),
        "escalated": Q(status=OrderStatus.ESCALATED),
        "sign_due": held & (Q(signed_at__isnull=False) | Q(sign_due_at__lt=now)),
        "signed_on_time": held & Q(signed_at__lte=F("sign_due_at")),
        "closed": held & Q(status=OrderStatus.CLOSED),
        "closed_on_time": held & Q(status=OrderStatus.CLOSED, replied_at__lte=F("due_at")),
        "open_overdue": held
        & (
            Q(status__in=HANDLING_STATUSES, due_at__lt=now)
            | Q(status__in=AFTER_REPLY_STATUSES, replied_at__gt=F("due_at"))
        ),
        "rated_resolution": held & ~Q(demand__resolution=""),
        "resolved": held & Q(demand__resolution=Resolution.RESOLVED),
        "rated_satisfaction": held & ~Q(demand__satisfaction=""),
        "satisfied": held
        & Q(demand__satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC]),
        "return_requested": Q(return_count__gt=0),
        "reworked": Q(rework_count__gt=0),
        "extended": Q(extension_count__gt=0),
        "replied": held & Q(replied_at__isnull=False),
    }


COUNTS = tuple(_counts(None))


def conditions(now) -> dict[str, Q]:
    """The condition behind every count of ``COUNTS`` at ``now``, for a reader that counts them
    within its own aggregate (the dashboard: one query, no median)."""
    return _counts(now)


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


@dataclass(frozen=True)
class Metrics:
    counts: dict[str, int]
    median_hours: float | None = None

    def __getattr__(self, name):
        if name in COUNTS:
            return self.counts[name]
        raise AttributeError(name)

    @property
    def sign_rate(self):
        return _rate(self.counts["signed_on_time"], self.counts["sign_due"])

    @property
    def close_rate(self):
        c = self.counts
        return _rate(c["closed_on_time"], c["closed"] + c["open_overdue"])

    @property
    def resolution_rate(self):
        return _rate(self.counts["resolved"], self.counts["rated_resolution"])

    @property
    def satisfaction_rate(self):
        return _rate(self.counts["satisfied"], self.counts["rated_satisfaction"])

    @property
    def return_rate(self):
        return _rate(self.counts["return_requested"], self.counts["orders"])

    @property
    def rework_rate(self):
        return _rate(self.counts["reworked"], self.counts["orders"])

    @property
    def extension_rate(self):
        return _rate(self.counts["extended"], self.counts["orders"])

    def as_dict(self) -> dict:
        return {
            **self.counts,
            "sign_rate": self.sign_rate,
            "close_rate": self.close_rate,
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "return_rate": self.return_rate,
            "rework_rate": self.rework_rate,
            "extension_rate": self.extension_rate,
            "median_hours": self.median_hours,
        }


def _aggregates(now) -> dict:
    return {name: Count("pk", filter=q) for name, q in _counts(now).items()}


def _median_hours(rows, calendar) -> float | None:
    """Median working hours from dispatch to reply, less suspended time, of (dispatched, replied,
    paused) rows."""
    spans = [max(calendar.between(d, r) - p, 0) for d, r, p in rows]
    return round(statistics.median(spans) / 60, 1) if spans else None


def _replied_rows(orders, *extra):
    return orders.filter(_held(), replied_at__isnull=False).values_list(
        *extra, "dispatched_at", "replied_at", "paused_minutes"
    )


def compute(orders, *, now, calendar=None) -> Metrics:
    """The metrics of one set of orders (any queryset of ``WorkOrder``)."""
    calendar = calendar or clocks.WorkCalendar.from_rules()
    counts = orders.order_by().aggregate(**_aggregates(now))
    return Metrics(counts, _median_hours(_replied_rows(orders.order_by()), calendar))


DIMENSIONS = {
    "department": ("department_id", "department__name"),
    "level": ("level", None),
    "category": ("category", None),
}
_CHOICES = {"level": dict(Level.choices), "category": dict(DemandCategory.choices)}


@dataclass(frozen=True)
class Row:
    key: object
    label: str
    metrics: Metrics = field(compare=False)


def by(dimension: str, orders, *, now, calendar=None) -> list[Row]:
    """One row of metrics per value of ``dimension`` (department, level or category) among the
    orders, ordered by label; one aggregate query plus one query for the median."""
    calendar = calendar or clocks.WorkCalendar.from_rules()
    key, label = DIMENSIONS[dimension]
    columns = [key, label] if label else [key]
    groups = orders.order_by().values(*columns).annotate(**_aggregates(now)).order_by(*columns)
    spans: dict[object, list] = {}
    for value, *row in _replied_rows(orders.order_by(), key):
        spans.setdefault(value, []).append(row)
    rows = []
    for group in groups:
        value = group.pop(key)
        name = group.pop(label) if label else str(_CHOICES[dimension].get(value, value))
        counts = {c: group[c] for c in COUNTS}
        rows.append(
            Row(value, name, Metrics(counts, _median_hours(spans.get(value, []), calendar)))
        )
    return rows


def orders_behind(count: str, orders, *, now):
    """The orders behind one count (a name of ``COUNTS``) — what a page links a number to."""
    return orders.filter(_counts(now)[count])
