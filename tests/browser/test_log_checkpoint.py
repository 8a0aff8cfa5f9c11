"""LOG-03 by hand, on a phone-sized screen (390 px): a checkpoint officer opens the checkpoint
from the list, types (as a hardware scanner does) the pass token and the occupants' ID numbers,
and sees the green-channel answer; then a vehicle whose driver has no recent negative NAT is
refused with that reason; both checks are in the log."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from sibao.core.testing import id_number
from tests.routes.log_checkpoint import make_checkpoint, make_officer, make_pass, make_status

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _verify(page, token, occupants):
    page.get_by_label("通行证码").fill(token)
    page.get_by_label("随车人员身份证号（每行一个）").fill("\n".join(occupants))
    with page.expect_navigation():
        page.get_by_test_id("verify-submit").click()


@pytest.mark.req("LOG-03")
def test_an_officer_verifies_vehicles_on_the_mobile_page(
    page, live_server, browser_login, screenshot, departments
):
    page.set_viewport_size({"width": 390, "height": 844})
    checkpoint = make_checkpoint(name="西三环省道检查站")
    officer = make_officer(username="b_officer")
    vehicle_pass = make_pass()
    driver, escort, tired = id_number(), id_number(), id_number()
    make_status(driver)
    make_status(escort, itinerary="starred")
    make_status(tired, negative_hours=60)
    browser_login(officer)

    page.goto(live_server.url + reverse("logistics:checkpoint_list"))
    with page.expect_navigation():
        page.get_by_test_id("checkpoint-verify").first.click()
    expect(page.get_by_test_id("verify-checkpoint")).to_contain_text("西三环省道检查站")
    screenshot(page, "form")

    _verify(page, vehicle_pass.token, [driver, escort])
    answer = page.get_by_test_id("verify-answer")
    expect(answer).to_have_attribute("data-result", "green")
    expect(answer).to_contain_text("绿色通道放行")
    expect(answer).to_contain_text(vehicle_pass.vehicle.plate)
    box = page.get_by_test_id("verify-submit").bounding_box()
    assert box["height"] >= 44 and box["width"] <= 390  # a touch target, inside the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "green")

    _verify(page, vehicle_pass.token, [tired])
    answer = page.get_by_test_id("verify-answer")
    expect(answer).to_have_attribute("data-result", "not_green")
    expect(page.get_by_test_id("verify-reason")).to_have_text(["随车人员无 48 小时内核酸阴性证明"])
    screenshot(page, "refused")

    page.goto(live_server.url + reverse("logistics:check_list") + f"?checkpoint={checkpoint.pk}")
    expect(page.get_by_test_id("check-row")).to_have_count(2)
