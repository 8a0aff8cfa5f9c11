"""Reads of the units area that span models: missing daily reports (EPI-11), sampling-house
obligations, deadlines and subsidies (EPI-15), goods from risk areas (EPI-16).

Times are judged in the province's time zone (``settings.TIME_ZONE``), whatever the user's.
Functions that depend on the clock take ``now`` so that callers (and tests) can fix it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.core import rules as rule_set
from sibao.enterprises.models import Enterprise, WhitelistEntry
from sibao.enterprises.models.whitelist import WhitelistStatus
from sibao.epidemic.models import DailyReport, RiskArea, SamplingHouse, StaffMember
from sibao.regions.models import Region, RegionLevel

__all__ = [
    "CENT",
    "HouseStatus",
    "daily_report_deadline",
    "deadline_passed",
    "goods_with_risk",
    "is_main_urban",
    "jurisdiction_region",
    "listed_units",
    "missing_by_region",
    "missing_reports",
    "province_today",
    "sampling_house_due",
    "sampling_house_status",
    "sampling_house_subsidy",
    "subsidy_totals",
    "units_needing_house",
    "units_without_report",
    "with_staff_count",
]

CENT = Decimal("0.01")


def province_today(now=None) -> datetime.date:
    return timezone.localdate(now or timezone.now(), timezone.get_default_timezone())


def jurisdiction_region(user, model, action: str, code: str | None = None) -> Region:
    """The region a region figure is asked for: ``code`` if it lies inside one of the user's
    jurisdiction grants for ``model``/``action`` (else 404, as for a missing region), by default
    the broadest. A user whose grants reach single units only: 403 (a region figure)."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from sibao.enterprises.queries import jurisdiction_regions

    regions = jurisdiction_regions(user, model, action)
    if not regions:
        raise PermissionDenied(_("该数据按辖区统计，您的角色无权查看。"))
    code = (code or "").strip()
    if not code:
        return regions[0]
    region = Region.objects.filter(pk=code).first()
    if region is None or not any(code.startswith(r.code) for r in regions):
        raise Http404
    return region


def listed_units(units=None):
    """The units that owe daily reports: those whose own whitelist entry is listed."""
    units = Enterprise.objects.all() if units is None else units
    listed = WhitelistEntry.objects.filter(
        enterprise_id=OuterRef("pk"), status=WhitelistStatus.LISTED
    )
    return units.filter(Exists(listed), merged_into__isnull=True)


# --- daily reports (EPI-11) ----------------------------------------------------------------------


def daily_report_deadline(report_date: datetime.date, rules=None) -> datetime.datetime:
    """The report of ``report_date`` is due the next day at ``daily_report_deadline``."""
    rules = rules or rule_set.current()
    at = datetime.time.fromisoformat(str(rules["daily_report_deadline"]))
    local = datetime.datetime.combine(report_date + datetime.timedelta(days=1), at)
    return timezone.make_aware(local, timezone.get_default_timezone())


def deadline_passed(report_date, *, now=None, rules=None) -> bool:
    return (now or timezone.now()) >= daily_report_deadline(report_date, rules)


def units_without_report(report_date, units=None):
    """Listed units (of ``units``, default all) without a report for ``report_date``."""
    filed = DailyReport.objects.filter(enterprise_id=OuterRef("pk"), report_date=report_date)
    return listed_units(units).filter(~Exists(filed))


def missing_reports(report_date, *, now=None, units=None, rules=None):
    """EPI-11: the listed units that missed ``report_date``'s report — none until its deadline
    has passed (before then a unit is only "not yet filed", not flagged)."""
    if not deadline_passed(report_date, now=now, rules=rules):
        return Enterprise.objects.none()
    return units_without_report(report_date, units)


@dataclass
class RegionCount:
    region: Region
    listed: int
    filed: int
    zero: int
    late: int

    @property
    def missing(self) -> int:
        return self.listed - self.filed

    @property
    def rate(self) -> float | None:
        return round(100 * self.filed / self.listed, 1) if self.listed else None


