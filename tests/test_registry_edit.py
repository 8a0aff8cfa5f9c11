"""WL-01, WL-02: officials register and edit units within their jurisdiction (and industry); an
enterprise's own admin keeps only its site and people up to date; every change is audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, credit_code, make_enterprise, make_user
from sibao.enterprises import actions
from sibao.enterprises.models import Enterprise, EnterpriseFact, FactSource

CREATE = "/enterprises/new/"


def form_data(**values) -> dict:
    data = {
        "credit_code": credit_code(),
        "name": "表单登记有限公司",
        "kind": "enterprise",
        "region": OWN_COUNTY,
        "industry": "industry",
        "output_value": "8800",
        "employees": "120",
        "has_canteen": "on",
        "address": "中原区桐柏路 9 号",
    }
    data.update(values)
    return data


def fields(**values) -> dict:
    data = {
        "credit_code": credit_code(),
        "name": "动作登记有限公司",
        "region": OWN_COUNTY,
        "industry": "industry",
        "output_value": 5000,
    }
    data.update(values)
    return data


@pytest.mark.req("WL-01")
def test_a_county_office_registers_a_unit_through_the_form(personas, login):
    client = login(personas["own_county"])
    assert client.get(CREATE).status_code == 200
    response = client.post(CREATE, form_data())
    unit = Enterprise.objects.get(name="表单登记有限公司")
    assert response.status_code == 302 and response["Location"] == f"/enterprises/{unit.pk}/"
    assert unit.has_canteen and not unit.has_dormitory and unit.employees == 120
    log = AuditLog.objects.get(action="enterprise.create", object_id=str(unit.pk))
    assert log.changes["name"] == [None, "表单登记有限公司"] and log.region_code == OWN_COUNTY


@pytest.mark.req("WL-01")
@pytest.mark.req("ORG-04")
def test_registering_in_another_county_or_above_county_level_is_refused(personas, login):
    client = login(personas["own_county"])
    # the form offers only the counties of the user's jurisdiction; the action checks again
    offered = client.get(CREATE).context["form"].fields["region"].queryset
    assert {r.code for r in offered} == {OWN_COUNTY}
    for region in (OTHER_COUNTY, "4101"):
        response = client.post(CREATE, form_data(region=region))
        assert response.status_code == 200 and "region" in response.context["form"].errors
    with pytest.raises(ValidationError, match="管辖范围"):
        actions.create_enterprise(actor=personas["own_county"], **fields(region=OTHER_COUNTY))
    with pytest.raises(ValidationError, match="县级"):
        actions.create_enterprise(actor=personas["own_county"], **fields(region="4101"))
    assert not Enterprise.objects.filter(name__in=["表单登记有限公司", "动作登记有限公司"]).exists()


@pytest.mark.req("WL-01")
def test_a_second_active_record_with_the_same_credit_code_and_kind_is_refused(
    personas, own_enterprise, login
):
    office = personas["own_county"]
    with pytest.raises(ValidationError) as refused:
        actions.create_enterprise(actor=office, **fields(credit_code=own_enterprise.credit_code))
    assert "已有一条在用的“企业”记录" in refused.value.message_dict["credit_code"][0]
    response = login(office).post(CREATE, form_data(credit_code=own_enterprise.credit_code))
    assert "不能重复登记" in response.content.decode()
    # the same unit may also be registered as a project; a merged record no longer counts
    project = actions.create_enterprise(
        actor=office,
        **fields(credit_code=own_enterprise.credit_code, kind="project", investment=900),
    )
    assert project.kind == "project"
    assert Enterprise.objects.filter(credit_code=own_enterprise.credit_code).count() == 2


@pytest.mark.req("WL-01")
def test_an_invalid_credit_code_is_refused(personas):
    code = credit_code()
    with pytest.raises(ValidationError, match="统一社会信用代码无效"):
        actions.create_enterprise(
            actor=personas["own_county"], **fields(credit_code=code[:-1] + "Z")
        )


@pytest.mark.req("WL-01")
def test_an_enterprise_admin_may_not_register_units(personas):
    with pytest.raises(PermissionDenied):
        actions.create_enterprise(actor=personas["enterprise_admin"], **fields())


@pytest.mark.req("WL-01")
def test_a_department_registers_only_units_of_its_industries(departments):
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="commerce")
    made = actions.create_enterprise(actor=staff, **fields(industry="commerce"))
    assert made.industry_id == "commerce"
    with pytest.raises(ValidationError, match="行业领域"):
        actions.create_enterprise(actor=staff, **fields(industry="industry"))


@pytest.mark.req("WL-01")
def test_an_official_edits_a_unit_and_the_audit_row_keeps_before_and_after(
    personas, own_enterprise, login
):
    client = login(personas["own_county"])
    url = f"/enterprises/{own_enterprise.pk}/edit/"
    page = client.get(url)
    assert page.status_code == 200 and "credit_code" in page.context["form"].fields
    data = form_data(
        credit_code=own_enterprise.credit_code,
        name="中原测试机械股份有限公司",
        output_value="20000",
        employees=str(own_enterprise.employees),
        address=own_enterprise.address,
    )
    data.pop("has_canteen")
    response = client.post(url, data)
    assert response.status_code == 302
    own_enterprise.refresh_from_db()
    assert own_enterprise.name == "中原测试机械股份有限公司"
    log = AuditLog.objects.get(action="enterprise.update")
    assert log.changes == {
        "name": ["中原测试机械有限公司", "中原测试机械股份有限公司"],
        "output_value": ["10000.00", "20000.00"],
    }


@pytest.mark.req("WL-01")
@pytest.mark.req("ORG-04")
def test_another_countys_office_gets_404_and_changes_nothing(personas, own_enterprise, login):
    client = login(personas["other_county"])
    url = f"/enterprises/{own_enterprise.pk}/edit/"
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(name="改名")).status_code == 404
    with pytest.raises(PermissionDenied):
        actions.update_enterprise(own_enterprise, actor=personas["other_county"], name="改名")
    own_enterprise.refresh_from_db()
    assert own_enterprise.name == "中原测试机械有限公司"


@pytest.mark.req("WL-01")
def test_an_enterprise_admin_edits_only_its_own_units_site_and_people(
    personas, own_enterprise, login
):
    admin = personas["enterprise_admin"]
    client = login(admin)
    url = f"/enterprises/{own_enterprise.pk}/edit/"
    form = client.get(url).context["form"]
    assert set(form.fields) == set(actions.OWN_UNIT_FIELDS)
    response = client.post(
        url,
        {"address": "新厂址 8 号", "employees": "150", "has_dormitory": "on", "contact_name": "李"},
    )
    assert response.status_code == 302
    own_enterprise.refresh_from_db()
    assert own_enterprise.address == "新厂址 8 号" and own_enterprise.employees == 150
    assert own_enterprise.has_dormitory
    for change in (
        {"credit_code": credit_code()},
        {"output_value": 1},
        {"industry": "commerce"},
        {"kind": "project", "investment": 5},
        {"region": "410103"},
    ):
        with pytest.raises(PermissionDenied, match="企业只能修改本单位"):
            actions.update_enterprise(own_enterprise, actor=admin, **change)
    other = make_enterprise(region=OWN_COUNTY)
    assert client.get(f"/enterprises/{other.pk}/edit/").status_code == 404


@pytest.mark.req("WL-01")
def test_moving_a_unit_to_another_county_moves_the_scope_of_its_rows(departments, own_enterprise):
    city = make_user(Role.HQ_OFFICE, "4101")
    actions.record_fact(own_enterprise, "annual_revenue", 900, source=FactSource.TAX, actor=None)
    actions.update_enterprise(own_enterprise, actor=city, region="410103")
    fact = EnterpriseFact.objects.get(enterprise=own_enterprise)
    assert fact.region_code == "410103"
    with pytest.raises(ValidationError, match="管辖范围"):
        actions.update_enterprise(own_enterprise, actor=city, region=OTHER_COUNTY)


@pytest.mark.req("WL-02")
def test_the_form_offers_only_parks_the_user_sees(personas, login):
    own_park = make_enterprise(region=OWN_COUNTY, kind="park", name="中原园区", output_value=None)
    other_park = make_enterprise(
        region=OTHER_COUNTY, kind="bonded_zone", name="龙亭保税区", output_value=None
    )
    client = login(personas["own_county"])
    choices = list(client.get(CREATE).context["form"].fields["park"].queryset)
    assert choices == [own_park]
    response = client.post(CREATE, form_data(park=str(own_park.pk)))
    assert response.status_code == 302
    assert Enterprise.objects.get(name="表单登记有限公司").park == own_park
    with pytest.raises(ValidationError, match="所属园区"):
        actions.create_enterprise(actor=personas["own_county"], **fields(park=other_park))
    with pytest.raises(ValidationError, match="园区不能隶属"):
        actions.create_enterprise(
            actor=personas["own_county"], **fields(kind="park", park=own_park)
        )


@pytest.mark.req("WL-01")
def test_the_form_answers_htmx_with_the_form_or_a_redirect(personas, login):
    client = login(personas["own_county"])
    bad = client.post(CREATE, form_data(region="4101"), HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and b"<html" not in bad.content
    assert b'id="enterprise-form"' in bad.content
    good = client.post(CREATE, form_data(), HTTP_HX_REQUEST="true")
    unit = Enterprise.objects.get(name="表单登记有限公司")
    assert good["HX-Redirect"] == f"/enterprises/{unit.pk}/"


@pytest.mark.req("WL-01")
def test_a_merged_record_cannot_be_edited(personas, own_enterprise, login):
    twin = make_enterprise(region=OWN_COUNTY, credit_code=own_enterprise.credit_code)
    actions.merge_enterprises(own_enterprise, twin, actor=personas["own_county"], reason="重复")
    with pytest.raises(ValidationError, match="已合并"):
        actions.update_enterprise(twin, actor=personas["own_county"], name="新名")
    assert login(personas["own_county"]).get(f"/enterprises/{twin.pk}/edit/").status_code == 404
