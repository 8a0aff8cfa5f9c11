"""The work-order clocks' sweep (DEM-03): ``sweep(now)`` runs every few minutes (``sibao
workorder-sweep``, the task ``workorders.tasks.sweep_work_orders``) and is idempotent.

For every open order the handling unit still owes (``HANDLING_STATUSES``):

* **reminders** at the rule set's percents of the limit used (``workorder_reminder_percents``,
  50/80/100 by default; ``clocks.used_percent``). Each stage is sent once per order: the
  ``Urging`` ledger holds one ``reminder`` row per order and percent (a unique constraint), and
  ``reminded_percent`` keeps the highest stage sent. When a sweep finds an order past several
  stages at once (the sweep did not run for a while) only the highest is sent — the lower ones
  are moot. The staff of the handling department are told; at 100 % the limit has run out and
  the reminder is an urging (督办): the office of the order's level is told too.
* **automatic escalation** of orders overdue by ``workorder_escalate_overdue_days`` working days
  (``actions.orders.escalate(automatic=True)``: a linked lead order at the next level, under
  supervision, with an ``auto_escalation`` row in the ledger). A province order cannot go
  higher; a suspended order's clock stands still and one waiting for the office's decision on a
  return is the office's move, so neither is escalated.
* a **sign reminder** once when the sign deadline passed without signing (a ``reminder`` row
  with percent 0 in the ledger marks it sent).

Every step claims its row first (a conditional update or the ledger's unique constraint), so two
sweeps running at once send nothing twice. The version of the order is not bumped: a reminder is
not a change the user who has the order open must reload for.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from sibao.core import audit
from sibao.core import rules as rule_catalogue
from sibao.core.notifications import notify
from sibao.workorders import clocks
from sibao.workorders.actions.base import stored
from sibao.workorders.models import OrderStatus, Urging, WorkOrder
from sibao.workorders.models.orders import HANDLING_STATUSES

__all__ = ["SIGN_REMINDER", "overdue_minutes", "percents", "sweep"]

SIGN_REMINDER = 0  # the ledger's percent for "the sign deadline passed"
ESCALATABLE = (OrderStatus.DISPATCHED, OrderStatus.SIGNED, OrderStatus.IN_PROGRESS)


def percents(rule_set=None) -> list[int]:
    rule_set = rule_set or rule_catalogue.current()
    text = str(rule_set["workorder_reminder_percents"]).replace("，", ",")
    return sorted({int(v) for v in text.split(",") if v.strip()})


def overdue_minutes(order, now, calendar) -> int:
    """Working minutes since the deadline (0 when not overdue; a suspended clock stands still)."""
    end = order.suspended_at or now
    return calendar.between(order.due_at, end)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _people(order, *, office: bool) -> list:
    from sibao.workorders.actions import orders

    users = {u.pk: u for u in orders._department_staff(order.department)}
    if office:
        users.update({u.pk: u for u in orders._office_of(order.region_code)})
    return [users[pk] for pk in sorted(users)]


def _ledger(order, percent, note, now) -> bool:
    """Write the ledger row of one reminder stage; False when it is there already."""
    try:
        with transaction.atomic():
            Urging.objects.create(
                order=order,
                kind=Urging.Kind.REMINDER,
                percent=percent,
                note=note,
                at=now,
                region_code=order.region_code,
            )
    except IntegrityError:
        return False
    return True


def _remind(order, stage, now) -> bool:
    """Send the reminder of ``stage`` % once; True when this sweep sent it."""
    overdue = stage >= 100
    note = (
        stored(
            gettext_noop("工单 %(n)s 已超过办理时限（%(due)s），请立即办理并答复。"),
            n=order.number,
            due=_local(order.due_at),
        )
        if overdue
        else stored(
            gettext_noop("工单 %(n)s 已用去办理时限的 %(p)s%%，请于 %(due)s 前答复。"),
            n=order.number,
            p=stage,
            due=_local(order.due_at),
        )
    )
    with transaction.atomic():
        claimed = WorkOrder.objects.filter(
            pk=order.pk, status__in=HANDLING_STATUSES, reminded_percent__lt=stage
        ).update(reminded_percent=stage)
        if not claimed or not _ledger(order, stage, note, now):
            return False
        audit.record(
            "workorder.reminder",
            obj=order,
            changes={"reminded_percent": [order.reminded_percent, stage]},
        )
    title = (
        stored(gettext_noop("超期督办：%(n)s"), n=order.number)
        if overdue
        else stored(gettext_noop("时限提醒（%(p)s%%）：%(n)s"), n=order.number, p=stage)
    )
    notify(
        _people(order, office=overdue),
        title,
        body=note,
        url=reverse("workorders:order_detail", args=[order.pk]),
    )
    return True


def _sweep_reminders(candidates, now, calendar, stages) -> int:
    sent = 0
    for order in candidates:
        used = clocks.used_percent(order, now, calendar)
        reached = [s for s in stages if order.reminded_percent < s <= used]
        if reached and _remind(order, reached[-1], now):
            sent += 1
    return sent


def _sweep_sign(now) -> int:
    sent = 0
    late = (
        WorkOrder.objects.filter(status=OrderStatus.DISPATCHED, sign_due_at__lt=now)
        .exclude(urgings__kind=Urging.Kind.REMINDER, urgings__percent=SIGN_REMINDER)
        .select_related("department")
        .order_by("sign_due_at", "pk")
    )
    for order in late:
        note = stored(
            gettext_noop("工单 %(n)s 的签收时限（%(due)s）已过，请立即签收。"),
            n=order.number,
            due=_local(order.sign_due_at),
        )
        if not _ledger(order, SIGN_REMINDER, note, now):
            continue
        notify(
            _people(order, office=False),
            stored(gettext_noop("签收超时提醒：%(n)s"), n=order.number),
            body=note,
            url=reverse("workorders:order_detail", args=[order.pk]),
        )
        sent += 1
    return sent


def _sweep_escalations(candidates, now, calendar, days) -> tuple[int, int]:
    from sibao.workorders.actions import orders

    escalated = failed = 0
    threshold = days * calendar.minutes_per_day
    for order in candidates:
        if order.status not in ESCALATABLE or order.level == "province":
            continue
        if overdue_minutes(order, now, calendar) < threshold:
            continue
        reason = stored(
            gettext_noop("超过办理时限（%(due)s）%(d)s 个工作日未答复，自动提级办理。"),
            due=_local(order.due_at),
            d=days,
        )
        try:
            orders.escalate(order, actor=None, reason=reason, automatic=True, now=now)
        except ValidationError:
            # no department of the kind above, or the order moved meanwhile: the 100 % urging
            # has told the office already; count it so the operator sees it
            failed += 1
            continue
        escalated += 1
    return escalated, failed


def sweep(now=None) -> dict:
    """Remind, urge and escalate; returns how many of each this run did."""
    now = now or timezone.now()
    rule_set = rule_catalogue.current()
    calendar = clocks.WorkCalendar.from_rules(rule_set)
    open_orders = list(
        WorkOrder.objects.filter(status__in=HANDLING_STATUSES, dispatched_at__lte=now)
        .select_related("department")
        .order_by("due_at", "pk")
    )
    reminders = _sweep_reminders(open_orders, now, calendar, percents(rule_set))
    signs = _sweep_sign(now)
    escalated, failed = _sweep_escalations(
        open_orders, now, calendar, rule_set["workorder_escalate_overdue_days"]
    )
    return {
        "reminders": reminders,
        "sign_reminders": signs,
        "escalated": escalated,
        "escalation_failed": failed,
    }
