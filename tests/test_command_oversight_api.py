"""The oversight API (INC-03, CMD-04, CMD-05): the same actions and the same role checks as the
pages, Chinese validation messages as 400, refusals as 403, scope as 404."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from sibao.accounts.actions import create_api_token
from sibao.accounts.roles import Role
from sibao.command.models import Incident, InspectionRequest, ProtectedInspection
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_province_deciders,
    make_user,
    make_whitelisted,
)
from sibao.regions.models import Department


def api(user):
    _token, key = create_api_token(user, name="测试脚本", actor=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def unit(departments):
    return make_whitelisted(OWN_COUNTY, name="中原接口测试有限公司")


@pytest.mark.req("INC-03")
def test_a_shutdown_through_the_api(unit, departments):
    county = api(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    health, dispatch = make_province_deciders()
    answer = post(
        county, "/api/shutdown-requests/", {"enterprise": unit.pk, "days": 4, "reason": "阳性"}
    )
    assert answer.status_code == 400 and "不超过 3 天" in answer.json()["days"][0]
    answer = post(
        county, "/api/shutdown-requests/", {"enterprise": unit.pk, "days": 2, "reason": "阳性"}
    )
    assert answer.status_code == 201, answer.content
    pk = answer.json()["id"]
    assert answer.json()["clock"]["phase"] == "waiting"
    county_health = api(make_user(Role.HEALTH_OFFICE, OWN_COUNTY))
    decide = f"/api/shutdown-requests/{pk}/decide/"
    assert post(county_health, decide, {"side": "epidemic", "approve": True}).status_code == 403
    city_hq = api(make_user(Role.HQ_OFFICE, "4101"))
    assert post(city_hq, decide, {"side": "dispatch", "approve": True}).status_code == 403
    assert post(api(health), decide, {"side": "epidemic", "approve": True}).status_code == 200
    answer = post(api(dispatch), decide, {"side": "dispatch", "approve": True})
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "approved" and body["clock"]["phase"] == "running"
    assert body["clock"]["remaining_seconds"] > 0
    listing = county.get("/api/shutdown-requests/?status=approved").json()
    assert [row["id"] for row in listing["results"]] == [pk]
    other = api(make_user(Role.HQ_OFFICE, OTHER_COUNTY))
    assert other.get(f"/api/shutdown-requests/{pk}/").status_code == 404
    end = post(county, f"/api/shutdown-requests/{pk}/end/", {"reason": "消杀完成"})
    assert end.status_code == 200 and end.json()["status"] == "ended"


@pytest.mark.req("INC-03")
def test_restrictions_through_the_api(unit):
    county = api(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    started = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    answer = post(
        county,
        "/api/restrictions/",
        {
            "enterprise": unit.pk,
            "kind": "traffic",
            "imposed_by": "某乡镇",
            "description": "设卡",
            "started_at": started,
        },
    )
    assert answer.status_code == 201 and answer.json()["is_violation"] is True
    pk = answer.json()["id"]
    listing = county.get("/api/restrictions/?is_violation=true").json()
    assert [row["id"] for row in listing["results"]] == [pk]
    assert post(county, f"/api/restrictions/{pk}/end/", {}).json()["ended_at"] is not None
    health = api(make_user(Role.HEALTH_OFFICE, OWN_COUNTY))
    answer = post(
        health,
        "/api/restrictions/",
        {
            "enterprise": unit.pk,
            "kind": "traffic",
            "imposed_by": "x",
            "description": "x",
            "started_at": started,
        },
    )
    assert answer.status_code == 403


@pytest.mark.req("CMD-04")
def test_inspections_through_the_api(unit):
    department = Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    client = api(staff)
    planned = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    answer = post(
        client,
        "/api/inspection-requests/",
        {
            "enterprise": unit.pk,
            "department": department.pk,
            "purpose": "enforcement",
            "matters": "行业执法检查",
            "planned_on": planned,
        },
    )
    assert answer.status_code == 201 and answer.json()["status"] == "pending"
    pk = answer.json()["id"]
    county = api(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    decide = f"/api/inspection-requests/{pk}/decide/"
    assert post(county, decide, {"approve": True}).status_code == 403
    city = api(make_user(Role.HQ_OFFICE, "4101"))
    assert post(city, decide, {"approve": True}).json()["status"] == "approved"
    done = post(
        client,
        f"/api/inspection-requests/{pk}/done/",
        {"inspected_on": timezone.localdate().isoformat(), "findings": "合格"},
    )
    assert done.json()["status"] == "done" and done.json()["unapproved"] is False
    assert InspectionRequest.objects.get().status == "done"
    answer = post(
        client,
        "/api/protected-inspections/",
        {"department": department.pk, "purpose": "environment", "items": "环境行政监督检查"},
    )
    assert answer.status_code == 201
    row = answer.json()["id"]
    assert post(city, "/api/protected-inspections/", answer.json()).status_code == 403
    assert client.delete(f"/api/protected-inspections/{row}/").status_code == 204
    assert not ProtectedInspection.objects.exists()


@pytest.mark.req("CMD-05")
def test_rewards_through_the_api(unit):
    county = api(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    incident = Incident.objects.create(
        enterprise=unit,
        kind=Incident.Kind.SYMPTOM,
        status=Incident.Status.RESUMED,
        description="发热员工确诊，已处置",
        opened_at=timezone.now() - datetime.timedelta(days=3),
        region_code=OWN_COUNTY,
    )
    today = timezone.localdate().isoformat()
    answer = post(
        county,
        "/api/rewards-penalties/",
        {
            "kind": "duty_exemption",
            "region": OWN_COUNTY,
            "enterprise": unit.pk,
            "reason": "尽职",
            "decided_on": today,
        },
    )
    assert answer.status_code == 400 and "incident" in answer.json()
    answer = post(
        county,
        "/api/rewards-penalties/",
        {
            "kind": "duty_exemption",
            "region": OWN_COUNTY,
            "enterprise": unit.pk,
            "incident": incident.pk,
            "reason": "尽职",
            "decided_on": today,
        },
    )
    assert answer.status_code == 201 and answer.json()["enterprise_name"] == unit.name
    admin = api(make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit))
    assert admin.get("/api/rewards-penalties/").json()["count"] == 1
    assert (
        post(
            admin,
            "/api/rewards-penalties/",
            {"kind": "commendation", "region": OWN_COUNTY, "reason": "x", "decided_on": today},
        ).status_code
        == 403
    )
