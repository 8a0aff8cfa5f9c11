"""LOG-01 by hand: a logistics company registers a vehicle outsourced to a whitelisted unit (the
plate typed full-width) and a driver, puts the driver on the transport whitelist, and finds both
in the lists with the driver's ID number masked."""

import pytest
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, id_number, make_enterprise, make_listed, make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("LOG-01")
def test_a_company_registers_a_vehicle_and_whitelists_its_driver(
    page, live_server, browser_login, screenshot, own_enterprise
):
    make_listed(own_enterprise)
    company = make_enterprise(region=OWN_COUNTY, industry="transport", name="中原顺达物流有限公司")
    user = make_user(Role.LOGISTICS_COMPANY, OWN_COUNTY, enterprise=company, username="b_company")
    number = id_number(41, born="19820303")

    browser_login(user)
    page.goto(f"{live_server.url}/logistics/vehicles/")
    page.get_by_test_id("vehicle-new").click()
    form = page.get_by_test_id("vehicle-form")
    form.get_by_label("车牌号").fill("豫Ａ·６８８６８")
    form.get_by_label("车辆类型").select_option(label="冷链车")
    form.get_by_label("车辆性质").select_option(label="白名单单位固定外包车辆")
    form.get_by_label("服务的白名单单位").select_option(label=f"{own_enterprise.name}（中原区）")
    with page.expect_navigation():
        page.get_by_test_id("vehicle-form-submit").click()
    expect(page.get_by_test_id("vehicle-plate")).to_have_text("豫A68868")
    expect(page.get_by_test_id("vehicle-served")).to_contain_text(own_enterprise.name)
    screenshot(page, "vehicle")

    page.goto(f"{live_server.url}/logistics/drivers/new/")
    form = page.get_by_test_id("driver-form")
    form.get_by_label("姓名").fill("王建国")
    form.get_by_label("身份证号").fill(number)
    form.get_by_label("手机号码").fill("13912345678")
    form.get_by_label("准驾车型").select_option("A2")
    with page.expect_navigation():
        page.get_by_test_id("driver-form-submit").click()
    expect(page.get_by_test_id("driver-id")).not_to_contain_text(number)
    expect(page.get_by_test_id("driver-phone")).to_have_text("139****5678")
    with page.expect_navigation():
        page.get_by_test_id("driver-whitelist-add").click()
    expect(page.get_by_test_id("driver-whitelist-state")).to_contain_text("已纳入运输白名单")

    page.goto(f"{live_server.url}/logistics/drivers/?on_whitelist=true")
    rows = page.get_by_test_id("driver-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("王建国")
    expect(page.get_by_test_id("driver-table")).not_to_contain_text(number)
    screenshot(page)
