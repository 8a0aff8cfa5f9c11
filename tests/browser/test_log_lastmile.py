"""LOG-05, LOG-06 by hand: a county HQ office requests a road closure and the province's office
approves it; the city's supply stations are shown activated once the city enters emergency."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_user, put_in_emergency
from sibao.logistics.actions import lastmile

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("LOG-06")
def test_county_requests_a_closure_and_the_province_approves(
    page, live_server, browser_login, screenshot, departments
):
    county = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="b_county")
    province = make_user(Role.HQ_OFFICE, "41", username="b_province")

    browser_login(county)
    page.goto(f"{live_server.url}/logistics/road-closures/")
    expect(page.get_by_test_id("closures-intro")).to_contain_text("须报省指挥部批准")
    page.get_by_test_id("closures-new").click()
    form = page.get_by_test_id("closure-form")
    form.get_by_label("区划").select_option(value=OWN_COUNTY)
    form.get_by_label("道路（路段、出入口、服务区）").fill("连霍高速中原西出口")
    form.get_by_label("道路类型").select_option(value="highway")
    form.get_by_label("申请理由").fill("出口周边发现聚集性疫情，拟临时关闭")
    start = timezone.localtime() + datetime.timedelta(hours=2)
    form.get_by_label("拟关闭开始").fill(start.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("拟关闭结束").fill(
        (start + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    )
    with page.expect_navigation():
        page.get_by_test_id("closure-form-submit").click()
    expect(page.get_by_test_id("closure-status")).to_have_text("待省级审批")
    expect(page.get_by_test_id("closure-waiting")).to_be_visible()
    expect(page.get_by_test_id("closure-decide-form")).to_have_count(0)
    screenshot(page, "requested")
    closure_url = page.url

    page.context.clear_cookies()
    browser_login(province)
    page.goto(closure_url)
    decide = page.get_by_test_id("closure-decide-form")
    decide.get_by_label("审批结果").select_option(value="approve")
    decide.get_by_label("审批意见").fill("同意临时关闭，做好绕行引导")
    with page.expect_navigation():
        page.get_by_test_id("closure-decide-submit").click()
    expect(page.get_by_test_id("closure-status")).to_have_text("已批准")
    expect(page.get_by_test_id("closure-decision")).to_contain_text("做好绕行引导")
    expect(page.get_by_test_id("closure-history")).to_contain_text("省级批准")
    screenshot(page)


@pytest.mark.req("LOG-05")
def test_city_stations_are_activated_when_the_city_enters_emergency(
    page, live_server, browser_login, screenshot, departments
):
    office = make_user(Role.HQ_OFFICE, "4101", username="b_city")
    lastmile.add_station(
        "4101", actor=None, name="郑州北物资中转站", kind="transfer", address="北四环"
    )
    lastmile.add_station(
        OWN_COUNTY, actor=None, name="中原接驳点", kind="connection", address="中原路"
    )
    browser_login(office)
    page.goto(f"{live_server.url}/logistics/supply-stations/")
    expect(page.get_by_test_id("count-active")).to_have_text("0")
    expect(page.get_by_test_id("station-activate")).to_have_count(2)

    put_in_emergency("4101")
    page.reload()
    expect(page.get_by_test_id("count-active")).to_have_text("2")
    states = page.get_by_test_id("station-state")
    expect(states.nth(0)).to_contain_text("已启用")
    expect(states.nth(1)).to_contain_text("已启用")
    expect(page.get_by_test_id("station-row").first).to_contain_text("应急状态")
    screenshot(page)
