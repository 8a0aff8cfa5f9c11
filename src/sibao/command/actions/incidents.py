"""Writes of the incidents area (INC-01, INC-02, INC-04): an incident at a unit worked step by step
to resumption, the silent periods of excluded suspects, and the incident a positive NAT result of
a rostered person opens by itself.

``actor=None`` is the platform itself (the positive follow-up, the demo seed) and skips the
permission checks. Every action takes ``now`` (default ``timezone.now()``) so clocks are testable.

The steps and their deadlines follow D2 三(七), read word by word:

* "立即转移至临时留观点或观察宿舍，同时报告属地疫情防控部门开展追阳复核，6小时内完成混检阳性人员的
  单采复核": moving the person to an observation room, the report to the local health office and
  the single-tube retest are one clock — ``pooled_retest_hours`` after the incident opened. The
  report is made by opening the incident (the platform tells the local health office at once), so
  that step is done when it opens; the observation step is done at opening when a room is given.
* "同步开展流调溯源、隔离转运、核酸检测、消毒等工作": tracing, the transfer of close and secondary
  contacts, the unit-wide test and disinfection run alongside; the seed gives no figure, so they
  carry the platform's handling limit for a sentinel signal (``sentinel_alert_due_hours``).
* "消毒后复工复产 … 停工停产原则上不超过3天": resumption comes after the others (each done or
  explicitly not needed) and after the retest's outcome (excluded or confirmed); its deadline is
  ``shutdown_max_days`` after opening, the longest stop the seed allows a whitelisted unit.
* "排除感染风险的，设置静默期，独立住宿 … 实行1天1检，静默期结束后返岗，其密接、次密接等风险人员
  同步返岗；复核阳性的，由属地疫情防控部门按流程处置": exclusion (after the retest) opens a silent
  period in a single room with ``silent_period_tests_per_day`` tests a day; ending it returns the
  person and the named contacts to their posts; confirming a case is the health office's.

Deadlines are written on the steps when the incident opens, so a later rule change does not move
a running clock. The steps are split between the unit (its prevention task force) and the local
health office; a health-office step can be recorded only by a health-office user.

A step that is not needed (e.g. no contacts to transfer after an exclusion) is closed with a
reason. The model has no field for it, so its note starts with ``NOT_NEEDED``
(``queries_incidents.is_not_needed`` reads it).
"""

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sibao.accounts.access import allowing_grants, covers
from sibao.accounts.roles import Role
from sibao.command import queries_incidents as queries
from sibao.command import recipients
from sibao.command.models import Incident, IncidentStep, SilentPeriod, StepKind
from sibao.core import audit
from sibao.core import rules as rule_set
from sibao.core.i18n import stored
from sibao.core.notifications import notify
from sibao.core.workflow import Transition, Workflow

__all__ = [
    "INCIDENT_WORKFLOW",
    "MAX_SILENT_DAYS",
    "NOT_NEEDED",
    "complete_step",
    "confirm_case",
    "end_silent_period",
    "exclude_suspect",
    "link_tracing",
    "open_from_positive",
    "open_incident",
    "resume_production",
]

Status = Incident.Status

INCIDENT_WORKFLOW = Workflow(
    # the retest excluded infection: the suspect goes into a silent period (several may)
    Transition((Status.OPEN, Status.EXCLUDED), "exclude", Status.EXCLUDED),
    # the retest (or a silent-period test) is positive: the local health office takes over
    Transition(
        (Status.OPEN, Status.EXCLUDED), "confirm", Status.CONFIRMED, frozenset({Role.HEALTH_OFFICE})
    ),
    Transition((Status.EXCLUDED, Status.CONFIRMED), "resume", Status.RESUMED),
    labels=Status,
)

NOT_NEEDED = queries.NOT_NEEDED
MAX_SILENT_DAYS = 14  # a sanity bound on the form, not a rule: the seed gives no length
_KEY = re.compile(r"^[0-9A-Za-z_-]{1,64}$")

UNIT, HEALTH = queries.UNIT, queries.HEALTH

