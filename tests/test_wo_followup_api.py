"""DEM-05 API: the office's review / rework / close on a work order, visits, the enterprise's
appeal and the office's decision; refusals answer 403, validation errors 400 in Chinese."""

import pytest
from django.urls import reverse

from sibao.workorders.actions import followup
from tests.wo_followup_state import filed_demand, replied_order

pytestmark = pytest.mark.req("DEM-05")
JSON = "application/json"


@pytest.fixture
def order(personas, own_enterprise):
    return replied_order(filed_demand(own_enterprise, by=personas["enterprise_admin"]))


def step(name, order):
    return reverse(f"api:work-order-followup-{name}", args=[order.pk])


def test_review_visit_close_appeal_and_reopen_through_the_api(personas, order, login):
    office, admin = login(personas["own_county"]), login(personas["enterprise_admin"])
    assert admin.post(step("review", order), {}, content_type=JSON).status_code == 403
    assert login(personas["other_county"]).post(step("review", order), {}).status_code == 404
    answer = office.post(step("review", order), {"version": order.version}, content_type=JSON)
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "reviewed"
    stale = office.post(
        step("rework", order), {"reason": "x", "version": order.version}, content_type=JSON
    )
    assert stale.status_code == 400 and "请刷新页面" in stale.content.decode()
    bad = office.post(
        reverse("api:visit-list"),
        {"order": order.pk, "method": "phone", "resolution": "??", "satisfaction": "satisfied"},
        content_type=JSON,
    )
    assert bad.status_code == 400
    created = office.post(
        reverse("api:visit-list"),
        {"order": order.pk, "method": "phone", "resolution": "resolved", "satisfaction": "basic"},
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    assert admin.get(reverse("api:visit-detail", args=[created.json()["id"]])).status_code == 200
    closed = office.post(step("close", order), {}, content_type=JSON)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"

    refused = office.post(
        reverse("api:appeal-list"), {"demand": order.demand_id, "reason": "x"}, content_type=JSON
    )
    assert refused.status_code == 403
    empty = admin.post(
        reverse("api:appeal-list"), {"demand": order.demand_id, "reason": ""}, content_type=JSON
    )
    assert empty.status_code == 400 and "申诉理由" in empty.content.decode()
    appealed = admin.post(
        reverse("api:appeal-list"), {"demand": order.demand_id, "reason": "复发"}, content_type=JSON
    )
    assert appealed.status_code == 201, appealed.content
    decide = reverse("api:appeal-decide", args=[appealed.json()["id"]])
    assert admin.post(decide, {"reopen": True}, content_type=JSON).status_code == 403
    no_note = office.post(decide, {"reopen": False}, content_type=JSON)
    assert no_note.status_code == 400
    decided = office.post(decide, {"reopen": True, "note": "重办"}, content_type=JSON)
    assert decided.status_code == 200 and decided.json()["outcome"] == "reopened"
    order.refresh_from_db()
    assert order.status == "in_progress"
    listed = admin.get(reverse("api:appeal-list")).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["outcome"] for r in rows] == ["reopened"]


def test_rework_needs_a_reason(personas, order, login):
    office = login(personas["own_county"])
    answer = office.post(step("rework", order), {"reason": ""}, content_type=JSON)
    assert answer.status_code == 400 and "重办理由" in answer.content.decode()
    answer = office.post(step("rework", order), {"reason": "未附证明"}, content_type=JSON)
    assert answer.status_code == 200 and answer.json()["rework_count"] == 1


def test_other_county_sees_no_visits(personas, order, login):
    office = personas["own_county"]
    order = followup.review(order, actor=office)
    followup.record_visit(
        order, actor=office, method="onsite", resolution="resolved", satisfaction="satisfied"
    )
    listed = login(personas["other_county"]).get(reverse("api:visit-list")).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows == []
