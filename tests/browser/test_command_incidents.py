"""INC-01, INC-02 by hand: a unit's task force reports a worker with a fever, sees the step timeline
with its 6-hour retest countdown, records its own steps while the health office records the
retest, tracing and transfer, puts the excluded worker into a silent period and resumes
production; only the affected workshop was ever stopped."""

import pytest
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.command import actions
from sibao.command.models import Incident, StepKind
from sibao.core.testing import (
    OWN_COUNTY,
    make_enterprise,
    make_preparedness,
    make_staff,
    make_user,
    make_zone,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def record_step(page, kind, note):
    page.locator(f'[data-testid="step-open-{kind}"]').click()
    form = page.locator(f'[data-testid="step-form-{kind}"]')
    expect(form).to_be_visible()
    form.locator('input[name="note"]').fill(note)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    expect(page.locator(f'[data-testid="step-{kind}"]')).to_have_attribute("data-state", "done")


@pytest.mark.req("INC-01")
@pytest.mark.req("INC-02")
def test_a_unit_reports_a_suspected_case_and_works_it_to_resumption(
    page, live_server, browser_login, screenshot
):
    unit = make_enterprise(region=OWN_COUNTY, name="中原精密机械有限公司")
    make_preparedness(unit, rooms=2)
    workshop = make_zone(unit, "冲压车间")
    make_zone(unit, "装配车间")
    worker = make_staff(unit, name="张发热", team="冲压一班")
    mate = make_staff(unit, name="李同班", team="冲压一班")
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit, username="zhuanban")
    health = make_user(Role.HEALTH_OFFICE, OWN_COUNTY, username="weijian")

    browser_login(admin)
    page.goto(f"{live_server.url}/command/incidents/")
    with page.expect_navigation():
        page.locator('[data-testid="report-incident"]').first.click()
    page.select_option("#id_kind", "symptom")
    page.select_option("#id_staff", str(worker.pk))
    page.select_option("#id_zone", str(workshop.pk))
    page.fill("#id_observation_room", "观察宿舍101")
    page.fill("#id_description", "冲压车间员工张发热体温 38.3℃，伴咳嗽，已转移至观察宿舍")
    with page.expect_navigation():
        page.locator('[data-testid="incident-form"] button[type="submit"]').click()

    incident = Incident.objects.get()
    expect(page.locator('[data-testid="step-retest"]')).to_contain_text("剩余")
    expect(page.locator('[data-testid="step-report"]')).to_have_attribute("data-state", "done")
    expect(page.locator('[data-testid="incident-zone"]')).to_contain_text("冲压车间")
    screenshot(page, "reported")

    # the local health office records the retest, tracing and transfer on its side
    steps = {s.kind: s for s in incident.steps.all()}
    actions.complete_step(steps[StepKind.RETEST], actor=health, note="单采复核阴性")
    actions.link_tracing(incident, actor=health)
    actions.complete_step(steps[StepKind.TRACE], actor=health, note="密接 1 人（同班组）")
    actions.complete_step(
        steps[StepKind.TRANSFER], actor=health, note="复核阴性，无需转运", not_needed=True
    )

    page.reload()
    record_step(page, "test", "冲压一班全员核酸采样完成")
    record_step(page, "disinfect", "冲压车间、观察宿舍走廊终末消杀完成")

    exclude = page.locator('[data-testid="exclude-form"]')
    exclude.locator('input[name="room"]').fill("观察宿舍101")
    exclude.locator('input[name="days"]').fill("3")
    exclude.locator('select[name="contacts"]').select_option(str(mate.pk))
    with page.expect_navigation():
        exclude.locator('button[type="submit"]').click()
    expect(page.locator('[data-testid="silent-period"]')).to_contain_text("观察宿舍101")
    expect(page.locator('[data-testid="silent-period"]')).to_contain_text("李同班")

    with page.expect_navigation():
        page.locator('[data-testid="resume-form"] button').click()
    expect(page.locator('[data-testid="incident-status"]').first).to_contain_text("已恢复生产")
    expect(page.locator('[data-testid="step-resume"]')).to_have_attribute("data-state", "done")
    screenshot(page)

    page.goto(f"{live_server.url}/command/units/{unit.pk}/incidents/")
    zones = page.locator('[data-testid="zone-status"]')
    expect(zones).to_contain_text("装配车间")
    expect(zones).not_to_contain_text("处置中")
    screenshot(page, "unit")
