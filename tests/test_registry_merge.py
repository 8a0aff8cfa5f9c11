"""WL-01: a unit registered twice is merged; the survivor takes over every row of the duplicate,
which stays as history pointing at it. A page lists credit codes with several active records."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sibao.accounts.models import RoleGrant
from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    credit_code,
    make_criteria_set,
    make_enterprise,
    make_user,
)
from sibao.enterprises import actions
from sibao.enterprises.models import (
    Enterprise,
    EnterpriseFact,
    FactSource,
    Pairing,
    Responsibility,
    SelfAssessment,
    SpotCheck,
    SupplyLink,
    WhitelistApplication,
    WhitelistChange,
    WhitelistEntry,
)


@pytest.fixture
def twins(personas, own_enterprise):
    """The own-county unit and a second active record of it (registered before the check)."""
    duplicate = make_enterprise(
        region=OWN_COUNTY, credit_code=own_enterprise.credit_code, name="中原测试机械（重复）"
    )
    return own_enterprise, duplicate


def _application(unit, criteria):
    return WhitelistApplication.objects.create(
        enterprise=unit,
        criteria_set=criteria,
        submitted_at=timezone.now(),
        region_code=unit.region_id,
        industry=unit.industry,
    )


def _fact_dated(unit, value, as_of):
    fact = actions.record_fact(unit, "annual_revenue", value, source=FactSource.TAX, actor=None)
    EnterpriseFact.objects.filter(pk=fact.pk).update(as_of=as_of)


@pytest.mark.req("WL-01")
def test_merging_moves_the_whole_history_to_the_survivor(personas, twins, departments):
    survivor, duplicate = twins
    # the duplicate was registered in the neighbouring county: a city office merges
    Enterprise.objects.filter(pk=duplicate.pk).update(region="410103")
    duplicate.refresh_from_db()
    office = make_user(Role.HQ_OFFICE, "4101")
    criteria = make_criteria_set()
    partner = make_enterprise(region=OWN_COUNTY, industry="transport")
    other_partner = make_enterprise(region=OWN_COUNTY, industry="commerce")
    park_member = make_enterprise(region=OWN_COUNTY)
    Enterprise.objects.filter(pk=survivor.pk).update(kind="park", output_value=None)
    survivor.refresh_from_db()
    Enterprise.objects.filter(pk=duplicate.pk).update(kind="park")
    Enterprise.objects.filter(pk=park_member.pk).update(park=duplicate)

    # facts: the same key and source on both; the duplicate's is newer and wins
    _fact_dated(survivor, 100, datetime.date(2022, 1, 1))
    _fact_dated(duplicate, 250, datetime.date(2022, 6, 1))
    actions.record_fact(duplicate, "is_listed", True, source=FactSource.REGISTRY, actor=None)
    application = _application(duplicate, criteria)
    entry = actions.admit_unit(duplicate, tier="city", actor=None, reason="达标")
    moved_link = SupplyLink.objects.create(
        enterprise=duplicate,
        partner=partner,
        kind="supplier",
        region_code=duplicate.region_id,
        partner_region_code=OWN_COUNTY,
    )
    self_link = SupplyLink.objects.create(
        enterprise=duplicate,
        partner=survivor,
        kind="customer",
        region_code=duplicate.region_id,
        partner_region_code=OWN_COUNTY,
    )
    SupplyLink.objects.create(
        enterprise=survivor,
        partner=other_partner,
        kind="logistics",
        region_code=OWN_COUNTY,
        partner_region_code=OWN_COUNTY,
    )
    clash_link = SupplyLink.objects.create(
        enterprise=duplicate,
        partner=other_partner,
        kind="logistics",
        region_code=duplicate.region_id,
        partner_region_code=OWN_COUNTY,
    )
    pairing = Pairing.objects.create(
        unit=duplicate, partner=partner, region_code="410103", partner_region_code=OWN_COUNTY
    )
    check = SpotCheck.objects.create(
        enterprise=duplicate,
        checked_on=datetime.date(2022, 5, 1),
        inspectors="张三",
        result="passed",
        region_code="410103",
        industry=duplicate.industry,
    )
    duty = Responsibility.objects.create(
        enterprise=duplicate,
        party="enterprise",
        name="李四",
        duties="分管防疫",
        region_code="410103",
    )
    assessment = SelfAssessment.objects.create(
        enterprise=duplicate, criteria_set=criteria, region_code="410103"
    )
    admin = make_user(Role.ENTERPRISE_ADMIN, "410103", enterprise=duplicate)

    actions.merge_enterprises(survivor, duplicate, actor=office, reason="同一单位重复登记")

    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor
    facts = EnterpriseFact.objects.filter(enterprise=survivor)
    revenue = facts.get(key="annual_revenue")
    assert revenue.number_value == 250 and revenue.is_current
    assert facts.get(key="is_listed").is_current
    assert not EnterpriseFact.objects.filter(enterprise=duplicate).exists()
    assert {f.region_code for f in facts} == {OWN_COUNTY}
    application.refresh_from_db()
    assert application.enterprise == survivor and application.region_code == OWN_COUNTY
    entry.refresh_from_db()
    assert entry.enterprise == survivor and entry.region_code == OWN_COUNTY
    assert WhitelistChange.objects.filter(enterprise=survivor, entry=entry).count() == 1
    moved_link.refresh_from_db()
    assert moved_link.enterprise == survivor and moved_link.region_code == OWN_COUNTY
    # a link to itself or a copy of one the survivor has stays with the duplicate
    assert SupplyLink.objects.get(pk=self_link.pk).enterprise == duplicate
    assert SupplyLink.objects.get(pk=clash_link.pk).enterprise == duplicate
    pairing.refresh_from_db()
    assert pairing.unit == survivor and pairing.region_code == OWN_COUNTY
    check.refresh_from_db()
    assert check.enterprise == survivor and check.region_code == OWN_COUNTY
    assert Responsibility.objects.get(pk=duty.pk).enterprise == survivor
    assert SelfAssessment.objects.get(pk=assessment.pk).enterprise == survivor
    assert RoleGrant.objects.get(user=admin).enterprise == survivor
    park_member.refresh_from_db()
    assert park_member.park == survivor

    log = AuditLog.objects.get(action="enterprise.merge", object_id=str(survivor.pk))
    assert log.note.startswith("同一单位重复登记")
    assert log.changes["supply_links"] == [0, 1] and log.changes["supply_links_skipped"] == [0, 2]
    assert AuditLog.objects.get(action="enterprise.merged_into", object_id=str(duplicate.pk))


@pytest.mark.req("WL-01")
@pytest.mark.req("WL-05")
def test_the_survivors_own_whitelist_entry_is_kept_and_the_other_history_joins_it(personas, twins):
    survivor, duplicate = twins
    ours = actions.admit_unit(survivor, tier="province", actor=None, reason="省级")
    actions.admit_unit(duplicate, tier="county", actor=None, reason="县级")
    actions.merge_enterprises(survivor, duplicate, actor=personas["own_county"], reason="重复")
    assert list(WhitelistEntry.objects.filter(enterprise__in=[survivor, duplicate])) == [ours]
    assert ours.changes.count() == 2
    log = AuditLog.objects.get(action="enterprise.merge")
    assert "未转入" in log.note


@pytest.mark.req("WL-01")
def test_merges_are_refused_without_permission_or_matching_codes(personas, twins, other_enterprise):
    survivor, duplicate = twins
    with pytest.raises(PermissionDenied):
        actions.merge_enterprises(
            survivor, duplicate, actor=personas["enterprise_admin"], reason="x"
        )
    with pytest.raises(PermissionDenied):
        actions.merge_enterprises(survivor, duplicate, actor=personas["other_county"], reason="x")
    city = make_user(Role.HQ_OFFICE, "41")
    with pytest.raises(ValidationError, match="信用代码相同"):
        actions.merge_enterprises(survivor, other_enterprise, actor=city, reason="x")
    with pytest.raises(ValidationError, match="合并理由"):
        actions.merge_enterprises(survivor, duplicate, actor=city, reason="  ")
    with pytest.raises(ValidationError, match="自己"):
        actions.merge_enterprises(survivor, survivor, actor=city, reason="x")
    actions.merge_enterprises(survivor, duplicate, actor=city, reason="重复")
    with pytest.raises(ValidationError, match="已合并"):
        actions.merge_enterprises(duplicate, survivor, actor=city, reason="x")
    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor


@pytest.mark.req("WL-01")
@pytest.mark.req("ORG-04")
def test_the_duplicates_page_lists_codes_with_several_visible_active_records(
    personas, twins, login
):
    survivor, duplicate = twins
    code = credit_code(region=OTHER_COUNTY)
    make_enterprise(region=OTHER_COUNTY, credit_code=code)
    make_enterprise(region=OTHER_COUNTY, credit_code=code)
    page = login(personas["own_county"]).get("/enterprises/duplicates/")
    assert page.status_code == 200
    assert list(page.context["groups"]) == [survivor.credit_code]
    assert page.context["groups"][survivor.credit_code] == [survivor, duplicate]
    # each county's office sees only the pairs it may merge
    other = login(personas["other_county"]).get("/enterprises/duplicates/")
    assert list(other.context["groups"]) == [code]


@pytest.mark.req("WL-01")
def test_the_merge_form_merges_and_the_merged_page_says_where_it_went(personas, twins, login):
    survivor, duplicate = twins
    client = login(personas["own_county"])
    refused = client.post(
        "/enterprises/duplicates/merge/",
        {"survivor": survivor.pk, "duplicate": duplicate.pk, "reason": ""},
    )
    assert refused.status_code == 422
    response = client.post(
        "/enterprises/duplicates/merge/",
        {"survivor": survivor.pk, "duplicate": duplicate.pk, "reason": "重复登记"},
    )
    assert response.status_code == 302 and response["Location"] == f"/enterprises/{survivor.pk}/"
    page = client.get(f"/enterprises/{duplicate.pk}/")
    assert page.status_code == 200
    assert f'href="/enterprises/{survivor.pk}/"' in page.content.decode()
    assert "已合并" in page.content.decode()
    listed = client.get("/enterprises/").context["object_list"]
    assert duplicate not in listed and survivor in listed
    assert list(client.get("/enterprises/duplicates/").context["groups"]) == []
    assert client.get("/enterprises/duplicates/merge/").status_code == 405
    admin = login(personas["enterprise_admin"])
    assert (
        admin.post(
            "/enterprises/duplicates/merge/",
            {"survivor": survivor.pk, "duplicate": duplicate.pk, "reason": "x"},
        ).status_code
        == 403
    )


@pytest.mark.req("WL-01")
@pytest.mark.req("ORG-06")
def test_the_survivors_named_persons_stay_and_the_duplicates_fill_the_gaps(personas, twins):
    from sibao.enterprises.models import Responsibility

    survivor, duplicate = twins
    office = personas["own_county"]
    actions.set_responsibility(
        survivor,
        party="enterprise",
        name="王保留",
        position="副总",
        phone="",
        duties="防疫",
        actor=office,
    )
    actions.set_responsibility(
        duplicate,
        party="enterprise",
        name="李重复",
        position="副总",
        phone="",
        duties="防疫",
        actor=office,
    )
    actions.set_responsibility(
        duplicate,
        party="department",
        name="赵部门",
        position="科长",
        phone="",
        duties="指导",
        actor=office,
    )
    actions.merge_enterprises(survivor, duplicate, actor=office, reason="同一单位重复登记")
    kept = {r.party: r.name for r in Responsibility.objects.filter(enterprise=survivor)}
    assert kept == {"enterprise": "王保留", "department": "赵部门"}
