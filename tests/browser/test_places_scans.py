"""EPI-06 in a real browser at phone width (375 px): a worker opens a place code's page (as the
QR would), identifies once, confirms entry, sees the success page, checks out; the unit's admin
then sees the scan in the unit's scan log, with the name from the roster."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from sibao.core.testing import id_number, make_place_code, make_site, make_space, make_staff
from sibao.places.models import ExitKind, Scan

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ID_NO = id_number(41, region="410102", born="19920615")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.req("EPI-06")
def test_a_worker_scans_a_place_code_on_a_phone_and_the_unit_sees_it(
    browser, live_server, screenshot, personas, own_enterprise, browser_login, page
):
    cache.clear()
    make_staff(
        own_enterprise,
        ID_NO,
        name="李建国",
        team="焊接二班",
        last_negative_at=timezone.now() - datetime.timedelta(hours=3),
    )
    site = make_site(own_enterprise, name="一号厂区")
    code = make_place_code(make_space(site, kind="workshop", name="焊接车间"))
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    phone = context.new_page()
    phone.goto(f"{live_server.url}/s/{code.payload}/")
    expect(phone.locator('[data-testid="main-nav"]')).to_have_count(0)
    expect(phone.locator('[data-testid="place-name"]')).to_have_text("焊接车间")
    expect(phone.locator('[data-testid="unit-name"]')).to_have_text(own_enterprise.name)
    phone.fill("#id_name", "李建国")
    phone.fill("#id_id_number", ID_NO)
    phone.fill("#id_phone", "13912340000")
    phone.locator('[data-testid="consent"]').check()
    assert no_horizontal_scroll(phone)
    screenshot(phone, "identify")
    with phone.expect_navigation():
        phone.locator('[data-testid="identify-submit"]').click()

    expect(phone.locator('[data-testid="identity-name"]')).to_have_text("李**")
    assert ID_NO not in phone.content()
    screenshot(phone, "confirm")
    with phone.expect_navigation():
        phone.locator('[data-testid="confirm-enter"]').click()

    expect(phone.locator('[data-testid="result-title"]')).to_have_text("登记成功")
    expect(phone.locator('[data-testid="scan-result"]')).to_contain_text("焊接车间")
    expect(phone.locator('[data-testid="risk-warning"]')).to_have_count(0)
    scan = Scan.objects.get()
    assert scan.source == "mobile" and scan.place_code_id == code.pk
    assert no_horizontal_scroll(phone)
    screenshot(phone, "done")
    with phone.expect_navigation():
        phone.locator('[data-testid="leave"]').click()
    expect(phone.locator('[data-testid="result-title"]')).to_have_text("已登记离开")
    scan.refresh_from_db()
    assert scan.exit_kind == ExitKind.MANUAL and scan.left_at is not None
    screenshot(phone, "left")

    # the device remembers the person: the next scan is one tap
    phone.goto(f"{live_server.url}/s/{code.payload}/")
    expect(phone.locator('[data-testid="confirm-enter"]')).to_be_visible()
    expect(phone.locator('[data-testid="identify-form"]')).to_have_count(0)
    context.close()

    browser_login(personas["enterprise_admin"])
    page.goto(f"{live_server.url}/places/scans/")
    row = page.locator('[data-testid="scan-table"] [data-testid="scan-row"]')
    expect(row).to_have_count(1)
    expect(row).to_contain_text("李建国")
    expect(row).to_contain_text("一号厂区 ／ 焊接车间")
    expect(row).to_contain_text("焊接二班")
    assert ID_NO not in page.content()
    screenshot(page, "unit-log")
    page.goto(f"{live_server.url}/places/scans/present/")
    expect(page.locator('[data-testid="presence-table"]')).to_contain_text("焊接车间")
    screenshot(page, "presence")
