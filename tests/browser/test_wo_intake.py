"""DEM-01 by hand: an enterprise admin files a demand with a file attached and sees it on its
list; the county office finds it in its intake queue and accepts it."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.workorders.models import Demand

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("DEM-01")
def test_unit_files_and_county_accepts(
    page, live_server, browser_login, screenshot, departments, own_enterprise, tmp_path
):
    admin = make_user(
        Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise, username="b_unit"
    )
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="b_office", full_name="县受理员")
    evidence = Path(tmp_path) / "停产通知.pdf"
    evidence.write_bytes(b"%PDF-1.4 supplier shutdown notice")

    browser_login(admin)
    page.goto(f"{live_server.url}/demands/")
    page.get_by_test_id("demand-new").click()
    form = page.get_by_test_id("demand-form")
    form.get_by_label("诉求类别").select_option(label="原料采购")
    form.get_by_label("标题").fill("钢材原料供应中断")
    form.get_by_label("问题描述").fill("上游钢厂停产，原料库存仅够一周，请协调替代供应商。")
    form.get_by_label("附件").set_input_files(str(evidence))
    expect(page.locator("#similar-suggestions")).to_be_visible()
    screenshot(page, "form")
    with page.expect_navigation():
        page.get_by_test_id("demand-form-submit").click()
    number = Demand.objects.get().number
    expect(page.get_by_test_id("demand-number")).to_have_text(number)
    expect(page.get_by_test_id("attachment")).to_contain_text("停产通知.pdf")
    page.goto(f"{live_server.url}/demands/")
    row = page.get_by_test_id("demand-row").filter(has_text=number)
    expect(row).to_contain_text("待受理")
    screenshot(page, "unit-list")

    page.context.clear_cookies()
    browser_login(office)
    page.goto(f"{live_server.url}/demands/intake/")
    item = page.get_by_test_id("queue-row").filter(has_text=number)
    item.get_by_label("受理意见").fill("交县工信局协调")
    with page.expect_navigation():
        item.get_by_test_id("accept").click()
    expect(page.get_by_test_id("queue-row").filter(has_text=number)).to_have_count(0)
    page.goto(f"{live_server.url}/demands/")
    expect(page.get_by_test_id("demand-row").filter(has_text=number)).to_contain_text("已受理")
    screenshot(page, "office-accepted")
    assert Demand.objects.get().status == "accepted"
