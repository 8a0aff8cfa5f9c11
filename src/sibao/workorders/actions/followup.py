"""Writes of the follow-up area (DEM-05): the office reviews a reply or sends it back for rework,
visits the enterprise (回访), closes the order (销号); the enterprise confirms the outcome —
resolution and satisfaction kept apart — and may appeal a closure within the window, which the
office decides (reopen or dismiss).

Who may do what (``accounts.roles``): the office (``hq_office``) of the order's level — or above —
"review"s (review, rework, close) and "visit"s; the unit's liaison cadre also "visit"s; an
unsatisfied or unresolved closure needs a reviewer holding "decide" who approves the reason; the
enterprise's admin or cadre "rate"s the demand and "add"s appeals; the office "decide"s them.

Every state change goes through ``actions.base.transition``; ``actor=None`` is the platform
(permission checks skipped); every action takes ``now=None``."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import can, covers
from sibao.accounts.models import RoleGrant, User
from sibao.accounts.roles import Role
from sibao.core import audit
from sibao.core import rules as rule_catalogue
from sibao.core.notifications import notify
from sibao.regions.models import Region
from sibao.workorders import clocks
from sibao.workorders.access import is_office_of
from sibao.workorders.actions.base import now_or, stored, transition
from sibao.workorders.actions.orders import recompute_due
from sibao.workorders.models import (
    Appeal,
    Demand,
    DemandStatus,
    OrderRole,
    OrderStatus,
    Resolution,
    Satisfaction,
    Visit,
    WorkOrder,
)

__all__ = [
    "appeal",
    "appeal_deadline",
    "close_order",
    "decide_appeal",
    "lead_order",
    "may_rate",
    "may_visit",
    "needs_approval",
    "rate_demand",
    "record_visit",
    "review",
    "rework",
    "visit_deadline",
]

S = OrderStatus
# the lead order has an answer: the enterprise may confirm the outcome
RATEABLE = (S.REPLIED, S.REVIEWED, S.VISITED, S.CLOSED)


# --- look-ups shared by the pages ---


def lead_order(demand):
    """The demand's current lead order (主办): the newest one not returned or escalated away."""
    return (
        demand.orders.filter(role=OrderRole.LEAD)
        .exclude(status__in=(S.RETURNED, S.ESCALATED))
        .order_by("-dispatched_at", "-id")
        .first()
    )


def needs_approval(demand) -> bool:
    """An unsatisfied or unresolved verdict: closing needs a reviewer's approved reason."""
    return (
        demand.satisfaction == Satisfaction.UNSATISFIED
        or demand.resolution == Resolution.UNRESOLVED
    )


def appeal_deadline(demand):
    """The last moment the enterprise may appeal the closure (calendar days after it)."""
    if demand.closed_at is None:
        return None
    days = rule_catalogue.current()["demand_appeal_days"]
    return demand.closed_at + datetime.timedelta(days=days)


def visit_deadline(order):
    """When the follow-up visit is due: ``workorder_visit_days`` working days after review."""
    start = order.reviewed_at or order.replied_at
    if start is None:
        return None
    calendar = clocks.WorkCalendar.from_rules()
    days = rule_catalogue.current()["workorder_visit_days"]
    return calendar.add(start, days * calendar.minutes_per_day)


def may_visit(actor, order) -> bool:
    """The office of the order's level (or above) or a liaison cadre of the order's unit."""
    if actor is None:
        return True
    if is_office_of(actor, order.region_code, "visit"):
        return True
    return any(
        g.role == Role.LIAISON_CADRE and g.enterprise_id == order.enterprise_id
        for g in actor.active_grants()
    ) and can(actor, WorkOrder, "visit", obj=order)


def may_rate(actor, demand) -> bool:
    return actor is None or can(actor, Demand, "rate", obj=demand)


# --- recipients ---


def _users(grants) -> list:
    ids = grants.filter(is_active=True, user__is_active=True).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def _office(region_code: str) -> list:
    """The HQ office users of exactly ``region_code``'s level."""
    return _users(
        RoleGrant.objects.filter(
            role=Role.HQ_OFFICE, region_id=region_code, enterprise__isnull=True
        )
    )


def _next_office(region_code: str) -> list:
    parent = Region.objects.filter(code=region_code).values_list("parent_id", flat=True).first()
    return _office(parent) if parent else []


def _enterprise_side(enterprise) -> list:
    return _users(
        RoleGrant.objects.filter(
            role__in=[Role.ENTERPRISE_ADMIN, Role.LIAISON_CADRE], enterprise=enterprise
        )
    )


