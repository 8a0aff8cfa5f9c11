"""WL-09: the platform proposes transport and commerce (incl. lodging and catering) partners for
listed industrial, tourism and key-project units — same county first, then the same city — and a
pairing is confirmed only when both units' admins have confirmed."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.roles import Role
from sibao.core.models import Notification
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_user
from sibao.enterprises import actions
from sibao.enterprises.models import Pairing
from sibao.regions.models import Region

pytestmark = pytest.mark.req("WL-09")

NEXT_COUNTY = "410103"  # 二七区, same city as the own county
THIRD_COUNTY = "410105"  # 金水区, same city, no partners of its own


@pytest.fixture
def city_office(departments):
    return make_user(Role.HQ_OFFICE, "4101")


@pytest.fixture
def world(departments, city_office):
    """Listed units and candidate partners around Zhengzhou, and one far away."""
    lister = make_user(Role.DEPARTMENT_STAFF, "4101", department_kind="industry_it")

    def listed(region, industry, name):
        unit = make_enterprise(region=region, industry=industry, name=name)
        actions.add_unit(unit, actor=None, tier="county", reason="测试")
        return unit

    w = {
        "factory": listed(OWN_COUNTY, "industry", "中原机械厂"),
        "resort": listed(OWN_COUNTY, "culture_tourism", "中原景区"),
        "project": listed(THIRD_COUNTY, "key_project", "金水重点项目"),
        "unlisted": make_enterprise(region=OWN_COUNTY, name="中原未入选工厂"),
        "logistics": make_enterprise(
            region=OWN_COUNTY, industry="transport", sub_type="物流", name="中原物流"
        ),
        "restaurant": make_enterprise(
            region=OWN_COUNTY, industry="commerce", sub_type="餐饮", name="中原餐饮"
        ),
        "mall": make_enterprise(
            region=OWN_COUNTY, industry="commerce", sub_type="商超", name="中原商超"
        ),
        "carrier": make_enterprise(
            region=NEXT_COUNTY, industry="transport", sub_type="物流", name="二七货运"
        ),
        "far": make_enterprise(
            region=OTHER_COUNTY, industry="transport", sub_type="物流", name="龙亭物流"
        ),
    }
    actions.add_unit(w["mall"], actor=None, tier="county", reason="保供")
    w["lister"] = lister
    return w


def partners_of(unit):
    return {p.partner.name: p for p in Pairing.objects.filter(unit=unit).select_related("partner")}


def test_partners_come_from_the_same_county_first_then_the_same_city(world, city_office):
    created = actions.propose_pairings(Region.objects.get(code="4101"), actor=city_office)
    factory = partners_of(world["factory"])
    # three same-county candidates fill the factory's places: the next county waits
    assert set(factory) == {"中原物流", "中原餐饮", "中原商超"}
    assert "同在中原区" in factory["中原物流"].reason
    assert (
        "物流运输" in factory["中原物流"].reason and "尚未列入白名单" in factory["中原物流"].reason
    )
    assert "已列入白名单" in factory["中原商超"].reason
    # the tourism unit gets lodging and catering first
    resort = partners_of(world["resort"])
    assert "住宿餐饮" in resort["中原餐饮"].reason
    # a unit with no partner in its county gets the city's, never another city's
    project = partners_of(world["project"])
    assert "二七货运" in project and "龙亭物流" not in project
    assert "同在郑州市" in project["二七货运"].reason
    assert not partners_of(world["unlisted"])
    assert all(p.status == "proposed" for p in created)
    assert not Pairing.objects.filter(partner=world["far"]).exists()


def test_proposing_again_never_repeats_a_pair_even_a_declined_one(world, city_office):
    region = Region.objects.get(code="4101")
    actions.propose_pairings(region, actor=city_office)
    assert actions.propose_pairings(region, actor=city_office) == []
    declined = partners_of(world["factory"])["中原商超"]
    actions.decline_pairing(declined, actor=city_office, reason="不需要")
    again = actions.propose_pairings(region, actor=city_office)
    assert [(p.unit.name, p.partner.name) for p in again] == [("中原机械厂", "二七货运")]
    assert Pairing.objects.filter(unit=world["factory"], partner=world["mall"]).count() == 1


def test_a_department_proposes_only_for_the_units_of_its_industry_and_region(world, personas):
    created = actions.propose_pairings(Region.objects.get(code="4101"), actor=world["lister"])
    assert {p.unit.name for p in created} == {"中原机械厂"}
    with pytest.raises(PermissionDenied):
        actions.propose_pairings(Region.objects.get(code="4101"), actor=personas["own_county"])
    with pytest.raises(PermissionDenied):
        actions.propose_pairings(
            Region.objects.get(code=OWN_COUNTY), actor=personas["enterprise_admin"]
        )


def test_a_pairing_needs_both_sides_to_confirm(
    world, city_office, django_capture_on_commit_callbacks
):
    actions.propose_pairings(Region.objects.get(code=OWN_COUNTY), actor=city_office)
    pairing = partners_of(world["factory"])["中原物流"]
    factory_admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=world["factory"])
    carrier_admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=world["logistics"])
    stranger = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=world["mall"])

    with pytest.raises(PermissionDenied):
        actions.confirm_pairing(pairing, actor=city_office)  # nobody confirms on a unit's behalf
    with pytest.raises(PermissionDenied):
        actions.confirm_pairing(pairing, actor=stranger)
    pairing = actions.confirm_pairing(pairing, actor=factory_admin)
    assert pairing.status == "proposed" and pairing.unit_confirmed_at is not None
    assert pairing.partner_confirmed_at is None
    with pytest.raises(ValidationError):
        actions.confirm_pairing(pairing, actor=factory_admin)
    with django_capture_on_commit_callbacks(execute=True):
        pairing = actions.confirm_pairing(pairing, actor=carrier_admin)
    assert pairing.status == "confirmed"
    assert Notification.objects.filter(recipient=factory_admin, title="结对合作已达成").exists()
    assert Notification.objects.filter(recipient=carrier_admin, title="结对合作已达成").exists()
    # a confirmed unit gets no more proposals
    assert not [
        p
        for p in actions.propose_pairings(Region.objects.get(code=OWN_COUNTY), actor=city_office)
        if p.unit == world["factory"]
    ]
    with pytest.raises(ValidationError):
        actions.end_pairing(pairing, actor=factory_admin, reason="")
    pairing = actions.end_pairing(pairing, actor=factory_admin, reason="项目完工")
    assert pairing.status == "ended"


def test_each_admin_confirms_from_the_pairing_list(
    world, city_office, login, django_capture_on_commit_callbacks
):
    factory_admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=world["factory"])
    client = login(city_office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/enterprises/chain/pairings/propose/", {"region": OWN_COUNTY})
    assert response.status_code == 302
    pairing = partners_of(world["factory"])["中原物流"]
    assert Notification.objects.filter(recipient=factory_admin).exists()  # told of the proposal
    carrier_admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=world["logistics"])
    page = login(factory_admin).get("/enterprises/chain/pairings/")
    body = page.content.decode()
    assert f"/enterprises/chain/pairings/{pairing.pk}/confirm/" in body
    # the factory's admin sees only its own pairings
    assert {p.unit for p in page.context["object_list"]} == {world["factory"]}
    login(factory_admin).post(f"/enterprises/chain/pairings/{pairing.pk}/confirm/")
    login(carrier_admin).post(f"/enterprises/chain/pairings/{pairing.pk}/confirm/")
    pairing.refresh_from_db()
    assert pairing.status == "confirmed"
    # declining is refused once confirmed, with a message and no change
    refused = login(carrier_admin).post(
        f"/enterprises/chain/pairings/{pairing.pk}/decline/", follow=True
    )
    assert "只能谢绝待确认的结对推荐" in refused.content.decode()
    # a unit outside the pairing cannot reach it
    stranger = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=world["mall"])
    assert login(stranger).post(f"/enterprises/chain/pairings/{pairing.pk}/end/").status_code == 404


def test_the_propose_button_is_for_staff_and_the_office_only(world, personas, login):
    assert (
        login(personas["enterprise_admin"])
        .post("/enterprises/chain/pairings/propose/", {"region": OWN_COUNTY})
        .status_code
        == 403
    )
    refused = login(personas["own_county"]).post(
        "/enterprises/chain/pairings/propose/", {"region": "4101"}, follow=True
    )
    assert "请选择您辖区内的区划" in refused.content.decode()
    assert not Pairing.objects.exists()


def test_pairings_through_the_api(world, city_office, login, django_assert_max_num_queries):
    client = login(city_office)
    created = client.post(
        "/api/pairings/propose/", {"region": OWN_COUNTY}, content_type="application/json"
    )
    assert created.status_code == 201 and len(created.json()) == 6
    pairing_id = next(
        p["id"]
        for p in created.json()
        if p["partner_name"] == "中原餐饮" and p["unit_name"] == "中原景区"
    )
    resort_admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=world["resort"])
    caterer_admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=world["restaurant"])
    first = login(resort_admin).post(f"/api/pairings/{pairing_id}/confirm/")
    assert first.status_code == 200 and first.json()["status"] == "proposed"
    second = login(caterer_admin).post(f"/api/pairings/{pairing_id}/confirm/")
    assert second.json()["status"] == "confirmed"
    assert login(city_office).post(f"/api/pairings/{pairing_id}/confirm/").status_code == 403
    with django_assert_max_num_queries(10):
        rows = client.get("/api/pairings/", {"status": "proposed"}).json()["results"]
    assert len(rows) == 5
    with django_assert_max_num_queries(16):
        assert client.get("/enterprises/chain/pairings/").status_code == 200
