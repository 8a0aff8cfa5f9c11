"""EPI-07 by hand: a health officer (second factor passed) opens a tracing job for a positive
worker, sees the close and secondary contacts grouped by unit and team, and downloads the list
for the health authority."""

import datetime

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.personal import decrypt
from sibao.core.testing import (
    OWN_COUNTY,
    id_number,
    make_enterprise,
    make_place_code,
    make_scan,
    make_site,
    make_space,
    make_staff,
    make_user,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def ago(hours=0, minutes=0):
    return timezone.now() - datetime.timedelta(hours=hours, minutes=minutes)


@pytest.mark.req("EPI-07")
def test_a_health_officer_traces_a_positive_worker_and_exports_the_list(
    page, live_server, browser_login, browser_second_factor, screenshot, tmp_path
):
    unit = make_enterprise(region=OWN_COUNTY, name="中原精密机械有限公司")
    site = make_site(unit, name="一号厂区")
    workshop = make_place_code(make_space(site, "workshop", "冲压车间"))
    canteen = make_place_code(make_space(site, "area", "职工食堂"))
    case = make_staff(unit, id_number(901), name="张阳性", team="冲压一班")
    mate = make_staff(unit, id_number(902), name="李同班", team="冲压一班")
    other = make_staff(unit, id_number(903), name="王邻班", team="冲压二班")
    cook = make_staff(unit, id_number(904), name="赵厨师", team="后勤班")
    make_scan(workshop, case.person_key, ago(6), ago(4))
    make_scan(workshop, mate.person_key, ago(6), ago(4))
    make_scan(workshop, other.person_key, ago(4, 20), ago(3))
    make_scan(canteen, mate.person_key, ago(3), ago(2, 30))
    make_scan(canteen, cook.person_key, ago(3, 30), ago(1))
    officer = make_user(Role.HEALTH_OFFICE, OWN_COUNTY, username="liudiao")

    browser_login(officer)
    browser_second_factor(officer)
    page.goto(f"{live_server.url}/places/tracing/")
    with page.expect_navigation():
        page.locator('[data-testid="tracing-new"]').click()
    page.fill("#id_case_id_numbers", decrypt(case.id_encrypted))
    page.fill("#id_case_ref", "ZY-2022-0520")
    page.fill("#id_reason", "张阳性核酸检测阳性，排查密接和次密接")
    screenshot(page, "form")
    with page.expect_navigation():
        page.locator('[data-testid="tracing-run"]').click()

    expect(page.locator(".alert-success, .alert").first).to_contain_text("密接 2 人，次密接 1 人")
    contacts = page.locator('[data-testid="tracing-contacts"]')
    expect(contacts).to_contain_text("中原精密机械有限公司")
    expect(contacts).to_contain_text("班组：冲压一班")
    expect(contacts).to_contain_text("班组：冲压二班")
    expect(contacts).to_contain_text("班组：后勤班")
    expect(page.locator('[data-testid="tracing-contact"][data-level="close"]')).to_have_count(2)
    expect(page.locator('[data-testid="tracing-contact"][data-level="secondary"]')).to_have_count(1)
    expect(contacts).to_contain_text(f"李同班（{mate.id_masked}）")
    expect(contacts).to_contain_text("一号厂区 / 职工食堂")
    assert decrypt(mate.id_encrypted) not in page.content()
    screenshot(page)

    with page.expect_download() as caught:
        page.locator('[data-testid="tracing-export"]').click()
    path = tmp_path / caught.value.suggested_filename
    caught.value.save_as(path)
    rows = list(load_workbook(path).worksheets[1].iter_rows(values_only=True))
    by_name = {row[3]: row for row in rows[1:]}
    assert set(by_name) == {"李同班", "王邻班", "赵厨师"}
    assert by_name["李同班"][4] == decrypt(mate.id_encrypted)
    assert by_name["赵厨师"][0] == "次密接"
