"""INC-03 by hand: a county HQ office asks to shut down a whitelisted unit, the provincial health
office (epidemic HQ) and the provincial HQ office (dispatch HQ) each approve on the request's
page, and the shutdown runs with its clock."""

import pytest
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.command.models import ShutdownRequest
from sibao.core.testing import (
    OWN_COUNTY,
    ensure_departments,
    make_province_deciders,
    make_user,
    make_whitelisted,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def sign_out(page):
    page.context.clear_cookies()


@pytest.mark.req("INC-03")
def test_a_county_asks_to_shut_down_a_unit_and_the_province_decides(
    page, live_server, browser_login, browser_second_factor, screenshot
):
    ensure_departments("41", "4101", OWN_COUNTY)
    unit = make_whitelisted(OWN_COUNTY, name="中原重型机械有限公司")
    county = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="zhongyuan_hq")
    health, dispatch = make_province_deciders()

    browser_login(county)
    page.goto(f"{live_server.url}/command/oversight/shutdowns/")
    with page.expect_navigation():
        page.locator('[data-testid="shutdown-new"]').click()
    page.select_option("#id_enterprise", str(unit.pk))
    page.fill("#id_days", "5")
    page.fill("#id_reason", "二号车间发现初筛阳性，厂区无法分区生产，申请停产消杀")
    with page.expect_navigation():
        page.locator('[data-testid="shutdown-form-submit"]').click()
    expect(page.locator('[data-testid="field-error"]')).to_contain_text("不超过 3 天")
    page.fill("#id_days", "2")
    with page.expect_navigation():
        page.locator('[data-testid="shutdown-form-submit"]').click()
    expect(page.locator('[data-testid="shutdown-summary"]')).to_contain_text("待省级联合决定")
    detail = page.url
    assert page.locator('[data-testid="decide-epidemic"]').count() == 0
    sign_out(page)

    browser_login(health)
    browser_second_factor(health)
    page.goto(detail)
    form = page.locator('[data-testid="decide-epidemic"]')
    form.locator('input[value="1"]').check()
    form.locator("textarea").fill("经研判，同意停产消杀")
    with page.expect_navigation():
        form.get_by_role("button", name="提交决定").click()
    expect(page.locator('[data-testid="side-epidemic"]')).to_contain_text("同意")
    sign_out(page)

    browser_login(dispatch)
    page.goto(detail)
    form = page.locator('[data-testid="decide-dispatch"]')
    form.locator('input[value="1"]').check()
    with page.expect_navigation():
        form.get_by_role("button", name="提交决定").click()
    expect(page.locator('[data-testid="shutdown-summary"]')).to_contain_text("已批准")
    expect(page.locator('[data-testid="shutdown-clock"]').first).to_contain_text("剩余")
    screenshot(page)
    request = ShutdownRequest.objects.get()
    assert request.status == ShutdownRequest.Status.APPROVED and request.days == 2
    assert request.epidemic_decided_by == health and request.dispatch_decided_by == dispatch
