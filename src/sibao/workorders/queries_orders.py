"""Reads of the orders area (DEM-02): the handling queue of a user, the clock facts of an order."""

from django.db.models import Q
from django.utils import timezone

from sibao.workorders import access, clocks
from sibao.workorders.models import WorkOrder
from sibao.workorders.models.orders import HANDLING_STATUSES

__all__ = ["clock_facts", "overdue_q", "queue_for"]


def queue_for(user):
    """The orders a user works on: a department's staff see their departments' orders, an office
    the orders of its own level; other roles every order they may see."""
    visible = WorkOrder.objects.visible_to(user, "view")
    departments = access.user_departments(user)
    offices = {g.region_id for g in access.office_grants(user)}
    if not departments and not offices:
        return visible
    return visible.filter(Q(department_id__in=departments) | Q(region_code__in=offices))


def overdue_q(now=None) -> Q:
    """Open orders the handling unit still owes, past their deadline."""
    now = now or timezone.now()
    return Q(status__in=HANDLING_STATUSES, due_at__lt=now)


def clock_facts(order, now=None) -> dict:
    """Due, sign-due and the remaining working time (negative: overdue by) of an open order."""
    now = now or timezone.now()
    calendar = clocks.WorkCalendar.from_rules()
    facts = {
        "due_at": order.due_at,
        "sign_due_at": order.sign_due_at,
        "overdue": order.is_overdue(now),
        "remaining": None,
        "warning": clocks.calendar_warning(order.due_at),
    }
    if order.status in HANDLING_STATUSES:
        end = order.suspended_at or now
        if end <= order.due_at:
            minutes = calendar.between(end, order.due_at)
        else:
            minutes = -calendar.between(order.due_at, end)
        facts["remaining"] = _duration(minutes, calendar.minutes_per_day)
        facts["remaining_minutes"] = minutes
    return facts


def _duration(minutes: int, per_day: int) -> str:
    from django.utils.translation import gettext as _

    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    days, rest = divmod(minutes, per_day)
    hours, mins = divmod(rest, 60)
    return sign + _("%(d)s 个工作日 %(h)s 小时 %(m)s 分") % {"d": days, "h": hours, "m": mins}
