"""EPI-02: ingesting the external feeds through ``ingest()`` — every kind, idempotent on its
natural key, validated record by record (a bad record is named and the good ones kept), scope
keys copied from the roster, one transaction per batch, and no ID number anywhere it must not be.
"""

import datetime
import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import id_number, make_enterprise, make_feed_source, make_staff, make_user
from sibao.epidemic import sentinel
from sibao.epidemic.ingest import ingest
from sibao.epidemic.models import (
    ArrivalReport,
    DrugPurchase,
    FeedBatch,
    HealthCodeChange,
    ItineraryChange,
    PersonStatus,
    SentinelAlert,
    StaffMember,
)
from sibao.epidemic.models import (
    TestResult as NatResult,
)

NOW = timezone.now().replace(microsecond=0)
HOUR = datetime.timedelta(hours=1)


def at(hours_ago: float) -> str:
    return (NOW - hours_ago * HOUR).isoformat()


def nat_record(id_no, sample="S1", hours_ago=2, result="negative", **extra):
    return {
        "id_number": id_no,
        "sample_no": sample,
        "sampled_at": at(hours_ago),
        "result": result,
        **extra,
    }


def records_of(kind, id_no, unit):
    """One valid record of each kind."""
    return {
        "test_result": [nat_record(id_no, is_pooled=True)],
        "health_code": [{"id_number": id_no, "colour": "yellow", "changed_at": at(3)}],
        "itinerary": [
            {
                "id_number": id_no,
                "status": "starred",
                "changed_at": at(3),
                "origin_region": "310115",
            }
        ],
        "drug_purchase": [
            {
                "record_no": "RX-1",
                "id_number": id_no,
                "pharmacy": "张仲景大药房（中原店）",
                "pharmacy_region": "410102",
                "drug_class": "fever",
                "purchased_at": at(5),
            }
        ],
        "arrival": [
            {
                "report_no": "YSB-0001",
                "enterprise": unit.credit_code,
                "id_number": id_no,
                "name": "王来访",
                "phone": "13712345678",
                "origin_region": "310115",
                "origin_name": "上海市浦东新区",
                "expected_arrival": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
                "purpose": "visit",
                "has_symptoms": "false",
                "last_test_on": timezone.localdate().isoformat(),
            }
        ],
    }[kind]


STORED = {
    "test_result": NatResult,
    "health_code": HealthCodeChange,
    "itinerary": ItineraryChange,
    "drug_purchase": DrugPurchase,
    "arrival": ArrivalReport,
}


@pytest.fixture
def unit(db):
    return make_enterprise(region="410102")


@pytest.fixture
def source(db):
    return make_feed_source("lab-zz", "郑州测试检测实验室")


@pytest.mark.req("EPI-02")
@pytest.mark.parametrize("kind", list(STORED))
def test_every_kind_is_accepted_and_stored_with_its_source(kind, unit, source):
    id_no = id_number(11)
    make_staff(unit, id_no)
    batch = ingest(kind, records_of(kind, id_no, unit), source=source, actor=None)
    assert (batch.total, batch.accepted, batch.duplicates, batch.rejected) == (1, 1, 0, 0)
    assert batch.kind == kind and batch.source == source and batch.errors == []
    model = STORED[kind]
    assert model.objects.count() == 1
    row = model.objects.get()
    if kind == "arrival":
        assert row.source == "feed" and row.report_no == "YSB-0001" and row.enterprise == unit
    else:
        assert row.source_id == "lab-zz" and row.batch_id == batch.pk
        assert (row.region_code, row.enterprise_id) == ("410102", unit.pk)


@pytest.mark.req("EPI-02")
def test_deleting_a_batch_keeps_its_events_without_it(unit, source):
    # the events' batch has no database constraint (one check per stored row); the ORM keeps
    # the relation's rule
    id_no = id_number(12)
    batches = {
        kind: ingest(kind, records_of(kind, id_no, unit), source=source, actor=None)
        for kind in STORED
        if kind != "arrival"
    }
    for kind, batch in batches.items():
        batch.delete()
        row = STORED[kind].objects.get()
        assert row.batch_id is None and row.source_id == "lab-zz"


def _snapshot():
    return {
        model.__name__: sorted(
            tuple(str(v) for v in row)
            for row in model.objects.values_list(
                *[f.attname for f in model._meta.concrete_fields if f.attname != "batch_id"]
            )
        )
        for model in (*STORED.values(), PersonStatus, StaffMember, SentinelAlert)
    }


