"""PLAT-03: the health office exercises a person's rights over their data: find by full ID
number (masked overview per table, own region only), export everything held (audited as an
unmask), delete on request (exactly that person's rows, one audit row with counts per table),
refused while the person is under a control measure; other roles get 403."""

import datetime
import json

import pytest
from django.utils import timezone

from sibao.core.models import AuditLog
from sibao.core.testing import OTHER_COUNTY, make_nat_result, make_staff
from sibao.epidemic.models import AlertStatus, PersonStatus, SentinelAlert, StaffMember
from sibao.epidemic.models import TestResult as NatResult
from sibao.places.models import Scan, TracingContact
from tests.epi_roster_files import health_office, valid_id

URL = "/epidemic/person-rights/"
ID_A = valid_id(301)
ID_B = valid_id(302)
ID_FAR = valid_id(303, region="410202")


def _scan(staff, n, when):
    from sibao.places import partitions

    partitions.ensure([partitions.day_of(when)])
    return Scan.objects.create(
        person_key=staff.person_key,
        place_code_id=1,
        space_id=1,
        enterprise_id=staff.enterprise_id,
        region_code=staff.region_code,
        entered_at=when,
        source="mobile",
        device=f"m:{n}",
        event_id=str(n),
        received_at=when,
    )


def _alert(staff, status=AlertStatus.OPEN):
    now = timezone.now()
    return SentinelAlert.objects.create(
        kind="overdue_test",
        dedupe_key=f"t:{staff.pk}:{status}",
        person_key=staff.person_key,
        staff=staff,
        enterprise_id=staff.enterprise_id,
        detail="超时未检测核酸",
        raised_at=now,
        due_at=now + datetime.timedelta(hours=2),
        status=status,
        region_code=staff.region_code,
    )


@pytest.fixture
def people(own_enterprise, other_enterprise):
    now = timezone.now()
    a = make_staff(own_enterprise, ID_A, name="钱多多")
    b = make_staff(own_enterprise, ID_B, name="孙小美")
    far = make_staff(other_enterprise, ID_FAR, name="远方人")
    for i, staff in enumerate((a, b, far)):
        make_nat_result(staff, now - datetime.timedelta(days=2))
        make_nat_result(staff, now - datetime.timedelta(days=1))
        _scan(staff, 10 * i + 1, now - datetime.timedelta(days=3))
        PersonStatus.objects.create(person_key=staff.person_key, health_code="green")
    _alert(a, AlertStatus.CLOSED)
    return {"a": a, "b": b, "far": far}


def _find(client, id_number):
    return client.post(URL, {"op": "find", "id_number": id_number})


@pytest.mark.req("PLAT-03")
def test_find_shows_masked_holdings_in_the_officers_region_only(people, login):
    _user, health = health_office(login)
    page = _find(health, ID_A)
    text = page.content.decode()
    assert page.status_code == 200
    assert ID_A not in text and people["a"].id_masked in text
    assert 'data-table="nat_results"><td>核酸检测结果</td><td>2<' in text
    assert 'data-table="scans"><td>扫码记录</td><td>1<' in text
    assert 'data-table="sentinel_alerts"><td>' in text and 'name="token"' in text
    # a person of another county is not shown to this county's officer
    far = _find(health, ID_FAR).content.decode()
    assert 'data-testid="not-found"' in far and "远方人" not in far
    assert _find(health, "123").status_code == 422


@pytest.mark.req("PLAT-03")
def test_only_the_health_office_reaches_the_page(people, personas, login):
    for persona in ("own_county", "other_county", "enterprise_admin"):
        client = login(personas[persona])
        assert client.get(URL).status_code == 403
        assert _find(client, ID_A).status_code == 403
    _user, health = health_office(login)
    assert health.get(URL).status_code == 200