# kind -> (who owns it, the rule-set clock of its deadline: (parameter, unit))
STEP_PLAN = (
    (StepKind.OBSERVE, UNIT, ("pooled_retest_hours", "hours")),
    (StepKind.REPORT, UNIT, ("pooled_retest_hours", "hours")),
    (StepKind.RETEST, HEALTH, ("pooled_retest_hours", "hours")),
    (StepKind.TRACE, HEALTH, ("sentinel_alert_due_hours", "hours")),
    (StepKind.TRANSFER, HEALTH, ("sentinel_alert_due_hours", "hours")),
    (StepKind.TEST, UNIT, ("sentinel_alert_due_hours", "hours")),
    (StepKind.DISINFECT, UNIT, ("sentinel_alert_due_hours", "hours")),
    (StepKind.RESUME, UNIT, ("shutdown_max_days", "days")),
)
# steps that may be closed as not needed (the others always happen)
SKIPPABLE = frozenset({StepKind.TRACE, StepKind.TRANSFER, StepKind.TEST, StepKind.DISINFECT})
# what must be finished (done or not needed) before a step can be recorded (D2 三(七))
PREREQUISITES = {
    StepKind.RETEST: (StepKind.OBSERVE, StepKind.REPORT),
    StepKind.TRANSFER: (StepKind.TRACE,),
}


def _now(now):
    return now or timezone.now()


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _incident_url(incident) -> str:
    return reverse("command:incident_detail", args=[incident.pk])


# --- permissions ---------------------------------------------------------------------------------


def _health_grants(actor, region_code: str) -> list:
    return [
        g
        for g in allowing_grants(actor, "command.incident", "change")
        if g.role == Role.HEALTH_OFFICE
        and not g.enterprise_id
        and region_code.startswith(g.region_id)
    ]


def _is_health(actor, incident) -> bool:
    return bool(_health_grants(actor, incident.region_code))


def _check_change(actor, incident, message=None) -> None:
    if actor is None:
        return
    if not Incident.objects.visible_to(actor, "change").filter(pk=incident.pk).exists():
        raise PermissionDenied(message or _("您无权处置该事件。"))


def _check_health(actor, incident, message) -> None:
    if actor is None:
        return
    if not _is_health(actor, incident):
        raise PermissionDenied(message)


# --- recipients ----------------------------------------------------------------------------------


def health_officials(region_code: str) -> list:
    """The local health office: health-office users whose grant covers the region."""
    return recipients.region_officials(region_code, [Role.HEALTH_OFFICE])


def _health_owner(region_code: str):
    """The health-office user nearest to the region (the county's before the city's), if any."""
    from sibao.accounts.models import RoleGrant

    grant = (
        RoleGrant.objects.filter(
            role=Role.HEALTH_OFFICE,
            is_active=True,
            user__is_active=True,
            enterprise__isnull=True,
            region_id__in=recipients.covering_codes(region_code),
        )
        .select_related("user")
        .order_by("-region_id", "user_id")
        .first()
    )
    return grant.user if grant else None


def _unit_owner(enterprise, actor):
    if actor is not None and getattr(actor, "is_authenticated", False):
        if any(g.enterprise_id == enterprise.pk for g in actor.active_grants()):
            return actor
    admins = recipients.unit_admins(enterprise)
    return admins[0] if admins else None


def _owner_labels(enterprise) -> dict:
    from sibao.epidemic.models import Preparedness
    from sibao.regions.models import Region

    plan = Preparedness.objects.filter(enterprise=enterprise).first()
    leader = plan.task_force_leader if plan and plan.task_force_leader else ""
    unit = stored(gettext_noop("%(unit)s疫情防控专班"), unit=enterprise.name)
    if leader:
        unit = stored(gettext_noop("%(unit)s（负责人：%(leader)s）"), unit=unit, leader=leader)
    region = Region.objects.filter(code=enterprise.region_id).first()
    health = stored(
        gettext_noop("%(region)s疫情防控部门"),
        region=region.name if region else enterprise.region_id,
    )
    return {UNIT: unit[:128], HEALTH: health[:128]}


def _parties(incident) -> list:
    """Who hears about an incident: the unit (admins, liaison cadres) and the local health office."""
    seen = {}
    for user in (
        recipients.unit_admins(incident.enterprise)
        + recipients.unit_liaisons(incident.enterprise)
        + health_officials(incident.region_code)
    ):
        seen.setdefault(user.pk, user)
    return [seen[pk] for pk in sorted(seen)]


# --- observation rooms (INC-04) ------------------------------------------------------------------


