"""DEM-06 by hand: a liaison cadre opens "我的包保企业" from the menu, sees its units with an
overdue order and follows it to the order's page."""

import re

import pytest
from playwright.sync_api import expect

from tests.wo_cadres_helpers import cadre_of, demand, dispatched, listed_unit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("DEM-06")
def test_a_cadre_follows_an_overdue_item_to_its_order(
    page, live_server, browser_login, screenshot, departments
):
    unit = listed_unit(name="中原钢构有限公司")
    demand(unit, title="防疫物资短缺")
    order = dispatched(unit, days_ago=20, title="货车通行证办理难")
    cadre = cadre_of(unit, username="b_cadre", full_name="李包保")

    browser_login(cadre)
    page.get_by_role("button", name="问题交办").click()
    with page.expect_navigation():
        page.get_by_role("link", name="我的包保企业").click()
    row = page.get_by_test_id("my-unit")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("中原钢构有限公司")
    expect(row.get_by_test_id("unit-open")).to_have_text("2")
    expect(row.get_by_test_id("unit-overdue")).to_have_text("1")
    overdue = page.get_by_test_id("overdue-order")
    expect(overdue).to_have_count(1)
    expect(overdue).to_contain_text("货车通行证办理难")
    screenshot(page, "my-units")
    with page.expect_navigation() as navigation:
        overdue.get_by_test_id("overdue-link").click()
    assert navigation.value.status == 200
    assert re.search(rf"/demands/orders/{order.pk}/$", page.url), page.url
    screenshot(page, "order")
