"""Writes of the escalation area (CMD-03): problems beyond a level's authority raised to the HQ of
that level and escalated upward (county → city → province) keeping their history, and joint
consultations (联合会商) whose agenda items link to what they discuss and whose decisions create
tasks for departments.

``actor=None`` is the platform itself (commands, the demo seed, other areas' hooks) and skips the
permission check. Every action takes ``now=None`` (default ``timezone.now()``).

Who may do what (D1 二(三), 一(三)3; D2 三(一)):

- a problem is raised (``add``) by an HQ office, a department or a liaison cadre; it goes to the
  HQ of the raiser's own level (``报本级指挥部``) unless a higher HQ is named;
- only the HQ holding a problem escalates it (``escalate``, to the HQ of the parent region; the
  province is the top) or resolves it (``resolve``): a grant on exactly that HQ's region;
- a consultation is convened by an HQ (``add`` on consultations); its office keeps the agenda,
  the decisions and the minutes (``change``) and turns decisions into tasks for departments of its
  level and below (``add`` on tasks); the department (its own staff) or the HQ office completes a
  task (``change``). Overdue tasks are a query (``queries_escalation.overdue_q``), not a sweep.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import allowing_grants, can, covers
from sibao.accounts.models import RoleGrant, User
from sibao.accounts.roles import Role
from sibao.command import recipients
from sibao.command.models import AgendaItem, Consultation, ConsultationTask, Escalation, Problem
from sibao.core import audit
from sibao.core.i18n import stored as _stored
from sibao.core.notifications import notify
from sibao.core.workflow import Transition, Workflow
from sibao.enterprises.models import Enterprise
from sibao.regions.models import Headquarters, Region

__all__ = [
    "PROBLEM_WORKFLOW",
    "TASK_WORKFLOW",
    "add_agenda_item",
    "assign_task",
    "complete_task",
    "escalate",
    "escalation_target",
    "headquarters_for",
    "hold_consultation",
    "may_complete_task",
    "may_hold_problem",
    "raise_problem",
    "record_decision",
    "record_escalation_export",
    "resolve_problem",
    "save_minutes",
]

P = Problem.Status
T = ConsultationTask.Status
HQ_ROLES = frozenset({Role.HQ_OFFICE, Role.HQ_LEADER})

PROBLEM_WORKFLOW = Workflow(
    # moving up keeps the problem open: the Escalation rows carry the path
    Transition(P.OPEN, "escalate", P.OPEN, HQ_ROLES),
    Transition(P.OPEN, "resolve", P.RESOLVED, HQ_ROLES),
    labels=P,
)

TASK_WORKFLOW = Workflow(
    Transition(T.OPEN, "complete", T.DONE, frozenset({Role.DEPARTMENT_STAFF, Role.HQ_OFFICE})),
    labels=T,
)


def _now(now):
    return now or timezone.now()


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _unique(*groups) -> list:
    seen = {}
    for group in groups:
        for user in group:
            if user is not None:
                seen.setdefault(user.pk, user)
    return [seen[pk] for pk in sorted(seen)]


def _text(value) -> str:
    return (value or "").strip()


def _url(name, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # pragma: no cover - the area's pages are always installed
        return ""


# --- recipients ---


def _hq_office(hq) -> list:
    """The office users of one HQ: HQ office grants on exactly its region."""
    return recipients.region_officials(hq.region_id, [Role.HQ_OFFICE], levels=[hq.region.level])


def _department_staff(department) -> list:
    """The staff of one department (department-staff grants naming it)."""
    ids = RoleGrant.objects.filter(
        role=Role.DEPARTMENT_STAFF,
        department=department,
        is_active=True,
        user__is_active=True,
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


# --- headquarters ---


def headquarters_for(region_code: str):
    """The HQ serving ``region_code``: its own, else its nearest ancestor's (a functional zone has
    none of its own: its city's serves it). None when no HQ exists on the way up."""
    codes = recipients.covering_codes(region_code)
    found = {hq.region_id: hq for hq in Headquarters.objects.filter(region_id__in=codes)}
    for code in reversed(codes):
        if code in found:
            return found[code]
    return None


def escalation_target(problem):
    """The HQ a problem goes to when escalated: the parent region's (the nearest HQ above); None
    at the province."""
    region = Region.objects.get(code=problem.headquarters.region_id)
    if region.parent_id is None:
        return None
    return headquarters_for(region.parent_id)


