"""Reads of the oversight area (INC-03, CMD-04, CMD-05): the shutdown clock, the units under an
approved shutdown now, the restrictions without approval (violations, for the dashboard), the
inspections done without a needed approval, and the rewards and penalties of a unit or region.

Time decides, not a sweep: a shutdown is in force while ``starts_at <= now < ends_at`` on an
approved (or since ended) request, so ``shut_down_units(now)`` answers for any moment; ending a
shutdown early moves its ``ends_at`` to the moment it ended. The sweep
(``command.actions.oversight.sweep_shutdowns``) only sends the expiry warning once, closes the
requests whose period has run out and flags restrictions that outlast their approval.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from sibao.accounts.access import prefix_range
from sibao.command.models import (
    InspectionPurpose,
    InspectionRequest,
    ProtectedInspection,
    Restriction,
    RewardPenalty,
    ShutdownRequest,
)
from sibao.core import rules

__all__ = [
    "FREE_PURPOSES",
    "ShutdownClock",
    "approval_needed",
    "clock",
    "covering_request",
    "in_force_q",
    "is_whitelisted_unit",
    "open_request",
    "protected_items",
    "rewards_of_region",
    "rewards_of_unit",
    "shut_down_units",
    "shutdowns_in_force",
    "unapproved_inspections",
    "violations",
]

# D1 六(三): inspections for these purposes need no approval of the city dispatch HQ
FREE_PURPOSES = (
    InspectionPurpose.EPIDEMIC,
    InspectionPurpose.WORK_SAFETY,
    InspectionPurpose.QUARANTINE,
)

# the statuses under which a request's period is (or was) an approved shutdown
SHUTDOWN_STATUSES = (ShutdownRequest.Status.APPROVED, ShutdownRequest.Status.ENDED)


def _now(now):
    return now or timezone.now()


def approval_needed(purpose: str) -> bool:
    """CMD-04: any purpose other than epidemic prevention, work safety and entry-exit quarantine
    needs the city dispatch HQ's prior approval."""
    return purpose not in FREE_PURPOSES


def is_whitelisted_unit(enterprise) -> bool:
    """A "whitelisted unit" (contracts): an active record whose own or park's entry is listed."""
    from sibao.enterprises.models import Enterprise
    from sibao.enterprises.queries import is_whitelisted

    return Enterprise.objects.active().filter(pk=enterprise.pk).filter(is_whitelisted()).exists()


def in_force_q(now=None) -> Q:
    """Shutdown requests whose approved period holds ``now``."""
    now = _now(now)
    return Q(status__in=SHUTDOWN_STATUSES, starts_at__lte=now, ends_at__gt=now)


def shutdowns_in_force(region_code: str | None = None, now=None):
    """The approved shutdowns running at ``now`` (under ``region_code`` when given)."""
    queryset = ShutdownRequest.objects.filter(in_force_q(now))
    if region_code:
        queryset = queryset.filter(prefix_range("region_code", region_code))
    return queryset.select_related("enterprise", "enterprise__region")


def shut_down_units(now=None):
    """Contracts: the units under an approved shutdown at ``now`` (a queryset of enterprises)."""
    from sibao.enterprises.models import Enterprise

    running = ShutdownRequest.objects.filter(in_force_q(now), enterprise_id=OuterRef("pk"))
    return Enterprise.objects.filter(Exists(running)).select_related("region", "industry")


def open_request(enterprise, now=None):
    """The unit's request still waiting for the provincial decision, or its shutdown in force."""
    return (
        ShutdownRequest.objects.filter(enterprise=enterprise)
        .filter(Q(status=ShutdownRequest.Status.SUBMITTED) | in_force_q(now))
        .first()
    )


def covering_request(enterprise, moment):
    """The unit's approved shutdown whose period holds ``moment``, if any."""
    return (
        ShutdownRequest.objects.filter(enterprise=enterprise)
        .filter(in_force_q(moment))
        .order_by("starts_at")
        .first()
    )


