"""EPI-02, EPI-06: a feed batch stored part by part (PostgreSQL: each part's statement sent through
the pipeline while the next part is validated) gives the same result as one part: every record
stored once, the rejected records named by their place in the whole batch, duplicates counted
across parts, a part sent as arrays (a value with a line end), and a resent batch changing
nothing. Gateway scans: a day first seen in a later part, the risky entries of every part
flagged. NAT results: each person's status and roster row folded across parts, the positives of
every part signalled."""

import datetime

import pytest
from django.utils import timezone

from sibao.core.personal import person_key
from sibao.core.testing import (
    OWN_COUNTY,
    id_number,
    make_enterprise,
    make_feed_source,
    make_place_code,
    make_site,
    make_space,
    make_staff,
)
from sibao.epidemic import ingest as feeds
from sibao.epidemic.ingest import ingest
from sibao.epidemic.models import (
    AlertKind,
    PersonStatus,
    SentinelAlert,
    StaffMember,
)
from sibao.epidemic.models import TestResult as NatResult
from sibao.places.models import Scan

PARTS = pytest.mark.parametrize("parts", [(2, 3), (100, 100)], ids=["small-parts", "one-part"])


@pytest.fixture
def sized(monkeypatch, parts):
    monkeypatch.setattr(feeds, "FIRST_PART", parts[0])
    monkeypatch.setattr(feeds, "PART", parts[1])


def _record(code, event, at, id_no, direction="in"):
    return {
        "device": "lane-1",
        "event_id": event,
        "place_code": code.payload,
        "at": at.isoformat(),
        "id_number": id_no,
        "direction": direction,
    }


@pytest.mark.django_db
@pytest.mark.req("EPI-06")
@PARTS
def test_a_scan_batch_in_parts_stores_what_one_part_stores(sized):
    unit = make_enterprise(region=OWN_COUNTY, name="分段入库测试有限公司")
    code = make_place_code(make_space(make_site(unit, name="一号厂区"), kind="workshop"))
    source = make_feed_source("gate-parts", "分段测试闸机")
    now = timezone.now().replace(microsecond=0)
    today, yesterday = now - datetime.timedelta(minutes=30), now - datetime.timedelta(days=1)
    people = [id_number(80 + n) for n in range(6)]
    red, overdue = people[4], people[5]
    PersonStatus.objects.create(person_key=person_key(red), health_code="red")
    make_staff(unit, overdue, last_negative_at=now - datetime.timedelta(days=5))
    records = [
        _record(code, "t0", today, people[0]),  # part 1 (2 records)
        _record(code, "t1", today, people[1]),
        _record(code, "t2", today, people[2]),  # part 2 (3 records)
        _record(code, "t0", today, people[0]),  # the same event again: a duplicate
        {**_record(code, "bad", today, people[3]), "place_code": "P1.0123456789ABCDEF"},
        _record(code, "y0", yesterday, people[0]),  # part 3: a day no part had yet
        _record(code, "y1", yesterday, people[1]),
        _record(code, "line\nend", today, people[3]),  # sent as arrays
        _record(code, "r0", today, red),  # part 4: risky
        _record(code, "o0", today, overdue),
        _record(code, "out", today + datetime.timedelta(minutes=5), people[2], "out"),
    ]
    batch = ingest("scan", records, source=source, actor=None)
    assert (batch.accepted, batch.duplicates, batch.rejected) == (9, 1, 1), batch.errors
    assert [(error["index"], error["field"]) for error in batch.errors] == [(4, "place_code")]
    stored = {(row.event_id, row.person_key): row for row in Scan.objects.filter(batch_id=batch.pk)}
    expected = [
        ("t0", people[0]),
        ("t1", people[1]),
        ("t2", people[2]),
        ("y0", people[0]),
        ("y1", people[1]),
        ("line\nend", people[3]),
        ("r0", red),
        ("o0", overdue),
    ]
    assert sorted(stored) == sorted((event, person_key(id_no)) for event, id_no in expected)
    assert stored["y0", person_key(people[0])].entered_at == yesterday
    assert stored["t2", person_key(people[2])].left_at == today + datetime.timedelta(minutes=5)
    assert {row.device for row in stored.values()} == {"gate-parts:lane-1"}
    risks = {key: row.risk for (_event, key), row in stored.items() if row.risk}
    assert risks == {person_key(red): "red", person_key(overdue): "overdue"}
    alerts = SentinelAlert.objects.filter(kind=AlertKind.RISK_SCAN)
    assert sorted(alerts.values_list("person_key", flat=True)) == sorted(
        [person_key(red), person_key(overdue)]
    )

    rows = sorted(Scan.objects.values_list("id", "entered_at", "left_at", "risk"))
    again = ingest("scan", records, source=source, actor=None)
    assert (again.accepted, again.rejected) == (0, 1)
    # the nine "in" records are duplicates (one twice), the applied "out" one too
    assert again.duplicates == 10
    assert sorted(Scan.objects.values_list("id", "entered_at", "left_at", "risk")) == rows
    assert alerts.count() == 2


