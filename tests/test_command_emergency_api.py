"""CMD-01, CMD-02, CMD-06 through the API: region states and the switch, the switch history,
loop plans, loop periods, loop reports and city-supply arrangements."""

import pytest
from django.test import Client
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.command.models import CitySupplyAssignment, LoopReport, LoopStatus
from sibao.core.testing import (
    OWN_COUNTY,
    make_listed,
    make_staff,
    make_user,
    make_whitelisted,
    put_in_emergency,
)
from sibao.epidemic.models import StaffCategory


@pytest.fixture
def listed(personas, own_enterprise):
    make_listed(own_enterprise)
    return own_enterprise


@pytest.mark.req("CMD-01")
def test_the_switch_through_the_api_is_one_idempotent_call(listed, personas, login):
    client = login(personas["own_county"])
    preview = client.get("/api/region-states/preview/", {"region": OWN_COUNTY}).json()
    assert (preview["status"], preview["to_switch"], preview["notice_hours"]) == ("normal", 1, 24)

    first = client.post(
        "/api/region-states/switch/",
        {"region": OWN_COUNTY, "to_status": "emergency", "reason": "本土病例"},
        content_type="application/json",
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["changed"] and body["status"] == "pending" and body["units"] == 1
    assert body["switch"]["units_affected"] == 1

    again = client.post(
        "/api/region-states/switch/",
        {"region": OWN_COUNTY, "to_status": "emergency", "reason": "再次"},
        content_type="application/json",
    )
    assert again.status_code == 200 and not again.json()["changed"]
    assert "未重复切换" in again.json()["message"]

    state = client.get(f"/api/region-states/{OWN_COUNTY}/").json()
    assert state["status"] == "pending" and state["last_switch"]["reason"] == "本土病例"
    listing = client.get("/api/region-states/", {"status": "pending"}).json()
    assert [row["region"] for row in listing["results"]] == [OWN_COUNTY]

    back = client.post(
        "/api/region-states/switch/",
        {"region": OWN_COUNTY, "to_status": "normal", "reason": "撤回"},
        content_type="application/json",
    )
    assert back.status_code == 201 and back.json()["status"] == "normal"
    history = client.get("/api/emergency-switches/").json()
    assert [row["to_status"] for row in history["results"]] == ["normal", "emergency"]


@pytest.mark.req("CMD-01")
def test_the_api_switch_is_refused_outside_the_jurisdiction(listed, personas, login):
    other = login(personas["other_county"]).post(
        "/api/region-states/switch/",
        {"region": OWN_COUNTY, "to_status": "emergency", "reason": "越权"},
        content_type="application/json",
    )
    assert other.status_code == 400 and "不在您的辖区内" in other.json()["region"][0]
    unit = login(personas["enterprise_admin"]).post(
        "/api/region-states/switch/",
        {"region": OWN_COUNTY, "to_status": "emergency", "reason": "越权"},
        content_type="application/json",
    )
    assert unit.status_code == 400
    # a department sees the county but may not switch it
    department = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, username="gxj")
    refused = login(department).post(
        "/api/region-states/switch/",
        {"region": OWN_COUNTY, "to_status": "emergency", "reason": "越权"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    blank = login(personas["own_county"]).post(
        "/api/region-states/switch/",
        {"region": OWN_COUNTY, "to_status": "emergency", "reason": ""},
        content_type="application/json",
    )
    assert blank.status_code == 400 and blank.json()["reason"] == ["请填写切换事由。"]
    anonymous = Client().post(
        "/api/region-states/switch/",
        {"region": OWN_COUNTY, "to_status": "emergency", "reason": "x"},
        content_type="application/json",
    )
    assert anonymous.status_code == 401
    assert not LoopStatus.objects.exists()


@pytest.mark.req("CMD-02")
def test_a_unit_keeps_its_plan_and_reports_through_the_api(listed, personas, login):
    client = login(personas["enterprise_admin"])
    created = client.post(
        "/api/loop-plans/",
        {"enterprise": listed.pk, "dormitories": "1号宿舍", "headcount": 70},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["mode"] == "bubble"
    replaced = client.post(
        "/api/loop-plans/",
        {"enterprise": listed.pk, "mode": "point_to_point", "routes": "专车", "headcount": 70},
        content_type="application/json",
    )
    assert replaced.status_code == 200 and replaced.json()["mode"] == "point_to_point"

    not_in_loop = client.post(
        "/api/loop-reports/",
        {"enterprise": listed.pk, "report_date": timezone.localdate().isoformat(), "in_loop": 70},
        content_type="application/json",
    )
    assert not_in_loop.status_code == 400
    assert "未处于闭环生产状态" in not_in_loop.json()["detail"][0]

    put_in_emergency(OWN_COUNTY)
    loops = client.get("/api/loop-statuses/", {"open": "true"}).json()["results"]
    assert [(row["enterprise"], row["phase"], row["mode"]) for row in loops] == [
        (listed.pk, "running", "point_to_point")
    ]
    filed = client.post(
        "/api/loop-reports/",
        {"enterprise": listed.pk, "report_date": timezone.localdate().isoformat(), "in_loop": 69},
        content_type="application/json",
    )
    assert filed.status_code == 201, filed.content
    assert LoopReport.objects.get().in_loop == 69
    office = login(personas["own_county"])
    assert office.get("/api/loop-reports/").json()["count"] == 1
    assert login(personas["other_county"]).get("/api/loop-reports/").json()["count"] == 0
    # the county office reads plans but does not write them
    refused = office.post(
        "/api/loop-plans/",
        {"enterprise": listed.pk, "dormitories": "宿舍", "headcount": 1},
        content_type="application/json",
    )
    assert refused.status_code == 403


@pytest.mark.req("CMD-06")
def test_city_supply_arrangements_through_the_api(personas, login, own_enterprise):
    worker = make_staff(own_enterprise, category=StaffCategory.CITY_SUPPLY)
    client = login(personas["enterprise_admin"])
    saved = client.post(
        "/api/city-supply/",
        {
            "staff": worker.pk,
            "service": "water",
            "lodging": "水厂宿舍",
            "work_area": "中原区北片",
            "route": "宿舍—水厂",
        },
        content_type="application/json",
    )
    assert saved.status_code == 201, saved.content
    assert saved.json()["staff_id_masked"] == worker.id_masked
    assert "id_encrypted" not in saved.json()
    assert CitySupplyAssignment.objects.get().service == "water"
    listing = login(personas["own_county"]).get("/api/city-supply/").json()
    assert listing["count"] == 1
    employee = make_staff(own_enterprise, category=StaffCategory.EMPLOYEE)
    refused = client.post(
        "/api/city-supply/",
        {
            "staff": employee.pk,
            "service": "water",
            "lodging": "水厂宿舍",
            "work_area": "北片",
            "route": "宿舍—水厂",
        },
        content_type="application/json",
    )
    assert refused.status_code == 400


@pytest.mark.req("CMD-01")
def test_region_state_reads_include_an_ancestors_emergency(personas, login, own_enterprise):
    city = make_user(Role.HQ_OFFICE, "4101", username="city")
    make_whitelisted("410105")
    put_in_emergency("4101")
    listing = login(city).get("/api/region-states/").json()["results"]
    assert [(row["region"], row["status"], row["units_in_loop"]) for row in listing] == [
        ("4101", "emergency", 1)
    ]
    preview = login(personas["own_county"]).get("/api/region-states/preview/").json()
    assert (preview["region"], preview["status"], preview["inherited"]) == (
        OWN_COUNTY,
        "emergency",
        True,
    )
