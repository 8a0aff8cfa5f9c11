"""EPI-10: the feeds' hooks raise the right sentinel alert once — a positive result, a purchase of
the four drug classes, an arrival from outside Henan without an arrival report — and the alert
reaches the person (SMS), the unit's admins and the sentinel unit (health office)."""

import datetime

import pytest
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import Notification, OutboxMessage
from sibao.core.personal import person_key
from sibao.core.testing import OWN_COUNTY, id_number, make_staff, make_user
from sibao.epidemic import sentinel
from sibao.epidemic.models import (
    AlertKind,
    ArrivalReport,
    DataSource,
    DrugPurchase,
    ItineraryChange,
    SentinelAlert,
)
from sibao.epidemic.models import (
    TestResult as NatResult,  # not a test class: pytest must not collect it
)

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def source(db):
    return DataSource.objects.create(code="lab-zz", name="郑州检测中心")


@pytest.fixture
def worker(own_enterprise):
    return make_staff(own_enterprise, last_negative_at=timezone.now() - HOUR)


def event(model, staff, source, **fields):
    return model.objects.create(
        person_key=staff.person_key,
        source=source,
        received_at=timezone.now(),
        region_code=staff.region_code,
        enterprise_id=staff.enterprise_id,
        **fields,
    )


def nat_result(staff, source, result, sample_no):
    return event(
        NatResult,
        staff,
        source,
        lab="郑州检测中心",
        sample_no=sample_no,
        sampled_at=timezone.now() - HOUR,
        result=result,
    )


