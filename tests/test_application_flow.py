"""WL-04 through the browser: the unit applies on one simple page and sees the result per
criterion at once; met by authoritative data it is admitted (达标即入); otherwise a reviewer
decides per criterion with reasons; return and resubmit; withdraw; scoping."""

import pytest

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_criteria_set, make_enterprise, make_user
from sibao.enterprises import actions
from sibao.enterprises.models import (
    ApplicationStatus,
    EnterpriseFact,
    FactSource,
    WhitelistApplication,
    WhitelistEntry,
)

REVENUE_100M = {">=": [{"var": "annual_revenue"}, 10000]}


@pytest.fixture
def criteria(departments):
    return make_criteria_set(
        region="41",
        criteria=[
            ("J1", "", {"==": [{"var": "industry"}, "industry"]}),
            ("C1", "city", REVENUE_100M),
        ],
    )


@pytest.fixture
def unit_admin(own_enterprise):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise)


@pytest.fixture
def reviewer(departments):
    return make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")


@pytest.mark.req("WL-04")
def test_a_unit_meeting_the_criteria_by_authoritative_data_is_admitted_at_once(
    criteria, own_enterprise, unit_admin, login
):
    actions.record_fact(own_enterprise, "annual_revenue", 20000, source=FactSource.TAX, actor=None)
    client = login(unit_admin)
    page = client.get(f"/enterprises/{own_enterprise.pk}/apply/")
    assert page.status_code == 200
    text = page.content.decode()
    # the registry and authoritative facts are shown as the criteria read them, before applying
    assert "年营业收入 ≥ 10000 万元" in text and "20000 万元" in text and "税务" in text
    assert "fact_annual_revenue" not in text  # known facts are not asked again
    response = client.post(f"/enterprises/{own_enterprise.pk}/apply/", {"statement": "闭环生产"})
    application = WhitelistApplication.objects.get(enterprise=own_enterprise)
    assert response["Location"] == f"/enterprises/applications/{application.pk}/"
    assert application.status == ApplicationStatus.AUTO_ADMITTED
    detail = client.get(response["Location"])
    body = detail.content.decode()
    assert 'data-testid="auto-admitted"' in body and "达标即入" in body
    assert body.count('data-result="met"') == 2
    assert "权威数据" in body
    assert WhitelistEntry.objects.get(enterprise=own_enterprise).tier == "city"


@pytest.mark.req("WL-04")
def test_a_declared_fact_goes_to_a_reviewer_who_approves_with_reasons(
    criteria, own_enterprise, unit_admin, reviewer, login
):
    unit = login(unit_admin)
    page = unit.get(f"/enterprises/{own_enterprise.pk}/apply/")
    assert "fact_annual_revenue" in page.content.decode()  # missing: the unit may declare it
    unit.post(
        f"/enterprises/{own_enterprise.pk}/apply/",
        {"requested_tier": "city", "statement": "", "fact_annual_revenue": "15000"},
    )
    declared = EnterpriseFact.objects.get(enterprise=own_enterprise, key="annual_revenue")
    assert declared.source == FactSource.SELF_DECLARED
    application = WhitelistApplication.objects.get(enterprise=own_enterprise)
    assert application.status == ApplicationStatus.SUBMITTED
    detail = unit.get(f"/enterprises/applications/{application.pk}/").content.decode()
    assert "企业自报" in detail and 'data-testid="review-form"' not in detail

    staff = login(reviewer)
    queue = staff.get("/enterprises/applications/queue/")
    assert [a.pk for a in queue.context["object_list"]] == [application.pk]
    form_page = staff.get(f"/enterprises/applications/{application.pk}/").content.decode()
    assert 'name="met_C1"' in form_page and 'name="met_J1"' not in form_page
    # approving without settling C1 is refused and changes nothing
    refused = staff.post(
        f"/enterprises/applications/{application.pk}/review/",
        {"decision": "approve", "tier": "city", "reason": "同意"},
    )
    assert refused.status_code == 400 and "C1" in refused.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    approved = staff.post(
        f"/enterprises/applications/{application.pk}/review/",
        {
            "decision": "approve",
            "tier": "city",
            "reason": "经核实符合市级保障条件",
            "met_C1": "yes",
            "why_C1": "税务系统核对营收1.5亿元",
        },
    )
    assert approved.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.review["C1"]["reason"] == "税务系统核对营收1.5亿元"
    assert WhitelistEntry.objects.get(enterprise=own_enterprise).tier == "city"
    shown = unit.get(f"/enterprises/applications/{application.pk}/").content.decode()
    assert "税务系统核对营收1.5亿元" in shown and "经核实符合市级保障条件" in shown


