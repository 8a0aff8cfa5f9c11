"""ORG-06: the four-party responsibility list of a unit (local government, industry department,
the enterprise's leader in charge of prevention, individual duty rules), shown on the enterprise
page with phones masked and a missing party marked 未落实."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_user
from sibao.enterprises import actions
from sibao.enterprises.models import Responsibility

pytestmark = pytest.mark.req("ORG-06")


def set_party(unit, actor, party, **values):
    defaults = {"name": "王五", "position": "副区长", "phone": "13800001234", "duties": "属地责任"}
    return actions.set_responsibility(unit, party=party, actor=actor, **{**defaults, **values})


def test_the_panel_lists_the_four_parties_masks_phones_and_marks_the_missing_one(
    personas, login, own_enterprise
):
    office = personas["own_county"]
    set_party(own_enterprise, office, "local_government", name="王区长", phone="13800001234")
    set_party(own_enterprise, office, "department", name="工信局赵科长", phone="13911112222")
    set_party(own_enterprise, office, "individual", name="", duties="每名员工每日测温、扫码")
    page = login(personas["enterprise_admin"]).get(
        f"/enterprises/{own_enterprise.pk}/responsibility/"
    )
    assert page.status_code == 200
    body = page.content.decode()
    for label in ("属地政府", "行业主管部门", "企业（防疫分管负责人）", "个人（岗位职责）"):
        assert label in body
    assert "138****1234" in body and "13800001234" not in body
    assert "139****2222" in body and "13911112222" not in body
    assert "每名员工每日测温、扫码" in body
    # the enterprise's own party is not named yet: shown in red as 未落实
    missing = [row for row in page.context["rows"] if row[2] is None]
    assert [row[0] for row in missing] == ["enterprise"]
    assert body.count('class="text-danger fw-bold" data-testid="missing-party">未落实') == 1


def test_setting_a_party_again_updates_its_row_and_keeps_the_phone_out_of_the_audit(
    personas, own_enterprise
):
    office = personas["own_county"]
    set_party(own_enterprise, office, "enterprise", name="刘总", phone="13700000001")
    set_party(own_enterprise, office, "enterprise", name="陈总", phone="13700000002")
    row = Responsibility.objects.get(enterprise=own_enterprise)
    assert (row.name, row.phone, row.region_code) == ("陈总", "13700000002", OWN_COUNTY)
    entries = AuditLog.objects.filter(action="responsibility.set")
    assert entries.count() == 2
    assert all("1370000000" not in str(e.changes) for e in entries)
    assert entries.first().changes["name"] == ["刘总", "陈总"]


def test_who_may_set_the_responsibility_list(personas, departments, own_enterprise):
    industry_staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    commerce_staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="commerce")
    neighbour = make_enterprise(region=OWN_COUNTY)
    neighbour_admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=neighbour)
    for actor in (personas["own_county"], industry_staff, personas["enterprise_admin"]):
        set_party(own_enterprise, actor, "enterprise")
    for actor in (personas["other_county"], commerce_staff, neighbour_admin, personas["no_grant"]):
        with pytest.raises(PermissionDenied):
            set_party(own_enterprise, actor, "enterprise")
    with pytest.raises(ValidationError) as error:
        set_party(own_enterprise, personas["own_county"], "department", name="", duties="")
    assert {"name", "duties"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError):
        set_party(own_enterprise, personas["own_county"], "department", phone="电话")


def test_the_edit_form_never_shows_the_phone_in_the_clear_and_keeps_it_when_left_empty(
    personas, login, own_enterprise
):
    office = personas["own_county"]
    set_party(own_enterprise, office, "department", name="赵科长", phone="13911112222")
    client = login(personas["enterprise_admin"])
    url = f"/enterprises/{own_enterprise.pk}/responsibility/edit/?party=department"
    form = client.get(url)
    assert "13911112222" not in form.content.decode() and "139****2222" in form.content.decode()
    assert form.context["form"]["name"].value() == "赵科长"
    response = client.post(
        url,
        {
            "party": "department",
            "name": "钱科长",
            "position": "工信局",
            "phone": "",
            "duties": "行业监管",
        },
    )
    assert response.status_code == 302
    row = Responsibility.objects.get(party="department")
    assert (row.name, row.phone, row.duties) == ("钱科长", "13911112222", "行业监管")
    refused = client.post(url, {"party": "department", "name": "", "duties": "x"})
    assert refused.status_code == 200 and "name" in refused.context["form"].errors


def test_responsibilities_through_the_api(personas, login, own_enterprise):
    client = login(personas["own_county"])
    done = client.post(
        "/api/responsibilities/set/",
        {
            "enterprise": own_enterprise.pk,
            "party": "local_government",
            "name": "王区长",
            "phone": "13800001234",
            "duties": "属地责任",
        },
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["phone"] == "138****1234"
    rows = login(personas["enterprise_admin"]).get("/api/responsibilities/").json()["results"]
    assert [(r["party"], r["phone"]) for r in rows] == [("local_government", "138****1234")]
    assert login(personas["other_county"]).get("/api/responsibilities/").json()["count"] == 0
    refused = login(personas["other_county"]).post(
        "/api/responsibilities/set/",
        {"enterprise": own_enterprise.pk, "party": "department", "name": "x", "duties": "y"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "enterprise" in refused.json()
