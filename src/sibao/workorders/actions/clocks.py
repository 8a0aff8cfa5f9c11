"""Writes of the clocks area (DEM-03): the office's (or the leader's) urging (督办) of an order.

The automatic reminders and escalations are the sweep's (``workorders.sweeps``); this module holds
the one manual step: an official holding "urge" over the order's handling region (the office or
the leader of that level or above) urges the handling unit with a note. The order's
``urge_count`` goes up, the ledger (``Urging``) keeps who urged when and why, and the staff of the
handling department are told. Urging is not a state change: the order's status and version stay
as they are, so a handler with the order open need not reload."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sibao.accounts.access import covers
from sibao.core import audit
from sibao.core.notifications import notify
from sibao.workorders.actions.base import now_or, stored
from sibao.workorders.models import Urging, WorkOrder

__all__ = ["may_urge", "urge"]


def may_urge(actor, order) -> bool:
    """An office or leader grant allowing "urge" whose region covers the order's handler."""
    return actor is None or covers(actor, WorkOrder, "urge", region_code=order.region_code)


def urge(order, *, actor, note, now=None) -> Urging:
    """DEM-03: urge an open order's handling unit (督办) with a note."""
    from sibao.workorders.actions import orders

    now = now_or(now)
    if not may_urge(actor, order):
        raise PermissionDenied(_("只有本级或上级指挥部办公室、领导可以督办该工单。"))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写督办意见。")})
    with transaction.atomic():
        locked = WorkOrder.objects.select_for_update().get(pk=order.pk)
        if not locked.is_open:
            raise ValidationError(
                _("工单当前状态为“%(s)s”，已不需要督办。") % {"s": locked.get_status_display()}
            )
        WorkOrder.objects.filter(pk=locked.pk).update(urge_count=F("urge_count") + 1)
        urging = Urging.objects.create(
            order=locked,
            kind=Urging.Kind.URGE,
            note=note,
            at=now,
            by=actor if getattr(actor, "is_authenticated", False) else None,
            region_code=locked.region_code,
        )
        audit.record(
            "workorder.urge",
            actor=actor,
            obj=locked,
            changes={"urge_count": [locked.urge_count, locked.urge_count + 1]},
            note=note,
        )
    order.urge_count = locked.urge_count + 1
    notify(
        orders._department_staff(locked.department),
        stored(gettext_noop("督办：%(n)s"), n=locked.number),
        body=note[:500],
        url=reverse("workorders:order_detail", args=[locked.pk]),
    )
    return urging