@pytest.mark.req("WL-04")
def test_a_returned_application_is_resubmitted_with_more_facts(
    criteria, own_enterprise, unit_admin, reviewer, login
):
    unit = login(unit_admin)
    unit.post(f"/enterprises/{own_enterprise.pk}/apply/", {"statement": ""})
    application = WhitelistApplication.objects.get(enterprise=own_enterprise)
    login(reviewer).post(
        f"/enterprises/applications/{application.pk}/review/",
        {"decision": "return", "reason": "请补充年营业收入"},
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED
    page = unit.get(f"/enterprises/applications/{application.pk}/").content.decode()
    assert 'data-testid="resubmit-form"' in page and "fact_annual_revenue" in page
    response = unit.post(
        f"/enterprises/applications/{application.pk}/resubmit/",
        {"statement": "已补充营收数据", "fact_annual_revenue": "30000"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.statement == "已补充营收数据"
    c1 = next(c for c in application.evaluation["criteria"] if c["code"] == "C1")
    assert c1["result"] is True and c1["authoritative"] is False
    history = unit.get(f"/enterprises/applications/{application.pk}/").context["history"]
    assert [(h["source_label"], h["target_label"]) for h in history] == [
        ("待审核", "退回补充材料"),
        ("退回补充材料", "待审核"),
    ]


@pytest.mark.req("WL-04")
def test_the_unit_withdraws_its_application(criteria, own_enterprise, unit_admin, login):
    unit = login(unit_admin)
    unit.post(f"/enterprises/{own_enterprise.pk}/apply/", {"statement": ""})
    application = WhitelistApplication.objects.get(enterprise=own_enterprise)
    response = unit.post(
        f"/enterprises/applications/{application.pk}/withdraw/", {"reason": "暂不申报"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    page = unit.get(f"/enterprises/applications/{application.pk}/").content.decode()
    assert 'data-testid="withdraw-form"' not in page
    again = unit.post(f"/enterprises/applications/{application.pk}/withdraw/", {"reason": ""})
    assert again.status_code == 400


@pytest.mark.req("WL-04")
def test_a_unit_cannot_see_or_touch_another_units_application(
    criteria, own_enterprise, unit_admin, departments, login
):
    neighbour = make_enterprise(region=OWN_COUNTY)
    neighbour_admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=neighbour)
    application = actions.submit_application(neighbour, actor=neighbour_admin)
    unit = login(unit_admin)
    assert unit.get(f"/enterprises/applications/{application.pk}/").status_code == 404
    assert unit.post(f"/enterprises/applications/{application.pk}/withdraw/").status_code == 404
    assert unit.get(f"/enterprises/{neighbour.pk}/apply/").status_code == 404
    assert unit.get("/enterprises/applications/").context["object_list"].count() == 0
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


@pytest.mark.req("WL-04")
def test_the_unit_cannot_review_its_own_application(criteria, own_enterprise, unit_admin, login):
    unit = login(unit_admin)
    unit.post(f"/enterprises/{own_enterprise.pk}/apply/", {"statement": ""})
    application = WhitelistApplication.objects.get(enterprise=own_enterprise)
    response = unit.post(
        f"/enterprises/applications/{application.pk}/review/",
        {"decision": "approve", "tier": "city", "reason": "自己批准", "met_C1": "yes"},
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


@pytest.mark.req("WL-04")
def test_an_industry_without_published_criteria_cannot_apply(own_enterprise, unit_admin, login):
    client = login(unit_admin)
    page = client.get(f"/enterprises/{own_enterprise.pk}/apply/")
    assert 'data-testid="no-criteria"' in page.content.decode()
    client.post(f"/enterprises/{own_enterprise.pk}/apply/", {"statement": ""})
    assert not WhitelistApplication.objects.exists()


@pytest.mark.req("WL-04")
def test_a_failed_application_keeps_no_declared_facts(criteria, own_enterprise, unit_admin, login):
    actions.submit_application(own_enterprise, actor=unit_admin)  # already one open
    response = login(unit_admin).post(
        f"/enterprises/{own_enterprise.pk}/apply/",
        {"statement": "", "fact_annual_revenue": "15000"},
    )
    assert response.status_code == 200 and "在办的申报" in response.content.decode()
    assert not EnterpriseFact.objects.filter(enterprise=own_enterprise).exists()


@pytest.mark.req("WL-04")
def test_the_list_filters_and_the_queue_puts_city_operation_units_first(
    criteria, reviewer, departments, login, django_assert_max_num_queries
):
    ordinary = make_enterprise(region=OWN_COUNTY, name="普通机械厂")
    supplier = make_enterprise(region=OWN_COUNTY, name="城市供水公司", is_city_operation=True)
    for unit in (ordinary, supplier):
        actions.submit_application(unit, actor=reviewer)
    for _ in range(3):
        actions.submit_application(make_enterprise(region=OWN_COUNTY), actor=reviewer)
    client = login(reviewer)
    with django_assert_max_num_queries(14):
        listing = client.get("/enterprises/applications/", {"status": "submitted"})
    assert listing.context["object_list"].count() == 5
    searched = client.get("/enterprises/applications/", {"q": "供水"})
    assert [a.enterprise for a in searched.context["object_list"]] == [supplier]
    with django_assert_max_num_queries(14):
        queue = client.get("/enterprises/applications/queue/")
    assert queue.context["object_list"][0].enterprise == supplier