def violations(region_code: str, *, open_only: bool = False):
    """Contracts (dashboard): restrictions imposed on whitelisted units under ``region_code``
    without an approval covering them; ``open_only``: those not lifted yet."""
    queryset = Restriction.objects.filter(is_violation=True).filter(
        prefix_range("region_code", region_code)
    )
    if open_only:
        queryset = queryset.filter(ended_at__isnull=True)
    return queryset.select_related("enterprise", "enterprise__region", "request")


def unapproved_inspections(region_code: str | None = None):
    """CMD-04: inspections that took place although the city dispatch HQ had not approved them
    (still pending, or refused): flagged on the lists and the region page."""
    queryset = InspectionRequest.objects.filter(
        inspected_on__isnull=False,
        status__in=[InspectionRequest.Status.PENDING, InspectionRequest.Status.REJECTED],
    )
    if region_code:
        queryset = queryset.filter(prefix_range("region_code", region_code))
    return queryset


def protected_items(department_id, purpose: str) -> str:
    """The department's protected-inspection list entry for ``purpose`` ("" when none)."""
    row = ProtectedInspection.objects.filter(department_id=department_id, purpose=purpose).first()
    return row.items if row is not None else ""


def rewards_of_unit(enterprise, user=None):
    queryset = RewardPenalty.objects.filter(enterprise=enterprise)
    if user is not None:
        queryset = queryset.filter(pk__in=RewardPenalty.objects.visible_to(user).values("pk"))
    return queryset.select_related("region", "incident", "decided_by")


def rewards_of_region(region_code: str, user=None):
    """Rewards and penalties about the region or any unit in it."""
    queryset = RewardPenalty.objects.filter(prefix_range("region_code", region_code))
    if user is not None:
        queryset = queryset.filter(pk__in=RewardPenalty.objects.visible_to(user).values("pk"))
    return queryset.select_related("region", "enterprise", "incident", "decided_by")


@dataclass(frozen=True)
class ShutdownClock:
    """What the shutdown pages show about one request at ``now``.

    ``phase``: waiting (for the provincial decision), running, ended, closed (refused or
    withdrawn). ``remaining``: the time left of a running shutdown; ``warning``: the expiry
    warning window has begun (``shutdown_expiry_warning_hours`` before the end)."""

    phase: str
    remaining: datetime.timedelta | None = None
    warning: bool = False
    waited: datetime.timedelta | None = None
    elapsed_pct: int = 0

    @property
    def remaining_text(self) -> str:
        return _duration(self.remaining)

    @property
    def waited_text(self) -> str:
        return _duration(self.waited)


def _duration(delta) -> str:
    from django.utils.translation import gettext as _

    if delta is None:
        return ""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)s天%(h)s小时%(m)s分") % {"d": days, "h": hours, "m": minutes}
    if hours:
        return _("%(h)s小时%(m)s分") % {"h": hours, "m": minutes}
    return _("%(m)s分钟") % {"m": minutes}


def clock(request: ShutdownRequest, now=None, warning_hours: int | None = None) -> ShutdownClock:
    """The clock of one request at ``now`` (remaining time and expiry warning)."""
    now = _now(now)
    status = request.status
    if status == ShutdownRequest.Status.SUBMITTED:
        return ShutdownClock("waiting", waited=now - request.requested_at)
    if status not in SHUTDOWN_STATUSES or request.starts_at is None:
        return ShutdownClock("closed")
    if request.ends_at <= now or status == ShutdownRequest.Status.ENDED:
        return ShutdownClock("ended")
    if request.starts_at > now:
        return ShutdownClock("waiting")
    if warning_hours is None:
        warning_hours = rules.current()["shutdown_expiry_warning_hours"]
    remaining = request.ends_at - now
    total = (request.ends_at - request.starts_at).total_seconds() or 1
    return ShutdownClock(
        "running",
        remaining=remaining,
        warning=remaining <= datetime.timedelta(hours=warning_hours),
        elapsed_pct=min(100, int((now - request.starts_at).total_seconds() * 100 / total)),
    )
