"""DEM-02 pages: the handling queue (scope, filters, export, bulk sign with per-order conflicts),
an order's page with the forms per role, the steps posted from it (a stranger gets 403; a stale
version gets the conflict message naming the winner), the office's decisions, the demand's orders
panel with the routing suggestion and dispatch, and the routing rules."""

import pytest
from django.urls import reverse

from sibao.core.testing import OWN_COUNTY
from sibao.workorders.actions import orders as actions
from sibao.workorders.models import DemandStatus, OrderStatus, RoutingRule, WorkOrder
from tests.wo_orders_support import accepted_demand, department, staff

pytestmark = pytest.mark.req("DEM-02")


@pytest.fixture
def county(personas):
    return personas["own_county"]


@pytest.fixture
def order(own_enterprise, county):
    demand = accepted_demand(own_enterprise)
    return actions.dispatch(demand, actor=county, department=department())


@pytest.fixture
def handler(departments):
    return staff(username="gx_staff")


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_queue_shows_the_departments_orders_only(order, handler, login, own_enterprise, county):
    other = actions.dispatch(
        accepted_demand(own_enterprise), actor=county, department=department(kind="commerce")
    )
    page = login(handler).get(reverse("workorders:order_list"))
    body = page.content.decode()
    assert page.status_code == 200 and order.number in body and other.number not in body
    office_page = login(county).get(reverse("workorders:order_list") + "?q=" + other.number)
    assert other.number in office_page.content.decode()
    assert order.number not in office_page.content.decode()


def test_queue_filters_overdue_and_exports(order, county, login):
    client = login(county)
    WorkOrder.objects.filter(pk=order.pk).update(due_at=order.dispatched_at)  # long past
    assert (
        order.number
        in client.get(reverse("workorders:order_list") + "?overdue=true").content.decode()
    )
    assert (
        order.number
        not in client.get(reverse("workorders:order_list") + "?overdue=false").content.decode()
    )
    export = client.get(reverse("workorders:order_export"))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")


def test_bulk_sign_signs_each_and_reports_conflicts(own_enterprise, county, handler, login):
    first, second = (
        actions.dispatch(accepted_demand(own_enterprise), actor=county, department=department())
        for _ in range(2)
    )
    actions.sign(second, actor=county)  # the office signed it in the meantime
    response = login(handler).post(
        reverse("workorders:order_bulk_sign"),
        {
            "orders": [first.pk, second.pk],
            f"version-{first.pk}": first.version,
            f"version-{second.pk}": second.version,
        },
        follow=True,
    )
    text = _messages(response)
    assert "已签收 1 张工单" in text and second.number in text and str(county) in text
    first.refresh_from_db()
    assert first.status == OrderStatus.SIGNED and first.signed_by == handler


def test_order_page_shows_the_forms_the_user_may_use(order, handler, login, personas):
    page = login(handler).get(reverse("workorders:order_detail", args=[order.pk]))
    body = page.content.decode()
    for testid in ("order-sign", "return-form", "escalate-form", "order-clock"):
        assert f'data-testid="{testid}"' in body
    assert "order_clock_panel" not in body and f"/orders/{order.pk}/clock-panel/" in body
    unit = login(personas["enterprise_admin"]).get(
        reverse("workorders:order_detail", args=[order.pk])
    )
    assert unit.status_code == 200 and 'data-testid="order-forms"' not in unit.content.decode()


def test_a_department_not_named_on_the_order_gets_403(order, login, departments):
    stranger = login(staff(kind="commerce"))
    url = reverse("workorders:order_step", args=[order.pk, "sign"])
    assert stranger.post(url, {"version": order.version}).status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.DISPATCHED


def test_steps_from_the_page_and_the_office_decision(order, handler, county, login):
    unit = login(handler)
    step = lambda name, data: unit.post(  # noqa: E731
        reverse("workorders:order_step", args=[order.pk, name]), data, follow=True
    )
    step("sign", {"version": order.version})
    response = step("return", {"reason": ""})
    assert "退回理由" in _messages(response)
    step(
        "return",
        {"reason": "属商务部门职责", "suggested_department": department(kind="commerce").pk},
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.RETURN_REQUESTED
    office = login(county)
    page = office.get(reverse("workorders:order_detail", args=[order.pk])).content.decode()
    assert 'data-testid="pending-return"' in page
    request = order.return_requests.get()
    office.post(reverse("workorders:return_decide", args=[request.pk]), {"decision": "approve"})
    order.refresh_from_db()
    assert order.status == OrderStatus.RETURNED
    assert order.demand.status == DemandStatus.ACCEPTED


def test_two_officials_one_winner_through_the_page(order, handler, county, login):
    seen = order.version
    login(handler).post(
        reverse("workorders:order_step", args=[order.pk, "sign"]), {"version": seen}
    )
    response = login(county).post(
        reverse("workorders:order_step", args=[order.pk, "return"]),
        {"version": seen, "reason": "不属于工信"},
        follow=True,
    )
    text = _messages(response)
    assert str(handler) in text and "已签收" in text and "刷新" in text
    order.refresh_from_db()
    assert order.status == OrderStatus.SIGNED and not order.return_requests.exists()


def test_demand_panel_suggests_and_dispatches(own_enterprise, county, login, personas):
    demand = accepted_demand(own_enterprise, category="logistics")
    client = login(county)
    panel = client.get(reverse("workorders:demand_orders_panel", args=[demand.pk])).content.decode()
    transport = department(kind="transport")
    assert 'data-testid="routing-suggestion"' in panel and transport.name in panel
    assert f'<option value="{transport.pk}" selected>' in panel
    client.post(
        reverse("workorders:demand_dispatch", args=[demand.pk]),
        {"department": transport.pk, "role": "lead", "version": demand.version},
    )
    client.post(
        reverse("workorders:demand_dispatch", args=[demand.pk]),
        {"department": department(kind="commerce").pk, "role": "assist"},
    )
    roles = sorted(demand.orders.values_list("role", flat=True))
    assert roles == ["assist", "lead"]
    unit_panel = login(personas["enterprise_admin"]).get(
        reverse("workorders:demand_orders_panel", args=[demand.pk])
    )
    body = unit_panel.content.decode()
    assert unit_panel.status_code == 200 and "dispatch-form" not in body and transport.name in body


def test_routing_rules_are_added_and_validated(county, login, departments):
    client = login(county)
    url = reverse("workorders:routing_rule_create")
    outside = client.post(
        url, {"category": "labour", "region_code": "4102", "department_kind": "commerce"}
    )
    assert outside.status_code == 422 and "本级及下辖" in outside.content.decode()
    bad = client.post(url, {"category": "x", "region_code": OWN_COUNTY, "department_kind": "y"})
    assert bad.status_code == 422
    ok = client.post(
        url, {"category": "labour", "region_code": OWN_COUNTY, "department_kind": "commerce"}
    )
    assert ok.status_code == 302
    rule = RoutingRule.objects.get(region_code=OWN_COUNTY, category="labour")
    edit = client.post(
        reverse("workorders:routing_rule_edit", args=[rule.pk]),
        {"category": "labour", "region_code": OWN_COUNTY, "department_kind": "human_resources"},
    )
    rule.refresh_from_db()
    assert edit.status_code == 302 and rule.department_kind == "human_resources"
    listing = client.get(reverse("workorders:routing_rule_list")).content.decode()
    assert "人力资源社会保障" in listing and "工业和信息化" in listing  # own rule and the defaults
