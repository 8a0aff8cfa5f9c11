"""EPI-16: goods entering and leaving a unit, traced by a QR label; lots from a county with a
risk area that day are highlighted."""

import datetime

import pytest
import segno
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_user
from sibao.epidemic import actions, queries_units
from sibao.epidemic.models import GoodsLot, RiskArea

TZ = timezone.get_default_timezone()
WUHAN_DISTRICT = "420106"  # any county code outside the province works as an origin


@pytest.fixture
def admin(own_enterprise):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise)


def lot(unit, admin, **fields):
    values = {
        "direction": "in",
        "description": "冷链原料",
        "quantity": "12 箱",
        "origin": "",
        "origin_region": "",
        "disinfected": True,
        "moved_at": timezone.now() - datetime.timedelta(hours=2),
        "handled_by": "赵六",
    }
    values.update(fields)
    return actions.record_goods_lot(unit, actor=admin, **values)


@pytest.fixture
def risk_county(db):
    """A static-management area in 410202 valid for the last ten days."""
    today = queries_units.province_today()
    return RiskArea.objects.create(
        region_code=OTHER_COUNTY,
        region_name="开封市龙亭区",
        name="北道门街道",
        level="static",
        valid_from=today - datetime.timedelta(days=10),
        valid_to=None,
    )


@pytest.mark.req("EPI-16")
def test_each_lot_gets_a_unique_trace_code(own_enterprise, admin):
    codes = {lot(own_enterprise, admin).code for _n in range(20)}
    assert len(codes) == 20
    assert all(c.startswith("GL") and len(c) == 20 for c in codes)


@pytest.mark.req("EPI-16")
def test_bad_input_is_refused_and_changes_nothing(own_enterprise, admin):
    for bad in (
        {"direction": "sideways"},
        {"description": " "},
        {"origin_region": "419999"},
        {"origin_region": "4201"},
        {"moved_at": timezone.now() + datetime.timedelta(days=1)},
        {"moved_at": datetime.datetime(2026, 1, 1, 8, 0)},  # naive
    ):
        with pytest.raises(ValidationError):
            lot(own_enterprise, admin, **bad)
    assert not GoodsLot.objects.exists()


@pytest.mark.req("EPI-16")
def test_only_the_units_admin_records_its_goods(own_enterprise, admin, other_enterprise):
    with pytest.raises(PermissionDenied):
        lot(other_enterprise, admin)
    with pytest.raises(PermissionDenied):
        lot(own_enterprise, make_user(Role.HQ_OFFICE, OWN_COUNTY))


@pytest.mark.req("EPI-16")
def test_the_printable_label_carries_a_qr_link_to_the_lots_page(own_enterprise, admin, login):
    item = lot(own_enterprise, admin)
    client = login(admin)
    label = client.get(reverse("epidemic:goods_label", args=[item.pk]))
    assert label.status_code == 200
    body = label.content.decode()
    page_url = "http://testserver" + reverse("epidemic:goods_detail", args=[item.pk])
    expected_svg = segno.make(page_url, error="m").svg_inline(scale=4)
    assert expected_svg in body
    assert item.code in body
    svg = client.get(reverse("epidemic:goods_label", args=[item.pk]), {"format": "svg"})
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.decode() == expected_svg
    # the link the code carries opens the lot's page for a signed-in user in scope
    assert client.get(page_url).status_code == 200


@pytest.mark.req("EPI-16")
def test_lots_from_a_county_with_a_risk_area_that_day_are_highlighted(
    own_enterprise, admin, risk_county, login, django_assert_max_num_queries
):
    now = timezone.now()
    risky = lot(own_enterprise, admin, origin_region=OTHER_COUNTY, description="面粉")
    before = lot(
        own_enterprise,
        admin,
        origin_region=OTHER_COUNTY,
        description="食用油",
        moved_at=now - datetime.timedelta(days=20),  # before the area was declared
    )
    safe = lot(own_enterprise, admin, origin_region=WUHAN_DISTRICT, description="钢材")
    flags = dict(
        queries_units.goods_with_risk(GoodsLot.objects.all()).values_list("pk", "from_risk_area")
    )
    assert flags == {risky.pk: True, before.pk: False, safe.pk: False}
    assert risky.origin.endswith("开封市龙亭区")  # filled from the region table
    client = login(admin)
    for _n in range(5):
        lot(own_enterprise, admin)
    url = reverse("epidemic:goods_list")
    with django_assert_max_num_queries(15):
        page = client.get(url, {"enterprise": own_enterprise.pk})
    body = page.content.decode()
    assert body.count('data-testid="risk-lot"') == 1
    only_risky = client.get(url, {"from_risk_area": "true"})
    assert [x.pk for x in only_risky.context["object_list"]] == [risky.pk]
    searched = client.get(url, {"q": "食用"})
    assert [x.pk for x in searched.context["object_list"]] == [before.pk]
    detail = client.get(reverse("epidemic:goods_detail", args=[risky.pk]))
    assert "北道门街道" in detail.content.decode()


@pytest.mark.req("EPI-16")
def test_goods_are_scoped_like_their_unit(own_enterprise, admin, other_enterprise, login):
    mine = lot(own_enterprise, admin)
    other_admin = make_user(Role.ENTERPRISE_ADMIN, OTHER_COUNTY, enterprise=other_enterprise)
    theirs = lot(other_enterprise, other_admin)
    client = login(admin)
    listed = client.get(reverse("epidemic:goods_list"))
    assert [x.pk for x in listed.context["object_list"]] == [mine.pk]
    assert client.get(reverse("epidemic:goods_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("epidemic:goods_label", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("epidemic:goods_add", args=[other_enterprise.pk])).status_code == 404
    # the other county's office sees its own unit's lot, not ours
    office = login(make_user(Role.HQ_OFFICE, OTHER_COUNTY))
    assert [x.pk for x in office.get(reverse("epidemic:goods_list")).context["object_list"]] == [
        theirs.pk
    ]


@pytest.mark.req("EPI-16")
def test_the_unit_records_a_lot_through_the_page_and_the_api(
    own_enterprise, admin, login, risk_county, django_assert_max_num_queries
):
    client = login(admin)
    posted = client.post(
        reverse("epidemic:goods_add", args=[own_enterprise.pk]),
        {
            "direction": "out",
            "description": "成品轮胎",
            "quantity": "300 条",
            "origin": "开封",
            "origin_region": OTHER_COUNTY,
            "moved_at": timezone.localtime(
                timezone.now() - datetime.timedelta(minutes=30)
            ).strftime("%Y-%m-%dT%H:%M"),
            "handled_by": "钱七",
        },
    )
    item = GoodsLot.objects.get()
    assert posted.status_code == 302
    assert posted["Location"] == reverse("epidemic:goods_detail", args=[item.pk])
    made = client.post(
        "/api/goods-lots/",
        {
            "enterprise": own_enterprise.pk,
            "direction": "in",
            "description": "面粉",
            "origin_region": OTHER_COUNTY,
            "moved_at": timezone.now().isoformat(),
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["from_risk_area"] is True
    assert data["label_url"].endswith(reverse("epidemic:goods_label", args=[data["id"]]))
    with django_assert_max_num_queries(10):
        listed = client.get("/api/goods-lots/", {"direction": "out"})
    assert [r["code"] for r in listed.json()["results"]] == [item.code]
