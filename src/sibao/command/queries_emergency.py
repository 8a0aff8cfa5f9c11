"""Reads of the emergency area (CMD-01, CMD-02, CMD-06): the state of a region now, the regions
in emergency, the units in closed loop, and what the joint-office view lists.

Time decides, not a sweep: a switch into emergency is stored once (``RegionState.status`` =
``pending`` with ``effective_at`` in the future, or ``emergency`` when there is no notice); the
status *now* is computed from ``effective_at`` every time it is read, so a pending switch takes
effect at its hour without any periodic step. A unit's loop likewise starts at its
``started_at`` (the switch's effective time) and runs until ``ended_at``.

Nesting: only cities and counties are switched. A county is in emergency when it or its city is
(the contracts' "nearest switched ancestor-or-self"; a county cannot switch itself back to normal
while its city is in emergency, so the rule reduces to "any switched ancestor-or-self").
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from sibao.accounts.access import NOTHING, prefix_range
from sibao.command.models import LoopReport, LoopStatus, RegionState, RegionStatus
from sibao.command.recipients import covering_codes

__all__ = [
    "RegionRow",
    "effective_status",
    "emergency_codes",
    "emergency_q",
    "has_open_loop",
    "in_loop_q",
    "joint_office_rows",
    "loop_of",
    "loop_phase",
    "missing_report_dates",
    "pending_codes",
    "region_history",
    "regions_in_emergency",
    "scope_now",
    "state_of",
    "switch_preview",
    "units_in_loop",
    "whitelisted_units",
    "with_report_figures",
]


def _now(now):
    return now or timezone.now()


def effective_status(state: RegionState, now=None) -> str:
    """The status of one region's own state row at ``now`` (ignoring its ancestors)."""
    if state is None or state.status == RegionStatus.NORMAL:
        return RegionStatus.NORMAL
    if state.effective_at is not None and state.effective_at > _now(now):
        return RegionStatus.PENDING
    return RegionStatus.EMERGENCY


def state_of(region_code: str, now=None) -> str:
    """The status (``RegionStatus``) of a region at ``now``: emergency if it or a switched
    ancestor is in emergency, pending if one is announced and none is in emergency yet."""
    now = _now(now)
    states = RegionState.objects.filter(region_id__in=covering_codes(region_code))
    statuses = {effective_status(state, now) for state in states}
    if RegionStatus.EMERGENCY in statuses:
        return RegionStatus.EMERGENCY
    if RegionStatus.PENDING in statuses:
        return RegionStatus.PENDING
    return RegionStatus.NORMAL


def _own_codes(now, status: str) -> set[str]:
    now = _now(now)
    codes = set()
    for state in RegionState.objects.exclude(status=RegionStatus.NORMAL).only(
        "region_id", "status", "effective_at"
    ):
        if effective_status(state, now) == status:
            codes.add(state.region_id)
    return codes


def emergency_codes(now=None) -> set[str]:
    """The switched regions themselves in effective emergency at ``now`` (each covers its subtree)."""
    return _own_codes(now, RegionStatus.EMERGENCY)


def pending_codes(now=None) -> set[str]:
    """The switched regions announced for emergency whose switch is not yet effective."""
    return _own_codes(now, RegionStatus.PENDING)


def _with_descendants(codes: set[str]) -> set[str]:
    from sibao.regions.models import Region

    if not codes:
        return set()
    q = NOTHING
    for code in codes:
        q |= prefix_range("code", code)
    return set(codes) | set(Region.objects.filter(q).values_list("code", flat=True))


def scope_now(now=None) -> tuple[set[str], set[int]]:
    """The switched regions in effective emergency and the units in a running loop at ``now``,
    in one query (a UNION): ``epidemic.compliance.emergency_scope`` runs on many pages."""
    from django.db.models import CharField, F, Value
    from django.db.models.functions import Cast

    now = _now(now)
    text = CharField(max_length=20)
    regions = (
        RegionState.objects.exclude(status=RegionStatus.NORMAL)
        .filter(Q(effective_at__isnull=True) | Q(effective_at__lte=now))
        .annotate(kind=Value("r", output_field=text), key=Cast(F("region_id"), text))
        .order_by()
        .values_list("kind", "key")
    )
    units = (
        LoopStatus.objects.filter(in_loop_q(now))
        .annotate(kind=Value("u", output_field=text), key=Cast(F("enterprise_id"), text))
        .order_by()
        .values_list("kind", "key")
    )
    codes, ids = set(), set()
    for kind, key in regions.union(units, all=True):
        if kind == "r":
            codes.add(key)
        else:
            ids.add(int(key))
    return codes, ids


def regions_in_emergency(now=None) -> set[str]:
    """Codes of every region in emergency at ``now``: the switched cities and counties and all
    regions under them, so both ``code in result`` and a prefix test work."""
    return _with_descendants(emergency_codes(now))


def emergency_q(path: str = "region_code", now=None, *, codes=None) -> Q:
    """A ``Q`` for rows whose region code at ``path`` is in emergency at ``now``."""
    codes = emergency_codes(now) if codes is None else codes
    q = NOTHING
    for code in sorted(codes):
        q |= prefix_range(path, code)
    return q


def in_loop_q(now=None, prefix: str = "") -> Q:
    """A ``Q`` on ``LoopStatus`` (or through ``prefix``) for the loop periods running at ``now``."""
    now = _now(now)
    return Q(**{f"{prefix}started_at__lte": now}) & (
        Q(**{f"{prefix}ended_at__isnull": True}) | Q(**{f"{prefix}ended_at__gt": now})
    )


def has_open_loop(path: str = "pk"):
    """An ``Exists`` on ``Enterprise`` (or through ``path``): the unit has an open loop period
    (running, or announced and starting later)."""
    from django.db.models import Exists, OuterRef

    return Exists(LoopStatus.objects.filter(enterprise_id=OuterRef(path), ended_at__isnull=True))


def units_in_loop(now=None) -> set[int]:
    """Ids of the units in closed loop at ``now``."""
    return set(LoopStatus.objects.filter(in_loop_q(now)).values_list("enterprise_id", flat=True))


def loop_of(enterprise, now=None) -> LoopStatus | None:
    """The unit's open loop period (running, or announced and starting later), if any."""
    return (
        LoopStatus.objects.filter(enterprise=enterprise, ended_at__isnull=True)
        .select_related("switch")
        .first()
    )


def whitelisted_units(region_code: str):
    """The whitelisted units (active records with a listed whitelist entry, their own or their
    park's — ``enterprises.queries.is_whitelisted``) located under ``region_code``."""
    from sibao.enterprises.models import Enterprise
    from sibao.enterprises.queries import is_whitelisted

    return (
        Enterprise.objects.active()
        .filter(prefix_range("region_id", region_code))
        .filter(is_whitelisted())
        .select_related("industry", "region")
    )


def missing_report_dates(loop: LoopStatus, now=None) -> list[datetime.date]:
    """The days of a loop period (from its first local day up to yesterday, or its last day if
    ended) without a daily loop report. Today is not missing yet: the day is not over."""
    now = _now(now)
    first = timezone.localtime(loop.started_at).date()
    if loop.started_at > now:
        return []
    last = timezone.localtime(now).date() - datetime.timedelta(days=1)
    if loop.ended_at is not None and loop.ended_at <= now:
        last = min(last, timezone.localtime(loop.ended_at).date())
    if last < first:
        return []
    filed = set(
        LoopReport.objects.filter(
            enterprise_id=loop.enterprise_id, report_date__range=(first, last)
        ).values_list("report_date", flat=True)
    )
    days = (last - first).days + 1
    return [
        first + datetime.timedelta(days=i)
        for i in range(days)
        if first + datetime.timedelta(days=i) not in filed
    ]


@dataclass
class RegionRow:
    """One switched region for the joint-office view."""

    state: RegionState
    status: str
    since: datetime.datetime | None
    effective_at: datetime.datetime | None
    units_in_loop: int = 0
    units_pending: int = 0
    reported_today: int = 0
    children_in_emergency: list = field(default_factory=list)

    @property
    def region(self):
        return self.state.region

    @property
    def status_label(self) -> str:
        return RegionStatus(self.status).label


