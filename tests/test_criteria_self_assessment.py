"""WL-11: the enterprise self-assesses against its industry's published prevention guide; the
result is recorded as the platform fact ``self_assessment_passed`` and shown on the facts
panel, next to the facts a unit may declare and a department may record."""

import pytest
from django.core.exceptions import ValidationError

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_criteria_set, make_user
from sibao.enterprises import actions
from sibao.enterprises.models import EnterpriseFact, FactSource, SelfAssessment


@pytest.fixture
def guide(departments):
    criteria_set = make_criteria_set(
        region="41",
        criteria=[("S1", "", {"==": [{"var": "self_assessment_passed"}, True]})],
        guide="一、场所设置：设置临时观察区。二、人员管理：每日健康监测。",
    )
    criteria_set.checklist.create(section="site", text="设置临时观察区", order=0)
    criteria_set.checklist.create(section="staff", text="每日健康监测", order=1)
    criteria_set.checklist.create(
        section="living", text="员工食堂分餐", is_mandatory=False, order=2
    )
    return criteria_set


@pytest.fixture
def unit_admin(own_enterprise):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise)


def _items(guide):
    return list(guide.checklist.all())


def _fact(enterprise):
    return EnterpriseFact.objects.get(enterprise=enterprise, key="self_assessment_passed")


@pytest.mark.req("WL-11")
def test_a_passed_self_assessment_records_the_platform_fact(guide, own_enterprise, unit_admin):
    site, staff, living = _items(guide)
    assessment = actions.submit_self_assessment(
        own_enterprise,
        guide,
        {site.pk: "yes", str(staff.pk): {"answer": "yes", "note": "体温登记"}, living.pk: "no"},
        actor=unit_admin,
    )
    # an optional item answered "no" does not fail the assessment
    assert assessment.passed
    assert assessment.answers[str(staff.pk)] == {"answer": "yes", "note": "体温登记"}
    fact = _fact(own_enterprise)
    assert fact.bool_value is True and fact.source == FactSource.PLATFORM and fact.is_current


@pytest.mark.req("WL-11")
def test_a_mandatory_item_not_met_fails_and_the_fact_follows(guide, own_enterprise, unit_admin):
    site, staff, living = _items(guide)
    actions.submit_self_assessment(
        own_enterprise,
        guide,
        {site.pk: "yes", staff.pk: "yes", living.pk: "yes"},
        actor=unit_admin,
    )
    failed = actions.submit_self_assessment(
        own_enterprise,
        guide,
        {site.pk: "na", staff.pk: "yes", living.pk: "yes"},
        actor=unit_admin,
    )
    assert not failed.passed
    assert _fact(own_enterprise).bool_value is False


@pytest.mark.req("WL-11")
def test_every_item_must_be_answered_with_a_known_answer(guide, own_enterprise, unit_admin):
    site, staff, living = _items(guide)
    for answers in (
        {site.pk: "yes", staff.pk: "yes"},
        {site.pk: "yes", staff.pk: "maybe", living.pk: "yes"},
        {site.pk: "yes", staff.pk: "yes", living.pk: "yes", 999999: "yes"},
    ):
        with pytest.raises(ValidationError):
            actions.submit_self_assessment(own_enterprise, guide, answers, actor=unit_admin)
    assert not SelfAssessment.objects.exists()
    assert not EnterpriseFact.objects.filter(key="self_assessment_passed").exists()


@pytest.mark.req("WL-11")
def test_the_unit_self_assesses_in_the_browser_and_the_panel_shows_it(
    guide, own_enterprise, unit_admin, login
):
    client = login(unit_admin)
    page = client.get(f"/enterprises/{own_enterprise.pk}/self-assessment/")
    text = page.content.decode()
    assert "一、场所设置：设置临时观察区" in text and "员工食堂分餐" in text
    site, staff, living = _items(guide)
    incomplete = client.post(
        f"/enterprises/{own_enterprise.pk}/self-assessment/", {f"answer_{site.pk}": "yes"}
    )
    assert incomplete.status_code == 200 and not SelfAssessment.objects.exists()
    response = client.post(
        f"/enterprises/{own_enterprise.pk}/self-assessment/",
        {
            f"answer_{site.pk}": "yes",
            f"answer_{staff.pk}": "yes",
            f"note_{staff.pk}": "每日两次测温",
            f"answer_{living.pk}": "na",
        },
    )
    assert response["Location"] == f"/enterprises/{own_enterprise.pk}/"
    assert SelfAssessment.objects.get().passed
    panel = client.get(f"/enterprises/{own_enterprise.pk}/facts/", HTTP_HX_REQUEST="true")
    body = panel.content.decode()
    assert 'data-testid="self-assessment-result"' in body and "全部必查项达标" in body
    assert 'data-key="self_assessment_passed"' in body and "平台数据" in body


@pytest.mark.req("WL-11")
def test_an_hq_office_cannot_self_assess_for_a_unit(guide, own_enterprise, login, departments):
    office = login(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    assert office.get(f"/enterprises/{own_enterprise.pk}/self-assessment/").status_code == 403


@pytest.mark.req("WL-04")
def test_a_unit_records_only_its_own_declarations_on_the_facts_panel(
    guide, own_enterprise, unit_admin, login
):
    client = login(unit_admin)
    panel = client.get(f"/enterprises/{own_enterprise.pk}/facts/")
    assert panel.context["form"].fields["source"].choices == [("self_declared", "企业自报")]
    refused = client.post(
        f"/enterprises/{own_enterprise.pk}/facts/",
        {"key": "annual_revenue", "value": "50000", "source": "tax"},
    )
    assert refused.status_code == 200 and not EnterpriseFact.objects.exists()
    client.post(
        f"/enterprises/{own_enterprise.pk}/facts/",
        {"key": "is_above_scale", "value": "是", "source": "self_declared"},
    )
    fact = EnterpriseFact.objects.get(enterprise=own_enterprise, key="is_above_scale")
    assert fact.bool_value is True and fact.source == FactSource.SELF_DECLARED
    body = client.get(f"/enterprises/{own_enterprise.pk}/facts/").content.decode()
    assert "规模以上企业" in body and "待核实" in body


@pytest.mark.req("WL-04")
def test_a_department_records_authoritative_facts_and_bad_values_change_nothing(
    guide, own_enterprise, login, departments
):
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    client = login(staff)
    choices = client.get(f"/enterprises/{own_enterprise.pk}/facts/").context["form"]
    assert "self_declared" not in dict(choices.fields["source"].choices)
    bad = client.post(
        f"/enterprises/{own_enterprise.pk}/facts/",
        {"key": "annual_revenue", "value": "很多", "source": "tax"},
    )
    assert "取值无效" in bad.content.decode() and not EnterpriseFact.objects.exists()
    client.post(
        f"/enterprises/{own_enterprise.pk}/facts/",
        {"key": "annual_revenue", "value": "50000", "source": "tax", "as_of": "2022-05-01"},
    )
    fact = EnterpriseFact.objects.get(enterprise=own_enterprise, key="annual_revenue")
    assert fact.source == FactSource.TAX and str(fact.as_of) == "2022-05-01"
