"""LOG-02 by hand: a logistics company applies for a pass for its vehicle serving a whitelisted
unit; the destination's transport department approves it; the company then sees the pass with its
signed QR and the printable "码卡证合一" card."""

import pytest
from playwright.sync_api import expect

from sibao.core.testing import OTHER_COUNTY
from sibao.logistics import signing
from sibao.logistics.models import PassStatus, VehiclePass
from tests.log_passes_support import make_fleet, transport_staff

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("LOG-02")
def test_company_applies_group_approves_company_sees_qr(
    page, live_server, browser_login, screenshot, departments
):
    f = make_fleet(username="b_company")
    group = transport_staff(OTHER_COUNTY, username="b_transport")

    browser_login(f.company_user)
    page.goto(f"{live_server.url}/logistics/passes/")
    page.get_by_test_id("pass-new").click()
    form = page.get_by_test_id("pass-apply-form")
    form.get_by_label("车辆").select_option(label=f.vehicle.plate)
    form.get_by_label("服务的白名单单位").select_option(label=str(f.unit))
    form.get_by_label("起点", exact=True).fill("郑州市中原区物流园 3 号库")
    form.get_by_label("起点区划代码").fill("410102")
    form.get_by_label("终点", exact=True).fill("开封市龙亭区装配厂")
    form.get_by_label("终点区划代码").fill(OTHER_COUNTY)
    form.get_by_label("随车驾驶员").select_option(label=str(f.driver))
    form.get_by_label("主要货物").fill("汽车零部件")
    screenshot(page, "apply")
    with page.expect_navigation():
        page.get_by_test_id("pass-apply-submit").click()
    expect(page.get_by_test_id("pass-status")).to_contain_text("待审批")
    expect(page.get_by_test_id("pass-qr")).to_have_count(0)
    pass_url = page.url

    page.context.clear_cookies()
    browser_login(group)
    page.goto(pass_url)
    page.get_by_label("审批意见").fill("线路与白名单单位一致，同意")
    with page.expect_navigation():
        page.get_by_test_id("pass-approve").click()
    expect(page.get_by_test_id("pass-status")).to_contain_text("已核发")

    page.context.clear_cookies()
    browser_login(f.company_user)
    page.goto(pass_url)
    expect(page.get_by_test_id("pass-qr").locator("svg")).to_be_visible()
    card = page.get_by_test_id("pass-card")
    expect(card.get_by_test_id("card-plate")).to_have_text(f.vehicle.plate)
    expect(card.get_by_test_id("card-unit")).to_contain_text(f.unit.name)
    expect(card.get_by_test_id("card-drivers")).to_contain_text("张**")
    expect(card).not_to_contain_text("张建国")
    screenshot(page)
    issued = VehiclePass.objects.get()
    assert issued.status == PassStatus.APPROVED
    assert signing.genuine_claims(issued.token).plate == f.vehicle.plate
