"""EPI-06: resolving place codes and badges, recording entries (idempotent, risky ones accepted
with one alert a day), exits capped into the stay, the owner's "everyone out", and gateway batches
through the feeds' entry point (bulk, idempotent, record-by-record refusals, badges, out events).
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.personal import person_key
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    earlier_today,
    id_number,
    make_enterprise,
    make_feed_source,
    make_place_code,
    make_site,
    make_space,
    make_staff,
    make_user,
)
from sibao.epidemic.ingest import ingest
from sibao.epidemic.models import AlertKind, FeedBatch, PersonStatus, SentinelAlert
from sibao.places import actions
from sibao.places.models import ExitKind, PlaceCode, Scan

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def unit(db):
    return make_enterprise(region=OWN_COUNTY, name="中原扫码测试机械有限公司")


@pytest.fixture
def code(unit):
    site = make_site(unit, name="一号厂区")
    return make_place_code(make_space(site, kind="workshop", name="装配车间"))


@pytest.fixture
def source(db):
    return make_feed_source("gate-zz", "郑州测试闸机")


def recent(minutes=30):
    return timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=minutes)


def scan(code, key, at=None, event="e1", device="m:dev-1", source="mobile"):
    return actions.record_scan(
        code, person_key=key, at=at, source=source, device=device, event_id=event
    )


def record(code_text, event, at, *, id_no=None, badge="", direction="in", device="g1"):
    values = {
        "device": device,
        "event_id": event,
        "place_code": code_text,
        "at": at.isoformat(),
        "direction": direction,
    }
    if id_no:
        values["id_number"] = id_no
    if badge:
        values["badge"] = badge
    return values


# --- resolving ---------------------------------------------------------------------------------


@pytest.mark.req("EPI-06")
def test_a_valid_code_resolves_from_its_payload_or_its_page_url(code):
    assert actions.resolve_code(code.payload) == code
    assert actions.resolve_code(f"https://sibao.example.cn/s/{code.payload}/") == code
    assert actions.resolve_code(code.payload.lower()) == code


@pytest.mark.req("EPI-06")
def test_forged_altered_revoked_and_expired_codes_are_refused(code, unit):
    forged = "P1.0123456789ABCDEF"
    body, signature = code.payload.split(".")
    altered = f"{body}1.{signature}"  # another id under the same signature
    for payload in (forged, altered, "", "hello", code.space.codes.model(pk=10**9).payload):
        with pytest.raises(ValidationError, match="二维码无效"):
            actions.resolve_code(payload)
    old = PlaceCode.objects.get(pk=code.pk)
    old.expires_on = timezone.localdate() - datetime.timedelta(days=1)
    old.save(update_fields=["expires_on"])
    with pytest.raises(ValidationError, match="已过期"):
        actions.resolve_code(code.payload)
    # valid on the day it expires, and before
    assert actions.resolve_code(code.payload, at=timezone.now() - datetime.timedelta(days=1))
    actions.revoke_code(code, actor=None, reason="码牌损坏")
    with pytest.raises(ValidationError, match="已作废"):
        actions.resolve_code(code.payload)
    # a scan from before the revocation (a gateway's late batch) still resolves
    assert actions.resolve_code(code.payload, at=timezone.now() - 2 * datetime.timedelta(days=1))


@pytest.mark.req("EPI-06")
def test_a_badge_resolves_until_it_is_revoked(unit):
    staff = make_staff(unit)
    badge = actions.issue_badge(staff, actor=None)
    assert actions.resolve_badge(badge.payload) == badge
    with pytest.raises(ValidationError, match="工牌码无效"):
        actions.resolve_badge(badge.payload.replace("B", "P", 1))
    actions.revoke_badge(badge, actor=None, reason="遗失")
    with pytest.raises(ValidationError, match="已作废"):
        actions.resolve_badge(badge.payload)


# --- recording ---------------------------------------------------------------------------------


@pytest.mark.req("EPI-06")
def test_a_scan_is_stored_with_the_denormalised_place_and_is_idempotent(code, unit):
    key = person_key(id_number(1))
    at = recent()
    first = scan(code, key, at=at)
    assert (first.place_code_id, first.space_id, first.enterprise_id, first.region_code) == (
        code.pk,
        code.space_id,
        unit.pk,
        OWN_COUNTY,
    )
    assert first.source == "mobile" and first.risk == "" and first.left_at is None
    # the exact natural key again, and the same event a minute later (a double submit)
    assert scan(code, key, at=at) == first
    assert scan(code, key, at=at + datetime.timedelta(minutes=1)) == first
    assert Scan.objects.count() == 1
    assert scan(code, key, at=at, event="e2").pk != first.pk
    assert Scan.objects.count() == 2


@pytest.mark.req("EPI-06")
def test_a_scan_in_the_future_or_before_the_retention_period_is_refused(code):
    key = person_key(id_number(2))
    with pytest.raises(ValidationError):
        scan(code, key, at=timezone.now() + HOUR)
    with pytest.raises(ValidationError):
        scan(code, key, at=timezone.now() - datetime.timedelta(days=30))
    assert not Scan.objects.exists()


@pytest.mark.req("EPI-06")
@pytest.mark.parametrize("colour", ["red", "yellow"])
def test_a_red_or_yellow_code_is_let_in_with_one_alert_a_day(code, unit, colour):
    id_no = id_number(3)
    key = person_key(id_no)
    staff = make_staff(unit, id_no, last_negative_at=timezone.now() - HOUR)
    PersonStatus.objects.create(person_key=key, health_code=colour, health_code_at=recent(60))
    first = scan(code, key, at=earlier_today(20 / 60), event="a")
    second = scan(code, key, at=earlier_today(10 / 60), event="b")
    assert (first.risk, second.risk) == (colour, colour)
    alert = SentinelAlert.objects.get()
    assert alert.kind == AlertKind.RISK_SCAN and alert.person_key == key
    assert alert.staff == staff and alert.enterprise == unit and alert.region_code == OWN_COUNTY
    assert "装配车间" in alert.detail and "一号厂区" in alert.detail
    assert alert.dedupe_key.startswith(f"risk_scan:{code.pk}:{key}:")


@pytest.mark.req("EPI-06")
def test_an_overdue_roster_member_is_let_in_with_an_alert(code, unit):
    id_no = id_number(4)
    key = person_key(id_no)
    make_staff(unit, id_no, last_negative_at=timezone.now() - datetime.timedelta(hours=80))
    fresh_id = id_number(5)
    make_staff(unit, fresh_id, last_negative_at=timezone.now() - datetime.timedelta(hours=10))
    assert scan(code, key, event="o").risk == "overdue"
    assert scan(code, person_key(fresh_id), event="f").risk == ""
    # a visitor off the roster with no status: no alert
    assert scan(code, person_key(id_number(6)), event="v").risk == ""
    assert SentinelAlert.objects.filter(kind=AlertKind.RISK_SCAN).count() == 1


# --- exits -------------------------------------------------------------------------------------


@pytest.mark.req("EPI-06")
def test_a_check_out_is_capped_into_the_stay(code):
    key = person_key(id_number(7))
    stay = scan(code, key, at=recent(60))
    left = recent(30)  # one instant: calling recent() twice may cross a second
    actions.check_out(stay, at=left)
    assert Scan.objects.get(pk=stay.pk).left_at == left
    assert Scan.objects.get(pk=stay.pk).exit_kind == ExitKind.MANUAL
    with pytest.raises(ValidationError, match="已登记离开"):
        actions.check_out(stay)
    # checked out long after the automatic check-out: it ends at entry + auto_checkout_hours
    old = scan(code, key, at=recent(60 * 10), event="old")
    actions.check_out(old)
    assert Scan.objects.get(pk=old.pk).left_at == old.entered_at + 4 * HOUR
    # an exit "before" the entry (a skewed clock) ends the stay at its entry
    skewed = scan(code, key, at=recent(5), event="skewed")
    actions.check_out(skewed, at=recent(50))
    assert Scan.objects.get(pk=skewed.pk).left_at == skewed.entered_at


@pytest.mark.req("EPI-06")
def test_the_owner_checks_out_everyone_present(code, unit, departments):
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit)
    present = [scan(code, person_key(id_number(10 + n)), event=f"p{n}") for n in range(3)]
    gone = scan(code, person_key(id_number(20)), at=recent(60), event="gone")
    actions.check_out(gone, at=recent(45))
    expired = scan(code, person_key(id_number(21)), at=recent(60 * 5), event="expired")
    now = timezone.now()
    assert actions.check_out_place(code, actor=admin, at=now) == 3
    for row in present:
        stored = Scan.objects.get(pk=row.pk)
        assert (stored.left_at, stored.exit_kind) == (now, ExitKind.OWNER)
    assert Scan.objects.get(pk=gone.pk).exit_kind == ExitKind.MANUAL
    assert Scan.objects.get(pk=expired.pk).left_at is None  # its stay ended automatically
    assert AuditLog.objects.filter(action="place.scan.checkout_place", actor=admin).exists()
    assert actions.check_out_place(code, actor=admin) == 0
    officer = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    outsider = make_user(
        Role.ENTERPRISE_ADMIN, OTHER_COUNTY, enterprise=make_enterprise(region=OTHER_COUNTY)
    )
    for actor in (officer, outsider):
        with pytest.raises(PermissionDenied):
            actions.check_out_place(code, actor=actor)


# --- gateway batches ---------------------------------------------------------------------------


@pytest.mark.req("EPI-06")
def test_a_gateway_batch_is_stored_and_a_resent_batch_changes_nothing(code, unit, source):
    ids = [id_number(30 + n) for n in range(5)]
    records = [
        record(f"https://sibao.example.cn/s/{code.payload}/", f"ev{n}", recent(40 - n), id_no=i)
        for n, i in enumerate(ids)
    ]
    first = ingest("scan", records, source=source, actor=None)
    assert (first.accepted, first.duplicates, first.rejected) == (5, 0, 0), first.errors
    rows = list(Scan.objects.order_by("entered_at"))
    assert [row.person_key for row in rows] == [person_key(i) for i in ids]
    assert {row.device for row in rows} == {"gate-zz:g1"}
    assert {(row.source, row.enterprise_id, row.region_code) for row in rows} == {
        ("gateway", unit.pk, OWN_COUNTY)
    }
    assert {row.batch_id for row in rows} == {first.pk}
    before = sorted(Scan.objects.values_list("id", "person_key", "entered_at", "left_at", "risk"))
    again = ingest("scan", records, source=source, actor=None)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 5, 0)
    after = sorted(Scan.objects.values_list("id", "person_key", "entered_at", "left_at", "risk"))
    assert after == before
    assert FeedBatch.objects.count() == 2


@pytest.mark.req("EPI-06")
def test_refused_codes_and_persons_reject_their_records_not_the_batch(code, unit, source):
    id_no = id_number(40)
    expired = make_place_code(make_space(code.space, kind="area", name="过期区域"))
    PlaceCode.objects.filter(pk=expired.pk).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=2)
    )
    revoked = make_place_code(make_space(code.space, kind="area", name="作废区域"))
    revoked = actions.revoke_code(
        revoked, actor=None, reason="码牌丢失", now=timezone.now() - 2 * HOUR
    )
    body, signature = code.payload.split(".")
    records = [
        record(code.payload, "ok", recent(), id_no=id_no),
        record("P1.0123456789ABCDEF", "forged", recent(), id_no=id_no),
        record(f"{body}Z.{signature}", "altered", recent(), id_no=id_no),
        record(expired.payload, "expired", recent(), id_no=id_no),
        record(revoked.payload, "revoked", recent(), id_no=id_no),
        record(code.payload, "nobody", recent()),
        record(code.payload, "both", recent(), id_no=id_no, badge="B1.0123456789ABCDEF"),
        record(code.payload, "badbadge", recent(), badge="B1.0123456789ABCDEF"),
        record(code.payload, "old", timezone.now() - datetime.timedelta(days=40), id_no=id_no),
    ]
    batch = ingest("scan", records, source=source, actor=None)
    assert (batch.accepted, batch.rejected) == (1, 8), batch.errors
    reasons = {error["index"]: (error["field"], error["reason"]) for error in batch.errors}
    assert reasons[1][0] == reasons[2][0] == "place_code" and "无效" in reasons[1][1]
    assert "已过期" in reasons[3][1] and "已作废" in reasons[4][1]
    assert reasons[5][0] == "id_number" and reasons[6][0] == "badge"
    assert reasons[7][0] == "badge" and "工牌码无效" in reasons[7][1]
    assert reasons[8][0] == "at"
    assert id_no not in str(batch.errors)
    # a code revoked now still accepts a late record from before its revocation
    late = ingest(
        "scan",
        [record(revoked.payload, "late", revoked.revoked_at - HOUR, id_no=id_no)],
        source=source,
        actor=None,
    )
    assert late.accepted == 1, late.errors
    assert Scan.objects.count() == 2


@pytest.mark.req("EPI-06")
def test_badge_scans_and_out_events(code, unit, source):
    staff = make_staff(unit, last_negative_at=timezone.now() - HOUR)
    badge = actions.issue_badge(staff, actor=None)
    id_no = id_number(50)
    entered, left = recent(90), recent(20)
    batch = ingest(
        "scan",
        [
            record(code.payload, "b-in", entered, badge=badge.payload),
            record(code.payload, "i-in", entered, id_no=id_no),
            record(code.payload, "b-out", left, badge=badge.payload, direction="out"),
            record(code.payload, "i-out", left, id_no=id_no, direction="out"),
            # no open stay for this person at this code
            record(code.payload, "x-out", left, id_no=id_number(51), direction="out"),
        ],
        source=source,
        actor=None,
    )
    assert (batch.accepted, batch.rejected) == (4, 1), batch.errors
    assert batch.errors[0]["index"] == 4 and batch.errors[0]["field"] == "direction"
    by_key = {row.person_key: row for row in Scan.objects.all()}
    assert by_key[staff.person_key].source == "badge"
    assert by_key[person_key(id_no)].source == "gateway"
    for row in by_key.values():
        assert (row.entered_at, row.left_at, row.exit_kind) == (entered, left, ExitKind.GATEWAY)
    again = ingest(
        "scan",
        [
            record(code.payload, "b-out", left, badge=badge.payload, direction="out"),
            record(code.payload, "i-out", left, id_no=id_no, direction="out"),
        ],
        source=source,
        actor=None,
    )
    assert (again.accepted, again.duplicates, again.rejected) == (0, 2, 0), again.errors


@pytest.mark.req("EPI-06")
def test_an_out_event_after_the_automatic_check_out_finds_no_open_stay(code, source):
    id_no = id_number(52)
    batch = ingest(
        "scan",
        [
            record(code.payload, "in", recent(60 * 6), id_no=id_no),
            record(code.payload, "out", recent(60), id_no=id_no, direction="out"),
        ],
        source=source,
        actor=None,
    )
    assert (batch.accepted, batch.rejected) == (1, 1)
    assert Scan.objects.get().left_at is None


@pytest.mark.req("EPI-06")
def test_risky_gateway_scans_are_stored_with_one_alert_per_person_place_and_day(code, unit, source):
    red, yellow, overdue, fine = (id_number(60 + n) for n in range(4))
    PersonStatus.objects.create(person_key=person_key(red), health_code="red")
    PersonStatus.objects.create(person_key=person_key(yellow), health_code="yellow")
    PersonStatus.objects.create(person_key=person_key(fine), health_code="green")
    make_staff(unit, overdue, last_negative_at=timezone.now() - datetime.timedelta(days=5))
    make_staff(unit, fine, last_negative_at=timezone.now() - HOUR)
    records = []
    for n, id_no in enumerate((red, yellow, overdue, fine)):
        records.append(record(code.payload, f"a{n}", earlier_today(50 / 60), id_no=id_no))
        records.append(record(code.payload, f"b{n}", earlier_today(10 / 60), id_no=id_no))
    batch = ingest("scan", records, source=source, actor=None)
    assert batch.accepted == 8, batch.errors
    risks = {
        key: set(Scan.objects.filter(person_key=key).values_list("risk", flat=True))
        for key in map(person_key, (red, yellow, overdue, fine))
    }
    assert risks == {
        person_key(red): {"red"},
        person_key(yellow): {"yellow"},
        person_key(overdue): {"overdue"},
        person_key(fine): {""},
    }
    alerts = SentinelAlert.objects.filter(kind=AlertKind.RISK_SCAN)
    assert sorted(alerts.values_list("person_key", flat=True)) == sorted(
        map(person_key, (red, yellow, overdue))
    )
    assert {alert.enterprise_id for alert in alerts} == {unit.pk}
    ingest("scan", records, source=source, actor=None)
    assert alerts.count() == 3


@pytest.mark.req("EPI-06")
def test_a_second_unit_code_in_one_batch_keeps_its_own_scope(code, unit, source):
    other = make_enterprise(region=OTHER_COUNTY)
    other_code = make_place_code(make_site(other, name="二号厂区", venue_type="mall"))
    id_no = id_number(70)
    batch = ingest(
        "scan",
        [
            record(code.payload, "1", recent(30), id_no=id_no),
            record(other_code.payload, "2", recent(20), id_no=id_no),
        ],
        source=source,
        actor=None,
    )
    assert batch.accepted == 2
    assert sorted(Scan.objects.values_list("enterprise_id", "region_code")) == sorted(
        [(unit.pk, OWN_COUNTY), (other.pk, OTHER_COUNTY)]
    )