def _child_code(region: Region, code: str, children: dict) -> str | None:
    """The child of ``region`` whose subtree holds ``code`` (prefix of the child's code)."""
    for length in (len(region.code) + 2, 6):
        if code[:length] in children:
            return code[:length]
    return None


def missing_by_region(report_date, region: Region, units, *, rules=None) -> list[RegionCount]:
    """Per child region of ``region`` (or the region itself at county level): listed units,
    those that filed (zero reports and late filings among them). Two queries."""
    rules = rules or rule_set.current()
    deadline = daily_report_deadline(report_date, rules)
    scoped = listed_units(units).filter(region__code__startswith=region.code)
    filed = DailyReport.objects.filter(enterprise_id=OuterRef("pk"), report_date=report_date)
    rows = (
        scoped.annotate(
            has_filed=Exists(filed),
            has_zero=Exists(filed.filter(is_zero_report=True)),
            was_late=Exists(filed.filter(filed_at__gt=deadline)),
        )
        .values_list("region_id", "has_filed", "has_zero", "was_late")
        .order_by()
    )
    children = {c.code: c for c in Region.objects.filter(parent=region).order_by("code")}
    if not children:
        children = {region.code: region}
    counts = {code: RegionCount(child, 0, 0, 0, 0) for code, child in children.items()}
    for code, has_filed, has_zero, was_late in rows:
        key = code if code in counts else _child_code(region, code, counts)
        if key is None:
            continue
        row = counts[key]
        row.listed += 1
        row.filed += int(has_filed)
        row.zero += int(has_zero)
        row.late += int(was_late)
    return list(counts.values())


# --- sampling houses (EPI-15) --------------------------------------------------------------------


def sampling_house_subsidy(price: Decimal, rules) -> tuple[Decimal, Decimal, Decimal]:
    """``(total, province, local)`` of a house bought at ``price``: the formula is the POL-06
    calculator's (``policies.calculators.sampling_house_split``), kept in one place —
    ``sampling_house_subsidy_pct`` of the price, split province : city/county as
    ``sampling_house_province_share`` : ``sampling_house_local_share``, half-up to the cent, the
    local share the remainder (D2 二(一))."""
    from sibao.policies.calculators import sampling_house_split

    return sampling_house_split(price, rules)


def is_main_urban(region: Region) -> bool:
    """Whether a unit in ``region`` lies in a city's main urban area (主城区) for the deployment
    deadline (D2 二(一): "各省辖市主城区" vs "县（市）").

    The region table has no urban flag, so the name decides: a county-level row whose name
    ends in 区 is a 市辖区 or one of the city's functional zones (开发区、示范区、航空港实验区),
    which lie in or beside the city proper — main urban; a 县 or a county-level city (ending
    in 县/市) is not. A unit registered at city level is taken to be in its main urban area,
    except 济源 (a city-level unit without counties, directly under the province, administered
    as a county-level city), which follows the county deadline.
    """
    if region.level == RegionLevel.COUNTY:
        return region.name.endswith("区")
    if region.level == RegionLevel.CITY:
        return region.children.exists()
    return False


def sampling_house_due(region: Region, rules) -> tuple[bool, datetime.date]:
    """``(is_main_urban, deployment deadline)`` of a unit in ``region``."""
    urban = is_main_urban(region)
    key = "sampling_house_due_urban" if urban else "sampling_house_due_county"
    return urban, datetime.date.fromisoformat(str(rules[key]))


