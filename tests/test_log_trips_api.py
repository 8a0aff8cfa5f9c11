"""LOG-04 API: ``trips`` (list, read, ``POST`` to start on an approved pass, ``arrive``) and
``trip-samples`` (list with states); Chinese validation messages answer 400, refusals 403."""

import pytest
from rest_framework.test import APIClient

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.logistics.actions import trips
from sibao.logistics.models import SampleResult, TripStatus
from tests.routes.log_trips import make_check, make_trip_setup


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def setup(own_enterprise):
    return make_trip_setup(own_enterprise)


@pytest.mark.req("LOG-04")
def test_the_company_starts_and_ends_a_trip_over_the_api(setup, personas):
    company = api(make_user(Role.LOGISTICS_COMPANY, OWN_COUNTY, enterprise=setup["company"]))
    bad = company.post(
        "/api/trips/", {"vehicle_pass": setup["pass"].pk, "occupants": ["12345"]}, format="json"
    )
    assert bad.status_code == 400
    assert "第 1 位随车人员" in str(bad.json())
    made = company.post(
        "/api/trips/",
        {"vehicle_pass": setup["pass"].pk, "route": "连霍高速", "occupants": [setup["driver_id"]]},
        format="json",
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["occupants"] == 1
    assert body["status"] == TripStatus.EN_ROUTE
    assert setup["driver_id"] not in str(body)
    office = api(personas["own_county"])
    assert office.post("/api/trips/", {"vehicle_pass": setup["pass"].pk}).status_code == 403
    assert office.post(f"/api/trips/{body['id']}/arrive/").status_code == 403
    unit = api(personas["enterprise_admin"])
    arrived = unit.post(f"/api/trips/{body['id']}/arrive/")
    assert arrived.status_code == 200
    assert arrived.json()["status"] == TripStatus.CLOSED
    assert unit.post(f"/api/trips/{body['id']}/arrive/").status_code == 400


@pytest.mark.req("LOG-04")
def test_trip_samples_carry_their_state_and_no_identity(setup, personas):
    trip = trips.start_trip(setup["pass"], actor=None)
    check = make_check(setup["checkpoint"], setup["pass"])
    (sample,) = trips.take_samples(check, actor=None, samples=[(trip.occupant_keys[0], "T-1")])
    office = api(personas["own_county"])
    rows = office.get("/api/trip-samples/").json()["results"]
    assert [(r["id"], r["state"], r["person"]) for r in rows] == [
        (sample.pk, "pending", sample.person_key[:8])
    ]
    sample.result = SampleResult.POSITIVE
    sample.save()
    assert office.get("/api/trip-samples/?status=positive").json()["count"] == 1
    assert office.get("/api/trips/?positive=true").json()["results"][0]["has_positive"] is True
    assert api(personas["other_county"]).get(f"/api/trips/{trip.pk}/").status_code == 404
