"""The catalogue by hand: a department official creates a policy, adds two conditions with the
row editor, previews how many enterprises would qualify, and publishes it; the enterprises it
matches are found at once."""

import pytest
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_user
from sibao.enterprises.actions.facts import record_fact
from sibao.enterprises.models import FactSource
from sibao.policies.models import Policy, PolicyStatus

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("POL-01")
def test_a_department_creates_previews_and_publishes_a_policy(
    page, live_server, browser_login, screenshot, departments
):
    official = make_user(
        Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="finance", username="finance_official"
    )
    # three units of the county: one qualifies, one lacks its credit grade, one is too big
    qualifies = make_enterprise(region=OWN_COUNTY, name="中原精工小微机械有限公司", employees=80)
    record_fact(qualifies, "tax_credit_grade", "A", source=FactSource.TAX, actor=None)
    make_enterprise(region=OWN_COUNTY, name="中原未报信用商贸有限公司", employees=40)
    too_big = make_enterprise(region=OWN_COUNTY, name="中原大型装备集团有限公司", employees=2000)
    record_fact(too_big, "tax_credit_grade", "A", source=FactSource.TAX, actor=None)

    browser_login(official)
    page.goto(f"{live_server.url}/policies/catalogue/")
    with page.expect_navigation():
        page.locator('[data-testid="policy-create"]').click()
    form = page.locator('[data-testid="policy-form"]')
    form.locator('input[name="title"]').fill("中原区小微企业稳岗返还")
    form.locator('select[name="category"]').select_option("job_retention")
    form.locator('input[name="document"]').fill("《中原区援企稳岗若干措施》")
    form.locator('textarea[name="summary"]').fill("对不裁员或少裁员的小微企业返还失业保险费。")
    form.locator('input[name="benefit"]').fill("按上年度实际缴纳失业保险费的 90% 返还")
    form.locator('input[name="benefit_amount"]').fill("1.5")
    form.locator('select[name="route"]').select_option("no_application")
    form.locator('input[name="valid_from"]').fill("2022-01-01")
    with page.expect_navigation():
        form.locator('[data-testid="save"]').click()
    expect(page.locator('[data-testid="policy-status"]').first).to_have_text("草稿")

    conditions = [
        ("小微企业", "第一条", "employees", "<=", "300"),
        ("纳税信用良好", "第二条", "tax_credit_grade", "in", "A、B"),
    ]
    for title, clause, attribute, operator, value in conditions:
        with page.expect_navigation():
            page.locator('[data-testid="condition-add"]').click()
        form = page.locator('[data-testid="condition-form"]')
        form.locator('input[name="title"]').fill(title)
        form.locator('input[name="clause"]').fill(clause)
        form.locator('select[name="attribute_0"]').select_option(attribute)
        form.locator('select[name="operator_0"]').select_option(operator)
        form.locator('input[name="value_0"]').fill(value)
        with page.expect_navigation():
            form.locator('[data-testid="save"]').click()

    rules = page.locator('[data-testid="condition-rule"]')
    expect(rules).to_have_text(["从业人数 ≤ 300 人", "纳税信用等级 属于 A、B"])
    preview = page.locator('[data-testid="policy-preview"]')
    expect(preview.locator('[data-testid="preview-eligible"]')).to_have_text("1")
    expect(preview.locator('[data-testid="preview-possible"]')).to_have_text("1")
    expect(preview.locator('[data-testid="preview-ineligible"]')).to_have_text("1")
    screenshot(page, "preview")

    with page.expect_navigation():
        page.locator('[data-testid="publish"]').click()
    expect(page.locator('[data-testid="policy-status"]').first).to_have_text("已发布")
    expect(page.locator('[data-testid="count-eligible"]')).to_have_text("1")
    expect(page.locator('[data-testid="count-possible"]')).to_have_text("1")
    screenshot(page, "published")
    policy = Policy.objects.get(title="中原区小微企业稳岗返还")
    assert policy.status == PolicyStatus.PUBLISHED
    assert set(policy.matches.values_list("enterprise__name", "result")) == {
        ("中原精工小微机械有限公司", "eligible"),
        ("中原未报信用商贸有限公司", "possible"),
    }