@pytest.mark.django_db
@pytest.mark.req("EPI-02")
@PARTS
def test_a_nat_batch_in_parts_stores_what_one_part_stores(sized):
    unit = make_enterprise(region=OWN_COUNTY, name="分段核酸测试有限公司")
    source = make_feed_source("lab-parts", "分段测试实验室")
    now = timezone.now().replace(microsecond=0)
    people = [id_number(90 + n) for n in range(4)]
    for id_no in people[:3]:
        make_staff(unit, id_no)

    def nat(id_no, sample, hours_ago, result="negative", **extra):
        sampled = now - datetime.timedelta(hours=hours_ago)
        return {
            "id_number": id_no,
            "sample_no": sample,
            "sampled_at": sampled.isoformat(),
            "result": result,
            **extra,
        }

    records = [
        nat(people[0], "A1", 30),  # part 1 (2 records)
        nat(people[1], "A2", 30),
        nat(people[0], "A3", 5),  # part 2 (3 records): the same person, a later sample
        nat(people[1], "A2", 30),  # a duplicate of part 1's record
        {**nat(people[2], "A4", 5), "result": "maybe"},  # rejected
        nat(people[2], "A5", 4, lab="外送\n实验室"),  # part 3: sent as arrays
        nat(people[3], "A6", 3, result="positive"),  # off the roster
        nat(people[1], "A7", 2),
    ]
    batch = ingest("test_result", records, source=source, actor=None)
    assert (batch.accepted, batch.duplicates, batch.rejected) == (6, 1, 1), batch.errors
    assert [(error["index"], error["field"]) for error in batch.errors] == [(4, "result")]
    stored = {row.sample_no: row for row in NatResult.objects.filter(batch_id=batch.pk)}
    assert sorted(stored) == ["A1", "A2", "A3", "A5", "A6", "A7"]
    assert stored["A5"].lab == "外送\n实验室" and stored["A1"].lab == "lab-parts"
    assert stored["A1"].enterprise_id == unit.pk and stored["A6"].enterprise_id is None
    latest = {
        person_key(people[0]): now - datetime.timedelta(hours=5),
        person_key(people[1]): now - datetime.timedelta(hours=2),
        person_key(people[2]): now - datetime.timedelta(hours=4),
    }
    assert dict(StaffMember.objects.values_list("person_key", "last_negative_at")) == latest
    statuses = {row.person_key: row for row in PersonStatus.objects.all()}
    assert {key: statuses[key].last_negative_at for key in latest} == latest
    assert statuses[person_key(people[3])].last_result == "positive"
    assert SentinelAlert.objects.filter(person_key=person_key(people[3])).exists()

    alerts = SentinelAlert.objects.count()
    again = ingest("test_result", records, source=source, actor=None)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 7, 1)
    assert NatResult.objects.count() == 6 and SentinelAlert.objects.count() == alerts