def _check_room(enterprise, room: str, *, field: str, exclude_incident=None, exclude_period=None):
    """A room for an observation or a silent period: not already taken, and within the number of
    observation rooms the unit's plan (一企一策, ``Preparedness.observation_rooms``) provides."""
    capacity = queries.observation_capacity(
        enterprise, exclude_incident=exclude_incident, exclude_period=exclude_period
    )
    if room in capacity.in_use:
        raise ValidationError(
            {field: _("房间“%(room)s”正在使用，请选择其他房间。") % {"room": room}}
        )
    if capacity.planned <= 0:
        raise ValidationError(
            {
                field: _(
                    "该单位的应急处置预案未设置临时留观点（观察宿舍），无法安排留观房间；"
                    "请先在“防疫准备”中登记留观间数，或转至属地指定地点。"
                )
            }
        )
    if len(capacity.in_use) >= capacity.planned:
        raise ValidationError(
            {
                field: _(
                    "临时留观点已满：预案设置 %(planned)s 间，正在使用 %(used)s 间（%(rooms)s）。"
                    "请转至属地指定地点或先结束其他留观。"
                )
                % {
                    "planned": capacity.planned,
                    "used": len(capacity.in_use),
                    "rooms": "、".join(sorted(capacity.in_use)),
                }
            }
        )


def _room(value) -> str:
    return str(value or "").strip()[:64]


# --- opening -------------------------------------------------------------------------------------


@transaction.atomic
def open_incident(
    enterprise,
    *,
    actor,
    kind,
    description,
    person_key="",
    staff=None,
    zone=None,
    alert=None,
    observation_room="",
    now=None,
) -> Incident:
    """INC-01: open an incident at ``enterprise`` (its admin, or the local health office) and
    create its steps with owners and deadlines. ``zone`` is the part of the unit affected (the
    others keep producing); ``observation_room`` moves the person at once (capacity checked).
    The local health office and the unit are told; the unit's contingency plan is linked."""
    from sibao.epidemic.models import Preparedness

    now = _now(now)
    region_code = enterprise.region_id
    if actor is not None and not (
        covers(actor, Incident, "add", region_code=region_code, enterprise_id=enterprise.pk)
        or _health_grants(actor, region_code)
    ):
        raise PermissionDenied(_("只有本单位疫情防控专班或属地卫健（疫情防控）部门可以报告事件。"))
    errors = {}
    if kind not in Incident.Kind.values:
        errors["kind"] = [_("请选择事件类型。")]
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("请填写情况描述。")]
    if staff is not None:
        if staff.enterprise_id != enterprise.pk:
            errors["staff"] = [_("所选人员不在本单位花名册中。")]
        else:
            person_key = staff.person_key
    person_key = (person_key or "").strip()
    if person_key and not _KEY.match(person_key):
        errors["person_key"] = [_("人员标识格式无效。")]
    if zone is not None and zone.enterprise_id != enterprise.pk:
        errors["zone"] = [_("所选区域不属于本单位。")]
    room = _room(observation_room)
    if errors:
        raise ValidationError(errors)
    if room:
        _check_room(enterprise, room, field="observation_room")

    ruleset = rule_set.current()
    incident = Incident.objects.create(
        enterprise=enterprise,
        kind=kind,
        person_key=person_key,
        staff=staff,
        description=description,
        zone=zone,
        observation_room=room,
        alert=alert,
        opened_at=now,
        opened_by=actor if getattr(actor, "is_authenticated", False) else None,
        rule_version=ruleset.version,
        region_code=region_code,
    )
    labels = _owner_labels(enterprise)
    owners = {UNIT: _unit_owner(enterprise, actor), HEALTH: _health_owner(region_code)}
    done_by = actor if getattr(actor, "is_authenticated", False) else None
    steps = []
    for order, (step_kind, side, (parameter, unit)) in enumerate(STEP_PLAN, start=1):
        step = IncidentStep(
            incident=incident,
            kind=step_kind,
            owner=owners[side],
            owner_label=labels[side],
            due_at=now + datetime.timedelta(**{unit: ruleset[parameter]}),
            order=order,
        )
        if step_kind == StepKind.REPORT:
            step.done_at, step.done_by = now, done_by
            step.note = stored(gettext_noop("报告事件时平台已同步通知属地卫健（疫情防控）部门。"))
        elif step_kind == StepKind.OBSERVE and room:
            step.done_at, step.done_by = now, done_by
            step.note = stored(gettext_noop("已转移至留观房间 %(room)s。"), room=room)
        steps.append(step)
    IncidentStep.objects.bulk_create(steps)

    plan = Preparedness.objects.filter(enterprise=enterprise).first()
    has_plan = bool(plan and plan.has_contingency_plan)
    retest_due = now + datetime.timedelta(hours=ruleset["pooled_retest_hours"])
    audit.record(
        "command.incident.open",
        actor=actor,
        obj=incident,
        changes={
            "kind": [None, kind],
            "zone": [None, zone.pk if zone else None],
            "observation_room": [None, room],
            "alert": [None, alert.pk if alert else None],
            "contingency_plan": [None, has_plan],
            "observation_rooms_planned": [None, plan.observation_rooms if plan else 0],
        },
        note=description[:200],
        rule_version=ruleset.version,
    )
    body = stored(
        gettext_noop(
            "%(unit)s报告%(kind)s事件%(zone)s。请于 %(due)s 前完成混检阳性人员的单采复核，"
            "同步开展流调溯源、隔离转运、核酸检测和消杀。%(plan)s"
        ),
        unit=enterprise.name,
        kind=stored(Incident.Kind(kind).label),
        zone=stored(gettext_noop("（涉及区域：%(zone)s）"), zone=zone.name) if zone else "",
        due=_local(retest_due),
        plan=""
        if has_plan
        else stored(gettext_noop("注意：该单位未制定应急处置预案（一企一策）。")),
    )
    notify(
        _parties(incident),
        stored(gettext_noop("应急处置：%(unit)s报告事件"), unit=enterprise.name),
        body=body,
        url=_incident_url(incident),
    )
    return incident


