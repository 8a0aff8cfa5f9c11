"""Issue 8's flows by hand, end to end: an enterprise files a demand, the county accepts and
dispatches it, the unit returns it, it is re-dispatched, handled, reviewed, visited and closed
(销号), and the enterprise reads the whole history; an overdue order escalates to the city by
itself and the city's office finds it in its queue."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, ensure_departments, make_user
from sibao.regions.models import Department
from sibao.workorders.actions import intake, orders
from sibao.workorders.models import Demand, WorkOrder

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _as(page, browser_login, user):
    page.goto("about:blank")
    page.context.clear_cookies()
    browser_login(user)


def _submit(page, locator):
    with page.expect_navigation():
        locator.click()


@pytest.mark.req("DEM-01")
@pytest.mark.req("DEM-02")
@pytest.mark.req("DEM-05")
def test_a_demand_from_filing_to_closure(
    page, live_server, browser_login, screenshot, departments, own_enterprise
):
    admin = make_user(
        Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise, username="e2e_unit"
    )
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="e2e_office")
    industry = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, username="e2e_gx")
    labour = make_user(
        Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="human_resources", username="e2e_rs"
    )
    gx = Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")
    rs = Department.objects.get(region_id=OWN_COUNTY, kind="human_resources")
    url = live_server.url

    # the enterprise files a demand
    browser_login(admin)
    page.goto(url + reverse("workorders:demand_create"))
    form = page.get_by_test_id("demand-form")
    form.get_by_label("诉求类别").select_option(label="其他")
    form.get_by_label("标题").fill("复工返岗员工缺口 120 人")
    form.get_by_label("问题描述").fill("春节后普工返岗不足，生产线只能开一半，请协助招聘。")
    _submit(page, page.get_by_test_id("demand-form-submit"))
    demand = Demand.objects.get(enterprise=own_enterprise)
    demand_url = url + reverse("workorders:demand_detail", args=[demand.pk])

    # the county office accepts it and dispatches it to the suggested department
    _as(page, browser_login, office)
    page.goto(url + reverse("workorders:intake_queue"))
    row = page.get_by_test_id("queue-row").filter(has_text=demand.number)
    _submit(page, row.get_by_test_id("accept"))
    page.goto(demand_url)
    dispatch = page.get_by_test_id("dispatch-form")
    expect(dispatch.get_by_label("承办部门")).to_have_value(str(gx.pk))
    _submit(page, page.get_by_test_id("dispatch-submit"))
    expect(page.get_by_test_id("orders-panel")).to_contain_text(gx.name)

    # the industry department returns it: hiring is the labour bureau's
    _as(page, browser_login, industry)
    first = WorkOrder.objects.get(demand=demand, department=gx)
    page.goto(url + reverse("workorders:order_detail", args=[first.pk]))
    returning = page.get_by_test_id("return-form")
    returning.get_by_label("申请退回").fill("招聘用工属人社部门职责")
    returning.get_by_label("建议承办单位").select_option(str(rs.pk))
    _submit(page, page.get_by_test_id("order-return"))
    expect(page.get_by_test_id("order-status")).to_contain_text("申请退回")

    # the office approves the return and dispatches again, to the labour bureau
    _as(page, browser_login, office)
    page.goto(url + reverse("workorders:order_detail", args=[first.pk]))
    _submit(page, page.get_by_test_id("return-approve"))
    expect(page.get_by_test_id("order-status")).to_contain_text("已退回")
    page.goto(demand_url)
    dispatch = page.get_by_test_id("dispatch-form")
    dispatch.get_by_label("承办部门").select_option(str(rs.pk))
    _submit(page, page.get_by_test_id("dispatch-submit"))

    # the labour bureau signs and replies
    _as(page, browser_login, labour)
    second = WorkOrder.objects.get(demand=demand, department=rs)
    page.goto(url + reverse("workorders:order_detail", args=[second.pk]))
    _submit(page, page.get_by_test_id("order-sign"))
    page.get_by_label("办理答复").fill("已组织两场专场招聘会，到岗 96 人，其余一周内补齐。")
    _submit(page, page.get_by_test_id("order-reply"))
    expect(page.get_by_test_id("order-status")).to_contain_text("已答复")

    # the office reviews, visits by phone and closes
    _as(page, browser_login, office)
    page.goto(url + reverse("workorders:order_detail", args=[second.pk]))
    panel = page.get_by_test_id("order-followup-panel")
    panel.get_by_label("审核意见").fill("答复属实")
    _submit(page, panel.get_by_test_id("review-submit"))
    panel = page.get_by_test_id("order-followup-panel")
    panel.get_by_label("回访方式").select_option("phone")
    visit = panel.get_by_test_id("visit-form")
    visit.get_by_label("已解决").check()
    visit.get_by_label("满意", exact=True).check()
    panel.get_by_label("回访记录").fill("企业确认用工缺口已基本补齐")
    _submit(page, panel.get_by_test_id("visit-submit"))
    _submit(page, page.get_by_test_id("order-followup-panel").get_by_test_id("close-submit"))

    # the enterprise sees it closed, with every step in its history
    _as(page, browser_login, admin)
    page.goto(demand_url)
    history = page.get_by_test_id("followup-history")
    for kind in ("order-dispatch", "order-reply", "order-review", "visit", "order-close"):
        expect(history.locator(f'[data-kind="{kind}"]').first).to_be_visible()
    expect(history.locator('[data-kind="demand-close"]')).to_have_count(1)
    expect(history).to_contain_text("招聘用工属人社部门职责")
    screenshot(page)
    demand.refresh_from_db()
    assert demand.status == "closed" and demand.resolution == "resolved"


@pytest.mark.req("DEM-03")
def test_an_overdue_order_escalates_to_the_city(
    page, live_server, browser_login, screenshot, departments, own_enterprise
):
    ensure_departments("4101")
    city_office = make_user(Role.HQ_OFFICE, "4101", username="e2e_city")
    gx = Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")
    long_ago = timezone.now() - datetime.timedelta(days=30)
    demand = intake.file_demand(
        own_enterprise,
        actor=None,
        category="raw_materials",
        title="芯片断供",
        description="主控芯片供应商停产，库存只剩三天。",
        now=long_ago,
    )
    demand = intake.accept_demand(demand, actor=None, now=long_ago)
    county_order = orders.dispatch(demand, actor=None, department=gx, now=long_ago)

    call_command("workorder-sweep")

    county_order.refresh_from_db()
    assert county_order.status == "escalated"
    city_order = WorkOrder.objects.get(parent=county_order)
    assert city_order.level == "city" and city_order.department.region_id == "4101"

    browser_login(city_office)
    page.goto(live_server.url + reverse("workorders:order_list"))
    expect(page.get_by_test_id("order-link").filter(has_text=city_order.number)).to_have_count(1)
    page.goto(live_server.url + reverse("workorders:order_detail", args=[county_order.pk]))
    expect(page.get_by_test_id("order-status")).to_contain_text("已提级")
    expect(page.get_by_test_id("escalated-to")).to_contain_text(city_order.number)
    screenshot(page)