def _check_source(actor, obj, field) -> None:
    """A linked record must be one the actor may read (when its model is scoped)."""
    if actor is None or obj is None:
        return
    manager = type(obj)._default_manager
    if hasattr(manager, "visible_to") and hasattr(type(obj), "scope"):
        if not manager.visible_to(actor, "view").filter(pk=obj.pk).exists():
            raise ValidationError({field: _("所关联的记录不在您的管辖范围内。")})


def _link(obj):
    """(content type, id, label) of a linked record."""
    if obj is None:
        return None, "", ""
    return ContentType.objects.get_for_model(obj), str(obj.pk), str(obj)[:200]


# --- problems ---


def _raiser_region(actor, enterprise) -> str:
    """The raiser's own level: the narrowest grant allowing ``add`` that reaches the unit (an
    enterprise-bound grant, a liaison cadre's, reaches only its own unit)."""
    grants = allowing_grants(actor, Problem._meta.label_lower, "add")
    if not grants:
        raise PermissionDenied(_("只有指挥部办公室、行业主管部门或包保干部可以提出协调事项。"))
    reaching = []
    for grant in grants:
        if grant.enterprise_id:
            if enterprise is not None and grant.enterprise_id == enterprise.pk:
                reaching.append(grant)
        elif enterprise is None or enterprise.region_id.startswith(grant.region_id):
            reaching.append(grant)
    if not reaching:
        if enterprise is None:
            raise ValidationError({"enterprise": _("包保干部提出协调事项时，请选择所包保的单位。")})
        raise PermissionDenied(_("该单位不在您的管辖或包保范围内。"))
    return max(reaching, key=lambda g: len(g.region_id)).region_id


@transaction.atomic
def raise_problem(
    *,
    actor,
    title,
    description,
    enterprise=None,
    source=None,
    headquarters=None,
    now=None,
) -> Problem:
    """CMD-03: a problem beyond the raiser's authority, held by the HQ of the raiser's level (or
    the higher HQ named in ``headquarters``). ``source``: the record it came from (a demand, an
    incident, an alert …); its unit becomes the problem's unit when none is given."""
    now = _now(now)
    title, description = _text(title), _text(description)
    if enterprise is None and isinstance(getattr(source, "enterprise", None), Enterprise):
        enterprise = source.enterprise
    errors = {}
    if not title:
        errors["title"] = _("请填写需要协调的问题。")
    if not description:
        errors["description"] = _("请说明问题的情况和已做的工作。")
    if errors:
        raise ValidationError(errors)
    if actor is not None:
        origin = _raiser_region(actor, enterprise)
        if enterprise is not None:
            _check_source(actor, enterprise, "enterprise")
        _check_source(actor, source, "source")
    elif headquarters is not None:
        origin = headquarters.region_id
    elif enterprise is not None:
        origin = enterprise.region_id
    else:
        raise ValidationError({"headquarters": _("请指定协调指挥部。")})
    if headquarters is None:
        headquarters = headquarters_for(origin)
        if headquarters is None:
            raise ValidationError({"headquarters": _("本级及上级尚未设立指挥部。")})
    elif headquarters.region_id not in recipients.covering_codes(origin):
        raise ValidationError({"headquarters": _("协调事项只能报本级或上级指挥部。")})
    source_type, source_id, source_label = _link(source)
    problem = Problem.objects.create(
        title=title,
        description=description,
        enterprise=enterprise,
        source_type=source_type,
        source_id=source_id,
        source_label=source_label,
        headquarters=headquarters,
        origin_region_code=origin,
        region_code=headquarters.region_id,
        created_by=_user(actor),
    )
    Problem.objects.filter(pk=problem.pk).update(created_at=now)
    problem.created_at = now
    audit.record(
        "problem.raise",
        actor=actor,
        obj=problem,
        changes=audit.snapshot(
            problem, ["title", "enterprise", "headquarters", "origin_region_code", "source_label"]
        ),
    )
    notify(
        _hq_office(headquarters),
        _stored("新的协调事项：%(title)s", title=title),
        body=description[:500],
        url=_url("command:problem_detail", problem.pk),
    )
    return problem


def _lock_problem(problem) -> Problem:
    return (
        Problem.objects.select_for_update(of=("self",))
        .select_related("headquarters__region", "enterprise")
        .get(pk=problem.pk)
    )