@pytest.mark.req("PLAT-03")
def test_export_holds_everything_in_clear_and_is_audited_as_an_unmask(people, login):
    user, health = health_office(login)
    token = _find(health, ID_A).context["token"]
    response = health.post(URL, {"op": "export", "token": token})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["unmasked"] is True
    tables = data["tables"]
    assert [r["id_number"] for r in tables["roster"]] == [ID_A]
    assert tables["roster"][0]["name"] == "钱多多"
    assert len(tables["nat_results"]) == 2 and len(tables["scans"]) == 1
    assert len(tables["sentinel_alerts"]) == 1 and len(tables["status"]) == 1
    assert people["a"].person_key not in response.content.decode()
    assert ID_B not in response.content.decode()
    log = AuditLog.objects.get(action="person.export.unmask")
    assert log.actor_id == user.pk and log.changes["counts"]["nat_results"] == 2
    assert ID_A not in f"{log.changes} {log.note} {log.object_repr}"
    # a forged or stale token is refused
    assert health.post(URL, {"op": "export", "token": "x"}).status_code == 422


@pytest.mark.req("PLAT-03")
def test_deletion_removes_exactly_that_persons_data(people, login):
    user, health = health_office(login)
    a, b = people["a"], people["b"]
    key_a, masked_a = a.person_key, a.id_masked
    token = _find(health, ID_A).context["token"]
    response = health.post(URL, {"op": "erase", "token": token})
    assert response.status_code == 200 and 'data-testid="erased"' in response.content.decode()

    for model in (NatResult, Scan, SentinelAlert, StaffMember, PersonStatus):
        assert not model.objects.filter(person_key=key_a).exists(), model
    a.refresh_from_db()
    assert (a.id_encrypted, a.id_masked, a.phone_encrypted, a.phone_masked) == ("", "", "", "")
    assert a.name != "钱多多" and not a.is_active
    # the other person keeps everything
    assert NatResult.objects.filter(person_key=b.person_key).count() == 2
    assert Scan.objects.filter(person_key=b.person_key).count() == 1
    assert PersonStatus.objects.filter(person_key=b.person_key).exists()
    b.refresh_from_db()
    assert b.name == "孙小美" and b.id_encrypted

    log = AuditLog.objects.get(action="person.erase")
    assert log.actor_id == user.pk
    counts = log.changes["counts"]
    assert counts["nat_results"] == 2 and counts["scans"] == 1 and counts["roster"] == 1
    assert counts["sentinel_alerts"] == 1 and counts["status"] == 1
    text = f"{log.changes} {log.note} {log.object_repr}"
    assert ID_A not in text and key_a not in text and masked_a not in text
    # found again: nothing left in scope
    assert 'data-testid="not-found"' in _find(health, ID_A).content.decode()


@pytest.mark.req("PLAT-03")
def test_deletion_is_refused_while_a_control_measure_is_active(people, login):
    from sibao.epidemic.actions.rights import erase_person

    user, health = health_office(login)
    a = people["a"]
    alert = _alert(a)
    page = _find(health, ID_A)
    assert 'data-testid="measures"' in page.content.decode()
    response = health.post(URL, {"op": "erase", "token": page.context["token"]})
    assert response.status_code == 409
    assert "仍处于管控措施中" in response.content.decode()
    assert "电子哨点预警" in response.content.decode()
    assert NatResult.objects.filter(person_key=a.person_key).count() == 2
    assert not AuditLog.objects.filter(action="person.erase").exists()

    # a close contact within the isolation period blocks too; after it, deletion goes ahead
    alert.status = AlertStatus.CLOSED
    alert.save()
    now = timezone.now()
    PersonStatus.objects.filter(person_key=a.person_key).update(
        contact_level="close", contact_at=now
    )
    with pytest.raises(Exception, match="密接"):
        erase_person(user, a.person_key)
    counts = erase_person(user, a.person_key, now=now + datetime.timedelta(days=30))
    assert counts["nat_results"] == 2
    assert not TracingContact.objects.filter(person_key=a.person_key).exists()


@pytest.mark.req("PLAT-03")
def test_an_officer_of_another_county_can_neither_export_nor_delete(people, login):
    from django.core.exceptions import PermissionDenied

    from sibao.epidemic.actions.rights import erase_person, export_person

    far_user, _far = health_office(login, region=OTHER_COUNTY, username="health_far")
    with pytest.raises(PermissionDenied):
        export_person(far_user, people["a"].person_key)
    with pytest.raises(PermissionDenied):
        erase_person(far_user, people["a"].person_key)
    assert NatResult.objects.filter(person_key=people["a"].person_key).count() == 2


