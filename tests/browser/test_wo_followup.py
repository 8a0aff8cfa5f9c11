"""DEM-05 by hand: the county office reviews a unit's reply, records a phone visit and closes the
order (the demand is 销号); the enterprise sees the closed demand with its whole history and
appeals; the office reopens it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_user
from tests.wo_followup_state import filed_demand, replied_order

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("DEM-05")
def test_review_visit_close_appeal_reopen(
    page, live_server, browser_login, screenshot, departments, own_enterprise
):
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="bf_office")
    admin = make_user(
        Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise, username="bf_admin"
    )
    demand = filed_demand(own_enterprise, by=admin, at=timezone.now() - datetime.timedelta(days=2))
    order = replied_order(demand, at=timezone.now() - datetime.timedelta(hours=1))

    browser_login(office)
    page.goto(live_server.url + reverse("workorders:order_detail", args=[order.pk]))
    panel = page.get_by_test_id("order-followup-panel")
    panel.get_by_label("审核意见").fill("答复属实，已开通绿色通道")
    with page.expect_navigation():
        panel.get_by_test_id("review-submit").click()
    panel = page.get_by_test_id("order-followup-panel")
    panel.get_by_label("回访方式").select_option("phone")
    panel.get_by_test_id("visit-form").get_by_label("已解决").check()
    panel.get_by_test_id("visit-form").get_by_label("满意", exact=True).check()
    panel.get_by_label("回访记录").fill("电话回访企业负责人，原料车辆已正常通行")
    with page.expect_navigation():
        panel.get_by_test_id("visit-submit").click()
    screenshot(page, "visited")
    with page.expect_navigation():
        page.get_by_test_id("order-followup-panel").get_by_test_id("close-submit").click()
    expect(page.locator(".alert-success, .alert").first).to_contain_text("销号")

    page.context.clear_cookies()
    browser_login(admin)
    page.goto(live_server.url + reverse("workorders:demand_detail", args=[demand.pk]))
    history = page.get_by_test_id("followup-history")
    expect(history.locator('[data-kind="demand-close"]')).to_have_count(1)
    for kind in ("order-review", "visit", "order-close", "order-reply", "order-dispatch"):
        expect(history.locator(f'[data-kind="{kind}"]')).to_have_count(1)
    expect(history.locator('[data-kind="visit"]')).to_contain_text("电话回访")
    followup_panel = page.get_by_test_id("followup-panel")
    followup_panel.get_by_label("申诉理由").fill("夜间原料车辆仍被劝返")
    screenshot(page, "enterprise-closed")
    with page.expect_navigation():
        followup_panel.get_by_test_id("appeal-submit").click()
    expect(page.get_by_test_id("appeal-outcome")).to_contain_text("待处理")

    page.context.clear_cookies()
    browser_login(office)
    page.goto(live_server.url + reverse("workorders:demand_detail", args=[demand.pk]))
    form = page.get_by_test_id("appeal-decide-form")
    form.get_by_label("重启办理").check()
    form.get_by_label("处理意见").fill("夜间通行问题未解决，重新办理")
    with page.expect_navigation():
        form.get_by_test_id("appeal-decide-submit").click()
    expect(page.get_by_test_id("appeal-outcome")).to_contain_text("已重启办理")
    expect(
        page.get_by_test_id("followup-history").locator('[data-kind="order-reopen"]')
    ).to_have_count(1)
    screenshot(page, "reopened")
    order.refresh_from_db()
    assert order.status == "in_progress"