@pytest.mark.req("EPI-02")
def test_a_resent_batch_changes_nothing(unit, source):
    ids = [id_number(n) for n in range(20, 26)]
    for id_no in ids[:4]:
        make_staff(unit, id_no)
    batches = {kind: [] for kind in STORED}
    for n, id_no in enumerate(ids):
        for kind in STORED:
            record = records_of(kind, id_no, unit)[0]
            if kind == "test_result":
                record["sample_no"] = f"S{n}"
                record["result"] = "positive" if n == 5 else "negative"
            if kind == "drug_purchase":
                record["record_no"] = f"RX-{n}"
            if kind == "arrival":
                record["report_no"] = f"YSB-{n}"
            batches[kind].append(record)
    for kind, records in batches.items():
        first = ingest(kind, records, source=source, actor=None)
        assert first.accepted == len(records), first.errors
    before = _snapshot()
    assert SentinelAlert.objects.exists()  # the positive and the purchases were signalled
    for kind, records in batches.items():
        again = ingest(kind, records, source=source, actor=None)
        assert (again.accepted, again.duplicates, again.rejected) == (0, len(records), 0)
    assert _snapshot() == before


@pytest.mark.req("EPI-02")
def test_duplicates_inside_one_batch_are_stored_once(unit, source):
    id_no = id_number(30)
    record = nat_record(id_no)
    batch = ingest(
        "test_result", [record, dict(record), nat_record(id_no, "S2")], source=source, actor=None
    )
    assert (batch.accepted, batch.duplicates, batch.rejected) == (2, 1, 0)
    assert NatResult.objects.count() == 2


@pytest.mark.req("EPI-02")
def test_a_malformed_record_is_rejected_with_its_reason_while_the_good_ones_are_kept(unit, source):
    good = id_number(40)
    bad_check_digit = good[:17] + ("0" if good[17] != "0" else "1")
    records = [
        nat_record(good, "S1"),
        nat_record(bad_check_digit, "S2"),
        nat_record(good, "S3", result="maybe"),
        nat_record(good, "S4", hours_ago=-3),  # three hours in the future
        {"id_number": good, "sampled_at": at(1), "result": "negative"},  # no sample number
        nat_record(good, "S6") | {"sampled_at": "yesterday"},
        "not a record",
        nat_record(good, "S8", is_pooled="perhaps"),
        nat_record(good, "S9", result="positive"),
    ]
    batch = ingest("test_result", records, source=source, actor=None)
    assert (batch.total, batch.accepted, batch.rejected) == (9, 2, 7)
    assert [(e["index"], e["field"]) for e in batch.errors] == [
        (1, "id_number"),
        (2, "result"),
        (3, "sampled_at"),
        (4, "sample_no"),
        (5, "sampled_at"),
        (6, ""),
        (7, "is_pooled"),
    ]
    reasons = {e["index"]: e["reason"] for e in batch.errors}
    assert reasons[1] == "身份证号码校验位不符。"
    assert reasons[3] == "时间晚于当前时间。"
    assert reasons[4] == "必填。"
    assert set(NatResult.objects.values_list("sample_no", flat=True)) == {"S1", "S9"}
    assert FeedBatch.objects.get().errors == batch.errors


@pytest.mark.req("EPI-02")
def test_times_without_an_offset_are_read_as_shanghai_time(unit, source):
    id_no = id_number(41)
    ingest(
        "health_code",
        [{"id_number": id_no, "colour": "red", "changed_at": "2022-05-20T08:30:00"}],
        source=source,
        actor=None,
    )
    changed = HealthCodeChange.objects.get().changed_at
    assert changed == datetime.datetime(2022, 5, 20, 0, 30, tzinfo=datetime.UTC)


@pytest.mark.req("EPI-02")
def test_scope_keys_come_from_the_persons_active_roster_row(unit, source):
    on_roster, gone, nobody = id_number(50), id_number(51), id_number(52)
    make_staff(unit, on_roster)
    make_staff(make_enterprise(region="410202"), gone, is_active=False)
    ingest(
        "test_result",
        [nat_record(on_roster, "A"), nat_record(gone, "B"), nat_record(nobody, "C")],
        source=source,
        actor=None,
    )
    scopes = dict(
        (sample, (region, unit_id))
        for sample, region, unit_id in NatResult.objects.values_list(
            "sample_no", "region_code", "enterprise_id"
        )
    )
    # off the rosters: the province, so that only province-wide grants see the row
    assert scopes == {"A": ("410102", unit.pk), "B": ("41", None), "C": ("41", None)}
    ingest(
        "drug_purchase",
        [records_of("drug_purchase", nobody, unit)[0] | {"pharmacy_region": "410305"}],
        source=source,
        actor=None,
    )
    # an off-roster purchase belongs to the pharmacy's county (its sentinel unit sees it)
    assert DrugPurchase.objects.get().region_code == "410305"


