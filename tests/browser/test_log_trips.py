"""LOG-04 by hand: the company starts a trip on its pass; an officer samples the driver at a
checkpoint and lets the truck go; a positive result arrives later through the NAT feed; the
destination unit's admin finds the alert among the notifications, follows it to the trip page,
marked positive, and the health office sees the sample among the positives."""

import pytest
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_feed_source, make_user
from sibao.epidemic.ingest import ingest
from sibao.logistics.actions import trips
from sibao.logistics.models import Trip
from tests.routes.log_trips import make_check, make_trip_setup

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("LOG-04")
def test_late_positive_reaches_the_destination(
    page, live_server, browser_login, screenshot, own_enterprise
):
    setup = make_trip_setup(own_enterprise)
    company = make_user(
        Role.LOGISTICS_COMPANY, OWN_COUNTY, enterprise=setup["company"], username="b_company"
    )
    unit_admin = make_user(
        Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise, username="b_unit"
    )
    officer = make_user(Role.CHECKPOINT_OFFICER, OWN_COUNTY, username="b_officer")

    browser_login(company)
    page.goto(f"{live_server.url}/logistics/trips/")
    page.get_by_test_id("trip-new").click()
    form = page.get_by_test_id("trip-form")
    form.get_by_label("通行证").select_option(value=str(setup["pass"].pk))
    form.get_by_label("途经道路").fill("京港澳高速—郑州南收费站")
    form.get_by_label("随车人员身份证号码").fill(setup["driver_id"])
    with page.expect_navigation():
        page.get_by_test_id("trip-form-submit").click()
    expect(page.get_by_test_id("trip-route")).to_contain_text("京港澳高速")
    expect(page.get_by_test_id("trip-people")).to_contain_text("张**")
    trip = Trip.objects.get()

    # at the checkpoint: the officer samples the driver and lets the truck go (即采即走)
    check = make_check(setup["checkpoint"], setup["pass"], officer=officer)
    trips.take_samples(check, actor=officer, samples=[(trip.occupant_keys[0], "TUBE-001")])

    # hours later the laboratory's batch comes through the NAT feed (即追)
    ingest(
        "test_result",
        [
            {
                "id_number": setup["driver_id"],
                "sample_no": "TUBE-001",
                "sampled_at": check.at.isoformat(),
                "result": "positive",
            }
        ],
        source=make_feed_source(),
        actor=None,
    )

    page.context.clear_cookies()
    browser_login(unit_admin)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("unread-count")).to_be_visible()
    page.get_by_test_id("notification-link").click()
    alert = page.get_by_test_id("notification").filter(has_text="闭环运输阳性预警")
    expect(alert).to_contain_text(setup["vehicle"].plate)
    expect(alert).to_contain_text(setup["checkpoint"].name)
    screenshot(page, "notification")
    with page.expect_navigation():
        alert.get_by_role("button", name="查看").click()
    expect(page.get_by_test_id("trip-positive")).to_be_visible()
    expect(page.get_by_test_id("trip-sample")).to_contain_text("阳性")
    expect(page.get_by_test_id("trip-check")).to_contain_text(setup["checkpoint"].name)
    screenshot(page, "trip")
    page.goto(f"{live_server.url}/logistics/trips/?positive=true")
    expect(page.get_by_test_id("trip-row")).to_contain_text(setup["vehicle"].plate)
