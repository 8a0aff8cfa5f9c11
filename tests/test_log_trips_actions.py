"""LOG-04: closed-loop trips — started by the company on an approved pass inside its validity,
occupants kept as person keys only, arrival by the destination unit or the company, samples taken
at a checkpoint by its officers and linked to the trip en route."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog, Notification
from sibao.core.personal import person_key
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, id_number, make_user
from sibao.logistics.actions import trips
from sibao.logistics.models import PassStatus, Trip, TripSample, TripStatus
from tests.routes.log_trips import make_check, make_trip_setup

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def setup(own_enterprise):
    return make_trip_setup(own_enterprise)


@pytest.fixture
def company_user(setup):
    return make_user(Role.LOGISTICS_COMPANY, OWN_COUNTY, enterprise=setup["company"])


@pytest.mark.req("LOG-04")
def test_the_company_starts_a_trip_with_occupants_as_person_keys(setup, company_user):
    unit_admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=setup["pass"].served_unit)
    escort = id_number()
    trip = trips.start_trip(
        setup["pass"],
        actor=company_user,
        route="京港澳高速—郑州南",
        occupants=[setup["driver_id"], escort, ""],
    )
    assert trip.status == TripStatus.EN_ROUTE
    assert trip.destination_unit == setup["pass"].served_unit
    assert trip.occupant_keys == [person_key(setup["driver_id"]), person_key(escort)]
    assert escort not in str(Trip.objects.values().get(pk=trip.pk))
    assert AuditLog.objects.filter(action="logistics.trip.start", object_id=str(trip.pk)).exists()
    assert Notification.objects.filter(recipient=unit_admin, url__endswith=f"/{trip.pk}/").exists()


@pytest.mark.req("LOG-04")
def test_without_occupants_the_pass_drivers_are_aboard(setup, company_user):
    trip = trips.start_trip(setup["pass"], actor=company_user)
    assert trip.occupant_keys == [setup["driver"].person_key]


@pytest.mark.req("LOG-04")
@pytest.mark.parametrize(
    "change, message",
    [
        ({"status": PassStatus.REVOKED}, "只有已核发的通行证"),
        ({"status": PassStatus.APPLIED}, "只有已核发的通行证"),
        ({"valid_until": timezone.now() - HOUR}, "不在有效期内"),
        ({"valid_from": timezone.now() + HOUR}, "不在有效期内"),
    ],
)
def test_only_an_approved_pass_inside_its_validity_starts_a_trip(
    setup, company_user, change, message
):
    vehicle_pass = setup["pass"]
    for field, value in change.items():
        setattr(vehicle_pass, field, value)
    vehicle_pass.save()
    with pytest.raises(ValidationError, match=message):
        trips.start_trip(vehicle_pass, actor=company_user)
    assert not Trip.objects.exists()


@pytest.mark.req("LOG-04")
def test_a_bad_id_number_is_named_by_position_and_nothing_is_stored(setup, company_user):
    with pytest.raises(ValidationError) as caught:
        trips.start_trip(
            setup["pass"], actor=company_user, occupants=[setup["driver_id"], "41010219900101001"]
        )
    assert "第 2 位随车人员" in str(caught.value.message_dict["occupants"])
    assert "41010219900101001" not in str(caught.value)
    assert not Trip.objects.exists()


@pytest.mark.req("LOG-04")
def test_one_trip_en_route_per_pass(setup, company_user):
    trips.start_trip(setup["pass"], actor=company_user)
    with pytest.raises(ValidationError, match="已有在途行程"):
        trips.start_trip(setup["pass"], actor=company_user)


@pytest.mark.req("LOG-04")
def test_another_company_or_an_office_may_not_start_the_trip(setup, own_enterprise):
    other = make_trip_setup(own_enterprise)
    stranger = make_user(Role.LOGISTICS_COMPANY, OWN_COUNTY, enterprise=other["company"])
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    for actor in (stranger, office):
        with pytest.raises(PermissionDenied):
            trips.start_trip(setup["pass"], actor=actor)
    assert not Trip.objects.exists()


@pytest.mark.req("LOG-04")
def test_arrival_by_the_destination_unit_closes_a_trip_without_samples(setup, company_user):
    trip = trips.start_trip(setup["pass"], actor=company_user)
    unit_admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=setup["pass"].served_unit)
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    with pytest.raises(PermissionDenied):
        trips.arrive(trip, actor=office)
    trip = trips.arrive(trip, actor=unit_admin, now=timezone.now() + 3 * HOUR)
    assert trip.status == TripStatus.CLOSED
    assert trip.arrived_at is not None
    with pytest.raises(ValidationError, match="已登记到达"):
        trips.arrive(trip, actor=company_user)


@pytest.mark.req("LOG-04")
def test_the_company_records_arrival_and_a_pending_sample_keeps_the_trip_open(setup, company_user):
    trip = trips.start_trip(setup["pass"], actor=company_user)
    check = make_check(setup["checkpoint"], setup["pass"])
    trips.take_samples(check, actor=None, samples=[(trip.occupant_keys[0], "")])
    trip = trips.arrive(trip, actor=company_user)
    assert trip.status == TripStatus.ARRIVED


@pytest.mark.req("LOG-04")
def test_an_officer_samples_at_a_checkpoint_of_their_region_linked_to_the_trip(setup, company_user):
    trip = trips.start_trip(setup["pass"], actor=company_user)
    check = make_check(setup["checkpoint"], setup["pass"])
    officer = make_user(Role.CHECKPOINT_OFFICER, OWN_COUNTY)
    outsider = make_user(Role.CHECKPOINT_OFFICER, OTHER_COUNTY)
    key = trip.occupant_keys[0]
    with pytest.raises(PermissionDenied):
        trips.take_samples(check, actor=outsider, samples=[(key, "T1")])
    (sample,) = trips.take_samples(check, actor=officer, samples=[(key, "T1")])
    assert sample.trip == trip
    assert sample.enterprise_id == trip.destination_unit_id
    assert sample.region_code == OWN_COUNTY
    check.refresh_from_db()
    assert check.sampled
    # a resend of the same samples adds nothing
    again = trips.take_samples(check, actor=officer, samples=[(key, "T1")])
    assert again == [sample]
    assert TripSample.objects.count() == 1


@pytest.mark.req("LOG-04")
def test_a_sample_without_a_trip_en_route_belongs_to_the_pass_served_unit(setup):
    check = make_check(setup["checkpoint"], setup["pass"])
    (sample,) = trips.take_samples(check, actor=None, samples=[(person_key(id_number()), "")])
    assert sample.trip is None
    assert sample.enterprise_id == setup["pass"].served_unit_id


@pytest.mark.req("LOG-04")
@pytest.mark.parametrize(
    "samples, message",
    [
        ([], "至少登记一份"),
        ([("", "T")], "缺少人员标识"),
        ([("k", "T"), ("k", "U")], "只能采样一次"),
    ],
)
def test_bad_samples_change_nothing(setup, samples, message):
    check = make_check(setup["checkpoint"], setup["pass"])
    with pytest.raises(ValidationError, match=message):
        trips.take_samples(check, actor=None, samples=samples)
    assert not TripSample.objects.exists()