@pytest.mark.req("EPI-02")
def test_a_crash_in_the_middle_stores_nothing_of_the_batch(unit, source, monkeypatch):
    def broken(rows):
        raise RuntimeError("sentinel down")

    monkeypatch.setattr(sentinel, "on_test_results", broken)
    with pytest.raises(RuntimeError):
        ingest(
            "test_result",
            [nat_record(id_number(60), result="positive")],
            source=source,
            actor=None,
        )
    assert not NatResult.objects.exists()
    assert not PersonStatus.objects.exists()
    assert not FeedBatch.objects.exists()


@pytest.mark.req("EPI-02")
@pytest.mark.req("EPI-10")
def test_the_sentinel_hooks_get_only_the_newly_stored_rows(unit, source, monkeypatch):
    seen = []
    monkeypatch.setattr(sentinel, "on_test_results", lambda rows: seen.append(list(rows)))
    id_no = id_number(61)
    make_staff(unit, id_no)

    def positive(sample):
        return nat_record(id_no, sample, result="positive")

    ingest("test_result", [positive("A"), positive("B")], source=source, actor=None)
    ingest(
        "test_result",
        [positive("A"), positive("C"), nat_record(id_no, "N")],
        source=source,
        actor=None,
    )
    ingest("test_result", [positive("A")], source=source, actor=None)
    # only positives reach the sentinel, each once: a resent one is not new
    assert [sorted(r.sample_no for r in rows) for rows in seen] == [["A", "B"], ["C"]]
    row = seen[0][0]
    assert row.pk and row.enterprise_id == unit.pk and row.region_code == "410102"


@pytest.mark.req("EPI-02")
def test_only_the_sources_own_feed_account_may_send_for_it(unit, source):
    other = make_feed_source("hcp", "健康码平台")
    with pytest.raises(PermissionDenied):
        ingest("test_result", [nat_record(id_number(70))], source=source, actor=other.user)
    officer = make_user(Role.HEALTH_OFFICE, "41")
    with pytest.raises(PermissionDenied):
        ingest("test_result", [nat_record(id_number(70))], source=source, actor=officer)
    batch = ingest("test_result", [nat_record(id_number(70))], source=source, actor=source.user)
    assert batch.accepted == 1 and batch.received_by == source.user
    assert not FeedBatch.objects.exclude(pk=batch.pk).exists()


@pytest.mark.req("EPI-02")
@pytest.mark.req("EPI-01")
def test_no_id_number_reaches_the_event_tables_batch_errors_audit_or_logs(unit, source, caplog):
    caplog.set_level(logging.DEBUG)
    ids = [id_number(n) for n in range(80, 84)]
    make_staff(unit, ids[0])
    unknown_unit = records_of("arrival", ids[3], unit)[0] | {"enterprise": "91410100MA00000000"}
    for kind in STORED:
        records = [records_of(kind, ids[0], unit)[0] | _unique(kind, 0)]
        records.append(records_of(kind, ids[1], unit)[0] | _unique(kind, 1) | {"name": ""})
        if kind != "arrival":
            # a record rejected for another field still carries the ID number
            records.append(
                records_of(kind, ids[2], unit)[0]
                | {"sampled_at": "bad", "colour": "x", "status": "x", "drug_class": "x"}
            )
        else:
            records.append(unknown_unit)
        ingest(kind, records, source=source, actor=None)
    assert FeedBatch.objects.filter(rejected__gt=0).exists()
    texts = [caplog.text]
    for model in (*STORED.values(), FeedBatch, PersonStatus, SentinelAlert, AuditLog):
        for row in model.objects.values():
            texts.append(repr(row))
    blob = "\n".join(texts)
    for id_no in ids:
        assert id_no not in blob
        assert id_no[:17] not in blob


def _unique(kind, n):
    return {
        "test_result": {"sample_no": f"S{n}"},
        "drug_purchase": {"record_no": f"RX-{n}"},
        "arrival": {"report_no": f"YSB-{n}"},
        "health_code": {"changed_at": at(3 + n)},
        "itinerary": {"changed_at": at(3 + n)},
    }[kind]
