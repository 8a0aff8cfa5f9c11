"""EPI-07: tracing jobs — only the health office runs them, each states its reason and case and is
audited without ID numbers; the contacts are kept and marked in the person's status (EPI-12 code
protection reads it); the headquarters read jobs of their jurisdiction; the API runs a trace
synchronously (``POST /api/tracing-jobs/``)."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from sibao.accounts.actions import create_api_token
from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.personal import person_key
from sibao.core.testing import (
    OWN_COUNTY,
    id_number,
    make_enterprise,
    make_place_code,
    make_scan,
    make_site,
    make_space,
    make_staff,
    make_user,
    pass_second_factor,
)
from sibao.epidemic.models import PersonStatus
from sibao.places import actions
from sibao.places.api.tracing import TracingContactSerializer
from sibao.places.models import TracingContact, TracingJob

pytestmark = pytest.mark.req("EPI-07")

URL = "/api/tracing-jobs/"


def ago(hours=0, minutes=0):
    return timezone.now() - datetime.timedelta(hours=hours, minutes=minutes)


@pytest.fixture
def outbreak(db):
    """A positive worker (on the roster) who spent an hour in a workshop three hours ago; a
    colleague with them (close contact) who later sat in the canteen with a third (secondary)."""
    unit = make_enterprise(region=OWN_COUNTY, name="中原流调测试有限公司")
    site = make_site(unit)
    workshop = make_place_code(make_space(site, "workshop", "冲压车间"))
    canteen = make_place_code(make_space(site, "area", "食堂"))
    case_id, close_id, second_id = id_number(701), id_number(702), id_number(703)
    staff = {
        "case": make_staff(unit, case_id, name="病例甲", team="冲压一班"),
        "close": make_staff(unit, close_id, name="密接乙", team="冲压一班"),
        "secondary": make_staff(unit, second_id, name="次密丙", team="后勤班"),
    }
    make_scan(workshop, staff["case"].person_key, ago(3), ago(2))
    make_scan(workshop, staff["close"].person_key, ago(2, 30), ago(1, 50))
    make_scan(canteen, staff["close"].person_key, ago(1, 40), ago(1, 10))
    make_scan(canteen, staff["secondary"].person_key, ago(1, 30), ago(1))
    return {"unit": unit, "case_id": case_id, "staff": staff, "workshop": workshop}


@pytest.fixture
def officer(db):
    return make_user(Role.HEALTH_OFFICE, OWN_COUNTY, username="health_zy")


def officer_client(login, officer):
    return pass_second_factor(login(officer), officer)


def post(client, body):
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_the_health_office_runs_a_trace_through_the_api(outbreak, officer, login):
    client = officer_client(login, officer)
    answer = post(
        client,
        {
            "case_id_numbers": [outbreak["case_id"]],
            "reason": "核酸阳性，开展流调",
            "case_ref": "ZY-2022-001",
        },
    )
    assert answer.status_code == 201, answer.content.decode()
    body = answer.json()
    staff = outbreak["staff"]
    levels = {c["person_key"]: c["level"] for c in body["contacts"]}
    assert levels == {
        staff["close"].person_key: "close",
        staff["secondary"].person_key: "secondary",
    }
    assert body["close_count"] == 1 and body["secondary_count"] == 1
    assert body["case_keys"] == [staff["case"].person_key]
    assert body["case_labels"] == [staff["case"].id_masked]
    assert outbreak["case_id"] not in answer.content.decode()
    close = next(c for c in body["contacts"] if c["level"] == "close")
    assert close["via_person_key"] == staff["case"].person_key
    assert close["place_code_id"] == outbreak["workshop"].pk
    assert close["overlap_seconds"] == 40 * 60
    # defaults from the rule set: a 30-minute window over the last 14 days
    job = TracingJob.objects.get(pk=body["id"])
    assert job.window_minutes == 30 and job.widen == "code" and job.include_secondary
    assert job.period_to - job.period_from == datetime.timedelta(days=14)
    assert job.region_code == OWN_COUNTY and job.created_by == officer
    assert job.contacts.count() == 2

    detail = client.get(f"{URL}{job.pk}/").json()
    # the answer of the run is what was stored, field by field
    assert sorted(detail["contacts"], key=lambda c: c["person_key"]) == sorted(
        body["contacts"], key=lambda c: c["person_key"]
    )
    # ... and what DRF's own serializer of the contacts gives
    drf = json.loads(json.dumps(TracingContactSerializer(job.contacts.all(), many=True).data))
    assert sorted(drf, key=lambda c: c["person_key"]) == sorted(
        detail["contacts"], key=lambda c: c["person_key"]
    )
    listing = client.get(URL).json()
    assert [row["id"] for row in listing["results"]] == [job.pk]


def test_a_script_with_the_officers_token_runs_a_trace_by_person_key(outbreak, officer):
    _token, key = create_api_token(officer, name="流调脚本", actor=officer)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    staff = outbreak["staff"]
    answer = post(
        client,
        {
            "case_keys": [staff["case"].person_key],
            "period_from": ago(24).isoformat(),
            "period_to": timezone.now().isoformat(),
            "window_minutes": 0,
            "include_secondary": False,
            "reason": "复核",
            "case_ref": "ZY-2022-002",
        },
    )
    assert answer.status_code == 201, answer.content.decode()
    body = answer.json()
    assert [c["person_key"] for c in body["contacts"]] == [staff["close"].person_key]
    assert body["case_labels"] == [staff["case"].id_masked]
    assert body["window_minutes"] == 0 and body["include_secondary"] is False


@pytest.mark.req("ORG-04")
def test_only_the_health_office_runs_traces(outbreak, login, personas):
    body = {"case_id_numbers": [outbreak["case_id"]], "reason": "x", "case_ref": "y"}
    assert post(Client(), body).status_code == 401
    for name in ("no_grant", "own_county", "enterprise_admin"):
        assert post(login(personas[name]), body).status_code == 403, name
    leader = make_user(Role.HQ_LEADER, OWN_COUNTY)
    assert post(login(leader), body).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.run_trace(actor=personas["own_county"], case_keys=["a"], reason="x", case_ref="y")
    assert not TracingJob.objects.exists()


def test_reason_and_case_reference_are_required(outbreak, officer, login):
    client = officer_client(login, officer)
    answer = post(client, {"case_id_numbers": [outbreak["case_id"]], "reason": " ", "case_ref": ""})
    assert answer.status_code == 400
    errors = answer.json()
    assert errors["reason"] == ["请填写流调事由。"]
    assert errors["case_ref"] == ["请填写病例（事件）编号。"]
    valid = outbreak["case_id"]
    altered = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    answer = post(client, {"case_id_numbers": [altered], "reason": "x", "case_ref": "y"})
    assert answer.status_code == 400
    assert "校验位" in answer.json()["case_id_numbers"][0]
    answer = post(client, {"case_id_numbers": [], "reason": "x", "case_ref": "y"})
    assert answer.json()["case_id_numbers"] == ["请至少填写一名病例的身份证号码。"]
    with pytest.raises(ValidationError) as caught:
        actions.run_trace(
            actor=officer,
            case_keys=["abc"],
            period_from=ago(1),
            period_to=ago(2),
            reason="x",
            case_ref="y",
        )
    assert caught.value.message_dict["period_from"] == ["起始时间不能晚于截止时间。"]
    assert not TracingJob.objects.exists()


def test_each_run_is_audited_with_its_reason_and_without_id_numbers(outbreak, officer):
    job = actions.run_trace(
        actor=officer,
        case_id_numbers=[outbreak["case_id"]],
        reason="核酸阳性，开展流调",
        case_ref="ZY-2022-003",
    )
    entry = AuditLog.objects.get(action="places.trace")
    assert entry.actor == officer
    assert entry.object_id == str(job.pk)
    assert entry.region_code == OWN_COUNTY
    assert entry.changes["reason"] == [None, "核酸阳性，开展流调"]
    assert entry.changes["case_ref"] == [None, "ZY-2022-003"]
    assert entry.changes["close"] == [None, 1] and entry.changes["secondary"] == [None, 1]
    text = json.dumps(entry.changes, ensure_ascii=False) + entry.note
    assert outbreak["case_id"] not in text
    assert outbreak["staff"]["case"].person_key not in text


def test_contacts_are_marked_in_the_person_status_never_lowered(outbreak, officer):
    staff = outbreak["staff"]
    close_key, second_key = staff["close"].person_key, staff["secondary"].person_key
    PersonStatus.objects.create(person_key=second_key, health_code="green")

    actions.run_trace(
        actor=officer, case_id_numbers=[outbreak["case_id"]], reason="流调", case_ref="A"
    )

    statuses = {s.person_key: s for s in PersonStatus.objects.all()}
    assert statuses[close_key].contact_level == "close"  # created
    assert statuses[second_key].contact_level == "secondary"
    assert statuses[second_key].health_code == "green"  # the rest kept
    assert statuses[close_key].contact_at is not None

    # a trace from the close contact makes the secondary contact a close one (upgrade) …
    actions.run_trace(actor=officer, case_keys=[close_key], reason="流调", case_ref="B")
    assert PersonStatus.objects.get(person_key=second_key).contact_level == "close"
    # … and a later trace that finds the close contact as secondary does not lower them
    actions.run_trace(actor=officer, case_keys=[second_key], reason="流调", case_ref="C")
    assert PersonStatus.objects.get(person_key=close_key).contact_level == "close"


@pytest.mark.req("EPI-12")
def test_traced_contacts_lose_code_protection(outbreak, officer):
    from sibao.core.testing import make_listed
    from sibao.epidemic.queries_roster import protection_queryset

    make_listed(outbreak["unit"])
    hq = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    before = {s.person_key: s.is_protected for s in protection_queryset(hq)}
    actions.run_trace(
        actor=officer, case_id_numbers=[outbreak["case_id"]], reason="流调", case_ref="A"
    )
    after = {s.person_key: s.is_protected for s in protection_queryset(hq)}
    staff = outbreak["staff"]
    assert before[staff["close"].person_key] and before[staff["secondary"].person_key]
    assert not after[staff["close"].person_key] and not after[staff["secondary"].person_key]


def test_headquarters_read_the_jobs_of_their_jurisdiction(outbreak, officer, login, personas):
    job = actions.run_trace(
        actor=officer, case_id_numbers=[outbreak["case_id"]], reason="流调", case_ref="A"
    )
    own = login(personas["own_county"])
    assert [r["id"] for r in own.get(URL).json()["results"]] == [job.pk]
    assert len(own.get(f"{URL}{job.pk}/").json()["contacts"]) == 2
    other = login(personas["other_county"])
    assert other.get(URL).json()["results"] == []
    assert other.get(f"{URL}{job.pk}/").status_code == 404
    assert login(personas["enterprise_admin"]).get(URL).status_code == 403
    # a province officer's job belongs to the province: the county office does not see it
    province = make_user(Role.HEALTH_OFFICE, "41")
    wide = actions.run_trace(
        actor=province, case_keys=[outbreak["staff"]["case"].person_key], reason="x", case_ref="B"
    )
    assert wide.region_code == "41"
    assert [r["id"] for r in own.get(URL).json()["results"]] == [job.pk]


def test_people_off_every_roster_are_traced_by_their_key(outbreak, officer):
    stranger = person_key(id_number(799, region="310115"))
    make_scan(outbreak["workshop"], stranger, ago(2, 10), ago(2))
    job = actions.run_trace(
        actor=officer, case_id_numbers=[outbreak["case_id"]], reason="流调", case_ref="A"
    )
    assert TracingContact.objects.filter(job=job, person_key=stranger, level="close").exists()
