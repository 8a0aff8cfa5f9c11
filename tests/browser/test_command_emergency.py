"""CMD-01 by hand: a county HQ office opens the joint-office view, picks its county, confirms the
switch with a reason and sees its whitelisted units go to closed loop; a unit's admin then sees
its loop and files its daily loop report (CMD-02)."""

import pytest
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.command.models import LoopReport, LoopStatus
from sibao.core.actions import change_rule_parameter
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_user, make_whitelisted

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("CMD-01")
@pytest.mark.req("CMD-02")
def test_a_county_hq_switches_its_county_and_sees_its_units_go_to_closed_loop(
    page, live_server, browser_login, screenshot
):
    factory = make_whitelisted(OWN_COUNTY, "industry", name="中原精密机械有限公司")
    make_whitelisted(OWN_COUNTY, "commerce", sub_type="商超", name="中原惠民商超有限公司")
    make_whitelisted(OWN_COUNTY, "transport", name="中原通达物流有限公司")
    make_enterprise(region=OWN_COUNTY, name="中原未入选贸易有限公司")
    # the switch takes effect at once here (no advance notice), so the loops run right away
    province = make_user(Role.HQ_OFFICE, "41", username="sheng_office")
    change_rule_parameter(
        "emergency_advance_notice_hours", "0", actor=province, reason="演练：即时生效"
    )
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="zhongyuan_office", full_name="王主任")
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=factory, username="zhuanban")

    browser_login(office)
    page.goto(f"{live_server.url}/command/emergency/")
    expect(page.locator('[data-testid="regions-table"]')).to_contain_text("目前没有处于应急状态")
    page.select_option("#id_region", OWN_COUNTY)
    with page.expect_navigation():
        page.locator('[data-testid="region-picker"] button[type="submit"]').click()
    expect(page.locator('[data-testid="status-badge"]').first).to_have_text("常态")
    with page.expect_navigation():
        page.locator('[data-testid="switch-on"]').click()
    expect(page.locator('[data-testid="confirm-count"]')).to_contain_text("3 家白名单单位")
    page.fill("#id_reason", "中原区发现本土确诊病例，经县指挥部研究决定进入应急状态")
    page.check("#id_confirm")
    screenshot(page, "confirm")
    with page.expect_navigation():
        page.locator('[data-testid="switch-submit"]').click()

    expect(page.locator(".alert-success")).to_contain_text("3 家白名单单位即刻转入闭环生产")
    units = page.locator('[data-testid="unit-row"]')
    expect(units).to_have_count(3)
    for i in range(3):
        expect(units.nth(i)).to_contain_text("闭环生产中")
    expect(page.locator('[data-testid="history-row"]')).to_contain_text("应急状态")
    screenshot(page, "region")
    assert LoopStatus.objects.filter(ended_at__isnull=True).count() == 3

    page.goto(f"{live_server.url}/command/emergency/")
    row = page.locator('[data-testid="region-row"]')
    expect(row).to_contain_text("河南省郑州市中原区")
    expect(row.locator('[data-testid="units-in-loop"]')).to_have_text("3")
    expect(page.locator('[data-testid="total-in-loop"]')).to_have_text("3")
    screenshot(page)
    page.goto(f"{live_server.url}/command/emergency/loops/")
    expect(page.locator('[data-testid="loop-row"]')).to_have_count(3)
    screenshot(page, "loops")

    # the unit's admin sees its loop and files the day's loop report
    page.context.clear_cookies()
    browser_login(admin)
    page.goto(f"{live_server.url}/command/emergency/")
    expect(page.locator('[data-testid="loop-mode"]')).to_have_text("全闭环（气泡式）")
    with page.expect_navigation():
        page.locator('[data-testid="loop-tabs"] a', has_text="填报闭环日报").click()
    page.fill("#id_in_loop", "96")
    page.fill("#id_outside", "4")
    with page.expect_navigation():
        page.locator('[data-testid="report-form"] button[type="submit"]').click()
    expect(page.locator('[data-testid="report-row"]')).to_contain_text("96")
    screenshot(page, "unit")
    assert LoopReport.objects.get(enterprise=factory).in_loop == 96
