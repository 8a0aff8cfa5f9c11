"""LOG-04 即追: results arrive through the real NAT ingestion (``epidemic.ingest``) after the truck
has gone on; a positive on a pending sample alerts the destination unit (admins, liaison cadres)
and the HQ offices of the regions of the checkpoints the trip passed — once, even when the
laboratory resends the batch; a negative closes the sample (and an arrived trip); samples without
a result past ``trip_sample_result_hours`` are overdue."""

import datetime

import pytest
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog, Notification
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    ensure_headquarters,
    make_feed_source,
    make_user,
)
from sibao.epidemic import sentinel
from sibao.epidemic.ingest import ingest
from sibao.epidemic.models import FeedBatch
from sibao.logistics import queries_trips
from sibao.logistics.actions import trips
from sibao.logistics.models import SampleResult, TripSample, TripStatus
from tests.routes.log_trips import make_check, make_trip_setup

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def world(own_enterprise):
    """A trip from the own county to the own enterprise passing a checkpoint in another city
    (sampled there) and one in the own county; people to be told."""
    ensure_headquarters(OWN_COUNTY, OTHER_COUNTY, "4102")
    setup = make_trip_setup(own_enterprise)
    far = make_trip_setup(own_enterprise, checkpoint_region=OTHER_COUNTY)["checkpoint"]
    trip = trips.start_trip(
        setup["pass"],
        actor=None,
        route="连霍高速",
        occupants=[setup["driver_id"]],
        now=timezone.now() - 3 * HOUR,
    )
    make_check(setup["checkpoint"], setup["pass"], at=timezone.now() - HOUR)
    sampled_at = timezone.now().replace(microsecond=0) - 2 * HOUR
    check = make_check(far, setup["pass"], at=sampled_at)
    (sample,) = trips.take_samples(
        check, actor=None, samples=[(trip.occupant_keys[0], "")], now=sampled_at
    )
    return {
        **setup,
        "trip": trip,
        "sample": sample,
        "sampled_at": sampled_at,
        "source": make_feed_source(),
        "unit_admin": make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise),
        "liaison": make_user(Role.LIAISON_CADRE, OWN_COUNTY, enterprise=own_enterprise),
        "own_office": make_user(Role.HQ_OFFICE, OWN_COUNTY),
        "far_office": make_user(Role.HQ_OFFICE, OTHER_COUNTY),
        "far_city_office": make_user(Role.HQ_OFFICE, "4102"),
        "bystander": make_user(Role.HQ_OFFICE, "410105"),
    }


def feed(world, result, *, sample_no="NAT-1", offset=datetime.timedelta(minutes=20)):
    return ingest(
        "test_result",
        [
            {
                "id_number": world["driver_id"],
                "sample_no": sample_no,
                "sampled_at": (world["sampled_at"] + offset).isoformat(),
                "result": result,
            }
        ],
        source=world["source"],
        actor=None,
    )


def alerts_to(user):
    return Notification.objects.filter(recipient=user, title__contains="闭环运输阳性预警")


@pytest.mark.req("LOG-04")
def test_a_late_positive_through_the_nat_feed_alerts_the_destination_once(world):
    batch = feed(world, "positive")
    assert batch.accepted == 1
    sample = TripSample.objects.get(pk=world["sample"].pk)
    assert sample.result == SampleResult.POSITIVE
    assert sample.alerted_at is not None
    trip_url = f"/logistics/trips/{world['trip'].pk}/"
    for who in ("unit_admin", "liaison", "own_office", "far_office"):
        assert list(alerts_to(world[who]).values_list("url", flat=True)) == [trip_url], who
    # the HQ of the checkpoint's county is told, not the city above it nor an unrelated county
    assert not alerts_to(world["far_city_office"]).exists()
    assert not alerts_to(world["bystander"]).exists()
    # the laboratory resends the batch: nothing new
    again = feed(world, "positive")
    assert again.accepted == 0
    assert alerts_to(world["unit_admin"]).count() == 1
    assert AuditLog.objects.filter(action="logistics.trip.positive_alert").count() == 1


@pytest.mark.req("LOG-04")
def test_the_same_positive_under_a_new_sample_number_still_alerts_once(world):
    feed(world, "positive", sample_no="NAT-1")
    feed(world, "positive", sample_no="NAT-1-RETEST")
    assert alerts_to(world["unit_admin"]).count() == 1


@pytest.mark.req("LOG-04")
def test_a_negative_closes_the_sample_and_the_arrived_trip_without_alerts(world):
    trips.arrive(world["trip"], actor=None)
    feed(world, "negative")
    sample = TripSample.objects.get(pk=world["sample"].pk)
    assert sample.result == SampleResult.NEGATIVE
    assert sample.result_at is not None
    world["trip"].refresh_from_db()
    assert world["trip"].status == TripStatus.CLOSED
    assert not Notification.objects.filter(title__contains="阳性").exists()


@pytest.mark.req("LOG-04")
def test_a_result_of_another_sampling_time_leaves_the_sample_pending(world):
    feed(world, "positive", offset=-2 * 24 * HOUR)
    assert TripSample.objects.get(pk=world["sample"].pk).result == SampleResult.PENDING
    assert not alerts_to(world["unit_admin"]).exists()


@pytest.mark.req("LOG-04")
def test_the_tube_code_matches_whatever_the_lab_clock_says(world, own_enterprise):
    setup = make_trip_setup(own_enterprise)
    trip = trips.start_trip(setup["pass"], actor=None, occupants=[setup["driver_id"]])
    check = make_check(setup["checkpoint"], setup["pass"])
    (sample,) = trips.take_samples(check, actor=None, samples=[(trip.occupant_keys[0], "TUBE-9")])
    ingest(
        "test_result",
        [
            {
                "id_number": setup["driver_id"],
                "sample_no": "TUBE-9",
                "sampled_at": (sample.sampled_at - 5 * HOUR).isoformat(),
                "result": "negative",
            }
        ],
        source=world["source"],
        actor=None,
    )
    assert TripSample.objects.get(pk=sample.pk).result == SampleResult.NEGATIVE


@pytest.mark.req("LOG-04")
def test_samples_without_a_result_past_the_deadline_are_overdue(world):
    hours = 24  # the rule trip_sample_result_hours (default)
    assert queries_trips.result_deadline(world["sampled_at"]) == world["sampled_at"] - hours * HOUR
    pending = TripSample.objects.filter(queries_trips.overdue_q(world["sampled_at"]))
    assert not pending.exists()
    later = world["sampled_at"] + (hours + 1) * HOUR
    overdue = queries_trips.filter_state(TripSample.objects.all(), "overdue", later)
    assert list(overdue) == [world["sample"]]
    feed(world, "negative")
    assert not queries_trips.filter_state(TripSample.objects.all(), "overdue", later).exists()


@pytest.mark.req("LOG-04")
def test_a_failing_listener_never_loses_the_laboratory_batch(world, monkeypatch):
    def broken(batch):
        raise RuntimeError("listener down")

    monkeypatch.setattr(sentinel, "_RESULT_LISTENERS", [broken, trips.chase_results])
    batch = feed(world, "positive")
    assert FeedBatch.objects.get(pk=batch.pk).accepted == 1
    assert TripSample.objects.get(pk=world["sample"].pk).result == SampleResult.POSITIVE