def _handlers(order) -> list:
    return _users(RoleGrant.objects.filter(role=Role.DEPARTMENT_STAFF, department=order.department))


def _demand_url(demand) -> str:
    return reverse("workorders:demand_detail", args=[demand.pk])


def _order_url(order) -> str:
    return reverse("workorders:order_detail", args=[order.pk])


# --- checks ---


def _text(value) -> str:
    return (value or "").strip()


def _require_office(actor, order, action: str, message: str) -> None:
    if actor is not None and not is_office_of(actor, order.region_code, action):
        raise PermissionDenied(message)


def _choice(value, choices, field: str, message: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: message})
    return value


def _lock(model, obj):
    return model.objects.select_for_update().get(pk=obj.pk)


# --- office: review, rework ---


def review(order, *, actor, note="", version=None, now=None) -> WorkOrder:
    """The office accepts the reply (replied → reviewed); the enterprise is asked to confirm."""
    now = now_or(now)
    _require_office(actor, order, "review", _("只有本级指挥部办公室可以审核答复。"))
    note = _text(note)
    order = transition(
        order,
        "review",
        actor=actor,
        version=version,
        note=note,
        now=now,
        fields={"reviewed_at": now, "review_note": note},
    )
    if order.role == OrderRole.LEAD:
        demand = order.demand
        notify(
            _enterprise_side(order.enterprise),
            stored("诉求已办理答复，请确认办理结果：%(title)s", title=demand.title),
            body=order.answer[:500],
            url=_demand_url(demand),
        )
    return order


def rework(order, *, actor, reason, version=None, now=None) -> WorkOrder:
    """The office sends the reply back (重办). The time the reply spent with the office does not
    count against the unit (added to ``paused_minutes``); past ``workorder_rework_max`` reworks
    the order is put under supervision and the next level's office is told."""
    now = now_or(now)
    _require_office(actor, order, "review", _("只有本级指挥部办公室可以退回重办。"))
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": _("请填写重办理由。")})
    limit = rule_catalogue.current()["workorder_rework_max"]
    with transaction.atomic():
        locked = _lock(WorkOrder, order)
        waited = 0
        if locked.replied_at is not None:
            waited = clocks.WorkCalendar.from_rules().between(locked.replied_at, now)
        count = locked.rework_count + 1
        supervised = locked.supervised or count > limit
        order = transition(
            locked,
            "rework",
            actor=actor,
            version=version,
            note=reason,
            now=now,
            fields={
                "paused_minutes": locked.paused_minutes + waited,
                "rework_count": count,
                "supervised": supervised,
            },
        )
        recompute_due(order)
        order.refresh_from_db()
    notify(
        _handlers(order),
        stored("工单退回重办：%(number)s", number=order.number),
        body=reason[:500],
        url=_order_url(order),
    )
    if count > limit:
        notify(
            _next_office(order.region_code),
            stored(
                "工单重办超过%(limit)s次，转重点督办：%(number)s", limit=limit, number=order.number
            ),
            body=reason[:500],
            url=_order_url(order),
        )
    return order


# --- visits ---


def record_visit(order, *, actor, method, resolution, satisfaction, note="", now=None) -> Visit:
    """A follow-up visit (reviewed → visited) recording what the enterprise said, resolution and
    satisfaction apart; for the lead order it becomes the demand's rating unless the enterprise
    has confirmed the outcome itself."""
    now = now_or(now)
    if not may_visit(actor, order):
        raise PermissionDenied(_("只有本级指挥部办公室或该单位的包保干部可以回访。"))
    _choice(method, Visit.Method, "method", _("请选择回访方式。"))
    _choice(resolution, Resolution, "resolution", _("请选择解决情况。"))
    _choice(satisfaction, Satisfaction, "satisfaction", _("请选择满意度。"))
    note = _text(note)
    with transaction.atomic():
        order = transition(order, "visit", actor=actor, note=note, now=now)
        visit = Visit.objects.create(
            order=order,
            method=method,
            resolution=resolution,
            satisfaction=satisfaction,
            note=note,
            at=now,
            by=actor if actor is not None and actor.is_authenticated else None,
            region_code=order.origin_region_code,
        )
        audit.record(
            "visit.add",
            actor=actor,
            obj=visit,
            changes=audit.snapshot(visit, ["method", "resolution", "satisfaction", "note"]),
        )
        if order.role == OrderRole.LEAD:
            Demand.objects.filter(pk=order.demand_id, rated_at__isnull=True).update(
                resolution=resolution, satisfaction=satisfaction, version=F("version") + 1
            )
    return visit


# --- the enterprise's verdict ---


