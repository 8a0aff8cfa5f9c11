"""Route expectations of the logistics area 'checkpoint': checkpoints, green-channel verification, check log (LOG-03).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Checkpoints are read by every logistics role in their region and by companies and units (their
apps list them); the HQ office (or the transport department) sets them up; only a checkpoint
officer of the region verifies at one (an HQ office: 403). The check log is read in the
jurisdiction and by the company whose pass was checked; the export is government business.

Also the builders the checkpoint tests share (an approved signed pass, an officer, 两码一证).
"""

import datetime
import itertools

from django.utils import timezone

from sibao.core.testing import OWN_COUNTY

UI_READ = (302, 403, 200, 200, 200)
UI_OFFICE = (302, 403, 200, 200, 403)
UI_OWN_EDIT = (302, 403, 404, 200, 404)
UI_OWN_VERIFY = (302, 403, 404, 403, 404)
API_READ = (401, 403, 200, 200, 200)
API_OWN = (401, 403, 404, 200, 404)

ROUTES: dict = {
    "logistics:checkpoint_list": (None, UI_READ),
    "logistics:checkpoint_create": (None, UI_OFFICE),
    "logistics:checkpoint_edit": (lambda o: {"pk": o["own_checkpoint"].pk}, UI_OWN_EDIT),
    "logistics:checkpoint_verify": (lambda o: {"pk": o["own_checkpoint"].pk}, UI_OWN_VERIFY),
    "logistics:check_list": (None, UI_READ),
    "logistics:check_export": (None, UI_OFFICE),
    "api:checkpoint-list": (None, API_READ),
    "api:checkpoint-detail": (lambda o: {"pk": o["own_checkpoint"].pk}, API_OWN),
    "api:checkpoint-check-list": (None, API_READ),
    "api:checkpoint-check-detail": (lambda o: {"pk": o["own_check"].pk}, API_OWN),
}

NOT_GET: dict = {}

_plates = itertools.count(10001)


def make_checkpoint(region=OWN_COUNTY, name="西三环省道检查站", **fields):
    from sibao.logistics.actions import checkpoint as actions

    values = {"kind": "city_entrance", "road": "G107"}
    values.update(fields)
    return actions.create_checkpoint(actor=None, region_code=region, name=name, **values)


def make_officer(region=OWN_COUNTY, **fields):
    from sibao.accounts.roles import Role
    from sibao.core.testing import make_user

    return make_user(Role.CHECKPOINT_OFFICER, region, **fields)


def make_pass(unit=None, *, region=OWN_COUNTY, now=None, days=7, approve=True, plate=None):
    """A whitelisted unit's own truck with a pass valid from an hour ago for ``days`` days,
    approved (signed) unless ``approve`` is false."""
    from sibao.core.testing import make_whitelisted
    from sibao.logistics.actions import fleet, passes

    now = now or timezone.now()
    unit = unit or make_whitelisted(region)
    vehicle = fleet.register_vehicle(
        unit,
        actor=None,
        plate=plate or f"豫A{next(_plates) % 100000:05d}",
        kind="truck",
        relation="own",
        now=now,
    )
    vehicle_pass = passes.apply_for_pass(
        vehicle,
        actor=None,
        served_unit=unit,
        origin="郑州市中原区",
        origin_region_code=region,
        destination="开封市龙亭区",
        destination_region_code="410202",
        valid_from=now - datetime.timedelta(hours=1),
        valid_until=now + datetime.timedelta(days=days),
        now=now,
    )
    if approve:
        vehicle_pass = passes.approve_pass(vehicle_pass, actor=None, now=now)
    return vehicle_pass


def make_status(id_no, *, now=None, health_code="green", itinerary="normal", negative_hours=10):
    """The current 两码一证 of a person (what the epidemic feeds maintain), in order by default;
    ``negative_hours=None``: no negative test on record."""
    from sibao.core.personal import person_key
    from sibao.epidemic.models import PersonStatus

    now = now or timezone.now()
    negative = None if negative_hours is None else now - datetime.timedelta(hours=negative_hours)
    return PersonStatus.objects.update_or_create(
        person_key=person_key(id_no),
        defaults={
            "health_code": health_code,
            "health_code_at": now,
            "itinerary": itinerary,
            "itinerary_at": now,
            "last_sample_at": negative,
            "last_result": "negative" if negative else "",
            "last_negative_at": negative,
        },
    )[0]


def build_objects(objects: dict, personas: dict) -> dict:
    """An own-county checkpoint and one green check made there by its officer."""
    from sibao.core.testing import id_number
    from sibao.logistics.actions import checkpoint as actions

    checkpoint = make_checkpoint()
    driver = id_number()
    make_status(driver)
    check = actions.verify(
        checkpoint, actor=make_officer(), token=make_pass().token, occupants=[driver]
    )
    return {"own_checkpoint": checkpoint, "own_check": check}
