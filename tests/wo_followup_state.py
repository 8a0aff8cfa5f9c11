"""State for the follow-up tests (DEM-05): a demand with a lead order answered by its handling unit.

The intake and orders areas' actions (``file_demand``, ``dispatch``, ``sign``, ``reply``) are built
in parallel; until they land, the demand and its order are created with the models' own fields and
moved through the real workflow with ``actions.base.transition`` (actor None: the platform), so
the history and versions are what the actions will leave."""

import datetime

from django.utils import timezone

from sibao.regions.models import Department
from sibao.workorders import clocks
from sibao.workorders.actions.base import transition
from sibao.workorders.models import Demand, OrderRole, WorkOrder, level_of

_serial = iter(range(1, 100000))


def filed_demand(enterprise, *, by=None, at=None, title="原料运输车辆通行受阻") -> Demand:
    at = at or timezone.now()
    demand = Demand.objects.create(
        number=f"FU{next(_serial):06d}",
        enterprise=enterprise,
        category="logistics",
        title=title,
        description="县界卡口劝返原料车辆，生产线面临停产。",
        submitted_at=at,
        submitted_by=by,
        region_code=enterprise.region_id,
    )
    return transition(demand, "accept", actor=None, now=at, fields={"accepted_at": at})


def dispatched_order(demand, *, at=None, kind="transport", role=OrderRole.LEAD, region=None):
    at = at or timezone.now()
    region = region or demand.region_code
    department = Department.objects.get(region_id=region, kind=kind)
    limits = clocks.limits_for(
        category=demand.category, urgency=demand.urgency, level=level_of(region)
    )
    calendar = clocks.WorkCalendar.from_rules()
    order = WorkOrder.objects.create(
        number=f"GD{next(_serial):06d}",
        demand=demand,
        role=role,
        department=department,
        level=level_of(region),
        dispatched_at=at,
        sign_due_at=calendar.add(at, limits.sign_minutes),
        limit_minutes=limits.reply_minutes,
        due_at=calendar.add(at, limits.reply_minutes),
        rule_version=limits.rule_version,
        enterprise=demand.enterprise,
        region_code=region,
        origin_region_code=demand.region_code,
        category=demand.category,
        urgency=demand.urgency,
    )
    if role == OrderRole.LEAD and demand.status != "handling":
        transition(demand, "dispatch", actor=None, now=at)
    return order


def replied_order(demand, *, at=None, role=OrderRole.LEAD, answer="已协调交通部门开通绿色通道。"):
    """A lead (or co-handling) order dispatched a day before ``at`` and answered at ``at``."""
    at = at or timezone.now()
    order = dispatched_order(demand, at=at - datetime.timedelta(days=1), role=role)
    order = transition(order, "sign", actor=None, now=at - datetime.timedelta(hours=20))
    order = transition(order, "start", actor=None, now=at - datetime.timedelta(hours=19))
    return transition(
        order, "reply", actor=None, note=answer, now=at, fields={"replied_at": at, "answer": answer}
    )