def rate_demand(demand, *, actor, resolution, satisfaction, feedback="", now=None) -> Demand:
    """The enterprise confirms the outcome (resolution yes / partly / no, satisfaction apart) once
    the lead order has been answered; after closure only if it has not rated yet."""
    now = now_or(now)
    if not may_rate(actor, demand):
        raise PermissionDenied(_("只有提出诉求的企业或其包保干部可以评价。"))
    _choice(resolution, Resolution, "resolution", _("请选择解决情况。"))
    _choice(satisfaction, Satisfaction, "satisfaction", _("请选择满意度。"))
    feedback = _text(feedback)
    with transaction.atomic():
        demand = _lock(Demand, demand)
        lead = lead_order(demand)
        if lead is None or lead.status not in RATEABLE:
            raise ValidationError(_("承办单位答复后才能评价办理结果。"))
        if demand.status == DemandStatus.CLOSED and demand.rated_at is not None:
            raise ValidationError(_("该诉求已销号，评价不能再修改；如有异议请申诉。"))
        demand.resolution, demand.satisfaction = resolution, satisfaction
        demand.feedback, demand.rated_at = feedback, now
        demand.version = F("version") + 1
        demand.save(update_fields=["resolution", "satisfaction", "feedback", "rated_at", "version"])
        demand.refresh_from_db()
        # the whole verdict with its time: the history reads every rating from here, also those
        # a reopening cleared from the demand
        audit.record(
            "demand.rate",
            actor=actor,
            obj=demand,
            changes={
                "resolution": resolution,
                "satisfaction": satisfaction,
                "feedback": feedback,
                "rated_at": now.isoformat(),
            },
        )
    notify(
        _office(lead.region_code),
        stored(
            "企业已评价：%(title)s（%(resolution)s，%(satisfaction)s）",
            title=demand.title,
            resolution=demand.get_resolution_display(),
            satisfaction=demand.get_satisfaction_display(),
        ),
        body=feedback[:500],
        url=_demand_url(demand),
    )
    return demand


# --- closing (销号) ---


def _check_assists_ended(order) -> None:
    open_assists = order.demand.orders.filter(role=OrderRole.ASSIST).exclude(
        status__in=(S.CLOSED, S.RETURNED, S.ESCALATED)
    )
    if open_assists.exists():
        raise ValidationError(_("尚有协办工单未办结，请先办结协办工单。"))


def _approval(actor, order, demand, reason: str) -> dict:
    """The fields recording a reviewer's approved reason for an unsatisfied closure."""
    if not needs_approval(demand):
        return {}
    if not reason:
        raise ValidationError(
            {"unsatisfied_reason": _("企业评价为不满意或未解决，销号须填写理由并经审核同意。")}
        )
    if actor is not None and not is_office_of(actor, order.region_code, "decide"):
        raise PermissionDenied(_("不满意销号须由有审批权限的审核人同意。"))
    approver = actor if actor is not None and actor.is_authenticated else None
    return {"unsatisfied_reason": reason, "unsatisfied_approved_by": approver}


def close_order(order, *, actor, unsatisfied_reason="", version=None, now=None) -> WorkOrder:
    """Close (办结) an order: the lead order after the visit, which closes the demand (销号); a
    co-handling order after its reply was reviewed. An unsatisfied or unresolved verdict needs
    ``unsatisfied_reason`` approved by an actor holding "decide"."""
    now = now_or(now)
    _require_office(actor, order, "review", _("只有本级指挥部办公室可以办结工单。"))
    reason = _text(unsatisfied_reason)
    is_lead = order.role == OrderRole.LEAD
    with transaction.atomic():
        if not is_lead:
            return transition(
                order,
                "close_assist",
                actor=actor,
                version=version,
                now=now,
                fields={"closed_at": now},
            )
        demand = _lock(Demand, order.demand)
        _check_assists_ended(order)
        approval = _approval(actor, order, demand, reason)
        order = transition(
            order,
            "close",
            actor=actor,
            version=version,
            note=reason,
            now=now,
            fields={"closed_at": now},
        )
        demand = transition(
            demand,
            "close",
            actor=actor,
            note=reason,
            now=now,
            fields={"closed_at": now, **approval},
        )
    deadline = appeal_deadline(demand)
    notify(
        _enterprise_side(demand.enterprise),
        stored("诉求已办结销号：%(title)s", title=demand.title),
        body=stored(
            "如对办理结果有异议，可在 %(deadline)s 前申诉。",
            deadline=timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
        ),
        url=_demand_url(demand),
    )
    return order


# --- appeals ---


