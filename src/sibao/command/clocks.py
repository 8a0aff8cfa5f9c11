"""The deadline clocks of the incidents area (INC-01, INC-02): ``sweep(now)`` runs every few
minutes (``sibao incident-sweep``, the task ``command.tasks.sweep_incidents``) and is idempotent.

* An incident step past its deadline and not done (the 6-hour single-tube retest above all) is
  alerted once — ``IncidentStep.overdue_alerted_at`` records it — by an inbox notification to the
  step's owner, the unit (admins, liaison cadres) and the local health office. A notification, not
  a sentinel alert: a sentinel alert is a signal about a *person* with a fixed set of kinds
  (overdue test, positive, …) and its own handling cycle; an overdue step is a missed deadline of
  the handling itself, already owned and tracked on the incident, so it goes to the people who
  must act on it and is shown as an overdue badge on the incident and the region list.
* A silent period whose past day lacks its ``tests_per_day`` NAT results raises a sentinel alert
  of kind ``overdue_test`` about that person (once per period and day, by its dedupe key): that
  *is* a person who missed a test, so the sentinel's machinery — the SMS reminder to the person,
  the unit's admins and the sentinel unit, an owner and an outcome — is the right channel.

A deadline is passed when ``now`` is later than it: exactly at the deadline the step is still in
time.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from sibao.command import queries_incidents as queries
from sibao.command import recipients
from sibao.command.models import IncidentStep
from sibao.core import audit
from sibao.core.i18n import stored
from sibao.core.notifications import notify
from sibao.epidemic.actions.sentinel import raise_alert

__all__ = ["sweep", "sweep_overdue_steps", "sweep_silent_periods"]

PROVINCE = "41"


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _step_recipients(step) -> list:
    from sibao.command.actions.incidents import health_officials

    incident = step.incident
    seen = {}
    for user in (
        ([step.owner] if step.owner_id else [])
        + recipients.unit_admins(incident.enterprise)
        + recipients.unit_liaisons(incident.enterprise)
        + health_officials(incident.region_code)
    ):
        if user is not None:
            seen.setdefault(user.pk, user)
    return [seen[pk] for pk in sorted(seen)]


def sweep_overdue_steps(now=None) -> int:
    """Alert every overdue step not alerted yet; returns how many were alerted."""
    now = now or timezone.now()
    alerted = 0
    candidates = (
        IncidentStep.objects.filter(
            queries.open_steps_overdue_q(now), overdue_alerted_at__isnull=True
        )
        .select_related("incident", "incident__enterprise", "owner")
        .order_by("due_at", "pk")
    )
    for step in candidates:
        with transaction.atomic():
            # claim the step: a concurrent sweep that got here first has set the time already
            claimed = IncidentStep.objects.filter(
                pk=step.pk, overdue_alerted_at__isnull=True, done_at__isnull=True
            ).update(overdue_alerted_at=now)
            if not claimed:
                continue
            incident = step.incident
            notify(
                _step_recipients(step),
                stored(
                    gettext_noop("应急处置超时：%(unit)s“%(step)s”"),
                    unit=incident.enterprise.name,
                    step=stored(step.get_kind_display()),
                ),
                body=stored(
                    gettext_noop(
                        "事件 #%(pk)s 的“%(step)s”应于 %(due)s 前完成，现已超时，请立即办理。"
                        "责任单位：%(owner)s。"
                    ),
                    pk=incident.pk,
                    step=stored(step.get_kind_display()),
                    due=_local(step.due_at),
                    owner=step.owner_label or "—",
                ),
                url=reverse("command:incident_detail", args=[incident.pk]),
            )
            audit.record(
                "command.incident.step_overdue",
                obj=incident,
                changes={"step": [None, step.kind], "due_at": [None, step.due_at.isoformat()]},
            )
            alerted += 1
    return alerted


def sweep_silent_periods(now=None) -> int:
    """One ``overdue_test`` sentinel alert per running silent period and past day without its
    tests; returns how many alerts were newly raised."""
    from sibao.epidemic.models import AlertKind, SentinelAlert

    now = now or timezone.now()
    raised = 0
    today = timezone.localdate(now)
    periods = (
        queries.running_periods()
        .filter(starts_on__lt=today)
        .select_related("staff", "incident", "incident__enterprise")
        .order_by("pk")
    )
    for period in periods:
        for day in queries.silent_period_days(period, now=now):
            if not day.missing:
                continue
            key = f"silent_period:{period.pk}:{day.day.isoformat()}"
            if SentinelAlert.objects.filter(dedupe_key=key).exists():
                continue
            raise_alert(
                AlertKind.OVERDUE_TEST,
                person_key=period.person_key,
                staff=period.staff,
                enterprise=period.incident.enterprise,
                region_code=period.region_code,
                detail=stored(
                    gettext_noop(
                        "静默期（%(start)s 至 %(end)s，单间 %(room)s）%(day)s 应检 %(required)s 次，"
                        "核酸结果 %(tests)s 次。"
                    ),
                    start=period.starts_on.isoformat(),
                    end=period.ends_on.isoformat(),
                    room=period.room,
                    day=day.day.isoformat(),
                    required=day.required,
                    tests=day.tests,
                ),
                dedupe_key=key,
                now=now,
            )
            raised += 1
    return raised


def sweep(now=None) -> dict:
    """Both clocks; returns ``{"steps": n, "silent_periods": n}`` (newly alerted)."""
    now = now or timezone.now()
    steps = sweep_overdue_steps(now)
    periods = sweep_silent_periods(now)
    if steps or periods:
        audit.record(
            "command.incident.sweep",
            note=f"steps={steps} silent_periods={periods}",
            region_code=PROVINCE,
        )
    return {"steps": steps, "silent_periods": periods}
