"""INC-03 through the pages: the county HQ office asks on a form, the two provincial bodies decide
with their buttons (others see none), the list shows the clock and the expiry warning, and
restrictions without approval show as violations on the list and the region page."""

import datetime

import pytest
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.command import actions
from sibao.command.models import Restriction, ShutdownRequest
from sibao.core.testing import (
    OWN_COUNTY,
    make_province_deciders,
    make_shutdown,
    make_user,
    make_whitelisted,
    pass_second_factor,
)

pytestmark = pytest.mark.req("INC-03")


@pytest.fixture
def unit(departments):
    return make_whitelisted(OWN_COUNTY, name="中原页面测试机械有限公司")


@pytest.fixture
def county_hq(departments):
    return make_user(Role.HQ_OFFICE, OWN_COUNTY, username="county_hq")


def test_a_county_asks_and_the_province_decides_on_the_pages(unit, county_hq, login):
    health, dispatch = make_province_deciders()
    county = login(county_hq)
    listing = county.get("/command/oversight/shutdowns/").content.decode()
    assert 'data-testid="shutdown-new"' in listing
    form = county.get(f"/command/oversight/shutdowns/new/?enterprise={unit.pk}").content.decode()
    assert unit.name in form and "原则上不超过 3 天" in form
    refused = county.post(
        "/command/oversight/shutdowns/new/",
        {"enterprise": unit.pk, "days": 5, "reason": "阳性"},
    )
    assert refused.status_code == 422 and "不超过 3 天" in refused.content.decode()
    response = county.post(
        "/command/oversight/shutdowns/new/",
        {"enterprise": unit.pk, "days": 2, "reason": "二号车间初筛阳性"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    request = ShutdownRequest.objects.get()
    url = f"/command/oversight/shutdowns/{request.pk}/"
    page = county.get(url).content.decode()
    assert (
        'data-testid="decide-epidemic"' not in page and 'data-testid="decide-dispatch"' not in page
    )

    health_client = pass_second_factor(login(health), health)
    page = health_client.get(url).content.decode()
    assert 'data-testid="decide-epidemic"' in page and 'data-testid="decide-dispatch"' not in page
    health_client.post(f"{url}decide/", {"side": "epidemic", "approve": "1", "note": "同意"})
    # the health office cannot post for the other side
    assert (
        health_client.post(f"{url}decide/", {"side": "dispatch", "approve": "1"}).status_code == 403
    )
    dispatch_client = login(dispatch)
    page = dispatch_client.get(url).content.decode()
    assert 'data-testid="decide-dispatch"' in page and 'data-testid="decide-epidemic"' not in page
    dispatch_client.post(f"{url}decide/", {"side": "dispatch", "approve": "1"})
    request.refresh_from_db()
    assert request.status == ShutdownRequest.Status.APPROVED
    page = county.get(url).content.decode()
    assert 'data-testid="shutdown-clock"' in page and "停产中" in page
    listing = county.get("/command/oversight/shutdowns/?status=approved").content.decode()
    assert unit.name in listing and "剩余" in listing
    assert county.get("/command/oversight/shutdowns/export.xlsx").status_code == 200


def test_a_rejection_without_a_reason_is_shown_as_an_error(unit, county_hq, login):
    _health, dispatch = make_province_deciders()
    request = make_shutdown(unit, approve=False)
    client = login(dispatch)
    url = f"/command/oversight/shutdowns/{request.pk}/"
    response = client.post(f"{url}decide/", {"side": "dispatch", "approve": "0"}, follow=True)
    assert "不同意时请说明理由" in response.content.decode()
    request.refresh_from_db()
    assert request.dispatch_decision == ""


def test_the_list_warns_before_expiry(unit, county_hq, login):
    now = timezone.now()
    make_shutdown(unit, days=1, now=now - datetime.timedelta(hours=20))
    page = login(county_hq).get("/command/oversight/shutdowns/").content.decode()
    assert "即将到期" in page


def test_violations_show_on_the_list_and_the_region_page(unit, county_hq, login):
    client = login(county_hq)
    response = client.post(
        "/command/oversight/restrictions/new/",
        {
            "enterprise": unit.pk,
            "kind": "shutdown",
            "imposed_by": "某街道办事处",
            "started_at": (timezone.localtime() - datetime.timedelta(hours=2)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "description": "口头要求全厂停工",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    restriction = Restriction.objects.get()
    assert restriction.is_violation
    listing = client.get("/command/oversight/restrictions/?is_violation=true").content.decode()
    assert 'data-testid="violation-badge"' in listing and "某街道办事处" in listing
    city = login(make_user(Role.HQ_OFFICE, "4101"))
    region = city.get("/command/oversight/regions/4101/").content.decode()
    assert "某街道办事处" in region
    client.post(f"/command/oversight/restrictions/{restriction.pk}/end/", {})
    restriction.refresh_from_db()
    assert restriction.ended_at is not None
    assert client.get("/command/oversight/restrictions/export.xlsx").status_code == 200


def test_the_navigation_offers_the_oversight_pages(county_hq, login):
    page = login(county_hq).get("/command/oversight/shutdowns/").content.decode()
    for label in ("停产审批", "涉企检查", "奖惩"):
        assert label in page


def test_an_unknown_region_page_is_404(county_hq, login):
    assert login(county_hq).get("/command/oversight/regions/999999/").status_code == 404


def test_a_decision_through_actions_shows_in_the_history(unit, county_hq, login):
    health, dispatch = make_province_deciders()
    request = actions.request_shutdown(unit, actor=county_hq, reason="阳性", days=1)
    actions.decide_shutdown(request, actor=health, side="epidemic", approve=True, note="同意")
    page = login(county_hq).get(f"/command/oversight/shutdowns/{request.pk}/").content.decode()
    assert "一方同意，待另一方决定" in page
