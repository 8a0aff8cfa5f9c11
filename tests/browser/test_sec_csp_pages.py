"""Pages under the Content-Security-Policy: the board, the production trend, the whitelist coverage
chart, the uptake-by-region chart, an incident detail page and a unit page whose production panel
(with its chart) arrives by HTMX all work without a single policy violation or console error; a
form with data-confirm asks first and does nothing when cancelled; print buttons print."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.command import actions as command_actions
from sibao.core.testing import (
    OWN_COUNTY,
    make_enterprise,
    make_listed,
    make_policy,
    make_preparedness,
    make_staff,
    make_user,
)
from sibao.policies.models import Policy
from tests.mon_production_support import put_report

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WATCH = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.reportViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
window.print = () => { window.printedPath = location.pathname; };
"""


def test_pages_work_under_the_policy(page, live_server, browser_login, screenshot):
    cache.clear()  # no board figures of an earlier test
    unit = make_enterprise(region=OWN_COUNTY, name="中原安全测试机械有限公司")
    make_listed(unit)
    make_enterprise(region="410202", name="开封安全测试食品有限公司")
    for offset in range(-6, 1):
        put_report(unit, offset, capacity=60 + offset, staff=30)
    make_preparedness(unit, rooms=2)
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit, username="csp_unit")
    incident = command_actions.open_incident(
        unit,
        actor=admin,
        kind="symptom",
        description="员工发热 38.1℃",
        staff=make_staff(unit, name="王发热"),
        observation_room="观察101",
    )
    draft = make_policy(region="41", title="待删除的草稿政策", publish=False)
    office = make_user(Role.HQ_OFFICE, "41", username="csp_office")
    finance = make_user(Role.DEPARTMENT_STAFF, "41", department_kind="finance", username="csp_fin")

    violations, errors = [], []
    page.expose_function("reportViolation", lambda text: violations.append(text))
    page.add_init_script(WATCH)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))

    def console(msg):
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{page.url}: {msg.text} ({msg.location.get('url')})")

    page.on("console", console)

    def charts_drawn(url: str, *test_ids: str) -> None:
        page.goto(f"{live_server.url}{url}")
        for test_id in test_ids:
            expect(page.locator(f'[data-testid="{test_id}"] canvas').first).to_be_visible()

    browser_login(office)
    charts_drawn("/dashboard/", "board-map")
    charts_drawn("/enterprises/production/trend/", "trend-chart", "trend-capacity-chart")
    charts_drawn("/enterprises/coverage/?industry=industry&region=41", "coverage-chart")
    charts_drawn(f"/enterprises/{unit.pk}/", "unit-panel-chart")  # the panel comes by HTMX
    charts_drawn(f"/enterprises/{unit.pk}/production/", "unit-trend-chart")
    page.goto(f"{live_server.url}/command/incidents/{incident.pk}/")
    countdown = page.locator("[data-countdown]").first
    expect(countdown).to_have_attribute("data-countdown-left", "剩余")
    expect(countdown).to_contain_text("剩余")
    page.goto(f"{live_server.url}/dashboard/reports/report/")
    page.get_by_test_id("report-print").click()
    page.wait_for_function("() => window.printedPath === '/dashboard/reports/report/'")
    assert (violations, errors) == ([], [])

    page.context.clear_cookies()
    browser_login(finance)
    charts_drawn("/policies/uptake/regions/?region=41", "uptake-chart")
    page.wait_for_timeout(600)  # the chart's entry animation
    screenshot(page)

    # data-confirm: cancelling keeps the draft, accepting deletes it
    page.goto(f"{live_server.url}/policies/catalogue/{draft.pk}/")
    asked = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.get_by_role("button", name="删除草稿").click()
    expect(page.get_by_role("button", name="删除草稿")).to_be_visible()
    assert asked == ["确定删除该草稿？"]
    assert Policy.objects.filter(pk=draft.pk).exists()
    page.once("dialog", lambda dialog: answer(dialog, True))
    with page.expect_navigation():
        page.get_by_role("button", name="删除草稿").click()
    assert len(asked) == 2
    assert not Policy.objects.filter(pk=draft.pk).exists()
    assert (violations, errors) == ([], [])

    # the watch itself: an inline script is refused and reported
    ran = page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.appendChild(script);
            return window.inlineRan === true;
        }"""
    )
    assert ran is False
    for _attempt in range(50):  # the report reaches the test through the exposed function
        if violations:
            break
        page.wait_for_timeout(100)
    assert len(violations) == 1 and violations[0].startswith("script-src"), violations
