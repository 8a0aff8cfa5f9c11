"""EPI-11, EPI-14 … EPI-16: who sees which unit's reports, preparedness, houses and goods, and the
panel on the enterprise page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.testing import OTHER_COUNTY, make_user
from sibao.epidemic import actions, queries_units

UNIT_PAGES = (
    "epidemic:daily_report_unit",
    "epidemic:preparedness_unit",
    "epidemic:sampling_house_unit",
    "epidemic:units_panel",
)


@pytest.fixture
def filed(personas, own_enterprise, other_enterprise):
    """Each county's unit has a report, a drill, a house and a lot, filed by its own admin."""
    other_admin = make_user(Role.ENTERPRISE_ADMIN, OTHER_COUNTY, enterprise=other_enterprise)
    today = queries_units.province_today()
    rows = {}
    for key, unit, admin in (
        ("own", own_enterprise, personas["enterprise_admin"]),
        ("other", other_enterprise, other_admin),
    ):
        rows[key] = {
            "report": actions.file_daily_report(
                unit, actor=admin, report_date=today, staff_on_site=9, is_zero_report=True
            ),
            "drill": actions.record_drill(unit, actor=admin, held_on=today, kind="drill"),
            "house": actions.record_sampling_house(
                unit,
                actor=admin,
                site="门岗",
                purchased_on=today - datetime.timedelta(days=1),
                price=Decimal("1000.00"),
            ),
            "lot": actions.record_goods_lot(
                unit,
                actor=admin,
                direction="in",
                description="纸箱",
                moved_at=timezone.now() - datetime.timedelta(minutes=5),
            ),
        }
    return rows


@pytest.mark.req("EPI-11")
@pytest.mark.req("EPI-14")
@pytest.mark.req("EPI-15")
def test_another_countys_office_gets_404_for_every_unit_page(
    filed, personas, login, own_enterprise
):
    client = login(personas["other_county"])
    for name in UNIT_PAGES:
        assert client.get(reverse(name, args=[own_enterprise.pk])).status_code == 404, name
    for path in (
        f"/api/daily-reports/{filed['own']['report'].pk}/",
        f"/api/drills/{filed['own']['drill'].pk}/",
        f"/api/sampling-houses/{filed['own']['house'].pk}/",
        f"/api/goods-lots/{filed['own']['lot'].pk}/",
        f"/api/preparedness/{own_enterprise.pk}/",
    ):
        assert client.get(path).status_code == 404, path


@pytest.mark.req("EPI-11")
@pytest.mark.req("EPI-16")
def test_a_unit_admin_sees_its_own_unit_only(filed, personas, login, other_enterprise):
    client = login(personas["enterprise_admin"])
    for name in UNIT_PAGES:
        assert client.get(reverse(name, args=[other_enterprise.pk])).status_code == 404, name
    for path, key in (
        ("/api/daily-reports/", "report"),
        ("/api/drills/", "drill"),
        ("/api/sampling-houses/", "house"),
        ("/api/goods-lots/", "lot"),
    ):
        ids = [r["id"] for r in client.get(path).json()["results"]]
        assert ids == [filed["own"][key].pk], path
    assert client.get(f"/api/preparedness/{other_enterprise.pk}/").status_code == 404


@pytest.mark.req("EPI-11")
@pytest.mark.req("EPI-14")
@pytest.mark.req("EPI-15")
def test_the_enterprise_page_loads_the_units_panel_with_todays_status(
    filed, personas, login, own_enterprise
):
    client = login(personas["own_county"])
    detail = client.get(reverse("enterprises:enterprise_detail", args=[own_enterprise.pk]))
    assert reverse("epidemic:units_panel", args=[own_enterprise.pk]) in detail.content.decode()
    panel = client.get(
        reverse("epidemic:units_panel", args=[own_enterprise.pk]), HTTP_HX_REQUEST="true"
    )
    body = panel.content.decode()
    assert panel.status_code == 200
    assert 'data-testid="report-zero"' in body  # today's zero report
    assert 'data-testid="readiness-score"' in body
    assert 'data-testid="house-status"' in body
    # only the drill counts: 100 employees need posts, rooms and stock it has not filed
    assert panel.context["readiness"].score == 20


def test_the_navigation_offers_the_units_pages(personas, login):
    body = login(personas["own_county"]).get(reverse("core:home")).content.decode()
    for name in ("daily_report_missing", "readiness_list", "sampling_house_region", "goods_list"):
        assert reverse(f"epidemic:{name}") in body, name
    # a unit admin follows the same entries to its own unit's pages
    admin = login(personas["enterprise_admin"])
    answer = admin.get(reverse("epidemic:readiness_list"))
    assert answer.status_code == 302 and "/preparedness/" in answer["Location"]
