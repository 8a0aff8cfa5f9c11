"""DEM-02 by hand: a county office dispatches an accepted demand to the suggested department;
the department's staff signs it from the queue and asks for a return with a reason; the office
approves and dispatches again to another department, whose staff signs and replies."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.regions.models import Department
from sibao.workorders.actions import intake

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _switch(page, browser_login, user):
    """Sign out (the session cookie goes) and sign in as ``user``."""
    page.goto("about:blank")
    page.context.clear_cookies()
    browser_login(user)


def _submit(page, testid):
    with page.expect_navigation():
        page.get_by_test_id(testid).click()


@pytest.mark.req("DEM-02")
def test_dispatch_return_redispatch_and_reply(
    page, live_server, browser_login, screenshot, departments, own_enterprise
):
    county = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="b_office")
    industry = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, username="b_gx")
    commerce = make_user(
        Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="commerce", username="b_sw"
    )
    demand = intake.file_demand(
        own_enterprise,
        actor=None,
        category="raw_materials",
        title="出口订单原料短缺",
        description="海外订单急需铝材，本地供应商断供。",
    )
    demand = intake.accept_demand(demand, actor=None)
    gx = Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")
    sw = Department.objects.get(region_id=OWN_COUNTY, kind="commerce")
    demand_url = live_server.url + reverse("workorders:demand_detail", args=[demand.pk])
    queue_url = live_server.url + reverse("workorders:order_list")

    # the county office dispatches to the suggested department
    browser_login(county)
    page.goto(demand_url)
    form = page.get_by_test_id("dispatch-form")
    expect(page.get_by_test_id("routing-suggestion")).to_contain_text(gx.name)
    expect(form.get_by_label("承办部门")).to_have_value(str(gx.pk))
    form.get_by_label("交办意见").fill("请三个工作日内对接替代供应商")
    _submit(page, "dispatch-submit")
    expect(page.get_by_test_id("orders-panel")).to_contain_text(gx.name)
    screenshot(page, "dispatched")

    # the industry department signs from its queue, then asks for a return
    _switch(page, browser_login, industry)
    page.goto(queue_url)
    page.get_by_test_id("order-select").first.check()
    _submit(page, "bulk-sign")
    expect(page.locator(".alert-success")).to_contain_text("已签收 1 张工单")
    page.get_by_test_id("order-link").first.click()
    expect(page.get_by_test_id("order-status")).to_contain_text("已签收")
    return_form = page.get_by_test_id("return-form")
    return_form.get_by_label("申请退回").fill("出口订单拓展属商务部门职责")
    return_form.get_by_label("建议承办单位").select_option(str(sw.pk))
    _submit(page, "order-return")
    expect(page.get_by_test_id("order-status")).to_contain_text("申请退回")
    order_url = page.url

    # the office approves and dispatches to commerce
    _switch(page, browser_login, county)
    page.goto(order_url)
    expect(page.get_by_test_id("pending-return")).to_contain_text("商务部门职责")
    _submit(page, "return-approve")
    expect(page.get_by_test_id("order-status")).to_contain_text("已退回")
    page.goto(demand_url)
    form = page.get_by_test_id("dispatch-form")
    form.get_by_label("承办部门").select_option(str(sw.pk))
    _submit(page, "dispatch-submit")
    expect(page.get_by_test_id("orders-panel")).to_contain_text(sw.name)

    # commerce signs and replies
    _switch(page, browser_login, commerce)
    page.goto(queue_url)
    page.get_by_test_id("order-link").first.click()
    _submit(page, "order-sign")
    page.get_by_label("办理答复").fill("已对接两家铝材供应商，企业确认可供货")
    _submit(page, "order-reply")
    expect(page.get_by_test_id("order-status")).to_contain_text("已答复")
    expect(page.get_by_test_id("order-answer")).to_contain_text("铝材供应商")
    screenshot(page)
