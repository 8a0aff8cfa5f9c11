"""MON-02 by hand: the evaluation raises a warning about a unit without its preparedness; the
county office finds it on the warning list, opens it, reads why it fired, acknowledges it, then
turns it into a work order of the unit."""

import pytest
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.command.actions.warnings import evaluate_warnings
from sibao.command.models import EarlyWarning
from sibao.core.testing import OWN_COUNTY, ensure_departments, make_user
from tests.routes.mon_warnings import listed_unit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("MON-02")
def test_an_official_acts_on_a_warning_from_the_list(page, live_server, browser_login, screenshot):
    ensure_departments(OWN_COUNTY)
    unit = listed_unit()
    evaluate_warnings(codes={"preparedness_incomplete", "unit_without_cadre"})
    warning = EarlyWarning.objects.get(rule="preparedness_incomplete", enterprise=unit)
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="b_warning_office")

    browser_login(office)
    page.goto(f"{live_server.url}/command/warnings/")
    expect(page.get_by_test_id("count-prevention")).to_contain_text("1")
    expect(page.get_by_test_id("count-liaison")).to_contain_text("1")
    screenshot(page, "list")
    row = page.get_by_test_id("warning-row").filter(has_text="常态常备未落实")
    with page.expect_navigation():
        row.get_by_test_id("warning-link").click()
    expect(page.get_by_test_id("warning-rule-name")).to_contain_text("常态常备未落实")
    expect(page.get_by_test_id("warning-parameters")).to_contain_text("7")
    expect(page.get_by_test_id("warning-figures")).to_contain_text("常态常备登记")

    with page.expect_navigation():
        page.get_by_test_id("warning-acknowledge").click()
    expect(page.get_by_test_id("warning-status").first).to_contain_text("已确认")
    expect(page.get_by_test_id("history-acknowledge")).to_be_visible()

    page.get_by_test_id("warning-work-order-box").locator("summary").click()
    form = page.get_by_test_id("warning-work-order-form")
    form.get_by_label("诉求类别").select_option(value="supplies")
    form.get_by_label("补充说明").fill("请协助单位落实专班负责人和应急预案。")
    with page.expect_navigation():
        page.get_by_test_id("warning-work-order").click()
    expect(page.get_by_test_id("warning-status").first).to_contain_text("已交办")
    demand = EarlyWarning.objects.get(pk=warning.pk).demand
    expect(page.get_by_test_id("warning-demand")).to_contain_text(demand.number)
    screenshot(page, "work-order")
