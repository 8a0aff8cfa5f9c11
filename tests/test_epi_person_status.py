"""EPI-03: the per-person 两码一证, maintained at ingestion — a newer code replaces the current one,
an older one is ignored, the last negative sample is the maximum whatever the arrival order —
copied onto every roster row of the person, and looked up by the health office by ID number
(posted, audited, never echoed, within the officer's reach)."""

import datetime

import pytest
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.personal import person_key
from sibao.core.testing import (
    id_number,
    make_enterprise,
    make_feed_source,
    make_staff,
    make_user,
    pass_second_factor,
)
from sibao.epidemic.ingest import ingest
from sibao.epidemic.models import PersonStatus, PostClass, StaffMember
from sibao.epidemic.models import TestResult as NatResult
from sibao.epidemic.status import sync_staff_status

NOW = timezone.now().replace(microsecond=0)
HOUR = datetime.timedelta(hours=1)


def ago(hours):
    return NOW - hours * HOUR


@pytest.fixture
def source(db):
    return make_feed_source()


def send(source, kind, *records):
    batch = ingest(kind, list(records), source=source, actor=None)
    assert batch.rejected == 0, batch.errors
    return batch


def nat(id_no, sample, hours, result="negative"):
    return {
        "id_number": id_no,
        "sample_no": sample,
        "sampled_at": ago(hours).isoformat(),
        "result": result,
    }


def status_of(id_no):
    return PersonStatus.objects.get(pk=person_key(id_no))


@pytest.mark.req("EPI-03")
def test_a_newer_code_replaces_the_current_one_and_an_older_one_is_ignored(source):
    id_no = id_number(1)
    send(
        source,
        "health_code",
        {"id_number": id_no, "colour": "green", "changed_at": ago(10).isoformat()},
    )
    send(
        source,
        "health_code",
        {"id_number": id_no, "colour": "yellow", "changed_at": ago(5).isoformat()},
    )
    assert (status_of(id_no).health_code, status_of(id_no).health_code_at) == ("yellow", ago(5))
    # a late message about an earlier change must not turn the code back
    send(
        source,
        "health_code",
        {"id_number": id_no, "colour": "red", "changed_at": ago(7).isoformat()},
    )
    assert status_of(id_no).health_code == "yellow"
    # within one batch the newest wins too, in any order
    send(
        source,
        "itinerary",
        {"id_number": id_no, "status": "starred", "changed_at": ago(1).isoformat()},
        {"id_number": id_no, "status": "normal", "changed_at": ago(2).isoformat()},
    )
    assert (status_of(id_no).itinerary, status_of(id_no).itinerary_at) == ("starred", ago(1))
    assert status_of(id_no).health_code == "yellow"  # one kind leaves the other alone


@pytest.mark.req("EPI-03")
def test_the_last_negative_is_the_maximum_and_the_last_sample_the_newest(source):
    id_no = id_number(2)
    send(source, "test_result", nat(id_no, "A", 30))
    send(source, "test_result", nat(id_no, "B", 6, "positive"), nat(id_no, "C", 10))
    state = status_of(id_no)
    assert (state.last_sample_at, state.last_result) == (ago(6), "positive")
    assert state.last_negative_at == ago(10) and state.last_positive_at == ago(6)
    # an older negative arriving late changes nothing
    send(source, "test_result", nat(id_no, "D", 50))
    state = status_of(id_no)
    assert (state.last_sample_at, state.last_result, state.last_negative_at) == (
        ago(6),
        "positive",
        ago(10),
    )
    send(source, "test_result", nat(id_no, "E", 2))
    state = status_of(id_no)
    assert (state.last_sample_at, state.last_result, state.last_negative_at) == (
        ago(2),
        "negative",
        ago(2),
    )
    assert state.last_positive_at == ago(6)


@pytest.mark.req("EPI-03")
@pytest.mark.req("EPI-04")
def test_the_last_negative_is_copied_onto_every_roster_row_of_the_person(source):
    id_no = id_number(3)
    first = make_staff(make_enterprise(region="410102"), id_no)
    second = make_staff(make_enterprise(region="410202"), id_no, post_class=PostClass.MOBILE)
    bystander = make_staff(make_enterprise(region="410102"))
    send(source, "test_result", nat(id_no, "A", 20), nat(id_no, "B", 5, "positive"))
    rows = StaffMember.objects.filter(pk__in=[first.pk, second.pk])
    assert {row.last_negative_at for row in rows} == {ago(20)}
    send(source, "test_result", nat(id_no, "C", 40))  # older: no change
    assert {row.last_negative_at for row in rows.all()} == {ago(20)}
    send(source, "test_result", nat(id_no, "D", 1))
    assert {row.last_negative_at for row in rows.all()} == {ago(1)}
    bystander.refresh_from_db()
    assert bystander.last_negative_at is None