def open_from_positive(alert, result, *, now=None) -> Incident | None:
    """The automatic incident of a positive NAT result (the sentinel's follow-up): at the unit of
    the rostered person, ``pooled_positive`` for a pooled sample, else ``screening_positive``,
    with the alert linked. Once per alert; a person already in an open incident at the unit gets
    the alert linked to it instead of a second incident. None for a person on no roster."""
    if alert.enterprise_id is None:
        return None
    existing = Incident.objects.filter(alert=alert).first()
    if existing is not None:
        return existing
    open_one = (
        Incident.objects.filter(
            enterprise_id=alert.enterprise_id,
            person_key=alert.person_key,
            alert__isnull=True,
        )
        .exclude(status=Status.RESUMED)
        .first()
    )
    if open_one is not None:
        open_one.alert = alert
        open_one.save(update_fields=["alert"])
        audit.record(
            "command.incident.link_alert",
            obj=open_one,
            changes={"alert": [None, alert.pk]},
            note=alert.detail[:200],
        )
        return open_one
    pooled = bool(getattr(result, "is_pooled", False))
    return open_incident(
        alert.enterprise,
        actor=None,
        kind=Incident.Kind.POOLED_POSITIVE if pooled else Incident.Kind.SCREENING_POSITIVE,
        description=alert.detail,
        person_key=alert.person_key,
        staff=alert.staff
        if alert.staff_id and alert.staff.enterprise_id == alert.enterprise_id
        else None,
        alert=alert,
        now=now,
    )


# --- steps ---------------------------------------------------------------------------------------


def _unfinished(incident, kinds) -> list:
    return [s for s in incident.steps.all() if s.kind in kinds and s.done_at is None]