def may_hold_problem(actor, problem, action: str) -> bool:
    """Whether ``actor`` acts for the HQ holding ``problem`` (a grant on exactly its region
    allowing ``action``): escalating and resolving belong to that HQ only."""
    if actor is None:
        return True
    return any(
        not g.enterprise_id and g.region_id == problem.region_code
        for g in allowing_grants(actor, Problem._meta.label_lower, action)
    )


@transaction.atomic
def escalate(problem, *, actor, reason, now=None) -> Escalation:
    """CMD-03: the holding HQ passes the problem to the parent region's HQ with a reason; the
    province is the top (refused there). The origin keeps seeing it; the history keeps the path."""
    now = _now(now)
    problem = _lock_problem(problem)
    if not may_hold_problem(actor, problem, "escalate"):
        raise PermissionDenied(_("只有当前协调该事项的指挥部可以提级。"))
    reason = _text(reason)
    if problem.status != P.OPEN:
        raise ValidationError(_("该事项已解决，不能再提级。"))
    if not reason:
        raise ValidationError({"reason": _("请说明超出本级协调范围、需要上级协调的理由。")})
    target = escalation_target(problem)
    if target is None:
        if problem.headquarters.region.parent_id is None:
            raise ValidationError(
                _("省指挥部为最高一级，不能再提级；重大问题请按程序报省委、省政府。")
            )
        raise ValidationError(_("上级尚未设立指挥部，无法提级。"))
    source = problem.headquarters
    escalation = Escalation.objects.create(
        problem=problem, from_hq=source, to_hq=target, reason=reason, at=now, by=_user(actor)
    )
    problem.headquarters = target
    problem.region_code = target.region_id
    PROBLEM_WORKFLOW.apply(
        problem,
        "escalate",
        actor=actor,
        note=f"{source} → {target}：{reason}",
        extra_fields=["headquarters", "region_code"],
    )
    audit.record(
        "problem.escalate",
        actor=actor,
        obj=problem,
        changes={"headquarters": [source.pk, target.pk], "reason": reason},
    )
    notify(
        _unique(_hq_office(target), [problem.created_by]),
        _stored(
            "协调事项提级：%(title)s（%(from)s 报请协调）", title=problem.title, **{"from": source}
        ),
        body=reason[:500],
        url=_url("command:problem_detail", problem.pk),
    )
    return escalation


@transaction.atomic
def resolve_problem(problem, *, actor, resolution, now=None) -> Problem:
    """CMD-03: the holding HQ records how the problem was solved; the raiser and every HQ it
    passed through are told."""
    now = _now(now)
    problem = _lock_problem(problem)
    if not may_hold_problem(actor, problem, "resolve"):
        raise PermissionDenied(_("只有当前协调该事项的指挥部可以办结。"))
    resolution = _text(resolution)
    if problem.status != P.OPEN:
        raise ValidationError(_("该事项已解决。"))
    if not resolution:
        raise ValidationError({"resolution": _("请填写解决情况。")})
    problem.resolution = resolution
    problem.resolved_at = now
    PROBLEM_WORKFLOW.apply(
        problem, "resolve", actor=actor, note=resolution, extra_fields=["resolution", "resolved_at"]
    )
    audit.record("problem.resolve", actor=actor, obj=problem, changes={"resolution": resolution})
    hqs = {problem.headquarters_id: problem.headquarters}
    for row in problem.escalations.select_related("from_hq__region"):
        hqs.setdefault(row.from_hq_id, row.from_hq)
    notify(
        _unique([problem.created_by], *(_hq_office(hq) for hq in hqs.values())),
        _stored("协调事项已解决：%(title)s", title=problem.title),
        body=resolution[:500],
        url=_url("command:problem_detail", problem.pk),
    )
    return problem


# --- consultations ---


def _in_subtree(code: str, root: str) -> bool:
    return code.startswith(root)


def _check_consultation(actor, consultation, action="change") -> None:
    if actor is None:
        return
    if not can(actor, Consultation, action, obj=consultation):
        raise PermissionDenied(_("只有召集会商的指挥部办公室可以记录议题、决定和纪要。"))


