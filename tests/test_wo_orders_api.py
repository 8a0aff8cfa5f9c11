"""DEM-02 API: dispatch by POST, the handling steps as actions, request decisions, routing rules;
refusals 403, validation errors and version conflicts 400 with the Chinese message."""

import pytest
from django.urls import reverse

from sibao.core.testing import OWN_COUNTY
from sibao.workorders.actions import orders as actions
from sibao.workorders.models import OrderStatus
from tests.wo_orders_support import CITY, accepted_demand, department, office, staff

pytestmark = pytest.mark.req("DEM-02")
JSON = "application/json"


@pytest.fixture
def county(personas):
    return personas["own_county"]


@pytest.fixture
def handler(departments):
    return staff(username="api_staff")


def test_dispatch_and_handle_through_the_api(own_enterprise, county, handler, login):
    demand = accepted_demand(own_enterprise)
    office_client = login(county)
    created = office_client.post(
        reverse("api:work-order-list"),
        {"demand": demand.pk, "department": department().pk, "role": "lead"},
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (
        body["level"] == "county"
        and body["status"] == "dispatched"
        and body["rule_version"] is not None
    )
    pk = body["id"]
    unit = login(handler)
    listed = unit.get(reverse("api:work-order-list")).json()
    assert [row["id"] for row in listed["results"]] == [pk]
    signed = unit.post(
        reverse("api:work-order-sign", args=[pk]), {"version": body["version"]}, content_type=JSON
    )
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    assert (
        unit.post(reverse("api:work-order-start", args=[pk]), {}, content_type=JSON).status_code
        == 200
    )
    ext = unit.post(
        reverse("api:work-order-request-extension", args=[pk]),
        {"working_days": 2, "reason": "等待上游复产"},
        content_type=JSON,
    )
    assert ext.status_code == 201
    decided = office_client.post(
        reverse("api:extension-request-decide", args=[ext.json()["id"]]),
        {"approve": True},
        content_type=JSON,
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    suspended = unit.post(
        reverse("api:work-order-suspend", args=[pk]), {"reason": "等企业补充"}, content_type=JSON
    )
    assert suspended.json()["status"] == "suspended"
    resumed = unit.post(reverse("api:work-order-resume", args=[pk]), {}, content_type=JSON)
    assert resumed.json()["status"] == "in_progress"
    empty = unit.post(reverse("api:work-order-reply", args=[pk]), {"answer": ""}, content_type=JSON)
    assert empty.status_code == 400 and "答复" in empty.content.decode()
    replied = unit.post(
        reverse("api:work-order-reply", args=[pk]), {"answer": "已协调"}, content_type=JSON
    )
    assert replied.json()["status"] == "replied"


def test_refusals_answer_403(own_enterprise, county, login, personas, departments):
    demand = accepted_demand(own_enterprise)
    order = actions.dispatch(demand, actor=county, department=department())
    stranger = login(staff(kind="commerce"))
    answer = stranger.post(reverse("api:work-order-sign", args=[order.pk]), {}, content_type=JSON)
    assert answer.status_code == 403
    unit = login(personas["enterprise_admin"])
    refused = unit.post(
        reverse("api:work-order-list"),
        {"demand": demand.pk, "department": department(kind="commerce").pk, "role": "assist"},
        content_type=JSON,
    )
    assert refused.status_code == 403
    city = login(office(CITY))
    wrong_level = city.post(
        reverse("api:work-order-list"),
        {"demand": demand.pk, "department": department(kind="commerce").pk, "role": "assist"},
        content_type=JSON,
    )
    assert wrong_level.status_code == 403


def test_concurrent_sign_and_return_one_winner(own_enterprise, county, handler, login):
    order = actions.dispatch(accepted_demand(own_enterprise), actor=county, department=department())
    seen = order.version
    assert (
        login(handler)
        .post(reverse("api:work-order-sign", args=[order.pk]), {"version": seen}, content_type=JSON)
        .status_code
        == 200
    )
    loser = login(county).post(
        reverse("api:work-order-request-return", args=[order.pk]),
        {"version": seen, "reason": "非工信职责"},
        content_type=JSON,
    )
    assert loser.status_code in (400, 409)
    assert str(handler) in loser.content.decode() and "已签收" in loser.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.SIGNED


def test_return_decision_and_escalation(own_enterprise, county, handler, login, departments):
    order = actions.dispatch(accepted_demand(own_enterprise), actor=county, department=department())
    unit = login(handler)
    made = unit.post(
        reverse("api:work-order-request-return", args=[order.pk]),
        {"reason": "不属于本部门"},
        content_type=JSON,
    )
    assert made.status_code == 201
    office_client = login(county)
    assert (
        office_client.post(
            reverse("api:return-request-decide", args=[made.json()["id"]]),
            {"approve": False},
            content_type=JSON,
        ).status_code
        == 400
    )  # insisting needs a reason
    insisted = office_client.post(
        reverse("api:return-request-decide", args=[made.json()["id"]]),
        {"approve": False, "note": "属工信职责"},
        content_type=JSON,
    )
    assert insisted.json()["status"] == "refused"
    escalated = unit.post(
        reverse("api:work-order-escalate", args=[order.pk]),
        {"reason": "需市级协调"},
        content_type=JSON,
    )
    assert escalated.status_code == 201 and escalated.json()["level"] == "city"
    assert escalated.json()["parent"] == order.pk


def test_routing_rules_crud_for_the_office(county, login, personas, departments):
    client = login(county)
    created = client.post(
        reverse("api:routing-rule-list"),
        {"category": "labour", "region_code": OWN_COUNTY, "department_kind": "commerce"},
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    changed = client.patch(
        reverse("api:routing-rule-detail", args=[pk]),
        {"department_kind": "human_resources"},
        content_type=JSON,
    )
    assert changed.status_code == 200 and changed.json()["department_kind"] == "human_resources"
    outside = client.post(
        reverse("api:routing-rule-list"),
        {"category": "labour", "region_code": "4102", "department_kind": "commerce"},
        content_type=JSON,
    )
    assert outside.status_code == 400
    other = login(personas["other_county"])
    assert other.delete(reverse("api:routing-rule-detail", args=[pk])).status_code == 404
    assert client.delete(reverse("api:routing-rule-detail", args=[pk])).status_code == 204
