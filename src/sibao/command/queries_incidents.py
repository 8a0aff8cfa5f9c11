"""Reads of the incidents area (INC-01, INC-02, INC-04): the state of a step against its clock,
the unit's observation-room capacity against its plan (一企一策) and staff, which zones of a unit
an incident affects (the others keep producing), a silent period's daily tests from the NAT feed,
and the figures of the region list."""

import datetime
import math
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from sibao.command.models import Incident, IncidentStep, SilentPeriod, StepKind

__all__ = [
    "HEALTH",
    "NOT_NEEDED",
    "UNIT",
    "Capacity",
    "DayTests",
    "StepView",
    "affected_zones",
    "is_not_needed",
    "observation_capacity",
    "open_steps_overdue_q",
    "rooms_in_use",
    "running_periods",
    "silent_period_days",
    "step_side",
    "step_view",
    "summary",
    "with_step_figures",
    "zone_status",
]

# the marker a step closed as "not needed" carries at the start of its note (see the actions)
NOT_NEEDED = "[无需办理]"

UNIT, HEALTH = "unit", "health"
# who owns each step (D2 三(七)): the unit's task force or the local health office
STEP_SIDES = {
    StepKind.OBSERVE: UNIT,
    StepKind.REPORT: UNIT,
    StepKind.RETEST: HEALTH,
    StepKind.TRACE: HEALTH,
    StepKind.TRANSFER: HEALTH,
    StepKind.TEST: UNIT,
    StepKind.DISINFECT: UNIT,
    StepKind.RESUME: UNIT,
}

ACTIVE = (Incident.Status.OPEN, Incident.Status.EXCLUDED, Incident.Status.CONFIRMED)


def _now(now):
    return now or timezone.now()


def step_side(kind: str) -> str:
    return STEP_SIDES.get(kind, UNIT)


def is_not_needed(step) -> bool:
    return step.done_at is not None and (step.note or "").startswith(NOT_NEEDED)


@dataclass
class StepView:
    step: IncidentStep
    state: str  # done, not_needed, overdue, pending
    side: str
    note: str  # without the marker
    remaining: datetime.timedelta | None  # until the deadline (negative: past it)
    late: bool  # done after its deadline

    @property
    def remaining_text(self) -> str:
        if self.remaining is None:
            return ""
        seconds = int(abs(self.remaining.total_seconds()))
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours}:{minutes:02d}"


def step_view(step, now=None) -> StepView:
    now = _now(now)
    skipped = is_not_needed(step)
    note = step.note[len(NOT_NEEDED) :] if skipped else step.note
    remaining = step.due_at - now if step.due_at and step.done_at is None else None
    if step.done_at is not None:
        state = "not_needed" if skipped else "done"
    elif step.due_at is not None and now > step.due_at:
        state = "overdue"
    else:
        state = "pending"
    late = bool(step.done_at and step.due_at and step.done_at > step.due_at and not skipped)
    return StepView(step, state, step_side(step.kind), note, remaining, late)


def open_steps_overdue_q(now=None, prefix: str = "") -> Q:
    """Steps past their deadline and not done, of incidents not resumed yet."""
    return Q(
        **{
            f"{prefix}done_at__isnull": True,
            f"{prefix}due_at__lt": _now(now),
        }
    ) & ~Q(**{f"{prefix}incident__status": Incident.Status.RESUMED})


# --- observation rooms (INC-04) ------------------------------------------------------------------


def rooms_in_use(enterprise_id, *, exclude_incident=None, exclude_period=None) -> set[str]:
    """Rooms taken now: the observation rooms of incidents still waiting for their retest's
    outcome, and the single rooms of running silent periods."""
    incidents = Incident.objects.filter(
        enterprise_id=enterprise_id, status=Incident.Status.OPEN
    ).exclude(observation_room="")
    if exclude_incident is not None:
        incidents = incidents.exclude(pk=exclude_incident.pk)
    periods = SilentPeriod.objects.filter(enterprise_id=enterprise_id, returned_at__isnull=True)
    if exclude_period is not None:
        periods = periods.exclude(pk=exclude_period.pk)
    return set(incidents.values_list("observation_room", flat=True)) | set(
        periods.values_list("room", flat=True)
    )


@dataclass
class Capacity:
    """The unit's observation rooms: as planned (一企一策), as its staff calls for
    (``staff_per_observation_room``), and in use now."""

    planned: int
    required: int
    staff: int
    in_use: set[str] = field(default_factory=set)
    has_plan: bool = False  # a contingency plan (应急处置预案) is on record
    preparedness: object = None

    @property
    def free(self) -> int:
        return max(self.planned - len(self.in_use), 0)

    @property
    def short(self) -> int:
        """Rooms missing against the staff proportion."""
        return max(self.required - self.planned, 0)