@pytest.mark.req("EPI-10")
def test_a_positive_result_raises_one_alert_and_starts_the_follow_up(
    worker, source, monkeypatch, django_capture_on_commit_callbacks
):
    followed = []
    monkeypatch.setattr(sentinel, "follow_up_positive", lambda a, r: followed.append((a, r)))
    rows = [
        nat_result(worker, source, "negative", "S-1"),
        nat_result(worker, source, "positive", "S-2"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        sentinel.on_test_results(rows)
        sentinel.on_test_results(rows)  # the same rows again: nothing new

    alert = SentinelAlert.objects.get()
    assert alert.kind == AlertKind.POSITIVE
    assert alert.staff == worker and alert.enterprise_id == worker.enterprise_id
    assert "流调" in alert.detail
    assert [(a.pk, r.sample_no) for a, r in followed] == [(alert.pk, "S-2"), (alert.pk, "S-2")]


@pytest.mark.req("EPI-10")
def test_a_drug_purchase_raises_one_alert_per_record(worker, source):
    rows = [
        event(
            DrugPurchase,
            worker,
            source,
            record_no=f"R-{n}",
            pharmacy="大药房",
            pharmacy_region=OWN_COUNTY,
            drug_class=drug,
            purchased_at=timezone.now() - HOUR,
        )
        for n, drug in enumerate(["fever", "antiviral"])
    ]
    sentinel.on_drug_purchases(rows)
    sentinel.on_drug_purchases(rows[:1])

    alerts = SentinelAlert.objects.filter(kind=AlertKind.DRUG_PURCHASE)
    assert alerts.count() == 2
    assert {a.detail.split("购买")[1] for a in alerts} == {"退热类药品", "抗病毒类药品"}


def itinerary(staff, source, origin, when=None):
    return event(
        ItineraryChange,
        staff,
        source,
        status="normal",
        origin_region=origin,
        changed_at=when or timezone.now() - HOUR,
    )


@pytest.mark.req("EPI-10")
@pytest.mark.req("EPI-08")
def test_an_arrival_from_outside_henan_without_a_report_raises_an_alert(worker, source):
    rows = [itinerary(worker, source, "110105"), itinerary(worker, source, "410105")]
    sentinel.on_itineraries(rows)
    sentinel.on_itineraries(rows)

    alert = SentinelAlert.objects.get()
    assert alert.kind == AlertKind.UNREPORTED_ARRIVAL
    assert "110105" in alert.detail


def report(staff, enterprise, reported_at):
    row = ArrivalReport.objects.create(
        enterprise=enterprise,
        person_key=staff.person_key,
        id_encrypted=staff.id_encrypted,
        id_masked=staff.id_masked,
        name=staff.name,
        phone_encrypted=staff.phone_encrypted,
        phone_masked=staff.phone_masked,
        origin_region="110105",
        expected_arrival=timezone.localdate(),
        report_no=f"YSB-{staff.pk}",
        region_code=enterprise.region_id,
    )
    # reported_at is set on insert; move it to the moment the test needs
    ArrivalReport.objects.filter(pk=row.pk).update(reported_at=reported_at)
    return row


@pytest.mark.req("EPI-10")
@pytest.mark.req("EPI-08")
def test_an_arrival_with_a_report_raises_nothing(worker, source, own_enterprise):
    report(worker, own_enterprise, timezone.now() - 2 * 24 * HOUR)
    sentinel.on_itineraries([itinerary(worker, source, "110105")])

    assert not SentinelAlert.objects.exists()


@pytest.mark.req("EPI-10")
def test_a_report_older_than_the_look_back_does_not_cover_a_new_arrival(
    worker, source, own_enterprise
):
    # default look-back: 3 days (rule-set parameter sentinel_arrival_lookback_days)
    report(worker, own_enterprise, timezone.now() - 5 * 24 * HOUR)
    sentinel.on_itineraries([itinerary(worker, source, "310101")])

    assert SentinelAlert.objects.filter(kind=AlertKind.UNREPORTED_ARRIVAL).count() == 1


@pytest.mark.req("EPI-10")
def test_an_alert_reaches_the_person_the_unit_and_the_sentinel_unit(
    worker, source, personas, own_enterprise, django_capture_on_commit_callbacks
):
    health_city = make_user(Role.HEALTH_OFFICE, "4101")
    health_elsewhere = make_user(Role.HEALTH_OFFICE, "4102")
    with django_capture_on_commit_callbacks(execute=True):
        sentinel.on_test_results([nat_result(worker, source, "positive", "S-9")])

    alert = SentinelAlert.objects.get()
    sms = OutboxMessage.objects.get()
    assert sms.dedupe_key == f"sentinel:{alert.dedupe_key}"
    assert sms.phone_masked == worker.phone_masked
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {personas["enterprise_admin"].username, health_city.username}
    assert health_elsewhere.username not in recipients


@pytest.mark.req("EPI-10")
def test_an_alert_about_someone_on_no_roster_sits_with_the_province(source):
    stranger = person_key(id_number(7, region="110105"))
    row = NatResult.objects.create(
        person_key=stranger,
        source=source,
        received_at=timezone.now(),
        region_code="",
        lab="郑州检测中心",
        sample_no="S-X",
        sampled_at=timezone.now() - HOUR,
        result="positive",
    )
    sentinel.on_test_results([row])

    alert = SentinelAlert.objects.get()
    assert alert.region_code == "41" and alert.staff is None
    assert not OutboxMessage.objects.exists()  # no roster phone: no SMS


# --- end to end, through the feeds' ingest() ------------------------------------------------------


def feed(kind, records, source):
    from sibao.epidemic.ingest import ingest

    return ingest(kind, records, source=source, actor=None, via="api")


def iso(moment):
    return timezone.localtime(moment).isoformat()


@pytest.mark.req("EPI-10")
@pytest.mark.req("EPI-02")
def test_ingested_positives_and_unreported_arrivals_raise_alerts_once(
    worker, source, django_capture_on_commit_callbacks
):
    from sibao.core.personal import decrypt

    id_no = decrypt(worker.id_encrypted)
    results = [
        {
            "id_number": id_no,
            "sample_no": "E-1",
            "sampled_at": iso(timezone.now() - HOUR),
            "result": "positive",
        },
    ]
    trips = [
        {
            "id_number": id_no,
            "status": "normal",
            "changed_at": iso(timezone.now() - HOUR),
            "origin_region": "320102",
        },
    ]
    with django_capture_on_commit_callbacks(execute=True):
        feed("test_result", results, source)
        feed("itinerary", trips, source)
        feed("test_result", results, source)  # resent: nothing new
        feed("itinerary", trips, source)

    kinds = sorted(SentinelAlert.objects.values_list("kind", flat=True))
    assert kinds == [AlertKind.POSITIVE, AlertKind.UNREPORTED_ARRIVAL]
    assert set(SentinelAlert.objects.values_list("staff_id", flat=True)) == {worker.pk}


@pytest.mark.req("EPI-04")
@pytest.mark.req("EPI-02")
def test_an_ingested_negative_result_takes_a_person_off_the_overdue_list(
    own_enterprise, source, personas, login
):
    from django.urls import reverse

    from sibao.core.personal import decrypt

    late = make_staff(own_enterprise, last_negative_at=timezone.now() - 60 * HOUR)
    client = login(personas["enterprise_admin"])
    url = reverse("epidemic:compliance_overdue")
    assert [s.pk for s in client.get(url).context["object_list"]] == [late.pk]

    feed(
        "test_result",
        [
            {
                "id_number": decrypt(late.id_encrypted),
                "sample_no": "N-1",
                "sampled_at": iso(timezone.now() - HOUR),
                "result": "negative",
            }
        ],
        source,
    )
    assert list(client.get(url).context["object_list"]) == []
