"""政策找企 and 我的政策 by hand: an official finds the enterprises a published policy reaches
(eligible with the facts that prove it, possibly with what is missing); the possibly eligible
enterprise sees on its self-check what it needs, declares it on its facts panel, and the policy
turns eligible with the reason shown."""

import pytest
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_policy, make_user
from sibao.enterprises import actions as enterprise_actions
from sibao.enterprises.models import FactSource
from sibao.policies.models import MatchResult, PolicyMatch

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("POL-02", "POL-04")
def test_an_official_finds_enterprises_and_one_completes_its_facts(
    page, live_server, browser_login, screenshot, departments
):
    proven = make_enterprise(region=OWN_COUNTY, name="中原精密制造有限公司", employees=260)
    enterprise_actions.record_fact(
        proven, "annual_revenue", 12000, source=FactSource.TAX, actor=None
    )
    unit = make_enterprise(region=OWN_COUNTY, name="中原新材料科技有限公司", employees=120)
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit, username="unit_admin")
    official = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="county_office")
    policy = make_policy(
        region="41",
        department_kind="finance",
        conditions=[
            ("年营业收入 5000 万元以上", "第三条第一款", {">=": [{"var": "annual_revenue"}, 5000]}),
            ("从业人员 100 人以上", "第三条第二款", {">=": [{"var": "employees"}, 100]}),
        ],
        title="制造业企业稳岗扩产奖励",
        category="job_retention",
        benefit="按从业人数每人奖励 500 元",
        route="quick",
    )

    # the county office: 政策找企
    browser_login(official)
    page.goto(f"{live_server.url}/policies/matching/")
    with page.expect_navigation():
        page.get_by_role("link", name="制造业企业稳岗扩产奖励").first.click()
    table = page.locator('[data-testid="matching-table"]')
    expect(table).to_contain_text("中原精密制造有限公司")
    expect(table).to_contain_text("税务")
    expect(table).not_to_contain_text("中原新材料科技有限公司")
    screenshot(page, "eligible")
    with page.expect_navigation():
        page.locator('[data-testid="tab-possible"]').click()
    expect(table).to_contain_text("中原新材料科技有限公司")
    expect(table).to_contain_text("年营业收入")

    # the enterprise: 我的政策 says what it needs, it declares it, the policy turns eligible
    page.context.clear_cookies()
    browser_login(admin)
    page.goto(f"{live_server.url}/policies/matching/mine/")
    possible = page.locator('[data-testid="mine-possible"]')
    expect(possible).to_contain_text("制造业企业稳岗扩产奖励")
    expect(possible.locator('[data-testid="missing"]')).to_contain_text("年营业收入")
    screenshot(page, "self-check")
    with page.expect_navigation():
        possible.locator('[data-testid="declare-link"]').first.click()
    page.wait_for_load_state("load")
    form = page.locator('[data-testid="fact-form"]')
    # the facts page may be slow to answer under a full parallel CI load: a longer wait here only
    expect(form.locator('select[name="key"]')).to_be_visible(timeout=30_000)
    form.locator('select[name="key"]').select_option("annual_revenue")
    form.locator('input[name="value"]').fill("6800")
    form.locator('button[type="submit"]').click()
    expect(page.locator('[data-testid="facts-table"]')).to_contain_text("6800")
    page.goto(f"{live_server.url}/policies/matching/mine/")
    eligible = page.locator('[data-testid="mine-eligible"]')
    expect(eligible).to_contain_text("制造业企业稳岗扩产奖励")
    expect(eligible).to_contain_text("企业自报")
    with page.expect_navigation():
        eligible.locator('[data-testid="to-pair"]').first.click()
    expect(page.locator('[data-testid="pair-result"]')).to_contain_text("符合")
    expect(page.locator('[data-testid="pair-conditions"]')).to_contain_text("第三条第一款")
    screenshot(page, "pair")
    assert PolicyMatch.objects.get(policy=policy, enterprise=unit).result == MatchResult.ELIGIBLE
