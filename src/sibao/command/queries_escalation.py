"""Reads of the escalation area (CMD-03): which problems a user sees, a problem's history, what a
consultation discussed and the overdue flag of consultation tasks (a query, not a sweep)."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from sibao.accounts.access import allowing_grants, prefix_range
from sibao.accounts.roles import Role
from sibao.command.models import AgendaItem, Consultation, ConsultationTask, Problem
from sibao.regions.models import Department, Headquarters, Region

__all__ = [
    "ProblemEvent",
    "headquarters_choices",
    "history",
    "items_about",
    "overdue_q",
    "problems_for",
    "subject_url",
    "user_departments",
]


def problems_for(user, action: str = "view"):
    """The problems ``user`` may ``action``: those of the jurisdiction (held there now or raised
    there, ``visible_to``), plus, for the grants bound to one unit (a liaison cadre's), the
    problems about that unit and those the user raised: ``Problem`` carries no enterprise scope
    key, so an enterprise-bound grant would otherwise see none of them."""
    q = Q(pk__in=Problem.objects.visible_to(user, action).values("pk"))
    units = [
        g.enterprise_id
        for g in allowing_grants(user, Problem._meta.label_lower, action)
        if g.enterprise_id
    ]
    if units:
        q |= Q(enterprise_id__in=units) | Q(created_by=user)
    return Problem.objects.filter(q)


@dataclass
class ProblemEvent:
    at: object
    kind: str  # raised / escalated / resolved
    label: str
    actor: object
    note: str
    hq: object = None


def history(problem) -> list[ProblemEvent]:
    """The problem's path: raised at the origin HQ, each escalation, the resolution."""
    from django.utils.translation import gettext as _

    rows = list(problem.escalations.select_related("from_hq", "to_hq", "by"))
    first = rows[0].from_hq if rows else problem.headquarters
    events = [
        ProblemEvent(
            problem.created_at,
            "raised",
            _("提出，由%(hq)s协调") % {"hq": first},
            problem.created_by,
            problem.description,
            first,
        )
    ]
    for row in rows:
        events.append(
            ProblemEvent(
                row.at,
                "escalated",
                _("%(from)s提级至%(to)s") % {"from": row.from_hq, "to": row.to_hq},
                row.by,
                row.reason,
                row.to_hq,
            )
        )
    if problem.status == Problem.Status.RESOLVED:
        events.append(
            ProblemEvent(
                problem.resolved_at,
                "resolved",
                _("%(hq)s办结") % {"hq": problem.headquarters},
                None,
                problem.resolution,
                problem.headquarters,
            )
        )
    return events


def overdue_q(now=None) -> Q:
    """Open tasks past their due date (Asia/Shanghai calendar)."""
    today = timezone.localdate(now or timezone.now())
    return Q(status=ConsultationTask.Status.OPEN, due_on__lt=today)


def items_about(obj, user):
    """Agenda items (of consultations ``user`` sees) that discuss ``obj``."""
    return (
        AgendaItem.objects.filter(
            subject_type=ContentType.objects.get_for_model(obj),
            subject_id=str(obj.pk),
            consultation__in=Consultation.objects.visible_to(user),
        )
        .select_related("consultation__headquarters")
        .prefetch_related("tasks__department")
        .order_by("-consultation__held_at", "order")
    )


# subject model label -> (url name, attribute giving the url argument)
SUBJECT_PAGES = {
    "command.problem": ("command:problem_detail", "pk"),
    "command.incident": ("command:incident_detail", "pk"),
    "regions.region": ("regions:region_detail", "code"),
    "enterprises.enterprise": ("enterprises:enterprise_detail", "pk"),
    "command.earlywarning": ("command:warning_detail", "pk"),
}


def subject_url(item) -> str:
    """The page of what an agenda item discusses, when the platform has one."""
    if not item.subject_type_id:
        return ""
    label = f"{item.subject_type.app_label}.{item.subject_type.model}"
    page = SUBJECT_PAGES.get(label)
    if page is None:
        return ""
    name, attr = page
    try:
        return reverse(name, kwargs={attr: item.subject_id})
    except NoReverseMatch:
        return ""


def user_departments(user):
    """The departments ``user`` works for (department-staff grants)."""
    if user is None or not user.is_authenticated:
        return Department.objects.none()
    ids = [
        g.department_id
        for g in user.active_grants()
        if g.role == Role.DEPARTMENT_STAFF and g.department_id
    ]
    return Department.objects.filter(pk__in=ids).select_related("region")


def headquarters_choices(user, model, action: str):
    """HQs ``user`` acts for with ``action`` on ``model``: those of the regions the grants cover
    and of their ancestors (a problem may go to a higher HQ; a consultation is convened by an HQ
    in the jurisdiction)."""
    codes = set()
    for grant in allowing_grants(user, model._meta.label_lower, action):
        region = grant.region
        codes.add(region.code)
        codes.update(r.code for r in region.ancestors())
    return Headquarters.objects.filter(region_id__in=codes).select_related("region")


def convened_headquarters(user):
    """HQs within the jurisdiction of the user's grants allowing to convene a consultation."""
    q = Q(pk__in=[])
    for grant in allowing_grants(user, Consultation._meta.label_lower, "add"):
        if not grant.enterprise_id:
            q |= prefix_range("region__code", grant.region_id)
    return Headquarters.objects.filter(q).select_related("region").order_by("region_id")


def region_label(code: str) -> str:
    region = Region.objects.filter(code=code).first()
    return region.name if region else code
