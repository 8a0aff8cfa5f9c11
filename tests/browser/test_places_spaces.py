"""EPI-05 by hand: an enterprise admin builds a small space tree (site → building → workshop, and
a door), sees the coverage check list the spaces that need a code, issues codes until coverage
goes green, and opens the printable A4 code sheet."""

import pytest
from playwright.sync_api import expect

from sibao.places.models import PlaceCode, Space

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def add_child(page, parent_name: str, kind_label: str, name: str):
    row = page.locator(f'[data-testid="space-row"][data-name="{parent_name}"]')
    row.locator('[data-testid="add-child"]').click()
    form = row.locator('[data-testid="space-form"]')
    expect(form).to_be_visible()
    form.locator('select[name="kind"]').select_option(label=kind_label)
    form.locator('input[name="name"]').fill(name)
    with page.expect_navigation():
        form.locator('[data-testid="save-space"]').click()
    expect(page.locator(f'[data-testid="space-row"][data-name="{name}"]')).to_be_visible()


@pytest.mark.req("EPI-05")
def test_an_enterprise_builds_its_tree_issues_codes_and_prints_them(
    page, live_server, browser_login, screenshot, personas, own_enterprise
):
    browser_login(personas["enterprise_admin"])
    # the navigation's 场所码管理 takes a unit admin to its own tree
    page.goto(f"{live_server.url}/places/coverage/")
    expect(page).to_have_url(f"{live_server.url}/places/units/{own_enterprise.pk}/spaces/")
    expect(page.locator("body")).to_contain_text("尚未登记空间")

    page.locator('[data-testid="add-site"]').click()
    form = page.locator('#site-slot [data-testid="space-form"]')
    expect(form).to_be_visible()
    form.locator('input[name="name"]').fill("一号厂区")
    form.locator('select[name="venue_type"]').select_option(label="工业企业")
    with page.expect_navigation():
        form.locator('[data-testid="save-space"]').click()

    add_child(page, "一号厂区", "楼栋", "一号楼")
    add_child(page, "一号楼", "车间", "装配车间")
    add_child(page, "一号厂区", "出入口", "东门")

    # an industrial site: the workshop and the door need a code, the building does not
    panel = page.locator('[data-testid="coverage-panel"]')
    expect(panel.locator('[data-testid="coverage-missing"]')).to_have_text("2")
    expect(panel.locator('[data-testid="coverage-gaps"]')).to_contain_text("装配车间")
    building = page.locator('[data-testid="space-row"][data-name="一号楼"]')
    expect(building.locator('[data-testid="code-status"]')).to_have_attribute("data-status", "none")
    screenshot(page, "gaps")

    shop = page.locator('[data-testid="space-row"][data-name="装配车间"]')
    with page.expect_navigation():
        shop.locator('[data-testid="issue-code"]').click()
    expect(shop.locator('[data-testid="code-status"]')).to_have_attribute("data-status", "valid")
    expect(panel.locator('[data-testid="coverage-missing"]')).to_have_text("1")

    with page.expect_navigation():
        page.locator('[data-testid="issue-missing"]').click()
    expect(panel).to_have_attribute("data-complete", "true")
    expect(panel.locator('[data-testid="coverage-complete"]')).to_contain_text("场所码已全覆盖")
    screenshot(page, "covered")
    assert Space.objects.filter(enterprise=own_enterprise).count() == 4
    assert PlaceCode.objects.filter(enterprise=own_enterprise, revoked_at__isnull=True).count() == 2

    with page.context.expect_page() as opened:
        page.locator('[data-testid="print-sheet"]').click()
    sheet = opened.value
    sheet.wait_for_load_state()
    cards = sheet.locator('[data-testid="code-card"]')
    expect(cards).to_have_count(2)
    expect(cards.first.locator("svg")).to_be_visible()
    expect(sheet.locator("body")).to_contain_text("一号厂区 / 一号楼 / 装配车间")
    expect(sheet.locator("body")).to_contain_text("请扫码登记进入")
    code = PlaceCode.objects.get(space__name="装配车间", revoked_at__isnull=True)
    expect(sheet.locator(f'[data-url="{live_server.url}/s/{code.payload}/"]')).to_have_count(1)
    screenshot(sheet, "sheet")
