"""DEM-03 by hand: the county office opens the supervision page, urges an overdue order, and the
metrics page shows the on-time close rate with the open overdue order counted (1 closed on time
÷ (1 closed + 1 open overdue) = 50.0 %)."""

import pytest
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.workorders.models import Urging
from tests.routes.wo_clocks import overdue_and_closed

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("DEM-03")
def test_office_urges_an_overdue_order_and_reads_the_metrics(
    page, live_server, browser_login, screenshot, departments, own_enterprise
):
    overdue, done = overdue_and_closed(own_enterprise)
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="b_clock_office")

    browser_login(office)
    page.goto(f"{live_server.url}/demands/supervision/")
    expect(page.get_by_test_id("count-overdue")).to_have_text("1")
    row = page.get_by_test_id("order-row").filter(has_text=overdue.number)
    expect(row).to_have_count(1)
    expect(page.get_by_test_id("order-row").filter(has_text=done.number)).to_have_count(0)
    row.get_by_label("督办意见").fill("请于明日下班前答复企业")
    with page.expect_navigation():
        row.get_by_test_id("urge-submit").click()
    expect(page.locator(".alert")).to_contain_text("已督办工单")
    screenshot(page, "supervision")
    assert Urging.objects.filter(order=overdue, kind="urge").count() == 1

    page.goto(f"{live_server.url}/demands/metrics/")
    total = page.get_by_test_id("metrics-total")
    expect(total.get_by_test_id("close-rate")).to_have_text("50.0%")
    expect(total.get_by_test_id("n-open-overdue")).to_have_text("1")
    screenshot(page, "metrics")
    with page.expect_navigation():
        total.get_by_test_id("n-open-overdue").click()
    expect(page.get_by_test_id("metrics-orders")).to_contain_text(overdue.number)
    expect(page.get_by_test_id("metrics-orders")).not_to_contain_text(done.number)
