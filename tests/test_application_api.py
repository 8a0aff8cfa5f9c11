"""WL-03, WL-04, WL-11 through the API: criteria sets read and published, applications submitted
(checked at once), reviewed, resubmitted and withdrawn, facts recorded, self-assessments
submitted — each through the same action as the UI, within the caller's scope."""

import pytest

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_criteria_set, make_enterprise, make_user
from sibao.enterprises import actions
from sibao.enterprises.models import (
    CriteriaStatus,
    EnterpriseFact,
    FactSource,
    WhitelistApplication,
)
from sibao.regions.models import Department, IndustryDomain

REVENUE = {">=": [{"var": "annual_revenue"}, 10000]}


@pytest.fixture
def criteria(departments):
    criteria_set = make_criteria_set(region="41", criteria=[("C1", "city", REVENUE)])
    criteria_set.checklist.create(section="staff", text="每日健康监测", order=0)
    return criteria_set


@pytest.fixture
def unit_admin(own_enterprise):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise)


@pytest.fixture
def reviewer(departments):
    return make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")


def post(client, url, data):
    return client.post(url, data=data, content_type="application/json")


@pytest.mark.req("WL-04")
def test_submitting_through_the_api_checks_at_once_and_admits(
    criteria, own_enterprise, unit_admin, login
):
    actions.record_fact(own_enterprise, "annual_revenue", 20000, source=FactSource.TAX, actor=None)
    response = post(login(unit_admin), "/api/applications/", {"enterprise": own_enterprise.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "auto_admitted" and body["granted_tier"] == "city"
    assert [c["code"] for c in body["evaluation"]["criteria"]] == ["C1"]


@pytest.mark.req("WL-04")
def test_a_reviewer_decides_through_the_api_with_reasons(
    criteria, own_enterprise, unit_admin, reviewer, login
):
    unit = login(unit_admin)
    created = post(unit, "/api/applications/", {"enterprise": own_enterprise.pk}).json()
    assert created["status"] == "submitted"
    url = f"/api/applications/{created['id']}/review/"
    staff = login(reviewer)
    refused = post(staff, url, {"decision": "approve", "reason": "同意", "tier": "city"})
    assert refused.status_code == 400 and "C1" in str(refused.json())
    approved = post(
        staff,
        url,
        {
            "decision": "approve",
            "reason": "经核实",
            "tier": "city",
            "criterion_reviews": {"C1": {"met": True, "reason": "统计名录核对"}},
        },
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert approved.json()["review"]["C1"]["reason"] == "统计名录核对"
    # the unit cannot decide on its own application
    again = post(unit, url, {"decision": "refuse", "reason": "x"})
    assert again.status_code == 403


@pytest.mark.req("WL-04")
def test_return_resubmit_and_withdraw_through_the_api(
    criteria, own_enterprise, unit_admin, reviewer, login
):
    unit = login(unit_admin)
    pk = post(unit, "/api/applications/", {"enterprise": own_enterprise.pk}).json()["id"]
    post(login(reviewer), f"/api/applications/{pk}/review/", {"decision": "return", "reason": "补"})
    resubmitted = post(unit, f"/api/applications/{pk}/resubmit/", {"statement": "已补充"})
    assert resubmitted.json()["status"] == "submitted"
    withdrawn = post(unit, f"/api/applications/{pk}/withdraw/", {"reason": "暂缓"})
    assert withdrawn.json()["status"] == "withdrawn"
    assert post(unit, f"/api/applications/{pk}/withdraw/", {}).status_code == 400


@pytest.mark.req("WL-04")
def test_the_api_keeps_units_to_their_own_applications(
    criteria, own_enterprise, unit_admin, login, departments, django_assert_max_num_queries
):
    neighbour = make_enterprise(region=OWN_COUNTY)
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    other = actions.submit_application(neighbour, actor=staff)
    for _ in range(3):
        actions.submit_application(make_enterprise(region=OWN_COUNTY), actor=staff)
    unit = login(unit_admin)
    assert unit.get(f"/api/applications/{other.pk}/").status_code == 404
    submitted = post(unit, "/api/applications/", {"enterprise": neighbour.pk})
    assert submitted.status_code == 400
    assert unit.get("/api/applications/").json()["count"] == 0
    staff_client = login(staff)
    with django_assert_max_num_queries(12):
        listing = staff_client.get("/api/applications/", {"status": "submitted"})
    assert listing.json()["count"] == 4
    assert WhitelistApplication.objects.filter(enterprise=neighbour).count() == 1


@pytest.mark.req("WL-03")
def test_criteria_sets_are_read_and_published_through_the_api(
    criteria, departments, login, django_assert_max_num_queries
):
    staff = make_user(Role.DEPARTMENT_STAFF, "41", department_kind="industry_it")
    department = Department.objects.get(region_id="41", kind="industry_it")
    draft = actions.create_criteria_draft(
        department, IndustryDomain.objects.get(code="industry"), actor=staff, title="第二版"
    )
    client = login(staff)
    with django_assert_max_num_queries(12):
        listing = client.get("/api/criteria-sets/", {"status": "published"})
    row = listing.json()["results"][0]
    assert row["criteria"][0]["description"] == "年营业收入 ≥ 10000 万元"
    assert row["checklist"][0]["text"] == "每日健康监测"
    office = login(make_user(Role.HQ_OFFICE, "41"))
    assert post(office, f"/api/criteria-sets/{draft.pk}/publish/", {}).status_code == 403
    published = post(client, f"/api/criteria-sets/{draft.pk}/publish/", {})
    assert published.status_code == 200 and published.json()["status"] == "published"
    criteria.refresh_from_db()
    assert criteria.status == CriteriaStatus.SUPERSEDED


@pytest.mark.req("WL-04")
@pytest.mark.req("WL-11")
def test_facts_and_self_assessments_through_the_api(criteria, own_enterprise, unit_admin, login):
    unit = login(unit_admin)
    refused = post(
        unit,
        "/api/facts/",
        {"enterprise": own_enterprise.pk, "key": "annual_revenue", "value": 5, "source": "tax"},
    )
    assert refused.status_code == 403
    declared = post(
        unit,
        "/api/facts/",
        {
            "enterprise": own_enterprise.pk,
            "key": "is_listed",
            "value": True,
            "source": "self_declared",
        },
    )
    assert declared.status_code == 201 and declared.json()["value"] is True
    item = criteria.checklist.get()
    incomplete = post(
        unit, "/api/self-assessments/", {"enterprise": own_enterprise.pk, "answers": {}}
    )
    assert incomplete.status_code == 400
    assessed = post(
        unit,
        "/api/self-assessments/",
        {"enterprise": own_enterprise.pk, "answers": {str(item.pk): "yes"}},
    )
    assert assessed.status_code == 201 and assessed.json()["passed"] is True
    facts = unit.get("/api/facts/", {"enterprise": own_enterprise.pk}).json()["results"]
    by_key = {f["key"]: f for f in facts}
    assert by_key["self_assessment_passed"]["source"] == "platform"
    assert EnterpriseFact.objects.filter(source=FactSource.TAX).count() == 0
