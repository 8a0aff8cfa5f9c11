import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts import actions
from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_user
from sibao.enterprises.models import Enterprise
from sibao.regions.models import Department, Region


def visible_names(user):
    return set(Enterprise.objects.visible_to(user, "view").values_list("name", flat=True))


@pytest.mark.req("ORG-03")
def test_a_grant_names_what_its_role_needs(departments):
    user = make_user(None)
    county = Region.objects.get(code=OWN_COUNTY)
    with pytest.raises(ValidationError, match="必须指定企业"):
        actions.grant_role(user, role=Role.ENTERPRISE_ADMIN, region=county, actor=None)
    with pytest.raises(ValidationError, match="必须指定部门"):
        actions.grant_role(user, role=Role.DEPARTMENT_STAFF, region=county, actor=None)
    elsewhere = make_enterprise(region="410202")
    with pytest.raises(ValidationError, match="不在授权辖区内"):
        actions.grant_role(
            user, role=Role.ENTERPRISE_ADMIN, region=county, actor=None, enterprise=elsewhere
        )
    assert not user.grants.exists()


@pytest.mark.req("ORG-03")
@pytest.mark.req("ORG-04")
def test_each_role_sees_its_own_slice(departments):
    factory = make_enterprise(region=OWN_COUNTY, industry="industry", name="中原机械厂")
    market = make_enterprise(region=OWN_COUNTY, industry="commerce", name="中原批发市场")
    kaifeng = make_enterprise(region="410202", industry="industry", name="开封纺织厂")
    airport = make_enterprise(region="410173", industry="transport", name="航空港物流园")

    province = make_user(Role.HQ_LEADER, "41")
    assert {"中原机械厂", "中原批发市场", "开封纺织厂", "航空港物流园"} <= visible_names(province)

    city = make_user(Role.HQ_OFFICE, "4101")
    assert visible_names(city) == {factory.name, market.name, airport.name}

    industry_dept = make_user(Role.DEPARTMENT_STAFF, "4101", department_kind="industry_it")
    assert visible_names(industry_dept) == {factory.name}

    commerce_dept = make_user(Role.DEPARTMENT_STAFF, "4101", department_kind="commerce")
    assert visible_names(commerce_dept) == {market.name}

    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=market)
    assert visible_names(admin) == {market.name}

    cadre = make_user(Role.LIAISON_CADRE, OWN_COUNTY, enterprise=factory)
    actions.grant_role(
        cadre,
        role=Role.LIAISON_CADRE,
        region=Region.objects.get(code="410202"),
        enterprise=kaifeng,
        actor=None,
    )
    assert visible_names(cadre) == {factory.name, kaifeng.name}

    # roles with nothing to do with enterprises see none
    assert visible_names(make_user(Role.CHECKPOINT_OFFICER, "4101")) == set()
    assert visible_names(make_user(None, "41")) == set()


@pytest.mark.req("ORG-03")
def test_a_revoked_grant_loses_its_access(departments, login):
    factory = make_enterprise(region=OWN_COUNTY)
    admin = make_user(Role.SYSTEM_ADMIN, "41")
    officer = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    client = login(officer)
    assert client.get(f"/enterprises/{factory.pk}/").status_code == 200
    actions.revoke_grant(officer.grants.get(), actor=admin)
    assert client.get(f"/enterprises/{factory.pk}/").status_code == 403
    assert visible_names(officer.__class__.objects.get(pk=officer.pk)) == set()


@pytest.mark.req("ORG-03")
def test_only_grant_managers_may_grant(departments):
    officer = make_user(Role.HQ_OFFICE, "41")
    other = make_user(None)
    with pytest.raises(PermissionDenied, match="无权授予角色"):
        actions.grant_role(
            other, role=Role.HQ_LEADER, region=Region.objects.get(code="41"), actor=officer
        )
    assert not other.grants.exists()
    assert Department.objects.filter(region_id="41").exists()


@pytest.mark.req("ORG-03")
def test_a_county_admin_cannot_grant_beyond_the_county(departments):
    county_admin = make_user(Role.SYSTEM_ADMIN, OWN_COUNTY)
    other = make_user(None)
    with pytest.raises(PermissionDenied):
        actions.grant_role(
            other, role=Role.SYSTEM_ADMIN, region=Region.objects.get(code="41"), actor=county_admin
        )
    actions.grant_role(
        other, role=Role.HQ_LEADER, region=Region.objects.get(code=OWN_COUNTY), actor=county_admin
    )
    assert other.grants.get().region_id == OWN_COUNTY


@pytest.mark.req("ORG-04")
def test_filters_narrow_within_the_scope_never_beyond_it(departments, login):
    water = make_enterprise(region=OWN_COUNTY, name="中原供水公司", is_city_operation=True)
    make_enterprise(region=OWN_COUNTY, name="中原机床厂")
    make_enterprise(region="410202", name="龙亭供水公司", is_city_operation=True)
    client = login(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    page = client.get("/enterprises/", {"is_city_operation": "true"}).content.decode()
    assert water.name in page and "中原机床厂" not in page and "龙亭供水公司" not in page
    # asking for another county by filter still returns nothing of it
    other = client.get("/enterprises/", {"region": "410202"}).content.decode()
    assert "龙亭供水公司" not in other
    api = client.get("/api/enterprises/", {"region": "4102"}).json()
    assert api["count"] == 0
