"""EPI-04: rolling NAT compliance. Who is overdue, counted per unit and per region.

A staff member's window is the post's rhythm (D2 二(一)): ``nat_interval_hours`` for ordinary
posts, ``nat_interval_hours_mobile_post`` for mobile/contact posts (logistics, sales), and
``nat_interval_hours_emergency`` for everyone in a unit in closed loop or a region in emergency
(D2 三(三)). Overdue = active and no negative sample within the window: ``last_negative_at`` is
older than ``now - window`` (a sample exactly at the window's start still counts), or there never
was one. ``last_negative_at`` is kept on the roster row at ingestion, so every query here is a
range scan of the ``staff_overdue_*`` indexes, never a scan of test history.

Every function takes the emergency scope explicitly; ``emergency_scope()`` gives the current one.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.db.models.functions import Substr

from sibao.epidemic.models import PostClass

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class EmergencyScope:
    """Where the emergency window applies: regions in emergency (codes; a code covers its
    sub-regions) and units in closed loop (enterprise ids)."""

    region_codes: frozenset[str] = field(default_factory=frozenset)
    enterprise_ids: frozenset[int] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.region_codes or self.enterprise_ids)

    def covers(self, region_code: str, enterprise_id: int | None) -> bool:
        if enterprise_id is not None and enterprise_id in self.enterprise_ids:
            return True
        return any((region_code or "").startswith(code) for code in self.region_codes)

    def q(self, *, region: str = "region_code", enterprise: str = "enterprise_id") -> Q:
        """Rows (of a model with these scope fields) inside the scope."""
        q = NOTHING
        for code in sorted(self.region_codes):
            q |= Q(**{f"{region}__startswith": code})
        if self.enterprise_ids:
            q |= Q(**{f"{enterprise}__in": sorted(self.enterprise_ids)})
        return q


NO_EMERGENCY = EmergencyScope()


def emergency_scope() -> EmergencyScope:
    """The regions in emergency and the units in closed loop, now.

    This is the hook the command module (emergency states, closed-loop modes) fills: until it
    exists nothing is in emergency, so the result is empty. Callers always pass the scope on
    explicitly, so tests and what-if views can give their own.

    Filled by the command module (CMD-01, CMD-02, CMD-06): the cities and counties whose switch
    into emergency has taken effect (each code covers its sub-regions, so every roster row there
    — city-supply staff included — gets the daily window) and the units whose closed-loop period
    is running. A switch only announced (advance notice) does not tighten the window yet.
    """
    from sibao.command.queries_emergency import scope_now

    regions, units = scope_now()
    if not regions and not units:
        return NO_EMERGENCY
    return EmergencyScope(region_codes=frozenset(regions), enterprise_ids=frozenset(units))


# --- windows ---------------------------------------------------------------------------------


def post_windows(rules) -> dict[str, int]:
    """Hours of the rolling window per post class, outside an emergency."""
    return {
        PostClass.ORDINARY: rules["nat_interval_hours"],
        PostClass.MOBILE: rules["nat_interval_hours_mobile_post"],
    }


def window_hours(post_class: str, *, in_emergency: bool, rules) -> int:
    """The window of a post class. An emergency tightens a window, never widens it: a mobile
    post keeps its own rhythm if the emergency parameter is ever set longer."""
    hours = post_windows(rules).get(post_class, rules["nat_interval_hours"])
    if in_emergency:
        hours = min(hours, rules["nat_interval_hours_emergency"])
    return hours


def window_for(staff, rules, scope: EmergencyScope) -> int:
    """The window (hours) that applies to one roster row."""
    return window_hours(
        staff.post_class,
        in_emergency=scope.covers(staff.region_code, staff.enterprise_id),
        rules=rules,
    )


def deadline_for(staff, rules, scope: EmergencyScope) -> datetime.datetime | None:
    """When the last negative sample stops covering the person (None: never had one)."""
    if staff.last_negative_at is None:
        return None
    return staff.last_negative_at + datetime.timedelta(hours=window_for(staff, rules, scope))


def certificate_valid(staff, now, rules, scope: EmergencyScope) -> bool:
    """EPI-03's "valid certificate" for one person: a negative sample within the window."""
    deadline = deadline_for(staff, rules, scope)
    return deadline is not None and now <= deadline


def is_overdue(staff, now, rules, scope: EmergencyScope) -> bool:
    return staff.is_active and not certificate_valid(staff, now, rules, scope)


# --- queries -----------------------------------------------------------------------------------


def _stale(now, hours: int) -> Q:
    return Q(last_negative_at__isnull=True) | Q(
        last_negative_at__lt=now - datetime.timedelta(hours=hours)
    )