def with_staff_count(units):
    """Annotate ``staff_count``: active roster rows, else the registered ``employees``."""
    roster = (
        StaffMember.objects.filter(enterprise=OuterRef("pk"), is_active=True)
        .order_by()
        .values("enterprise")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return units.annotate(
        roster_staff=Coalesce(Subquery(roster, output_field=IntegerField()), Value(0))
    ).annotate(
        staff_count=Case(
            When(roster_staff__gt=0, then=F("roster_staff")),
            default=F("employees"),
            output_field=IntegerField(),
        )
    )


def units_needing_house(units, rules):
    """Listed units with at least ``sampling_house_staff_threshold`` staff, annotated with their
    house count and first deployment date (``houses``, ``first_deployed_on``)."""
    houses = SamplingHouse.objects.filter(enterprise_id=OuterRef("pk")).order_by()
    return (
        with_staff_count(listed_units(units))
        .filter(staff_count__gte=int(rules["sampling_house_staff_threshold"]))
        .annotate(
            houses=Coalesce(
                Subquery(
                    houses.values("enterprise").annotate(n=Count("pk")).values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
            first_deployed_on=Subquery(
                houses.filter(deployed_on__isnull=False)
                .values("enterprise")
                .annotate(first=Min("deployed_on"))
                .values("first")
            ),
        )
    )


class HouseStatus:
    NOT_REQUIRED = "not_required"
    ON_TIME = "on_time"
    LATE = "late"
    PENDING = "pending"
    OVERDUE = "overdue"

    LABELS = {
        NOT_REQUIRED: _("未达到配置规模"),
        ON_TIME: _("已按期布设"),
        LATE: _("逾期布设"),
        PENDING: _("待布设"),
        OVERDUE: _("逾期未布设"),
    }


@dataclass
class SamplingHouseState:
    staff: int
    threshold: int
    required: bool
    houses: int
    is_main_urban: bool
    due: datetime.date
    first_deployed_on: datetime.date | None
    status: str
    rule_version: int

    @property
    def flagged(self) -> bool:
        """A unit of the required size without any sampling house."""
        return self.required and self.houses == 0

    @property
    def status_label(self):
        return HouseStatus.LABELS[self.status]


def sampling_house_status(
    *, staff: int, region: Region, houses: int, first_deployed_on, today, rules
) -> SamplingHouseState:
    """A unit's obligation and deadline state: required from the staff threshold; deployed on
    time, late, pending or overdue against its area's deadline."""
    threshold = int(rules["sampling_house_staff_threshold"])
    required = staff >= threshold
    urban, due = sampling_house_due(region, rules)
    if first_deployed_on is not None:
        status = HouseStatus.ON_TIME if first_deployed_on <= due else HouseStatus.LATE
    elif not required and houses == 0:
        status = HouseStatus.NOT_REQUIRED
    else:
        status = HouseStatus.OVERDUE if today > due else HouseStatus.PENDING
    return SamplingHouseState(
        staff=staff,
        threshold=threshold,
        required=required,
        houses=houses,
        is_main_urban=urban,
        due=due,
        first_deployed_on=first_deployed_on,
        status=status,
        rule_version=rules.version,
    )


def subsidy_totals(houses) -> dict:
    """Sums over a queryset of sampling houses: price, subsidy total, province and local
    shares, and what is paid and still to pay."""
    zero = Value(Decimal("0"))
    sums = houses.order_by().aggregate(
        count=Count("pk"),
        price=Coalesce(Sum("price"), zero),
        total=Coalesce(Sum("subsidy_total"), zero),
        province=Coalesce(Sum("subsidy_province"), zero),
        local=Coalesce(Sum("subsidy_local"), zero),
        paid=Coalesce(Sum("subsidy_total", filter=Q(subsidy_paid_on__isnull=False)), zero),
    )
    sums["unpaid"] = sums["total"] - sums["paid"]
    return sums


# --- goods (EPI-16) ------------------------------------------------------------------------------


def goods_with_risk(lots):
    """Annotate ``from_risk_area``: the lot's origin county had a medium/high-risk or static-
    management area valid on the day the lot moved (province time)."""
    tz = timezone.get_default_timezone()
    lots = lots.annotate(moved_on=TruncDate("moved_at", tzinfo=tz))
    risky = RiskArea.objects.filter(
        region_code=OuterRef("origin_region"), valid_from__lte=OuterRef("moved_on")
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=OuterRef("moved_on")))
    return lots.annotate(from_risk_area=Exists(risky))
