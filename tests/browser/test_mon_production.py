"""MON-03 by hand: a unit's admin reports the day's production status from the list page; a city
official finds the unit in the status list and follows its city's trend chart down to the
county."""

import pytest
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_listed, make_user
from tests.mon_production_support import put_report

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("MON-03")
def test_a_unit_reports_and_an_official_sees_it_in_the_list_and_the_trend(
    page, live_server, browser_login, screenshot, own_enterprise
):
    make_listed(own_enterprise)
    others = [
        make_enterprise(region=region, name=f"趋势测试{n}有限公司")
        for n, region in enumerate((OWN_COUNTY, OWN_COUNTY, "410103", "410103", "410105"))
    ]
    for offset in range(-13, 0):
        put_report(own_enterprise, offset, capacity=70 + (offset + 13), staff=40)
        for n, unit in enumerate(others):
            state = (
                "suspended" if n == 4 and offset > -4 else ("partial" if n == 2 else "operating")
            )
            capacity = 0 if state == "suspended" else (45 if state == "partial" else 85 - n)
            put_report(unit, offset, state=state, capacity=capacity, staff=20 + n * 5)
    unit_admin = make_user(
        Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise, username="b_unit"
    )
    official = make_user(Role.HQ_OFFICE, "4101", username="b_city")

    browser_login(unit_admin)
    page.goto(f"{live_server.url}/enterprises/production/")
    page.get_by_test_id("production-report-link").click()
    form = page.get_by_test_id("production-form")
    expect(form.get_by_label("产能利用率（%）")).to_have_value("82")  # yesterday's figures
    form.locator("label.form-selectgroup-item", has_text="部分生产").click()
    form.get_by_label("产能利用率（%）").fill("55")
    form.get_by_label("在岗人数").fill("32")
    form.get_by_label("原材料可用天数").fill("4.5")
    form.get_by_label("情况说明").fill("上游供应商停工，单班生产。")
    screenshot(page, "form")
    with page.expect_navigation():
        page.get_by_test_id("production-form-submit").click()
    expect(page.get_by_test_id("production-current")).to_contain_text("部分生产")
    expect(page.get_by_test_id("unit-report").first).to_contain_text("上游供应商停工")
    expect(page.locator('[data-testid="unit-trend-chart"] canvas')).to_be_visible()

    page.context.clear_cookies()
    browser_login(official)
    page.goto(f"{live_server.url}/enterprises/production/?state=partial")
    row = page.get_by_test_id("production-row").filter(has_text=own_enterprise.name)
    expect(row).to_contain_text("部分生产")
    expect(row).to_contain_text("55%")
    screenshot(page, "list")
    page.get_by_test_id("production-trend-link").click()
    expect(page.locator('[data-testid="trend-chart"] canvas')).to_be_visible()
    expect(page.get_by_test_id("trend-day").first).to_contain_text("1")
    page.wait_for_timeout(600)  # the charts' entry animation
    screenshot(page, "trend")
    with page.expect_navigation():
        page.get_by_test_id("trend-child-link").filter(has_text="中原区").click()
    expect(page.get_by_role("heading", name="中原区生产经营趋势")).to_be_visible()
    expect(page.get_by_test_id("trend-ancestor")).to_contain_text("郑州市")