@pytest.mark.req("EPI-03")
def test_sync_staff_status_copies_the_status_onto_rows_added_later(source):
    tested, untested = id_number(4), id_number(5)
    send(source, "test_result", nat(tested, "A", 3))
    unit = make_enterprise(region="410102")
    rows = [make_staff(unit, tested), make_staff(unit, untested, last_negative_at=ago(99))]
    assert sync_staff_status(rows) == 2
    assert [row.last_negative_at for row in rows] == [ago(3), None]
    assert [r.last_negative_at for r in StaffMember.objects.order_by("id")] == [ago(3), None]
    StaffMember.objects.update(last_negative_at=None)
    assert sync_staff_status(StaffMember.objects.filter(enterprise=unit)) == 2
    assert StaffMember.objects.get(pk=rows[0].pk).last_negative_at == ago(3)


@pytest.fixture
def officer(db, login):
    user = make_user(Role.HEALTH_OFFICE, "410102")
    return user, pass_second_factor(login(user), user)


@pytest.mark.req("EPI-03")
def test_the_health_office_looks_a_person_up_by_id_number_and_the_read_is_audited(source, officer):
    user, client = officer
    id_no = id_number(6)
    unit = make_enterprise(region="410102", name="中原测试食品有限公司")
    make_staff(unit, id_no, name="李检测")
    send(source, "test_result", nat(id_no, "A", 3))
    send(
        source,
        "health_code",
        {"id_number": id_no, "colour": "yellow", "changed_at": ago(2).isoformat()},
    )
    assert client.get("/epidemic/person-status/").status_code == 200
    page = client.post("/epidemic/person-status/", {"id_number": id_no})
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="person-status"' in text
    assert "黄码" in text and "中原测试食品有限公司" in text and "李检测" in text and "有效" in text
    assert id_no not in text and id_no[:14] not in text
    read = AuditLog.objects.get(action="personal_data.lookup")
    assert read.actor == user and read.region_code == "410102"
    assert id_no not in repr(read.__dict__)


@pytest.mark.req("EPI-03")
def test_a_person_outside_the_officers_reach_is_not_shown(source, officer, login):
    _user, client = officer
    id_no = id_number(7)
    make_staff(make_enterprise(region="410202"), id_no)
    send(source, "test_result", nat(id_no, "A", 3))
    page = client.post("/epidemic/person-status/", {"id_number": id_no}).content.decode()
    assert 'data-testid="person-status-none"' in page and "阴性" not in page
    assert AuditLog.objects.filter(action="personal_data.lookup").count() == 1
    # a wrong ID number is refused and not written back into the form
    wrong = id_no[:17] + ("0" if id_no[17] != "0" else "1")
    refused = client.post("/epidemic/person-status/", {"id_number": wrong})
    assert refused.status_code == 422 and wrong not in refused.content.decode()
    # the HQ office reads rosters but not test data: no lookup page
    office = login(make_user(Role.HQ_OFFICE, "410102"))
    assert office.post("/epidemic/person-status/", {"id_number": id_no}).status_code == 403


@pytest.mark.req("EPI-03")
def test_a_positive_and_a_negative_of_the_same_moment_leave_the_result_positive(source):
    """Same rule on both storage paths (the PostgreSQL bulk statement and the portable one)."""
    for order, id_no in (
        (("negative", "positive"), id_number(7)),
        (("positive", "negative"), id_number(8)),
    ):
        send(
            source,
            "test_result",
            *(nat(id_no, f"S{i}", 3, result) for i, result in enumerate(order)),
        )
        state = status_of(id_no)
        assert (state.last_sample_at, state.last_result) == (ago(3), "positive")
        assert state.last_negative_at == ago(3) == state.last_positive_at


@pytest.mark.req("EPI-02")
def test_a_result_of_a_person_on_two_rosters_is_filed_under_the_first_unit(source):
    id_no = id_number(9)
    first = make_enterprise(region="410102")
    second = make_enterprise(region="410202")
    make_staff(second, id_no)
    make_staff(first, id_no)
    off_roster = id_number(10)
    batch = send(source, "test_result", nat(id_no, "A", 2), nat(off_roster, "B", 2))
    rows = {row.person_key: row for row in NatResult.objects.filter(batch=batch)}
    mine = rows[person_key(id_no)]
    assert (mine.enterprise_id, mine.region_code) == (first.pk, "410102")
    other = rows[person_key(off_roster)]
    # off the rosters: filed under the province, seen only by province-wide grants
    assert other.enterprise_id is None and other.region_code not in ("410102", "410202")
