"""Reads of production and operation status (MON-03) that span models: the units on the status
list with their current report, the named conditions behind every filter and board figure, the
per-region summaries and the trends per region and per unit.

The list and the board count the same queryset (``status_units``) with the same conditions
(``state_q``, ``stale_q``, ``raw_low_q``), so a number on the board always equals the count of
the list it links to. Days are judged in the province's time zone.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Exists, F, FilteredRelation, OuterRef, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import prefix_range, scope_filter
from sibao.enterprises.models import (
    Enterprise,
    ProductionReport,
    ProductionState,
    WhitelistEntry,
    WhitelistStatus,
)
from sibao.enterprises.queries import jurisdiction_regions
from sibao.regions.models import Region

__all__ = [
    "NOT_REPORTED",
    "ChildRow",
    "Summary",
    "TrendDay",
    "child_rows",
    "in_region",
    "jurisdiction_region",
    "list_url",
    "province_today",
    "raw_low_q",
    "region_trend",
    "roster_counts",
    "stale_q",
    "state_q",
    "status_units",
    "summary",
    "unit_reports",
    "units_for",
]

# the state filter's value for units on the list without any report
NOT_REPORTED = "none"


def province_today(now=None) -> datetime.date:
    return timezone.localdate(now or timezone.now(), timezone.get_default_timezone())


# --- the units and their current status ---------------------------------------------------------


def units_for(user, action: str = "view"):
    """The active units whose production reports ``user`` may ``action`` (view, add, import).

    The registry rows come through ``visible_to``; they are then narrowed by the grants that allow
    ``action`` on production reports. A report copies its unit's scope keys (county code, id,
    industry), so the unit's own keys, named as on the report, stand in for them: the same
    grant filter decides which units and which reports a user reaches."""
    return (
        Enterprise.objects.visible_to(user, "view")
        .active()
        .alias(region_code=F("region_id"), enterprise_id=F("pk"))
        .filter(scope_filter(user, ProductionReport, action))
    )


def _listed() -> Exists:
    return Exists(
        WhitelistEntry.objects.filter(enterprise_id=OuterRef("pk"), status=WhitelistStatus.LISTED)
    )


def status_units(user, action: str = "view"):
    """The units of the status list: those whose own whitelist entry is listed (they owe a daily
    report) and any other that has reported, each with its current report joined as ``status``
    (``status__state``, ``status__reported_on`` … are NULL for a unit that never reported)."""
    return (
        units_for(user, action)
        .annotate(
            status=FilteredRelation(
                "production_reports", condition=Q(production_reports__is_current=True)
            )
        )
        .filter(Q(_listed()) | Q(status__id__isnull=False))
    )


def in_region(units, code: str):
    """``units`` of the region ``code`` and below (a prefix of the county code, as a range)."""
    return units.filter(prefix_range("region_id", code))


def state_q(state: str) -> Q:
    """Units whose current report is in ``state`` (``NOT_REPORTED``: units without any)."""
    if state == NOT_REPORTED:
        return Q(status__id__isnull=True)
    return Q(status__state=state)


def stale_q(today: datetime.date, days: int) -> Q:
    """Units with no report for the last ``days`` days, today included (1: not reported today),
    or none at all."""
    return Q(status__id__isnull=True) | Q(status__reported_on__lte=today - datetime.timedelta(days))


def raw_low_q(days) -> Q:
    """Units whose current report has raw material for fewer than ``days`` days."""
    return Q(status__raw_material_days__lt=Decimal(days))


def list_url(**params) -> str:
    """The status list filtered by ``params`` (region, state, stale, raw_below …)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("enterprises:production_list") + (f"?{query}" if query else "")


@dataclass
class Summary:
    units: int = 0
    reported: int = 0
    operating: int = 0
    partial: int = 0
    suspended: int = 0
    stale: int = 0
    raw_low: int = 0
    capacity: Decimal | None = None  # average capacity % of the units' current reports
    staff: int = 0

    @property
    def operating_pct(self) -> Decimal | None:
        if not self.units:
            return None
        return (Decimal(100 * self.operating) / self.units).quantize(Decimal("0.1"))


def _counts(today, rules) -> dict:
    low = rules["production_raw_material_days_low"]
    stale = rules["production_stale_days"]
    return {
        "units": Count("pk"),
        "reported": Count("pk", filter=Q(status__id__isnull=False)),
        "operating": Count("pk", filter=state_q(ProductionState.OPERATING)),
        "partial": Count("pk", filter=state_q(ProductionState.PARTIAL)),
        "suspended": Count("pk", filter=state_q(ProductionState.SUSPENDED)),
        "stale": Count("pk", filter=stale_q(today, stale)),
        "raw_low": Count("pk", filter=raw_low_q(low)),
        "capacity": Avg("status__capacity_percent"),
        "staff": Sum("status__staff_on_site"),
    }


