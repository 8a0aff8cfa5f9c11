"""CMD-03 by hand: a county HQ office raises a problem about its unit and escalates it to the
city; the city HQ office holds a joint consultation on it, records the decision and assigns a
task to a department; the problem page shows the path and the consultation."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, ensure_headquarters, make_listed, make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("CMD-03")
def test_county_escalates_and_city_consults(
    page, live_server, browser_login, screenshot, departments, own_enterprise
):
    ensure_headquarters(OWN_COUNTY, "4101", "41")
    make_listed(own_enterprise)
    county = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="b_county")
    city = make_user(Role.HQ_OFFICE, "4101", username="b_city")

    browser_login(county)
    page.goto(f"{live_server.url}/command/escalation/problems/")
    page.get_by_test_id("problem-new").click()
    form = page.get_by_test_id("problem-form")
    form.get_by_label("需要协调的问题").fill("原料运输车辆在县界卡口受阻")
    form.get_by_label("情况说明").fill("邻县卡口劝返白名单单位原料车辆，县级协调无果。")
    form.get_by_label("涉及的白名单单位").select_option(label=f"{own_enterprise.name}（中原区）")
    with page.expect_navigation():
        page.get_by_test_id("problem-form-submit").click()
    expect(page.get_by_test_id("problem-hq")).to_contain_text("中原区")
    page.get_by_label("提级至").fill("涉及跨县通行，超出县级协调范围")
    with page.expect_navigation():
        page.get_by_test_id("problem-escalate").click()
    expect(page.get_by_test_id("problem-hq")).to_contain_text("郑州市")
    expect(page.get_by_test_id("history-escalated")).to_contain_text("涉及跨县通行")
    expect(page.get_by_test_id("problem-escalate-form")).to_have_count(0)
    problem_url = page.url

    page.context.clear_cookies()
    browser_login(city)
    page.goto(problem_url)
    page.get_by_test_id("problem-consult").click()
    form = page.get_by_test_id("consultation-form")
    held = timezone.localtime() + datetime.timedelta(hours=2)
    form.get_by_label("会商时间").fill(held.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("参会部门").select_option(label="郑州市交通运输局")
    form.get_by_label("其他参会单位").fill("中原区指挥部、中原测试机械有限公司")
    with page.expect_navigation():
        page.get_by_test_id("consultation-form-submit").click()
    item = page.get_by_test_id("agenda-item").first
    expect(item.get_by_test_id("agenda-subject")).to_contain_text("原料运输车辆")

    item.get_by_label("会商决定").fill("市交通运输局当日开通绿色通道，通报县界卡口放行")
    with page.expect_navigation():
        item.get_by_test_id("decision-form").get_by_role("button").click()
    item = page.get_by_test_id("agenda-item").first
    expect(item.get_by_test_id("agenda-decision")).to_contain_text("绿色通道")
    task_form = item.get_by_test_id("task-form")
    task_form.get_by_label("承办部门").select_option(label="郑州市交通运输局")
    task_form.get_by_label("任务").fill("开通绿色通道并通报卡口")
    due = timezone.localdate() + datetime.timedelta(days=1)
    task_form.get_by_label("完成时限").fill(due.isoformat())
    with page.expect_navigation():
        task_form.get_by_role("button").click()
    expect(page.get_by_test_id("agenda-tasks").first).to_contain_text("开通绿色通道并通报卡口")
    screenshot(page, "consultation")

    page.goto(problem_url)
    expect(page.get_by_test_id("problem-consultations")).to_contain_text("开通绿色通道并通报卡口")
    screenshot(page, "problem")
