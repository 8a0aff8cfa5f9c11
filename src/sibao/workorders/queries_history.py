"""The whole history of a demand on one page (DEM-05): every step of the demand and of all its work
orders — the state transitions (who, when, why) and the records that carry more than a state
change (return and extension requests and their decisions, suspensions, urgings, visits,
appeals) — in time order.

Transitions whose step is told better by its own record (a return request with its suggested
owner, a suspension with its paused time, a visit with the enterprise's verdict) are taken from
that record instead, so each step appears once."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from sibao.core.models import AuditLog, TransitionRecord
from sibao.workorders.models import RequestStatus, Resolution, Satisfaction

__all__ = ["Event", "history"]

# order transitions told by their own records below
TOLD_BY_RECORDS = frozenset(
    {"request_return", "approve_return", "insist_dispatched", "insist_signed", "suspend", "resume"}
    | {"visit"}
)
# the demand's "dispatch" is told by each order's dispatch event
DEMAND_SKIPPED = frozenset({"dispatch"})


@dataclass(frozen=True)
class Event:
    at: object
    actor: str
    what: str
    note: str = ""
    link: str = ""
    kind: str = ""
    order: str = ""  # the work order's number, for order events


def _labels() -> dict:
    return {
        "accept": _("受理"),
        "reject": _("不予受理"),
        "merge": _("合并至其他诉求"),
        "withdraw": _("企业撤回"),
        "unassign": _("全部工单退回，待重新派单"),
        "close": _("办结"),
        "reopen": _("申诉重启办理"),
        "sign": _("签收"),
        "start": _("开始办理"),
        "escalate": _("提级办理"),
        "reply": _("答复"),
        "review": _("审核通过答复"),
        "rework": _("退回重办"),
        "close_assist": _("协办办结"),
    }


def _name(user) -> str:
    return str(user) if user is not None else ""


def _transitions(demand, orders, labels) -> list[Event]:
    demand_url = reverse("workorders:demand_detail", args=[demand.pk])
    by_id = {str(o.pk): o for o in orders}
    rows = TransitionRecord.objects.filter(
        object_type="workorders.demand", object_id=str(demand.pk)
    ) | TransitionRecord.objects.filter(object_type="workorders.workorder", object_id__in=by_id)
    events = []
    for row in rows.order_by("at", "id"):
        order = by_id.get(row.object_id) if row.object_type == "workorders.workorder" else None
        skipped = TOLD_BY_RECORDS if order is not None else DEMAND_SKIPPED
        if row.action in skipped:
            continue
        what = labels.get(row.action, row.action)
        if order is None and row.action == "close":
            what = _("销号")
        events.append(
            Event(
                at=row.at,
                actor=row.actor_name,
                what=what,
                note=row.note,
                link=_order_link(order) if order else demand_url,
                kind=f"{'order' if order else 'demand'}-{row.action}",
                order=order.number if order else "",
            )
        )
    return events


def _order_link(order) -> str:
    return reverse("workorders:order_detail", args=[order.pk])


def _order_events(order) -> list[Event]:
    link, number = _order_link(order), order.number
    role = order.get_role_display()
    events = [
        Event(
            order.dispatched_at,
            _name(order.dispatched_by),
            _("派单至%(department)s（%(role)s）")
            % {"department": order.department.name, "role": role},
            order.instructions,
            link,
            "order-dispatch",
            number,
        )
    ]
    for r in order.return_requests.all():
        suggested = r.suggested_department.name if r.suggested_department else ""
        note = r.reason + (_("（建议承办单位：%(d)s）") % {"d": suggested} if suggested else "")
        events.append(
            Event(
                r.requested_at, _name(r.requested_by), _("申请退回"), note, link, "return", number
            )
        )
        if r.status != RequestStatus.PENDING and r.decided_at:
            what = _("同意退回") if r.status == RequestStatus.APPROVED else _("不同意退回")
            events.append(
                Event(
                    r.decided_at,
                    _name(r.decided_by),
                    what,
                    r.decision_note,
                    link,
                    "return-decision",
                    number,
                )
            )
    for e in order.extension_requests.all():
        what = _("申请延期%(days)s个工作日") % {"days": e.working_days}
        events.append(
            Event(e.requested_at, _name(e.requested_by), what, e.reason, link, "extension", number)
        )
        if e.status != RequestStatus.PENDING and e.decided_at:
            what = _("同意延期") if e.status == RequestStatus.APPROVED else _("不同意延期")
            events.append(
                Event(
                    e.decided_at,
                    _name(e.decided_by),
                    what,
                    e.decision_note,
                    link,
                    "extension-decision",
                    number,
                )
            )
    for s in order.suspensions.all():
        events.append(
            Event(
                s.started_at, _name(s.started_by), _("暂停计时"), s.reason, link, "suspend", number
            )
        )
        if s.ended_at:
            note = _("暂停%(minutes)s个工作分钟") % {"minutes": s.paused_minutes}
            events.append(Event(s.ended_at, "", _("恢复计时"), note, link, "resume", number))
    for u in order.urgings.all():
        what = u.get_kind_display()
        if u.percent:
            what = f"{what}（{u.percent}%）"
        events.append(Event(u.at, _name(u.by), what, u.note, link, f"urging-{u.kind}", number))
    for v in order.visits.all():
        what = _("%(method)s：%(resolution)s，%(satisfaction)s") % {
            "method": v.get_method_display(),
            "resolution": _verdict_label("resolution", v.resolution),
            "satisfaction": _verdict_label("satisfaction", v.satisfaction),
        }
        events.append(Event(v.at, _name(v.by), what, v.note, link, "visit", number))
    return events


def _verdict_label(kind: str, value: str) -> str:
    choices = Resolution if kind == "resolution" else Satisfaction
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _demand_events(demand) -> list[Event]:
    link = reverse("workorders:demand_detail", args=[demand.pk])
    events = [
        Event(
            demand.submitted_at,
            _name(demand.submitted_by),
            _("提交诉求（%(channel)s）") % {"channel": demand.get_channel_display()},
            demand.title,
            link,
            "demand-submitted",
        )
    ]
    for a in demand.appeals.all():
        events.append(Event(a.at, _name(a.by), _("企业申诉"), a.reason, link, "appeal"))
        if a.decided_at:
            what = _("申诉处理：%(outcome)s") % {"outcome": a.get_outcome_display()}
            events.append(
                Event(
                    a.decided_at,
                    _name(a.decided_by),
                    what,
                    a.decision_note,
                    link,
                    "appeal-decision",
                )
            )
    for row in AuditLog.objects.filter(
        action="demand.rate", object_type="workorders.demand", object_id=str(demand.pk)
    ).order_by("id"):
        verdict = row.changes
        what = _("企业评价：%(resolution)s，%(satisfaction)s") % {
            "resolution": _verdict_label("resolution", verdict.get("resolution", "")),
            "satisfaction": _verdict_label("satisfaction", verdict.get("satisfaction", "")),
        }
        when = parse_datetime(verdict.get("rated_at", "")) or row.at
        events.append(
            Event(when, row.actor_name, what, verdict.get("feedback", ""), link, "rating")
        )
    return events


def history(demand) -> list[Event]:
    """Every step of ``demand`` and its orders, oldest first (ties in the order recorded)."""
    orders = list(
        demand.orders.select_related("department", "dispatched_by").prefetch_related(
            "return_requests__requested_by",
            "return_requests__decided_by",
            "return_requests__suggested_department",
            "extension_requests__requested_by",
            "extension_requests__decided_by",
            "suspensions__started_by",
            "urgings__by",
            "visits__by",
        )
    )
    events = _demand_events(demand) + _transitions(demand, orders, _labels())
    for order in orders:
        events.extend(_order_events(order))
    return sorted(events, key=lambda e: e.at)
