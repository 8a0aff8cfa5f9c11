"""DEM-04 by hand ("点办理、批处理"): the county office runs the clustering, promotes the top cluster
(five units reporting one steel shortage) to a common issue, resolves it as one batch and sends it
to the policy reserve."""

import pytest
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.models import Notification
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.policies.models import PolicyDraft
from sibao.regions.models import Department
from sibao.workorders.models import CommonIssue
from tests.wo_common_builders import background, planted_cluster

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("DEM-04")
def test_office_clusters_promotes_resolves_and_sends_to_reserve(
    page, live_server, browser_login, screenshot, departments
):
    steel = planted_cluster()
    background()
    admins = [make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=d.enterprise) for d in steel]
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="b_common_office")
    department = Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")

    browser_login(office)
    page.goto(f"{live_server.url}/demands/common/clusters/")
    expect(page.get_by_test_id("cluster-empty")).to_be_visible()
    with page.expect_navigation():
        page.get_by_test_id("cluster-run").click()
    top = page.get_by_test_id("cluster-card").first
    expect(top.get_by_test_id("cluster-label")).to_contain_text("钢材")
    expect(top.get_by_test_id("cluster-size")).to_have_text("5")
    screenshot(page, "clusters")

    form = top.get_by_test_id("cluster-promote-form")
    form.get_by_label("共性问题名称").fill("钢材原料供应紧张、价格上涨")
    form.get_by_label("牵头单位").select_option(value=str(department.pk))
    with page.expect_navigation():
        top.get_by_test_id("cluster-promote").click()
    expect(page.get_by_test_id("issue-demand-row")).to_have_count(5)

    with page.expect_navigation():
        page.get_by_test_id("issue-start").click()
    expect(page.get_by_test_id("issue-status")).to_have_text("批量办理中")
    page.get_by_label("批量办理结果").fill("市工信局协调本地钢厂定向保供，价格锁定至季度末。")
    with page.expect_navigation():
        page.get_by_test_id("issue-resolve").click()
    expect(page.get_by_test_id("issue-status")).to_have_text("已解决")
    expect(page.get_by_test_id("issue-resolution")).to_contain_text("定向保供")

    reserve = page.get_by_test_id("issue-reserve-form")
    reserve.get_by_label("政策研究牵头部门").select_option(value=str(department.pk))
    reserve.get_by_label("政策调整建议").fill("建立重点原材料保供稳价机制。")
    with page.expect_navigation():
        page.get_by_test_id("issue-reserve").click()
    expect(page.get_by_test_id("issue-reserve")).to_contain_text("钢材原料供应紧张")
    screenshot(page, "issue")

    issue = CommonIssue.objects.get()
    assert PolicyDraft.objects.get().source_id == str(issue.pk)
    for admin in admins:  # every linked unit was asked to verify its own demand
        assert Notification.objects.filter(recipient=admin, title__contains="评价").exists()
