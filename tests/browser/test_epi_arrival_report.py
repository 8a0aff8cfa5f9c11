"""EPI-08, EPI-09 in a real browser at phone width (375 px): a visitor without an account finds the
destination unit, reports, and is told what the coding decision asks of them; the unit's admin
then sees the coded report in the unit's arrival list."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sibao.core.testing import id_number
from sibao.epidemic import actions
from sibao.epidemic.models import ArrivalReport, RiskLevel

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ID_NO = id_number(31, region="310115", born="19900215")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.req("EPI-08")
@pytest.mark.req("EPI-09")
def test_a_visitor_reports_on_a_phone_and_is_coded(
    browser, live_server, screenshot, personas, own_enterprise, browser_login, page
):
    actions.add_risk_area(
        actor=None,
        region_code="310115",
        region_name="上海市浦东新区",
        name="某街道某小区",
        level=RiskLevel.STATIC,
        valid_from=timezone.localdate() - datetime.timedelta(days=2),
    )
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    phone = context.new_page()
    phone.goto(f"{live_server.url}/arrive/")
    expect(phone.locator('[data-testid="main-nav"]')).to_have_count(0)
    phone.fill("#unit-q", "中原测试")  # the results come in as one types (HTMX)
    choice = phone.locator('[data-testid="unit-choice"]', has_text=own_enterprise.name)
    expect(choice).to_be_visible()
    assert no_horizontal_scroll(phone)
    screenshot(phone, "search")
    with phone.expect_navigation():
        choice.click()

    expect(phone.locator('[data-testid="chosen-unit"]')).to_contain_text(own_enterprise.name)
    phone.fill("#id_name", "赵六")
    phone.fill("#id_id_number", ID_NO)
    phone.fill("#id_phone", "13811112222")
    phone.fill("#id_origin_region", "310115")
    phone.fill("#id_origin_name", "上海市浦东新区")
    arrival = timezone.localdate() + datetime.timedelta(days=1)
    phone.fill("#id_expected_arrival", arrival.isoformat())
    phone.select_option("#id_purpose", "return")
    assert no_horizontal_scroll(phone)
    screenshot(phone, "form")
    with phone.expect_navigation():
        phone.locator('[data-testid="arrival-form"] button[type="submit"]').click()

    advice = phone.locator('[data-testid="advice"]')
    expect(advice).to_contain_text("集中隔离 7 天")
    report = ArrivalReport.objects.get()
    expect(phone.locator('[data-testid="report-no"]')).to_have_text(report.report_no)
    assert ID_NO not in phone.content()
    assert no_horizontal_scroll(phone)
    screenshot(phone, "done")
    context.close()

    browser_login(personas["enterprise_admin"])
    page.goto(f"{live_server.url}/epidemic/arrivals/?when=tomorrow")
    row = page.locator('[data-testid="arrival-table"] tbody tr', has_text=report.report_no)
    expect(row).to_contain_text("红码·集中隔离")
    expect(row).to_contain_text("赵六")
    screenshot(page, "unit-list")