@transaction.atomic
def complete_step(step, *, actor, note, not_needed=False, room="", now=None) -> IncidentStep:
    """Record a step as done (or, for the steps that may be skipped, as not needed, with the
    reason in ``note``). The observation step needs a room (capacity checked); the retest comes
    after the observation and the report, the transfer after tracing; the resumption step is
    ``resume_production``. A health-office step is recorded by the health office only."""
    step = IncidentStep.objects.select_for_update().select_related("incident").get(pk=step.pk)
    incident = step.incident
    now = _now(now)
    _check_change(actor, incident)
    if step.kind == StepKind.RESUME:
        resume_production(incident, actor=actor, note=note, now=now)
        step.refresh_from_db()
        return step
    if incident.status == Status.RESUMED:
        raise ValidationError(_("事件已恢复生产，不能再办理环节。"))
    if step.done_at is not None:
        raise ValidationError(_("该环节已办结。"))
    if queries.step_side(step.kind) == HEALTH:
        _check_health(actor, incident, _("该环节由属地卫健（疫情防控）部门办理。"))
    note = (note or "").strip()
    if not_needed:
        if step.kind not in SKIPPABLE:
            raise ValidationError(
                _("“%(step)s”不能标记为无需办理。") % {"step": step.get_kind_display()}
            )
        if not note:
            raise ValidationError({"note": [_("请说明无需办理的原因。")]})
    missing = _unfinished(incident, PREREQUISITES.get(step.kind, ()))
    if missing:
        raise ValidationError(
            _("请先完成：%(steps)s。") % {"steps": "、".join(s.get_kind_display() for s in missing)}
        )
    changed = ["done_at", "done_by", "note"]
    if step.kind == StepKind.OBSERVE:
        room = _room(room) or incident.observation_room
        if not room:
            raise ValidationError({"room": [_("请填写留观房间。")]})
        if room != incident.observation_room:
            _check_room(incident.enterprise, room, field="room", exclude_incident=incident)
            incident.observation_room = room
            incident.save(update_fields=["observation_room"])
        if not note:
            note = stored(gettext_noop("已转移至留观房间 %(room)s。"), room=room)
    elif not note and step.kind in (StepKind.RETEST,):
        raise ValidationError({"note": [_("请填写复核结果（阴性或阳性）。")]})
    step.done_at = now
    step.done_by = actor if getattr(actor, "is_authenticated", False) else None
    step.note = f"{NOT_NEEDED}{note}" if not_needed else note
    step.save(update_fields=changed)
    late = step.due_at is not None and now > step.due_at
    audit.record(
        "command.incident.step_skip" if not_needed else "command.incident.step_done",
        actor=actor,
        obj=incident,
        changes={
            "step": [None, step.kind],
            "done_at": [None, now.isoformat()],
            "late": [None, late],
        },
        note=note[:200],
    )
    return step


@transaction.atomic
def link_tracing(incident, *, actor, now=None):
    """Link a contact-tracing job to the incident: the automatic one opened for its alert if there
    is one, else a job run now (health office) for the person over the look-back period."""
    from sibao.places.actions import run_trace
    from sibao.places.models import TracingJob

    now = _now(now)
    _check_health(actor, incident, _("只有属地卫健（疫情防控）部门可以开展流调。"))
    _check_change(actor, incident)
    if incident.tracing_job_id:
        return incident.tracing_job
    job = None
    if incident.alert_id:
        job = TracingJob.objects.filter(alert_id=incident.alert_id).order_by("-pk").first()
    if job is None:
        if not incident.person_key:
            raise ValidationError(_("事件未关联具体人员，无法开展流调。"))
        job = run_trace(
            actor=actor,
            case_keys=[incident.person_key],
            reason=stored(
                gettext_noop("应急处置事件 #%(pk)s：%(unit)s"),
                pk=incident.pk,
                unit=incident.enterprise.name,
            ),
            case_ref=stored(gettext_noop("事件%(pk)s"), pk=incident.pk),
            alert=incident.alert,
            now=now,
        )
    incident.tracing_job = job
    incident.save(update_fields=["tracing_job"])
    audit.record(
        "command.incident.link_tracing",
        actor=actor,
        obj=incident,
        changes={"tracing_job": [None, job.pk]},
        note=stored(
            gettext_noop("密接 %(close)s 人，次密接 %(secondary)s 人"),
            close=job.close_count,
            secondary=job.secondary_count,
        ),
    )
    return job


# --- outcome: exclusion and silent period, confirmation (INC-02) --------------------------------


def _contact_keys(values) -> list[str]:
    keys, errors = [], []
    for line, raw in enumerate(values or [], start=1):
        text = str(raw or "").strip()
        if not text:
            continue
        if not _KEY.match(text):
            errors.append(_("第 %(line)s 个人员标识格式无效。") % {"line": line})
        elif text not in keys:
            keys.append(text)
    if errors:
        raise ValidationError({"contact_keys": errors})
    return keys