def overdue_q(now, rules, scope: EmergencyScope) -> Q:
    """A ``Q`` on ``StaffMember``: active staff whose last negative sample is older than their
    window, or who never had one.

    The leading condition is a range on ``last_negative_at`` at the shortest window that can
    apply, so that together with ``enterprise`` (or a ``region_code`` prefix) and ``is_active``
    the database reads an index range of ``staff_overdue_unit`` / ``staff_overdue_region``; the
    per-post windows then only refine the rows of that range.
    """
    windows = post_windows(rules)
    shortest = min(windows.values())
    if scope:
        shortest = min(shortest, rules["nat_interval_hours_emergency"])
    normal = NOTHING
    for post_class, hours in windows.items():
        normal |= Q(post_class=post_class) & _stale(now, hours)
    if not scope:
        return Q(is_active=True) & _stale(now, shortest) & normal
    # the scope (region prefixes and, in a wide emergency, hundreds of closed-loop unit ids) is
    # written twice, not once per post class: the statement stays small however large it is
    in_emergency = scope.q()
    tightened = NOTHING
    for post_class in windows:
        emergency_hours = window_hours(post_class, in_emergency=True, rules=rules)
        tightened |= Q(post_class=post_class) & _stale(now, emergency_hours)
    branches = (in_emergency & tightened) | (~in_emergency & normal)
    return Q(is_active=True) & _stale(now, shortest) & branches


def overdue_staff(queryset, now, rules, scope: EmergencyScope):
    """The overdue rows of ``queryset`` (already scoped by the caller), oldest sample first."""
    return queryset.filter(overdue_q(now, rules, scope)).order_by(
        "last_negative_at", "enterprise_id", "name"
    )


@dataclass
class RateRow:
    """Active staff and overdue staff of one region or one unit."""

    code: str
    name: str
    staff: int = 0
    overdue: int = 0
    is_self: bool = False
    region: object = None
    enterprise_id: int | None = None

    @property
    def overdue_pct(self) -> Decimal | None:
        if not self.staff:
            return None
        return (Decimal(self.overdue) * 100 / Decimal(self.staff)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def compliance_pct(self) -> Decimal | None:
        pct = self.overdue_pct
        return None if pct is None else Decimal(100) - pct

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "staff": self.staff,
            "overdue": self.overdue,
            "overdue_pct": self.overdue_pct,
            "compliance_pct": self.compliance_pct,
            "is_self": self.is_self,
            "enterprise": self.enterprise_id,
        }


def region_rates(queryset, region, now, rules, scope: EmergencyScope) -> list[RateRow]:
    """The region itself, then one row per child region: active staff, overdue, rate.

    One aggregate query grouped by the region-code prefix of the finest child level (child codes
    need not share a length: 济源 419001 sits beside the four-digit cities); the few group rows
    are then added up per child.
    """
    children = list(region.children.order_by("code"))
    width = max((len(child.code) for child in children), default=len(region.code))
    groups = (
        queryset.filter(is_active=True, region_code__startswith=region.code)
        .annotate(prefix=Substr("region_code", 1, width))
        .values("prefix")
        .annotate(staff=Count("pk"), overdue=Count("pk", filter=overdue_q(now, rules, scope)))
        .order_by()
    )
    own = RateRow(region.code, region.name, is_self=True, region=region)
    rows = {child.code: RateRow(child.code, child.name, region=child) for child in children}
    for group in groups:
        for row in [own] + [r for code, r in rows.items() if group["prefix"].startswith(code)]:
            row.staff += group["staff"]
            row.overdue += group["overdue"]
    return [own, *rows.values()]


def unit_rates(queryset, now, rules, scope: EmergencyScope):
    """Per unit of ``queryset``: ``enterprise_id``, ``enterprise__name``, ``region_code``,
    ``staff``, ``overdue`` — one grouped query (a values queryset, so it pages), most overdue
    first."""
    return (
        queryset.filter(is_active=True)
        .values("enterprise_id", "enterprise__name", "region_code")
        .annotate(staff=Count("pk"), overdue=Count("pk", filter=overdue_q(now, rules, scope)))
        .order_by("-overdue", "enterprise__name", "enterprise_id")
    )


def unit_counts(queryset, now, rules, scope: EmergencyScope) -> dict:
    """``{"staff", "overdue"}`` over ``queryset`` (one unit's scoped roster: its panel), one
    query."""
    return queryset.filter(is_active=True).aggregate(
        staff=Count("pk"), overdue=Count("pk", filter=overdue_q(now, rules, scope))
    )


def as_unit_row(values: dict) -> RateRow:
    return RateRow(
        values["region_code"],
        values["enterprise__name"],
        staff=values["staff"],
        overdue=values["overdue"],
        enterprise_id=values["enterprise_id"],
    )
