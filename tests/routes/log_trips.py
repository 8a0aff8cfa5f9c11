"""Route expectations of the logistics area 'trips': closed-loop trips, sample-and-go, late positives (LOG-04).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Trips and samples are read by government roles in their jurisdiction and by the destination unit;
starting a trip is the vehicle's company's (or a unit's for its own vehicle): an HQ office gets 403.
``make_trip_setup`` builds what a trip needs (a company, its vehicle, an approved pass serving a
unit, a checkpoint) and is shared by the area's tests.
"""

import datetime

from django.utils import timezone

from sibao.core.testing import OWN_COUNTY

UI_READ = (302, 403, 200, 200, 200)
UI_OWN = (302, 403, 404, 200, 200)
UI_START = (302, 403, 403, 403, 200)
API_READ = (401, 403, 200, 200, 200)
API_OWN = (401, 403, 404, 200, 200)

PAGES = "tests/test_log_trips_pages.py"
API = "tests/test_log_trips_api.py"

ROUTES: dict = {
    "logistics:trip_list": (None, UI_READ),
    "logistics:trip_export": (None, UI_READ),
    "logistics:trip_start": (None, UI_START),
    "logistics:trip_detail": (lambda o: {"pk": o["own_trip"].pk}, UI_OWN),
    "logistics:trip_sample_list": (None, UI_READ),
    "logistics:trip_sample_export": (None, UI_READ),
    "api:trip-list": (None, API_READ),
    "api:trip-detail": (lambda o: {"pk": o["own_trip"].pk}, API_OWN),
    "api:trip-sample-list": (None, API_READ),
    "api:trip-sample-detail": (lambda o: {"pk": o["own_trip_sample"].pk}, API_OWN),
}

NOT_GET: dict = {
    "logistics:trip_arrive": PAGES,
    "api:trip-arrive": API,
}

_plates = iter(range(10000, 99999))


def make_trip_setup(unit, *, region=OWN_COUNTY, checkpoint_region=None, now=None, hours=48):
    """A logistics company in ``region`` with a vehicle and a driver, an approved pass valid for
    ``hours`` from ``now`` serving ``unit`` (destination in the unit's county) and a checkpoint
    (in ``checkpoint_region``, default ``region``). The rows are written directly: the fleet and
    passes areas' own rules are theirs to test."""
    from sibao.core.personal import protect_id_number
    from sibao.core.testing import id_number, make_enterprise
    from sibao.logistics.models import (
        Checkpoint,
        Driver,
        PassStatus,
        Vehicle,
        VehiclePass,
    )

    now = now or timezone.now()
    n = next(_plates)
    company = make_enterprise(region=region, name=f"测试物流有限公司{n}")
    vehicle = Vehicle.objects.create(
        owner=company,
        plate=f"豫A{n}",
        kind="truck",
        relation="logistics",
        served_unit=unit,
        created_at=now,
        region_code=region,
    )
    driver_id = id_number()
    driver = Driver.objects.create(
        owner=company,
        name="张师傅",
        region_code=region,
        created_at=now,
        on_whitelist=True,
        **protect_id_number(driver_id),
    )
    vehicle_pass = VehiclePass.objects.create(
        number=f"TX-{n}",
        vehicle=vehicle,
        company=company,
        served_unit=unit,
        origin="郑州经开区物流园",
        origin_region_code=region,
        destination=unit.name,
        destination_region_code=unit.region_id,
        cargo="零部件",
        valid_from=now - datetime.timedelta(hours=6),
        valid_until=now + datetime.timedelta(hours=hours),
        status=PassStatus.APPROVED,
        applied_at=now - datetime.timedelta(hours=8),
        decided_at=now - datetime.timedelta(hours=7),
        region_code=region,
    )
    vehicle_pass.drivers.add(driver)
    checkpoint = Checkpoint.objects.create(
        name=f"测试卡口{n}", kind="highway_exit", region_code=checkpoint_region or region
    )
    return {
        "company": company,
        "vehicle": vehicle,
        "driver": driver,
        "driver_id": driver_id,
        "pass": vehicle_pass,
        "checkpoint": checkpoint,
    }


def make_check(checkpoint, vehicle_pass, *, officer=None, at=None, keys=()):
    """A check logged at ``checkpoint`` (the checkpoint area writes these in ``verify``)."""
    from sibao.logistics.models import Check

    return Check.objects.create(
        checkpoint=checkpoint,
        officer=officer,
        at=at or timezone.now(),
        vehicle_pass=vehicle_pass,
        pass_number=vehicle_pass.number,
        plate=vehicle_pass.vehicle.plate,
        result="green",
        occupant_keys=list(keys),
        region_code=checkpoint.region_code,
        enterprise_id=vehicle_pass.served_unit_id,
    )


def build_objects(objects: dict, personas: dict) -> dict:
    """A trip of an own-county company to the own enterprise, with one sample taken at an
    own-county checkpoint."""
    from sibao.logistics.actions import trips

    setup = make_trip_setup(objects["own_enterprise"])
    trip = trips.start_trip(setup["pass"], actor=None, route="京港澳高速")
    check = make_check(setup["checkpoint"], setup["pass"], keys=trip.occupant_keys)
    (sample,) = trips.take_samples(check, actor=None, samples=[(trip.occupant_keys[0], "T-1")])
    return {"own_trip": trip, "own_trip_sample": sample}