@transaction.atomic
def hold_consultation(
    *,
    actor,
    title,
    headquarters,
    held_at,
    participants=(),
    other_participants="",
    minutes="",
    now=None,
) -> Consultation:
    """CMD-03: a joint consultation (联合会商) convened by ``headquarters`` with the departments
    taking part (of its level, below or above) and other participants (units, experts …)."""
    title, other_participants = _text(title), _text(other_participants)
    if actor is not None and not covers(
        actor, Consultation, "add", region_code=headquarters.region_id
    ):
        raise PermissionDenied(_("只有该指挥部可以召集联合会商。"))
    participants = list(participants or [])
    errors = {}
    if not title:
        errors["title"] = _("请填写会商主题。")
    if held_at is None:
        errors["held_at"] = _("请填写会商时间。")
    if not participants and not other_participants:
        errors["participants"] = _("请至少选择一个参会部门或填写其他参会单位。")
    above = recipients.covering_codes(headquarters.region_id)
    strangers = [
        d.name
        for d in participants
        if not (_in_subtree(d.region_id, headquarters.region_id) or d.region_id in above)
    ]
    if strangers:
        errors["participants"] = _("参会部门不在本级、上级或下级：%(names)s") % {
            "names": "、".join(strangers)
        }
    if errors:
        raise ValidationError(errors)
    consultation = Consultation.objects.create(
        title=title,
        headquarters=headquarters,
        held_at=held_at,
        other_participants=other_participants,
        minutes=_text(minutes),
        created_by=_user(actor),
        region_code=headquarters.region_id,
    )
    consultation.participants.set(participants)
    audit.record(
        "consultation.hold",
        actor=actor,
        obj=consultation,
        changes={
            "title": title,
            "headquarters": headquarters.pk,
            "held_at": held_at.isoformat(),
            "participants": [d.pk for d in participants],
            "other_participants": other_participants,
        },
    )
    notify(
        _unique(*(_department_staff(d) for d in participants)),
        _stored(
            "联合会商通知：%(title)s（%(hq)s，%(when)s）",
            title=title,
            hq=headquarters,
            when=timezone.localtime(held_at).strftime("%Y-%m-%d %H:%M"),
        ),
        url=_url("command:consultation_detail", consultation.pk),
    )
    return consultation


@transaction.atomic
def save_minutes(consultation, *, actor, minutes, now=None) -> Consultation:
    """CMD-03: the consultation's minutes (会商纪要)."""
    _check_consultation(actor, consultation)
    minutes = _text(minutes)
    if not minutes:
        raise ValidationError({"minutes": _("请填写会商纪要。")})
    before = audit.snapshot(consultation, ["minutes"])
    consultation.minutes = minutes
    consultation.save(update_fields=["minutes"])
    audit.record(
        "consultation.minutes",
        actor=actor,
        obj=consultation,
        changes=audit.diff(before, audit.snapshot(consultation, ["minutes"])),
    )
    return consultation


def _check_subject(actor, consultation, subject) -> None:
    if subject is None:
        return
    if isinstance(subject, Region):
        root = consultation.region_code
        if not (subject.code.startswith(root) or root.startswith(subject.code)):
            raise ValidationError({"subject": _("议题涉及的区划不在召集指挥部的辖区内。")})
        return
    if actor is not None:
        manager = type(subject)._default_manager
        if hasattr(manager, "visible_to") and hasattr(type(subject), "scope"):
            if not manager.visible_to(actor, "view").filter(pk=subject.pk).exists():
                raise ValidationError({"subject": _("议题对象不在您的管辖范围内。")})


@transaction.atomic
def add_agenda_item(consultation, *, actor, title, subject=None, decision="", now=None):
    """CMD-03: an agenda item (议题), linked to what it discusses (a problem, an incident, a
    region, a demand … any record), with its decision when already taken."""
    _check_consultation(actor, consultation)
    title = _text(title) or (str(subject)[:200] if subject is not None else "")
    if not title:
        raise ValidationError({"title": _("请填写议题。")})
    _check_subject(actor, consultation, subject)
    subject_type, subject_id, subject_label = _link(subject)
    last = consultation.items.aggregate(m=Max("order"))["m"]
    item = AgendaItem.objects.create(
        consultation=consultation,
        title=title,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=subject_label,
        decision=_text(decision),
        order=(last or 0) + 1,
    )
    audit.record(
        "consultation.agenda_add",
        actor=actor,
        obj=consultation,
        changes={"item": item.pk, "title": title, "subject": subject_label},
    )
    return item


@transaction.atomic
def record_decision(item, *, actor, decision, now=None) -> AgendaItem:
    """CMD-03: the consultation's decision on one agenda item."""
    consultation = item.consultation
    _check_consultation(actor, consultation)
    decision = _text(decision)
    if not decision:
        raise ValidationError({"decision": _("请填写会商决定。")})
    before = audit.snapshot(item, ["decision"])
    item.decision = decision
    item.save(update_fields=["decision"])
    audit.record(
        "consultation.decision",
        actor=actor,
        obj=consultation,
        changes={"item": item.pk, **audit.diff(before, audit.snapshot(item, ["decision"]))},
    )
    return item