def _summary(values: dict) -> Summary:
    capacity = values["capacity"]
    return Summary(
        **{k: values[k] or 0 for k in values if k != "capacity"},
        capacity=None if capacity is None else Decimal(capacity).quantize(Decimal("0.1")),
    )


def summary(units, *, today, rules) -> Summary:
    """The current status of ``units`` (a ``status_units`` queryset) in one aggregate query."""
    return _summary(units.aggregate(**_counts(today, rules)))


@dataclass
class ChildRow:
    region: Region
    summary: Summary = field(default_factory=Summary)


def _children(region: Region) -> dict[str, Region]:
    children = {c.code: c for c in Region.objects.filter(parent=region).order_by("code")}
    return children or {region.code: region}


def _child_of(code: str, children: dict) -> str | None:
    for child in children:
        if code.startswith(child):
            return child
    return None


def child_rows(units, region: Region, *, today, rules) -> list[ChildRow]:
    """The current status per child region of ``region`` (the region itself at county level):
    one grouped query over the units' counties, folded into the children."""
    children = _children(region)
    rows = {code: ChildRow(child) for code, child in children.items()}
    grouped = (
        in_region(units, region.code)
        .values("region_id")
        .annotate(**_counts(today, rules))
        .order_by()
    )
    sums: dict[str, dict] = {}
    for values in grouped:
        key = _child_of(values.pop("region_id"), children)
        if key is None:
            continue
        into = sums.setdefault(key, {"capacity_sum": Decimal(0), "capacity_n": 0})
        for name, value in values.items():
            if name == "capacity":
                if value is not None:
                    into["capacity_sum"] += Decimal(value) * values["reported"]
                    into["capacity_n"] += values["reported"]
            else:
                into[name] = into.get(name, 0) + (value or 0)
    for key, values in sums.items():
        n, total = values.pop("capacity_n"), values.pop("capacity_sum")
        values["capacity"] = (total / n) if n else None
        rows[key].summary = _summary(values)
    return list(rows.values())


# --- trends ---------------------------------------------------------------------------------------


def jurisdiction_region(user, code: str | None = None) -> Region:
    """The region a trend is asked for: ``code`` if it lies inside one of the user's regional
    grants that read production reports (else 404, as for a missing region), by default the
    broadest. Grants that name one unit reach no regional figures: 403."""
    regions = jurisdiction_regions(user, ProductionReport, "view")
    if not regions:
        raise PermissionDenied(_("生产经营趋势按辖区统计，您的角色无权查看。"))
    code = (code or "").strip()
    if not code:
        return regions[0]
    region = Region.objects.filter(pk=code).first()
    if region is None or not any(code.startswith(r.code) for r in regions):
        raise Http404
    return region


@dataclass
class TrendDay:
    day: datetime.date
    reported: int = 0
    operating: int = 0
    partial: int = 0
    suspended: int = 0
    capacity: Decimal | None = None
    staff: int = 0


def region_trend(user, region: Region, *, days: int, today: datetime.date) -> list[TrendDay]:
    """Per day of the last ``days`` days (today included): the reports of the units of
    ``region`` that day by state, their average capacity and staff on site. One query."""
    start = today - datetime.timedelta(days=days - 1)
    rows = (
        ProductionReport.objects.visible_to(user, "view")
        .filter(prefix_range("region_code", region.code), reported_on__range=(start, today))
        .values("reported_on")
        .annotate(
            reported=Count("pk"),
            operating=Count("pk", filter=Q(state=ProductionState.OPERATING)),
            partial=Count("pk", filter=Q(state=ProductionState.PARTIAL)),
            suspended=Count("pk", filter=Q(state=ProductionState.SUSPENDED)),
            capacity=Avg("capacity_percent"),
            staff=Sum("staff_on_site"),
        )
        .order_by("reported_on")
    )
    found = {row.pop("reported_on"): row for row in rows}
    trend = []
    for offset in range(days):
        day = start + datetime.timedelta(days=offset)
        row = found.get(day)
        if row is None:
            trend.append(TrendDay(day))
            continue
        capacity = row.pop("capacity")
        trend.append(
            TrendDay(
                day,
                **row,
                capacity=None if capacity is None else Decimal(capacity).quantize(Decimal("0.1")),
            )
        )
    return trend


def unit_reports(user, unit, *, days: int, today: datetime.date):
    """The unit's reports of the last ``days`` days, oldest first, as ``user`` may see them."""
    start = today - datetime.timedelta(days=days - 1)
    return (
        ProductionReport.objects.visible_to(user, "view")
        .filter(enterprise=unit, reported_on__range=(start, today))
        .select_related("reported_by")
        .order_by("reported_on")
    )


def roster_counts(unit_ids) -> dict[int, int]:
    """Active roster staff per unit (units without a roster are absent): the ceiling of staff on
    site. One query."""
    from sibao.epidemic.models import StaffMember

    rows = (
        StaffMember.objects.filter(enterprise_id__in=list(unit_ids), is_active=True)
        .values("enterprise_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["enterprise_id"]: row["n"] for row in rows}