def appeal(demand, *, actor, reason, now=None) -> Appeal:
    """The enterprise contests a closure within ``demand_appeal_days``; one pending at a time."""
    now = now_or(now)
    if actor is not None and not covers(
        actor, Appeal, "add", region_code=demand.region_code, enterprise_id=demand.enterprise_id
    ):
        raise PermissionDenied(_("只有提出诉求的企业或其包保干部可以申诉。"))
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": _("请填写申诉理由。")})
    with transaction.atomic():
        demand = _lock(Demand, demand)
        if demand.status != DemandStatus.CLOSED:
            raise ValidationError(_("只能对已销号的诉求申诉。"))
        if now > appeal_deadline(demand):
            raise ValidationError(
                _("已超过申诉期限（销号后%(days)s天内）。")
                % {"days": rule_catalogue.current()["demand_appeal_days"]}
            )
        if demand.appeals.filter(outcome=Appeal.Outcome.PENDING).exists():
            raise ValidationError(_("已有一项申诉正在处理，请等待处理结果。"))
        row = Appeal.objects.create(
            demand=demand,
            reason=reason,
            at=now,
            by=actor if actor is not None and actor.is_authenticated else None,
            region_code=demand.region_code,
        )
        audit.record("appeal.add", actor=actor, obj=row, changes={"reason": reason})
    lead = lead_order(demand)
    notify(
        _office(lead.region_code if lead else demand.region_code),
        stored("企业对销号提出申诉：%(title)s", title=demand.title),
        body=reason[:500],
        url=_demand_url(demand),
    )
    return row


def _reopen(demand, lead, *, actor, note, now) -> None:
    """Demand and lead order back to handling; the closed period is paused time of the clock;
    the old verdict is cleared so the next closure is judged afresh (the audit keeps it)."""
    closed_for = 0
    if lead.closed_at is not None:
        closed_for = clocks.WorkCalendar.from_rules().between(lead.closed_at, now)
    transition(
        demand,
        "reopen",
        actor=actor,
        note=note,
        now=now,
        fields={
            "closed_at": None,
            "reopen_count": demand.reopen_count + 1,
            "resolution": "",
            "satisfaction": "",
            "feedback": "",
            "rated_at": None,
            "unsatisfied_reason": "",
            "unsatisfied_approved_by": None,
        },
    )
    lead = transition(
        lead,
        "reopen",
        actor=actor,
        note=note,
        now=now,
        fields={"closed_at": None, "paused_minutes": lead.paused_minutes + closed_for},
    )
    recompute_due(lead)


def decide_appeal(appeal, *, actor, reopen: bool, note="", now=None) -> Appeal:
    """The office decides an appeal: reopen (demand and lead order back to handling) or dismiss
    with a note."""
    now = now_or(now)
    note = _text(note)
    demand = appeal.demand
    lead = lead_order(demand)
    if actor is not None and (
        lead is None
        or not is_office_of(actor, lead.region_code, "decide")
        or not can(actor, Appeal, "decide", obj=appeal)
    ):
        raise PermissionDenied(_("只有本级指挥部办公室可以处理申诉。"))
    if not reopen and not note:
        raise ValidationError({"note": _("维持办结须填写处理意见。")})
    with transaction.atomic():
        appeal = _lock(Appeal, appeal)
        if appeal.outcome != Appeal.Outcome.PENDING:
            raise ValidationError(_("该申诉已处理。"))
        if reopen:
            _reopen(
                _lock(Demand, demand),
                _lock(WorkOrder, lead),
                actor=actor,
                note=note or appeal.reason,
                now=now,
            )
        appeal.outcome = Appeal.Outcome.REOPENED if reopen else Appeal.Outcome.DISMISSED
        appeal.decided_at, appeal.decision_note = now, note
        appeal.decided_by = actor if actor is not None and actor.is_authenticated else None
        appeal.save(update_fields=["outcome", "decided_at", "decided_by", "decision_note"])
        audit.record(
            "appeal.decide",
            actor=actor,
            obj=appeal,
            changes={"outcome": appeal.outcome, "note": note},
        )
    _notify_decision(appeal, demand, lead, reopen)
    return appeal


def _notify_decision(appeal, demand, lead, reopen: bool) -> None:
    if reopen:
        title = stored("申诉已受理，诉求重新办理：%(title)s", title=demand.title)
        notify(_handlers(lead), title, body=appeal.reason[:500], url=_order_url(lead))
    else:
        title = stored("申诉处理结果：维持办结（%(title)s）", title=demand.title)
    notify(
        _enterprise_side(demand.enterprise) + [appeal.by],
        title,
        body=appeal.decision_note[:500],
        url=_demand_url(demand),
    )