@transaction.atomic
def exclude_suspect(
    incident, *, actor, room, days, contact_keys=(), person_key="", staff=None, now=None
) -> SilentPeriod:
    """INC-02: the retest excluded infection: the suspect (the incident's person unless another is
    named) stays in a single room for a silent period of ``days`` days from today with
    ``silent_period_tests_per_day`` tests a day; ``contact_keys`` return to post with them."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    now = _now(now)
    if actor is not None and not covers(
        actor,
        SilentPeriod,
        "add",
        region_code=incident.region_code,
        enterprise_id=incident.enterprise_id,
    ):
        raise PermissionDenied(_("静默期由本单位疫情防控专班安排。"))
    if not INCIDENT_WORKFLOW.find(incident.status, "exclude"):
        raise ValidationError(
            _("当前状态“%(status)s”下不能排除。") % {"status": incident.get_status_display()}
        )
    if _unfinished(incident, (StepKind.RETEST,)):
        raise ValidationError(_("请先完成混检阳性单采复核，复核排除感染风险后再设置静默期。"))
    errors = {}
    if staff is not None:
        if staff.enterprise_id != incident.enterprise_id:
            errors["staff"] = [_("所选人员不在本单位花名册中。")]
        person_key = staff.person_key
    elif not person_key:
        person_key, staff = incident.person_key, incident.staff
    person_key = (person_key or "").strip()
    if not person_key or not _KEY.match(person_key):
        errors["person_key"] = [_("请指定静默期人员。")]
    try:
        days = int(days)
        if not 1 <= days <= MAX_SILENT_DAYS:
            raise ValueError
    except (TypeError, ValueError):
        errors["days"] = [_("静默期天数应为 1 至 %(n)s 天。") % {"n": MAX_SILENT_DAYS}]
    room = _room(room)
    if not room:
        errors["room"] = [_("请填写静默期单间。")]
    try:
        keys = [k for k in _contact_keys(contact_keys) if k != person_key]
    except ValidationError as exc:
        errors.update(exc.message_dict)
        keys = []
    if errors:
        raise ValidationError(errors)
    if SilentPeriod.objects.filter(
        incident=incident, person_key=person_key, returned_at__isnull=True
    ).exists():
        raise ValidationError(_("该人员已在静默期中。"))
    # the person's own observation room may become the single room of the silent period
    same_room = room == incident.observation_room and person_key == incident.person_key
    _check_room(
        incident.enterprise,
        room,
        field="room",
        exclude_incident=incident if same_room else None,
    )
    ruleset = rule_set.current()
    starts_on = timezone.localdate(now)
    period = SilentPeriod.objects.create(
        incident=incident,
        person_key=person_key,
        staff=staff,
        room=room,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=days - 1),
        tests_per_day=ruleset["silent_period_tests_per_day"],
        contact_keys=keys,
        enterprise_id=incident.enterprise_id,
        region_code=incident.region_code,
    )
    INCIDENT_WORKFLOW.apply(incident, "exclude", actor=actor, note=room)
    audit.record(
        "command.silent_period.start",
        actor=actor,
        obj=period,
        changes={
            "incident": [None, incident.pk],
            "room": [None, room],
            "starts_on": [None, period.starts_on.isoformat()],
            "ends_on": [None, period.ends_on.isoformat()],
            "tests_per_day": [None, period.tests_per_day],
            "contacts": [None, len(keys)],
        },
        rule_version=ruleset.version,
    )
    notify(
        _parties(incident),
        stored(
            gettext_noop("应急处置：%(unit)s排除感染风险，进入静默期"),
            unit=incident.enterprise.name,
        ),
        body=stored(
            gettext_noop(
                "静默期 %(start)s 至 %(end)s，单间 %(room)s，每天检测 %(n)s 次；"
                "期满后本人及 %(contacts)s 名密接、次密接人员同步返岗。"
            ),
            start=period.starts_on.isoformat(),
            end=period.ends_on.isoformat(),
            room=room,
            n=period.tests_per_day,
            contacts=len(keys),
        ),
        url=_incident_url(incident),
    )
    return period


@transaction.atomic
def end_silent_period(period, *, actor, now=None) -> SilentPeriod:
    """INC-02: the silent period is over: every day has its tests, none positive; the person and
    the contacts named on it return to their posts."""
    period = SilentPeriod.objects.select_for_update().select_related("incident").get(pk=period.pk)
    now = _now(now)
    if (
        actor is not None
        and not SilentPeriod.objects.visible_to(actor, "change").filter(pk=period.pk).exists()
    ):
        raise PermissionDenied(_("您无权结束该静默期。"))
    if period.returned_at is not None:
        raise ValidationError(_("静默期已结束，人员已返岗。"))
    today = timezone.localdate(now)
    if today < period.ends_on:
        raise ValidationError(
            _("静默期至 %(end)s 结束，期满后方可返岗。") % {"end": period.ends_on.isoformat()}
        )
    days = queries.silent_period_days(period, now=now, closing=True)
    positive = [d.day.isoformat() for d in days if d.positive]
    if positive:
        raise ValidationError(
            _("静默期内 %(days)s 核酸检测阳性，不能返岗，请由属地疫情防控部门按流程处置。")
            % {"days": "、".join(positive)}
        )
    missing = [d.day.isoformat() for d in days if d.missing]
    if missing:
        raise ValidationError(
            _("静默期内 %(days)s 未查到规定次数的核酸检测结果，不能返岗。")
            % {"days": "、".join(missing)}
        )
    period.returned_at = now
    period.save(update_fields=["returned_at"])
    audit.record(
        "command.silent_period.end",
        actor=actor,
        obj=period,
        changes={
            "returned_at": [None, now.isoformat()],
            "returned": [None, 1 + len(period.contact_keys)],
        },
    )
    incident = period.incident
    notify(
        _parties(incident),
        stored(
            gettext_noop("应急处置：%(unit)s静默期结束，人员返岗"), unit=incident.enterprise.name
        ),
        body=stored(
            gettext_noop("静默期人员及 %(contacts)s 名密接、次密接人员同步返岗。"),
            contacts=len(period.contact_keys),
        ),
        url=_incident_url(incident),
    )
    return period


@transaction.atomic
def confirm_case(incident, *, actor, note="", now=None) -> Incident:
    """The retest (or a silent-period test) is positive: the local health office handles the case
    by its procedure (D2 三(七) "复核阳性的，由属地疫情防控部门按流程处置"). Health office only."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    now = _now(now)
    _check_health(actor, incident, _("确诊由属地卫健（疫情防控）部门认定。"))
    _check_change(actor, incident)
    if _unfinished(incident, (StepKind.RETEST,)):
        raise ValidationError(_("请先完成混检阳性单采复核。"))
    note = (note or "").strip()
    INCIDENT_WORKFLOW.apply(incident, "confirm", actor=actor, note=note)
    audit.record(
        "command.incident.confirm",
        actor=actor,
        obj=incident,
        changes={"status": [Status.OPEN, Status.CONFIRMED], "at": [None, now.isoformat()]},
        note=note[:200],
    )
    notify(
        _parties(incident),
        stored(gettext_noop("应急处置：%(unit)s复核阳性"), unit=incident.enterprise.name),
        body=stored(
            gettext_noop("复核阳性，由属地疫情防控部门按流程处置；密接、次密接人员立即转运。")
        ),
        url=_incident_url(incident),
    )
    return incident


