"""Builders shared by the cadres tests (DEM-06): listed units, cadres and demands in known
states, made through the intake, orders and follow-up actions as the platform (``actor=None``)."""

import datetime

from django.utils import timezone

from sibao.core.testing import OWN_COUNTY, make_enterprise, make_listed, make_user
from sibao.regions.models import Department
from sibao.workorders.actions import followup, intake, orders


def listed_unit(region=OWN_COUNTY, **fields):
    unit = make_enterprise(region=region, **fields)
    make_listed(unit)
    return unit


def official(region=OWN_COUNTY, **fields):
    """A government account with no grant yet (a cadre to be)."""
    return make_user(None, region, **fields)


def cadre_of(*units, region=OWN_COUNTY, **fields):
    """A user with a liaison_cadre grant on each unit (through the action, as the platform)."""
    from sibao.workorders.actions.cadres import assign_cadre

    user = official(region, **fields)
    for unit in units:
        assign_cadre(unit, user, actor=None)
    user._active_grants = None
    return user


def department(region=OWN_COUNTY, kind="industry_it"):
    return Department.objects.get(region_id=region, kind=kind)


def demand(unit, *, title="原料钢材采购困难", category="raw_materials", now=None):
    return intake.file_demand(
        unit,
        actor=None,
        category=category,
        title=title,
        description=f"{title}，请协调解决。",
        now=now,
    )


def dispatched(unit, *, days_ago=0, title="原料钢材采购困难"):
    """An accepted demand dispatched ``days_ago`` days ago to the county's industry department."""
    at = timezone.now() - datetime.timedelta(days=days_ago)
    d = demand(unit, title=title, now=at)
    d = intake.accept_demand(d, actor=None, now=at)
    return orders.dispatch(d, actor=None, department=department(unit.region_id), now=at)


def closed(unit, *, title="用工招聘协调"):
    """A demand handled, reviewed, visited and closed (销号); not rated by the unit."""
    order = dispatched(unit, days_ago=3, title=title)
    order = orders.sign(order, actor=None)
    order = orders.reply(order, actor=None, answer="已协调解决。")
    order = followup.review(order, actor=None)
    followup.record_visit(
        order, actor=None, method="phone", resolution="resolved", satisfaction="satisfied"
    )
    order.refresh_from_db()
    followup.close_order(order, actor=None)
    return order.demand


__all__ = ["cadre_of", "closed", "demand", "department", "dispatched", "listed_unit", "official"]