@transaction.atomic
def assign_task(item, *, actor, department, task, due_on, now=None) -> ConsultationTask:
    """CMD-03: a decision becomes a task for a department of the convening HQ's level or below,
    with a due date; the department's staff are told."""
    now = _now(now)
    consultation = item.consultation
    if actor is not None and not covers(
        actor, ConsultationTask, "add", region_code=consultation.region_code
    ):
        raise PermissionDenied(_("只有召集会商的指挥部办公室可以交办任务。"))
    _check_consultation(actor, consultation)
    task = _text(task)
    errors = {}
    if not item.decision:
        errors["__all__"] = _("请先记录该议题的会商决定，再交办任务。")
    if department is None:
        errors["department"] = _("请选择承办部门。")
    elif not _in_subtree(department.region_id, consultation.region_code):
        errors["department"] = _("只能向召集指挥部本级及下级部门交办任务。")
    if not task:
        errors["task"] = _("请填写任务内容。")
    if due_on is None:
        errors["due_on"] = _("请填写完成时限。")
    elif due_on < timezone.localdate(now):
        errors["due_on"] = _("完成时限不能早于今天。")
    if errors:
        raise ValidationError(errors)
    row = ConsultationTask.objects.create(
        item=item,
        department=department,
        task=task,
        due_on=due_on,
        region_code=department.region_id,
    )
    audit.record(
        "consultation.task_assign",
        actor=actor,
        obj=row,
        changes={
            "consultation": consultation.pk,
            "item": item.pk,
            "department": department.pk,
            "task": task,
            "due_on": due_on.isoformat(),
        },
    )
    notify(
        _department_staff(department),
        _stored(
            "会商交办任务：%(task)s（%(due)s 前完成）",
            task=task[:80],
            due=due_on.strftime("%Y-%m-%d"),
        ),
        body=_stored(
            "%(hq)s联合会商“%(title)s”决定：%(decision)s",
            hq=consultation.headquarters,
            title=consultation.title,
            decision=item.decision[:300],
        ),
        url=_url("command:consultation_task_list") + "?mine=1",
    )
    return row


def may_complete_task(actor, task) -> bool:
    """The department's own staff (a grant naming it), or the convening HQ's office."""
    if actor is None:
        return True
    convened = task.item.consultation.region_code
    for grant in allowing_grants(actor, ConsultationTask._meta.label_lower, "change"):
        if grant.enterprise_id:
            continue
        if grant.department_id:
            if grant.department_id == task.department_id:
                return True
        elif convened.startswith(grant.region_id):
            return True
    return False


@transaction.atomic
def complete_task(task, *, actor, outcome, now=None) -> ConsultationTask:
    """CMD-03: the department reports the task done with its outcome; the convening HQ's office
    is told."""
    now = _now(now)
    task = (
        ConsultationTask.objects.select_for_update(of=("self",))
        .select_related("item__consultation__headquarters__region", "department")
        .get(pk=task.pk)
    )
    if not may_complete_task(actor, task):
        raise PermissionDenied(_("只有承办部门或召集会商的指挥部办公室可以办结该任务。"))
    outcome = _text(outcome)
    if task.status != T.OPEN:
        raise ValidationError(_("该任务已办结。"))
    if not outcome:
        raise ValidationError({"outcome": _("请填写办理结果。")})
    task.outcome = outcome
    task.done_at = now
    TASK_WORKFLOW.apply(
        task, "complete", actor=actor, note=outcome, extra_fields=["outcome", "done_at"]
    )
    audit.record("consultation.task_complete", actor=actor, obj=task, changes={"outcome": outcome})
    consultation = task.item.consultation
    notify(
        _hq_office(consultation.headquarters),
        _stored(
            "会商任务已办结：%(department)s · %(task)s",
            department=task.department,
            task=task.task[:80],
        ),
        body=outcome[:500],
        url=_url("command:consultation_detail", consultation.pk),
    )
    return task


def record_escalation_export(*, actor, what: str, rows: int, filters: str = "") -> None:
    """An export of problems, consultations or tasks is audited (who took which list)."""
    audit.record(
        f"escalation.export.{what}",
        actor=actor,
        changes={"rows": rows, "filters": filters},
        region_code="",
    )