@transaction.atomic
def resume_production(incident, *, actor, note="", now=None) -> Incident:
    """The affected zone resumes (D2 三(七) "消毒后复工复产"): after the retest's outcome and once
    every other step is done or explicitly not needed."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    now = _now(now)
    _check_change(actor, incident, _("您无权恢复该单位生产。"))
    if incident.status == Status.OPEN:
        raise ValidationError(_("复核结果未出（排除或确诊）前不能恢复生产。"))
    if not INCIDENT_WORKFLOW.find(incident.status, "resume"):
        raise ValidationError(_("事件已恢复生产。"))
    others = [s for s in incident.steps.all() if s.kind != StepKind.RESUME]
    missing = [s for s in others if s.done_at is None]
    if missing:
        raise ValidationError(
            _("以下环节尚未完成或标记为无需办理：%(steps)s。")
            % {"steps": "、".join(s.get_kind_display() for s in missing)}
        )
    note = (note or "").strip() or stored(gettext_noop("场所消杀后恢复生产。"))
    step = incident.steps.filter(kind=StepKind.RESUME).first()
    if step is not None:
        step.done_at = now
        step.done_by = actor if getattr(actor, "is_authenticated", False) else None
        step.note = note
        step.save(update_fields=["done_at", "done_by", "note"])
    incident.closed_at = now
    INCIDENT_WORKFLOW.apply(incident, "resume", actor=actor, note=note, extra_fields=["closed_at"])
    audit.record(
        "command.incident.resume",
        actor=actor,
        obj=incident,
        changes={"closed_at": [None, now.isoformat()]},
        note=note[:200],
    )
    notify(
        _parties(incident),
        stored(gettext_noop("应急处置：%(unit)s恢复生产"), unit=incident.enterprise.name),
        body=note,
        url=_incident_url(incident),
    )
    return incident
