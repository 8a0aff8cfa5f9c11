"""Builders shared by the orders area's tests (DEM-02): accepted demands, offices and staff at
the three levels, fixed moments on known working days."""

import datetime
from zoneinfo import ZoneInfo

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.regions.models import Department
from sibao.workorders.actions import intake

TZ = ZoneInfo("Asia/Shanghai")
CITY = "4101"
PROVINCE = "41"


def at(*args) -> datetime.datetime:
    """A moment in Asia/Shanghai: ``at(2024, 3, 8, 10)`` (a Friday)."""
    return datetime.datetime(*args, tzinfo=TZ)


FRIDAY = at(2024, 3, 8, 10)  # a working Friday, no holiday near


def accepted_demand(enterprise, *, category="raw_materials", urgency="normal", now=FRIDAY):
    demand = intake.file_demand(
        enterprise,
        actor=None,
        category=category,
        title="原料钢材供应中断",
        description="上游钢厂停产，急需协调替代货源。",
        urgency=urgency,
        now=now,
    )
    return intake.accept_demand(demand, actor=None, now=now)


def department(region=OWN_COUNTY, kind="industry_it") -> Department:
    return Department.objects.get(region_id=region, kind=kind)


def staff(region=OWN_COUNTY, kind="industry_it", username=None):
    return make_user(Role.DEPARTMENT_STAFF, region, department_kind=kind, username=username)


def office(region, username=None):
    return make_user(Role.HQ_OFFICE, region, username=username)