def joint_office_rows(queryset, now=None) -> list[RegionRow]:
    """The regions of ``queryset`` (``RegionState``, already scoped) in emergency or pending at
    ``now``, with their units in loop now, units whose loop starts later, and today's reports."""
    now = _now(now)
    today = timezone.localtime(now).date()
    rows = []
    states = queryset.exclude(status=RegionStatus.NORMAL).select_related(
        "region", "region__parent", "last_switch"
    )
    for state in states:
        status = effective_status(state, now)
        code = state.region_id
        open_loops = LoopStatus.objects.filter(prefix_range("region_code", code)).filter(
            ended_at__isnull=True
        )
        running = open_loops.filter(started_at__lte=now)
        rows.append(
            RegionRow(
                state=state,
                status=status,
                since=state.since,
                effective_at=state.effective_at,
                units_in_loop=running.count(),
                units_pending=open_loops.filter(started_at__gt=now).count(),
                reported_today=LoopReport.objects.filter(
                    prefix_range("region_code", code), report_date=today
                ).count(),
            )
        )
    rows.sort(key=lambda row: (row.status != RegionStatus.EMERGENCY, row.state.region_id))
    return rows


@dataclass
class SwitchPreview:
    """What a switch of one region would do, for the confirmation step."""

    region: object
    status: str
    in_force: RegionState | None
    whitelisted: int
    already_in_loop: int
    to_switch: int
    to_release: int
    notice_hours: int

    @property
    def status_label(self) -> str:
        return RegionStatus(self.status).label

    @property
    def inherited(self) -> bool:
        """In emergency (or pending) only through a switched ancestor."""
        return self.in_force is not None and self.in_force.region_id != self.region.code


def switch_preview(region, now=None) -> SwitchPreview:
    """How many whitelisted units a switch of ``region`` into emergency would put in loop (those
    without an open loop), and how many a switch back would release."""
    from sibao.core import rules as rule_set

    now = _now(now)
    units = whitelisted_units(region.code)
    open_loops = LoopStatus.objects.filter(
        prefix_range("region_code", region.code), ended_at__isnull=True
    )
    in_loop = units.filter(has_open_loop()).count()
    states = [
        s
        for s in RegionState.objects.filter(
            region_id__in=covering_codes(region.code)
        ).select_related("region", "last_switch")
        if effective_status(s, now) != RegionStatus.NORMAL
    ]
    states.sort(
        key=lambda s: (effective_status(s, now) != RegionStatus.EMERGENCY, -len(s.region_id))
    )
    # loops that stay open after a switch back: those under another region still in emergency
    others = {s.region_id for s in RegionState.objects.exclude(status=RegionStatus.NORMAL)} - {
        region.code
    }
    others = {c for c in others if c.startswith(region.code)}
    staying = open_loops.filter(emergency_q("region_code", codes=others)).count() if others else 0
    total = units.count()
    return SwitchPreview(
        region=region,
        status=state_of(region.code, now),
        in_force=states[0] if states else None,
        whitelisted=total,
        already_in_loop=in_loop,
        to_switch=total - in_loop,
        to_release=open_loops.count() - staying,
        notice_hours=int(rule_set.current()["emergency_advance_notice_hours"]),
    )


def region_history(region):
    """The switches that decided this region's state: its own, its ancestors' and (for a city)
    its counties', newest first."""
    from sibao.command.models import EmergencySwitch

    return EmergencySwitch.objects.filter(
        Q(region_code__in=covering_codes(region.code)) | prefix_range("region_code", region.code)
    ).select_related("region", "switched_by", "headquarters")


def with_report_figures(loops, now=None):
    """Annotate ``LoopStatus`` rows with the unit's last loop report date and whether today's
    and yesterday's reports are in."""
    from django.db.models import Exists, Max, OuterRef, Subquery

    now = _now(now)
    today = timezone.localtime(now).date()
    yesterday = today - datetime.timedelta(days=1)
    reports = LoopReport.objects.filter(enterprise_id=OuterRef("enterprise_id"))
    return loops.annotate(
        last_report=Subquery(
            reports.order_by()
            .values("enterprise_id")
            .annotate(last=Max("report_date"))
            .values("last")[:1]
        ),
        reported_today=Exists(reports.filter(report_date=today)),
        reported_yesterday=Exists(reports.filter(report_date=yesterday)),
    )


def loop_phase(loop: LoopStatus, now=None) -> str:
    """``upcoming`` (announced, not started), ``running`` or ``ended`` at ``now``."""
    now = _now(now)
    if loop.started_at > now:
        return "upcoming"
    if loop.ended_at is not None and loop.ended_at <= now:
        return "ended"
    return "running"
