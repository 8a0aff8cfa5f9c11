"""The whitelist by hand: an enterprise applies and is admitted at once (达标即入); another needs a
reviewer, who approves it criterion by criterion; a department publishes a batch and the public
page, without signing in, shows it."""

import pytest
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_criteria_set, make_enterprise, make_user
from sibao.enterprises import actions
from sibao.enterprises.models import FactSource, WhitelistEntry

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CRITERIA = [
    ("J1", "", {"==": [{"var": "industry"}, "industry"]}),
    ("P1", "province", {">=": [{"var": "annual_revenue"}, 100000]}),
    ("S1", "city", {">=": [{"var": "annual_revenue"}, 10000]}),
    ("X1", "county", {"==": [{"var": "is_above_scale"}, True]}),
]


@pytest.fixture
def criteria(departments):
    return make_criteria_set(criteria=CRITERIA, title="工业生产领域白名单入选标准（测试）")


@pytest.mark.req("WL-04")
def test_an_enterprise_applies_and_is_admitted_at_once(
    page, live_server, browser_login, screenshot, personas, own_enterprise, criteria
):
    actions.record_fact(own_enterprise, "annual_revenue", 150000, source=FactSource.TAX, actor=None)
    browser_login(personas["enterprise_admin"])
    page.goto(f"{live_server.url}/enterprises/{own_enterprise.pk}/")
    page.locator('[data-testid="apply"]').click()
    expect(page.locator("body")).to_contain_text("工业生产领域白名单入选标准（测试）")
    with page.expect_navigation():
        page.locator('[data-testid="apply-submit"]').click()

    expect(page.locator('[data-testid="application-status"]')).to_have_text("达标自动纳入")
    expect(page.locator('[data-testid="auto-admitted"]')).to_contain_text("省级")
    expect(page.locator("body")).to_contain_text("年营业收入 ≥ 100000 万元")
    screenshot(page, "result")
    entry = WhitelistEntry.objects.get(enterprise=own_enterprise)
    assert entry.is_listed and entry.tier == "province"

    page.goto(f"{live_server.url}/enterprises/{own_enterprise.pk}/")
    expect(page.locator("body")).to_contain_text("在册")
    screenshot(page, "enterprise")


@pytest.mark.req("WL-04")
def test_an_application_needing_review_is_approved_by_the_department(
    page, live_server, browser_login, screenshot, departments, criteria
):
    unit = make_enterprise(region=OWN_COUNTY, name="中原待审精密机械有限公司")
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit, username="unit_admin")
    reviewer = make_user(
        Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it", username="reviewer"
    )
    # only declared by the unit: the platform cannot admit on its word alone
    actions.record_fact(unit, "annual_revenue", 20000, source=FactSource.SELF_DECLARED, actor=admin)
    application = actions.submit_application(unit, actor=admin)
    assert application.status == "submitted"

    browser_login(reviewer)
    page.goto(f"{live_server.url}/enterprises/applications/queue/")
    with page.expect_navigation():
        page.get_by_role("link", name=unit.name).first.click()
    form = page.locator('[data-testid="review-form"]')
    expect(form).to_be_visible()
    form.locator('select[name="met_S1"]').select_option("yes")
    form.locator('input[name="why_S1"]').fill("核对纳税申报表，营业收入 2 亿元")
    form.locator('select[name="met_X1"]').select_option("yes")
    form.locator('input[name="why_X1"]').fill("统计部门规上企业名录在列")
    form.locator('input[name="decision"][value="approve"]').check()
    form.locator('select[name="tier"]').select_option("city")
    form.locator('textarea[name="reason"]').fill("经审核，符合市级保障条件。")
    screenshot(page, "review")
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()

    expect(page.locator('[data-testid="application-status"]')).to_have_text("审核通过")
    expect(page.locator("body")).to_contain_text("核对纳税申报表")
    screenshot(page, "approved")
    entry = WhitelistEntry.objects.get(enterprise=unit)
    assert entry.is_listed and entry.tier == "city"


@pytest.mark.req("WL-05")
@pytest.mark.req("WL-03")
def test_a_department_publishes_a_batch_and_the_public_page_shows_it(
    page, browser, live_server, browser_login, screenshot, departments, criteria
):
    unit = make_enterprise(region=OWN_COUNTY, name="中原保供面业有限公司")
    staff = make_user(
        Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it", username="publisher"
    )
    actions.add_unit(unit, actor=staff, tier="county", reason="民生保供，动态增补")

    browser_login(staff)
    page.goto(f"{live_server.url}/enterprises/batches/publish/")
    form = page.locator('[data-testid="batch-publish-form"]')
    form.locator('select[name="region"]').select_option(OWN_COUNTY)
    form.locator('select[name="industry"]').select_option("industry")
    expect(page.locator("#batch-preview")).to_contain_text(unit.name)
    with page.expect_navigation():
        form.get_by_role("button", name="发布", exact=True).click()
    expect(page.locator("body")).to_contain_text("第1批")
    screenshot(page, "published")

    # anyone, signed in or not
    visitor = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    public = visitor.new_page()
    public.goto(f"{live_server.url}/public/")
    assert "/accounts/login/" not in public.url
    expect(public.locator("body")).to_contain_text("工业生产领域白名单入选标准（测试）")
    with public.expect_navigation():
        public.get_by_role("link", name="第1批").first.click()
    expect(public.locator("body")).to_contain_text(unit.name)
    expect(public.locator("body")).to_contain_text(unit.credit_code)
    screenshot(public, "public")
    visitor.close()
