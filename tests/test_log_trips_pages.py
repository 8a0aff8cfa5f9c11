"""LOG-04 pages: the trip list (company, destination unit, government), a trip's page with its
route, checks, samples and people masked, marked positive after a late positive; starting a trip
and recording the arrival; the health offices' samples list (pending, overdue, positive); exports."""

import datetime

import pytest
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.logistics.actions import trips
from sibao.logistics.models import SampleResult, Trip, TripStatus
from tests.routes.log_trips import make_check, make_trip_setup

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def setup(own_enterprise):
    # a pass valid from 36 hours ago, for trips that left a day ago
    return make_trip_setup(own_enterprise, now=timezone.now() - 30 * HOUR, hours=96)


@pytest.fixture
def sampled_trip(setup):
    trip = trips.start_trip(
        setup["pass"], actor=None, route="京港澳高速", now=timezone.now() - 30 * HOUR
    )
    check = make_check(setup["checkpoint"], setup["pass"], at=timezone.now() - 26 * HOUR)
    (sample,) = trips.take_samples(
        check, actor=None, samples=[(trip.occupant_keys[0], "T-7")], now=check.at
    )
    return trip, sample


def _positive(sample):
    sample.result = SampleResult.POSITIVE
    sample.save()


@pytest.mark.req("LOG-04")
def test_the_company_starts_a_trip_from_the_form(setup, login):
    user = make_user(Role.LOGISTICS_COMPANY, OWN_COUNTY, enterprise=setup["company"])
    client = login(user)
    page = client.get("/logistics/trips/new/")
    assert page.status_code == 200
    assert setup["pass"].number in page.content.decode()
    bad = client.post(
        "/logistics/trips/new/",
        {"vehicle_pass": setup["pass"].pk, "route": "", "occupants": "123"},
    )
    assert bad.status_code == 422
    assert "第 1 位随车人员" in bad.content.decode()
    assert not Trip.objects.exists()
    response = client.post(
        "/logistics/trips/new/",
        {"vehicle_pass": setup["pass"].pk, "route": "京港澳高速", "occupants": setup["driver_id"]},
    )
    trip = Trip.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/logistics/trips/{trip.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "京港澳高速" in detail
    assert "张**" in detail  # the driver, masked
    assert setup["driver_id"] not in detail


@pytest.mark.req("LOG-04")
def test_the_trip_page_shows_checks_samples_and_the_positive_mark(personas, login, sampled_trip):
    trip, sample = sampled_trip
    client = login(personas["enterprise_admin"])
    page = client.get(f"/logistics/trips/{trip.pk}/").content.decode()
    assert 'data-testid="trip-check"' in page
    assert 'data-testid="state-overdue"' in page  # 26 h without a result
    assert 'data-testid="trip-positive"' not in page
    _positive(sample)
    page = client.get(f"/logistics/trips/{trip.pk}/").content.decode()
    assert 'data-testid="trip-positive"' in page
    assert 'data-testid="state-positive"' in page
    listing = client.get("/logistics/trips/?positive=true").content.decode()
    assert trip.vehicle.plate in listing
    assert (
        client.get("/logistics/trips/?positive=false")
        .content.decode()
        .count('data-testid="trip-row"')
        == 0
    )


@pytest.mark.req("LOG-04")
def test_the_destination_unit_records_the_arrival(personas, login, sampled_trip):
    trip, _sample = sampled_trip
    office = login(personas["own_county"])
    assert (
        'data-testid="trip-arrive"'
        not in office.get(f"/logistics/trips/{trip.pk}/").content.decode()
    )
    assert office.post(f"/logistics/trips/{trip.pk}/arrive/").status_code == 403
    client = login(personas["enterprise_admin"])
    assert client.post(f"/logistics/trips/{trip.pk}/arrive/").status_code == 302
    trip.refresh_from_db()
    assert trip.status == TripStatus.ARRIVED
    other = login(personas["other_county"])
    assert other.post(f"/logistics/trips/{trip.pk}/arrive/").status_code == 404


@pytest.mark.req("LOG-04")
def test_health_offices_list_pending_overdue_and_positive_samples(login, sampled_trip, setup):
    trip, sample = sampled_trip
    fresh = trips.take_samples(
        make_check(setup["checkpoint"], setup["pass"]), actor=None, samples=[("k" * 64, "T-8")]
    )[0]
    health = make_user(Role.HEALTH_OFFICE, OWN_COUNTY)
    client = login(health)
    from sibao.core.testing import pass_second_factor

    pass_second_factor(client, health)

    def rows(query):
        page = client.get(f"/logistics/trip-samples/{query}")
        assert page.status_code == 200
        return page.content.decode().count('data-testid="sample-row"')

    assert rows("") == 2
    assert rows("?status=overdue") == 1
    assert rows("?status=pending") == 1
    assert rows("?status=positive") == 0
    _positive(sample)
    assert rows("?status=positive") == 1
    assert fresh.tube_code in client.get("/logistics/trip-samples/?q=T-8").content.decode()
    export = client.get("/logistics/trip-samples/export/?status=positive")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.req("LOG-04")
def test_the_trip_export_is_a_workbook_of_the_visible_trips(personas, login, sampled_trip):
    from io import BytesIO

    from openpyxl import load_workbook

    trip, _sample = sampled_trip
    response = login(personas["own_county"]).get("/logistics/trips/export/")
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert len(rows) == 2
    assert rows[1][1] == trip.vehicle.plate
    other = login(personas["other_county"]).get("/logistics/trips/export/")
    assert len(list(load_workbook(BytesIO(b"".join(other.streaming_content))).active.values)) == 1
