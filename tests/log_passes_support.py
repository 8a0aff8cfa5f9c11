"""Builders shared by the passes area's tests (LOG-02): a logistics company with a vehicle and a
driver serving a whitelisted unit, the logistics group (transport department staff), pending and
approved passes at fixed moments."""

import datetime
from dataclasses import dataclass
from itertools import count
from zoneinfo import ZoneInfo

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, id_number, make_enterprise, make_user, make_whitelisted
from sibao.logistics.actions import fleet
from sibao.logistics.actions import passes as actions

TZ = ZoneInfo("Asia/Shanghai")
CITY = "4101"
DESTINATION = "410202"  # 开封市龙亭区
_plates = count(1)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


NOW = at(2024, 3, 8, 10)


def live() -> datetime.datetime:
    """The real present, for pages and the API (whose actions use the clock)."""
    from django.utils import timezone

    return timezone.now().replace(second=0, microsecond=0)


@dataclass
class Fleet:
    company: object
    unit: object
    vehicle: object
    driver: object
    company_user: object


def make_fleet(region=OWN_COUNTY, *, username=None) -> Fleet:
    """A logistics company of ``region`` with one vehicle serving a whitelisted unit and one
    driver, registered through the fleet area's actions."""
    company = make_enterprise(region=region, name=f"测试物流{next(_plates)}有限公司")
    unit = make_whitelisted(region=region, name=f"白名单制造{next(_plates)}有限公司")
    vehicle = fleet.register_vehicle(
        company,
        actor=None,
        plate=f"豫A{10000 + next(_plates):05d}",
        kind="truck",
        relation="logistics",
        served_unit=unit,
    )
    driver = fleet.register_driver(
        company, actor=None, name="张建国", id_number=id_number(), phone="13812345678"
    )
    user = make_user(Role.LOGISTICS_COMPANY, region, enterprise=company, username=username)
    return Fleet(company, unit, vehicle, driver, user)


def transport_staff(region=OWN_COUNTY, username=None):
    return make_user(Role.DEPARTMENT_STAFF, region, department_kind="transport", username=username)


def apply(f: Fleet, *, now=NOW, actor="company", **overrides):
    values = {
        "served_unit": f.unit,
        "origin": "郑州市中原区建设路 1 号",
        "origin_region_code": f.vehicle.region_code,
        "destination": "开封市龙亭区工业园 8 号",
        "destination_region_code": DESTINATION,
        "valid_from": now,
        "valid_until": now + datetime.timedelta(days=7),
        "drivers": [f.driver],
        "cargo": "汽车零部件",
        "now": now,
    }
    values.update(overrides)
    return actions.apply_for_pass(
        f.vehicle, actor=f.company_user if actor == "company" else actor, **values
    )


def approved(f: Fleet, *, now=NOW, **overrides):
    return actions.approve_pass(apply(f, now=now, **overrides), actor=None, now=now)
