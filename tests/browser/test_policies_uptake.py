"""应享尽享 by hand: a published policy is pushed to the enterprises that match it; one sees it with
the reason and applies, the department grants and pays on its board, the enterprise confirms
receipt, and the rate pages show the change."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_policy, make_user
from sibao.enterprises import actions as enterprise_actions
from sibao.enterprises.models import FactSource
from sibao.policies.models import PolicyMatch, UptakeStatus

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("POL-03")
def test_push_apply_grant_pay_confirm_and_the_rate(
    page, live_server, browser_login, screenshot, departments
):
    unit = make_enterprise(region=OWN_COUNTY, name="中原智能装备有限公司")
    peer = make_enterprise(region=OWN_COUNTY, name="中原汽车零部件有限公司")
    for each in (unit, peer):
        enterprise_actions.record_fact(
            each, "annual_revenue", 8000, source=FactSource.TAX, actor=None
        )
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit, username="unit_admin")
    finance = make_user(Role.DEPARTMENT_STAFF, "41", department_kind="finance", username="finance")
    policy = make_policy(
        region="41",
        department_kind="finance",
        conditions=[
            ("年营业收入不低于 2000 万元", "第二条", {">=": [{"var": "annual_revenue"}, 2000]})
        ],
        title="规上工业企业稳产奖励",
        category="fiscal_award",
        benefit="一次性奖励 20 万元",
        benefit_amount=Decimal("20"),
    )
    match = PolicyMatch.objects.get(policy=policy, enterprise=unit)
    assert match.uptake == UptakeStatus.NOTIFIED

    # the enterprise: the notification leads to the policy with its reason; it applies
    browser_login(admin)
    expect(page.locator('[data-testid="unread-count"]')).to_have_text("1")
    page.goto(f"{live_server.url}/policies/uptake/")
    with page.expect_navigation():
        page.get_by_role("link", name="规上工业企业稳产奖励").click()
    reason = page.locator('[data-testid="match-reason"]')
    expect(reason).to_contain_text("年营业收入不低于 2000 万元")
    expect(reason).to_contain_text("第二条")
    expect(reason).to_contain_text("税务")
    screenshot(page, "reason")
    page.locator('textarea[name="note"]').fill("按政策申请稳产奖励")
    with page.expect_navigation():
        page.locator('[data-testid="apply"]').click()
    expect(page.locator('[data-testid="uptake-stages"]')).to_contain_text("已申请")

    # the department: grants and pays on its board (HTMX, the row is replaced in place)
    page.context.clear_cookies()
    browser_login(finance)
    page.goto(f"{live_server.url}/policies/uptake/policies/{policy.pk}/?uptake=applied")
    row = page.locator(f"#uptake-row-{match.pk}")
    expect(row).to_contain_text("已申请")
    row.locator('input[name="amount"]').fill("20")
    row.locator('[data-testid="grant"]').click()
    expect(page.locator(f"#uptake-row-{match.pk}")).to_contain_text("已批准")
    page.locator(f"#uptake-row-{match.pk}").locator('[data-testid="pay"]').click()
    expect(page.locator(f"#uptake-row-{match.pk}")).to_contain_text("已拨付")
    screenshot(page, "board")

    # the enterprise confirms receipt
    page.context.clear_cookies()
    browser_login(admin)
    page.goto(f"{live_server.url}/policies/uptake/matches/{match.pk}/")
    with page.expect_navigation():
        page.locator('[data-testid="confirm-receipt"]').click()
    expect(page.locator('[data-testid="uptake-stages"]')).to_contain_text("企业确认到账")
    expect(page.locator('[data-testid="granted-amount"]')).to_have_text("20.00")

    # the rates: one of the two eligible units has received it
    page.context.clear_cookies()
    browser_login(finance)
    page.goto(f"{live_server.url}/policies/uptake/regions/?region=4101&policy={policy.pk}")
    expect(page.locator('[data-testid="rate-by-count"]')).to_have_text("50.0%")
    expect(page.locator('[data-testid="rate-by-amount"]')).to_have_text("50.0%")
    line = page.locator(f'[data-testid="uptake-region-table"] tr[data-region="{OWN_COUNTY}"]')
    expect(line.locator('[data-testid="region-rate-count"]')).to_have_text("50.0%")
    screenshot(page)