def observation_capacity(
    enterprise, *, ruleset=None, exclude_incident=None, exclude_period=None
) -> Capacity:
    from sibao.core import rules
    from sibao.epidemic import readiness
    from sibao.epidemic.models import Preparedness

    ruleset = ruleset or rules.current()
    plan = Preparedness.objects.filter(enterprise=enterprise).first()
    staff = readiness.staff_count(enterprise)
    per_room = ruleset["staff_per_observation_room"]
    return Capacity(
        planned=plan.observation_rooms if plan else 0,
        required=math.ceil(staff / per_room) if staff else 0,
        staff=staff,
        in_use=rooms_in_use(
            enterprise.pk, exclude_incident=exclude_incident, exclude_period=exclude_period
        ),
        has_plan=bool(plan and plan.has_contingency_plan),
        preparedness=plan,
    )


# --- zones: the others keep producing ------------------------------------------------------------


def affected_zones(enterprise) -> dict[int, list]:
    """Zone id -> the active incidents that name it."""
    found: dict[int, list] = {}
    for incident in Incident.objects.filter(
        enterprise=enterprise, status__in=ACTIVE, zone__isnull=False
    ).order_by("opened_at"):
        found.setdefault(incident.zone_id, []).append(incident)
    return found


def zone_status(enterprise) -> list[tuple]:
    """Every zone of the unit with the incidents affecting it (empty: producing)."""
    from sibao.places.models import Zone

    affected = affected_zones(enterprise)
    return [
        (zone, affected.get(zone.pk, []))
        for zone in Zone.objects.filter(enterprise=enterprise).order_by("kind", "name")
    ]


# --- silent periods (INC-02) ---------------------------------------------------------------------


@dataclass
class DayTests:
    day: datetime.date
    tests: int
    required: int
    positive: bool
    future: bool  # the day has not come (or is today and still running)

    @property
    def missing(self) -> bool:
        return not self.future and self.tests < self.required

    @property
    def state(self) -> str:
        if self.positive:
            return "positive"
        if self.tests >= self.required:
            return "ok"
        return "waiting" if self.future else "missing"


def silent_period_days(period, now=None, *, closing=False, results=None) -> list[DayTests]:
    """One row per day of the period with the NAT results sampled that (local) day. A day is
    missing once it is over without ``tests_per_day`` results; with ``closing`` (the period is
    being ended) today counts as well: its test is due before the person returns."""
    from sibao.epidemic.models import TestResult

    now = _now(now)
    today = timezone.localdate(now)
    if results is None:
        start = timezone.make_aware(datetime.datetime.combine(period.starts_on, datetime.time.min))
        end = timezone.make_aware(
            datetime.datetime.combine(
                period.ends_on + datetime.timedelta(days=1), datetime.time.min
            )
        )
        results = TestResult.objects.filter(
            person_key=period.person_key, sampled_at__gte=start, sampled_at__lt=end
        ).values_list("sampled_at", "result")
    counts: dict[datetime.date, int] = {}
    positives: set[datetime.date] = set()
    for sampled_at, result in results:
        day = timezone.localdate(sampled_at)
        counts[day] = counts.get(day, 0) + 1
        if result == "positive":
            positives.add(day)
    days = []
    day = period.starts_on
    while day <= period.ends_on:
        future = day > today or (day == today and not closing)
        if period.returned_at is not None:
            future = False
        days.append(
            DayTests(day, counts.get(day, 0), period.tests_per_day, day in positives, future)
        )
        day += datetime.timedelta(days=1)
    return days


def running_periods():
    return SilentPeriod.objects.filter(returned_at__isnull=True)


# --- lists and figures ---------------------------------------------------------------------------


def with_step_figures(queryset, now=None):
    """Incidents annotated with their open-step and overdue-step counts (one query)."""
    now = _now(now)
    return queryset.annotate(
        steps_open=Count("steps", filter=Q(steps__done_at__isnull=True)),
        steps_overdue=Count("steps", filter=Q(steps__done_at__isnull=True, steps__due_at__lt=now)),
    )


def summary(incidents, periods, now=None) -> dict:
    """Counts over already-scoped querysets: active incidents, those with an overdue step, silent
    periods running, resumed."""
    now = _now(now)
    overdue = IncidentStep.objects.filter(
        incident=OuterRef("pk"), done_at__isnull=True, due_at__lt=now
    )
    active = incidents.filter(status__in=ACTIVE)
    return {
        "active": active.count(),
        "overdue": active.filter(Exists(overdue)).count(),
        "silent": periods.filter(returned_at__isnull=True).count(),
        "resumed": incidents.filter(status=Incident.Status.RESUMED).count(),
    }
