"""Reads of the cadres area (DEM-06): who the cadres of a unit are, which units a cadre has, and
the cadre's overview of each unit — open demands, overdue orders, closures awaiting the unit's
rating — always through ``visible_to`` (a cadre's grant names its units, so it reaches only
their demands and orders)."""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from sibao.accounts.models import RoleGrant, User
from sibao.accounts.roles import Role
from sibao.enterprises.models import Enterprise
from sibao.workorders.models import Demand, DemandStatus, WorkOrder
from sibao.workorders.models.demands import OPEN_STATUSES
from sibao.workorders.models.orders import HANDLING_STATUSES

__all__ = [
    "UnitOverview",
    "assignments",
    "cadres_of",
    "is_cadre",
    "open_demands_q",
    "overdue_orders_q",
    "overview",
    "to_rate_q",
    "units_of",
]


def assignments():
    """Active liaison-cadre grants (one per cadre × unit), with their users and units."""
    return RoleGrant.objects.filter(
        role=Role.LIAISON_CADRE, is_active=True, enterprise__isnull=False, user__is_active=True
    ).select_related("user", "enterprise", "granted_by")


def cadres_of(enterprise) -> list[User]:
    """The users with an active liaison_cadre grant naming ``enterprise``."""
    grants = assignments().filter(enterprise=enterprise).order_by("granted_at", "id")
    seen: dict[int, User] = {}
    for grant in grants:
        seen.setdefault(grant.user_id, grant.user)
    return list(seen.values())


def units_of(user):
    """The units ``user`` is a liaison cadre of (an Enterprise query set)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Enterprise.objects.none()
    ids = assignments().filter(user=user).values("enterprise_id")
    return Enterprise.objects.filter(pk__in=ids).order_by("name", "id")


def is_cadre(user) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and any(g.role == Role.LIAISON_CADRE and g.enterprise_id for g in user.active_grants())
    )


# --- what counts ---


def open_demands_q() -> Q:
    return Q(status__in=OPEN_STATUSES)


def overdue_orders_q(now) -> Q:
    """``WorkOrder.is_overdue`` for the orders the unit still waits on: handling and past due."""
    return Q(status__in=HANDLING_STATUSES, due_at__lt=now)


def to_rate_q() -> Q:
    """Closed (销号) and not yet rated by the unit."""
    return Q(status=DemandStatus.CLOSED, rated_at__isnull=True)


@dataclass
class UnitOverview:
    unit: Enterprise
    entry: object = None  # the unit's whitelist entry, if any
    open_demands: int = 0
    overdue_orders: int = 0
    to_rate: int = 0
    cadres: list = field(default_factory=list)


def _counts(queryset, q) -> dict[int, int]:
    rows = queryset.filter(q).values("enterprise_id").annotate(n=Count("id"))
    return {row["enterprise_id"]: row["n"] for row in rows}


def overview(user, units=None, *, now=None) -> list[UnitOverview]:
    """One row per unit of ``units`` (default: the cadre's own) with its counts, as ``user``
    may see them."""
    now = now or timezone.now()
    units = list((units_of(user) if units is None else units).select_related("whitelist_entry"))
    ids = [u.pk for u in units]
    demands = Demand.objects.visible_to(user, "view").filter(enterprise_id__in=ids)
    orders = WorkOrder.objects.visible_to(user, "view").filter(enterprise_id__in=ids)
    open_demands = _counts(demands, open_demands_q())
    overdue = _counts(orders, overdue_orders_q(now))
    to_rate = _counts(demands, to_rate_q())
    rows = []
    for unit in units:
        try:
            entry = unit.whitelist_entry
        except Enterprise.whitelist_entry.RelatedObjectDoesNotExist:
            entry = None
        rows.append(
            UnitOverview(
                unit=unit,
                entry=entry,
                open_demands=open_demands.get(unit.pk, 0),
                overdue_orders=overdue.get(unit.pk, 0),
                to_rate=to_rate.get(unit.pk, 0),
            )
        )
    return rows
