"""WL-05, WL-06: the competent department adds, removes and re-tiers units at any time, always
with a reason; every change stays in the unit's history. Others are refused."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_user
from sibao.enterprises import actions
from sibao.enterprises.models import WhitelistChange, WhitelistEntry


@pytest.fixture
def staff(departments):
    return make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")


@pytest.fixture
def entry(own_enterprise, staff):
    return actions.add_unit(own_enterprise, actor=staff, tier="county", reason="保供重点")


@pytest.mark.req("WL-05")
@pytest.mark.req("WL-06")
def test_adding_retiering_removing_and_readding_keep_the_full_history(own_enterprise, staff):
    entry = actions.add_unit(own_enterprise, actor=staff, tier="county", reason="保供重点")
    actions.set_service_tier(entry, actor=staff, tier="city", reason="产值增长，升为市级保障")
    actions.remove_unit(entry, actor=staff, reason="企业停产")
    entry = actions.add_unit(own_enterprise, actor=staff, tier="province", reason="复产，省级重点")
    entry.refresh_from_db()
    assert entry.is_listed and entry.tier == "province" and entry.removed_at is None
    assert WhitelistEntry.objects.filter(enterprise=own_enterprise).count() == 1
    history = [(c.kind, c.tier, c.reason, c.actor) for c in entry.changes.order_by("at", "id")]
    assert history == [
        ("added", "county", "保供重点", staff),
        ("tier_changed", "city", "产值增长，升为市级保障", staff),
        ("removed", "city", "企业停产", staff),
        ("added", "province", "复产，省级重点", staff),
    ]
    # every change is pending until a batch publishes it, and each is audited
    assert all(c.batch_id is None for c in entry.changes.all())
    assert AuditLog.objects.filter(object_type="enterprises.whitelistentry").count() == 4


@pytest.mark.req("WL-05")
@pytest.mark.req("WL-06")
@pytest.mark.parametrize("reason", ["", "   "])
def test_every_adjustment_is_refused_without_a_reason(own_enterprise, staff, reason):
    with pytest.raises(ValidationError):
        actions.add_unit(own_enterprise, actor=staff, tier="county", reason=reason)
    assert not WhitelistEntry.objects.exists()
    entry = actions.add_unit(own_enterprise, actor=staff, tier="county", reason="保供")
    with pytest.raises(ValidationError):
        actions.set_service_tier(entry, actor=staff, tier="city", reason=reason)
    with pytest.raises(ValidationError):
        actions.remove_unit(entry, actor=staff, reason=reason)
    entry.refresh_from_db()
    assert entry.is_listed and entry.tier == "county"
    assert entry.changes.count() == 1


@pytest.mark.req("WL-05")
@pytest.mark.req("ORG-04")
@pytest.mark.parametrize(
    "role, region, department",
    [
        (Role.DEPARTMENT_STAFF, OWN_COUNTY, "commerce"),  # another industry
        (Role.DEPARTMENT_STAFF, OTHER_COUNTY, "industry_it"),  # another region
        (Role.HQ_OFFICE, OWN_COUNTY, None),  # the HQ office reads, the department adjusts
        (Role.ENTERPRISE_ADMIN, OWN_COUNTY, None),  # a unit cannot list itself
    ],
)
def test_only_the_competent_department_of_the_region_may_adjust(
    own_enterprise, entry, role, region, department
):
    kwargs = {"department_kind": department} if department else {}
    if role == Role.ENTERPRISE_ADMIN:
        kwargs = {"enterprise": own_enterprise}
    outsider = make_user(role, region, **kwargs)
    with pytest.raises(PermissionDenied):
        actions.set_service_tier(entry, actor=outsider, tier="province", reason="越权")
    with pytest.raises(PermissionDenied):
        actions.remove_unit(entry, actor=outsider, reason="越权")
    actions.remove_unit(entry, actor=make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY), reason="停产")
    with pytest.raises(PermissionDenied):
        actions.add_unit(own_enterprise, actor=outsider, tier="county", reason="越权")
    assert entry.changes.count() == 2


@pytest.mark.req("WL-05")
def test_a_city_department_adjusts_units_of_its_counties(own_enterprise, departments):
    city = make_user(Role.DEPARTMENT_STAFF, "4101", department_kind="industry_it")
    entry = actions.add_unit(own_enterprise, actor=city, tier="city", reason="市级统筹")
    assert entry.is_listed


# --- the panel on the enterprise page ---------------------------------------------------------


@pytest.mark.req("WL-05")
@pytest.mark.req("WL-06")
def test_the_panel_shows_status_tier_and_history_with_forms_for_the_department(
    own_enterprise, entry, staff, login, departments
):
    actions.set_service_tier(entry, actor=staff, tier="city", reason="升级")
    page = login(staff).get(f"/enterprises/{own_enterprise.pk}/whitelist/").content.decode()
    assert "市级保障" in page and "保供重点" in page and "升级" in page and "待发布" in page
    assert 'data-testid="whitelist-tier-form"' in page
    assert 'data-testid="whitelist-remove-form"' in page
    # the HQ office reads the same panel without the forms
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    page = login(office).get(f"/enterprises/{own_enterprise.pk}/whitelist/").content.decode()
    assert "升级" in page and "whitelist-tier-form" not in page


@pytest.mark.req("WL-05")
def test_a_unit_not_listed_shows_the_add_form_and_is_added_through_htmx(
    own_enterprise, staff, login
):
    client = login(staff)
    page = client.get(f"/enterprises/{own_enterprise.pk}/whitelist/").content.decode()
    assert "尚未纳入白名单" in page and 'data-testid="whitelist-add-form"' in page
    response = client.post(
        f"/enterprises/{own_enterprise.pk}/whitelist/add/",
        {"tier": "county", "reason": "保供企业"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "已将该单位纳入白名单" in response.content.decode()
    assert WhitelistEntry.objects.get(enterprise=own_enterprise).tier == "county"


@pytest.mark.req("WL-05")
def test_a_form_without_a_reason_changes_nothing_and_says_why(own_enterprise, entry, staff, login):
    client = login(staff)
    response = client.post(
        f"/enterprises/whitelist/{entry.pk}/remove/", {"reason": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    entry.refresh_from_db()
    assert entry.is_listed
    # the same tier again is refused by the action, shown on the form
    response = client.post(
        f"/enterprises/whitelist/{entry.pk}/tier/",
        {"tier": "county", "reason": "无变化"},
        HTTP_HX_REQUEST="true",
    )
    assert "服务层级未变化" in response.content.decode()
    # a plain form post goes back to the enterprise page
    response = client.post(
        f"/enterprises/whitelist/{entry.pk}/tier/", {"tier": "province", "reason": "省级重点"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/{own_enterprise.pk}/"
    entry.refresh_from_db()
    assert entry.tier == "province"


@pytest.mark.req("WL-05")
@pytest.mark.req("ORG-04")
def test_adjustment_posts_are_refused_outside_scope_and_without_the_permission(
    own_enterprise, entry, login, departments
):
    other = make_user(Role.DEPARTMENT_STAFF, OTHER_COUNTY, department_kind="industry_it")
    client = login(other)
    assert (
        client.post(f"/enterprises/whitelist/{entry.pk}/remove/", {"reason": "x"}).status_code
        == 404
    )
    assert (
        client.post(
            f"/enterprises/{own_enterprise.pk}/whitelist/add/", {"tier": "city", "reason": "x"}
        ).status_code
        == 404
    )
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    response = login(office).post(
        f"/enterprises/whitelist/{entry.pk}/remove/", {"reason": "x"}, HTTP_HX_REQUEST="true"
    )
    assert "无权" in response.content.decode()
    assert login(office).get(f"/enterprises/whitelist/{entry.pk}/remove/").status_code == 405
    entry.refresh_from_db()
    assert entry.is_listed and entry.changes.count() == 1


# --- the API ---------------------------------------------------------------------------------


@pytest.mark.req("WL-05")
@pytest.mark.req("WL-06")
def test_the_api_adds_retiers_and_removes_with_reasons(own_enterprise, staff, login):
    client = login(staff)
    response = client.post(
        "/api/whitelist/",
        {"enterprise": own_enterprise.pk, "tier": "county", "reason": "保供"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = client.post(
        f"/api/whitelist/{pk}/tier/", {"tier": "city"}, content_type="application/json"
    )
    assert response.status_code == 400 and "reason" in response.json()
    response = client.post(
        f"/api/whitelist/{pk}/tier/",
        {"tier": "city", "reason": "升级"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["tier"] == "city"
    response = client.post(
        f"/api/whitelist/{pk}/remove/", {"reason": "停产"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "removed"
    detail = client.get(f"/api/whitelist/{pk}/").json()
    assert [c["kind"] for c in detail["changes"]] == ["removed", "tier_changed", "added"]
    assert [c["reason"] for c in detail["changes"]] == ["停产", "升级", "保供"]


@pytest.mark.req("WL-05")
@pytest.mark.req("ORG-04")
def test_the_api_refuses_other_departments(own_enterprise, entry, login, departments):
    commerce = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="commerce")
    client = login(commerce)
    # another industry's department does not even see the unit
    assert client.get(f"/api/whitelist/{entry.pk}/").status_code == 404
    assert (
        client.post(
            "/api/whitelist/",
            {"enterprise": own_enterprise.pk, "tier": "county", "reason": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    response = login(office).post(
        f"/api/whitelist/{entry.pk}/remove/", {"reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert WhitelistChange.objects.count() == 1