def _transport(own_enterprise, a, b):
    """A as a driver of the unit, sampled at a checkpoint while riding with B; a reminder to A."""
    from sibao.core.models import OutboxMessage
    from sibao.core.personal import protect_id_number, protect_phone
    from sibao.logistics.models import Check, Checkpoint, Driver, TripSample

    now = timezone.now()
    driver = Driver.objects.create(
        owner=own_enterprise,
        name="钱多多",
        **protect_id_number(ID_A),
        **protect_phone("13800001111"),
        created_at=now,
        region_code=own_enterprise.region_id,
    )
    checkpoint = Checkpoint.objects.create(name="郑州东站", kind="station", region_code="410102")
    check = Check.objects.create(
        checkpoint=checkpoint,
        at=now - datetime.timedelta(days=20),
        result="pass",
        occupant_keys=[a.person_key, b.person_key],
        sampled=True,
        region_code="410102",
    )
    TripSample.objects.create(
        checkpoint_check=check,
        person_key=a.person_key,
        sampled_at=check.at,
        result="negative",
        region_code="410102",
    )
    OutboxMessage.objects.create(
        person_key=a.person_key,
        body="请按时参加核酸检测",
        dedupe_key=f"rights:{a.pk}",
        region_code="410102",
    )
    return driver, check


@pytest.mark.req("PLAT-03")
def test_drivers_samples_messages_and_occupant_lists_are_covered(people, own_enterprise, login):
    from sibao.core.models import OutboxMessage
    from sibao.logistics.models import TripSample

    user, health = health_office(login)
    a, b = people["a"], people["b"]
    driver, check = _transport(own_enterprise, a, b)
    key_a = a.person_key

    page = _find(health, ID_A).content.decode()
    for table in ("drivers", "trip_samples", "outbox", "checks_as_occupant"):
        assert f'data-table="{table}"><td>' in page, table
    data = json.loads(
        health.post(URL, {"op": "export", "token": _find(health, ID_A).context["token"]}).content
    )["tables"]
    assert [r["id_number"] for r in data["drivers"]] == [ID_A]
    assert len(data["trip_samples"]) == 1 and len(data["outbox"]) == 1
    assert [r["id"] for r in data["checks_as_occupant"]] == [check.pk]
    # the other occupant's key never leaves with A's export
    assert b.person_key not in json.dumps(data)

    erase = health.post(URL, {"op": "erase", "token": _find(health, ID_A).context["token"]})
    assert erase.status_code == 200
    driver.refresh_from_db()
    assert driver.id_encrypted == "" and driver.phone_masked == "" and not driver.is_active
    assert driver.person_key != key_a
    assert not TripSample.objects.filter(person_key=key_a).exists()
    assert not OutboxMessage.objects.filter(person_key=key_a).exists()
    check.refresh_from_db()
    assert check.occupant_keys == [b.person_key]
    counts = AuditLog.objects.get(action="person.erase").changes["counts"]
    assert counts["drivers"] == 1 and counts["trip_samples"] == 1 and counts["outbox"] == 1
    assert counts["checks_as_occupant"] == 1


@pytest.mark.req("PLAT-03")
def test_a_pending_checkpoint_sample_blocks_deletion(people, own_enterprise, login):
    from sibao.epidemic.actions.rights import erase_person
    from sibao.logistics.models import TripSample

    user, _health = health_office(login)
    a = people["a"]
    _driver, check = _transport(own_enterprise, a, people["b"])
    TripSample.objects.create(
        checkpoint_check=check,
        person_key=a.person_key,
        sampled_at=timezone.now(),
        region_code="410102",
    )
    with pytest.raises(Exception, match="即采即走"):
        erase_person(user, a.person_key)
    assert TripSample.objects.filter(person_key=a.person_key).count() == 2
