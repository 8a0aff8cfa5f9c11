"""EPI-13 by hand: an enterprise admin divides the unit into zones, adds two teams with shifts
that overlap in one zone, sees the finding (no contactless shift change), moves one shift and
sees it clear."""

import pytest
from playwright.sync_api import expect

from sibao.places.models import Shift

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _add(page, button, fields: dict):
    """Open an add form (HTMX, into the page), fill it and save; wait for the page to reload."""
    page.get_by_test_id(button).click()
    form = page.get_by_test_id("zones-form")
    expect(form).to_be_visible()
    for label, value in fields.items():
        field = form.get_by_label(label, exact=True)
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    with page.expect_navigation():
        form.get_by_test_id("zones-form-save").click()


@pytest.mark.req("EPI-13")
def test_admin_finds_and_clears_a_shift_overlap(
    page, live_server, browser_login, screenshot, personas, own_enterprise
):
    browser_login(personas["enterprise_admin"])
    page.goto(f"{live_server.url}/places/units/{own_enterprise.pk}/zones/")
    expect(page.get_by_test_id("problem-count")).to_have_text("未发现问题")

    _add(page, "zone-add", {"区域名称": "一号车间", "区域类型": "生产经营区域"})
    _add(page, "zone-add", {"区域名称": "食堂", "区域类型": "生活区域", "风险等级": "中风险"})
    _add(page, "team-add", {"班组名称": "甲班"})
    _add(page, "team-add", {"班组名称": "乙班"})
    expect(page.get_by_test_id("zone-table")).to_contain_text("一号车间")
    expect(page.get_by_test_id("team-table")).to_contain_text("乙班")

    _add(
        page,
        "shift-add",
        {
            "班组": "甲班",
            "区域": "一号车间",
            "班次名称": "早班",
            "开始时间": "08:00",
            "结束时间": "16:00",
        },
    )
    _add(
        page,
        "shift-add",
        {
            "班组": "乙班",
            "区域": "一号车间",
            "班次名称": "中班",
            "开始时间": "15:00",
            "结束时间": "23:00",
        },
    )
    findings = page.get_by_test_id("zones-findings")
    expect(findings.locator('[data-check="shift_overlap"]')).to_contain_text("15:00–16:00")
    expect(page.get_by_test_id("problem-count")).to_contain_text("1 项问题")
    expect(page.locator('[data-testid="timeline"] td.bg-danger').first).to_be_visible()
    page.get_by_test_id("zones-findings").scroll_into_view_if_needed()
    screenshot(page, "overlap")

    # move the late shift to start when the early one ends
    late = Shift.objects.get(name="中班")
    page.get_by_test_id(f"edit-shifts-{late.pk}").click()
    form = page.get_by_test_id("zones-form")
    expect(form).to_be_visible()
    form.get_by_label("开始时间", exact=True).fill("16:00")
    form.get_by_label("结束时间", exact=True).fill("00:00")
    with page.expect_navigation():
        form.get_by_test_id("zones-form-save").click()
    expect(page.get_by_test_id("problem-count")).to_have_text("未发现问题")
    expect(page.locator('[data-check="shift_overlap"]')).to_have_count(0)
    expect(page.get_by_test_id("shifts-section")).to_contain_text("16:00–次日00:00")
    screenshot(page, "cleared")
    assert Shift.objects.get(pk=late.pk).starts.hour == 16
