"""WL-04: applications are checked at once; met by authoritative data ⇒ admitted (达标即入);
otherwise a department reviewer decides per criterion, with reasons."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.roles import Role
from sibao.core.models import TransitionRecord
from sibao.core.testing import OWN_COUNTY, make_criteria_set, make_enterprise, make_user
from sibao.enterprises import actions
from sibao.enterprises.models import (
    ApplicationStatus,
    FactSource,
    WhitelistChangeKind,
    WhitelistEntry,
)

REVENUE_1BN = {">=": [{"var": "annual_revenue"}, 100000]}
REVENUE_100M = {">=": [{"var": "annual_revenue"}, 10000]}
ABOVE_SCALE = {"==": [{"var": "is_above_scale"}, True]}


@pytest.fixture
def criteria(departments):
    return make_criteria_set(
        criteria=[
            ("J1", "", {"==": [{"var": "industry"}, "industry"]}),
            ("P1", "province", {"or": [REVENUE_1BN, {"==": [{"var": "is_listed"}, True]}]}),
            ("C1", "city", REVENUE_100M),
            ("X1", "county", ABOVE_SCALE),
        ]
    )


@pytest.fixture
def unit_admin(own_enterprise):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise)


@pytest.fixture
def reviewer(departments):
    return make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")


@pytest.mark.req("WL-04")
def test_a_unit_meeting_every_criterion_by_authoritative_data_is_admitted_at_once(
    criteria, own_enterprise, unit_admin
):
    actions.record_fact(own_enterprise, "annual_revenue", 120000, source=FactSource.TAX, actor=None)
    application = actions.submit_application(own_enterprise, actor=unit_admin)
    assert application.status == ApplicationStatus.AUTO_ADMITTED
    assert application.granted_tier == "province"
    by_code = {c["code"]: c for c in application.evaluation["criteria"]}
    assert by_code["P1"]["result"] is True and by_code["P1"]["authoritative"] is True
    entry = WhitelistEntry.objects.get(enterprise=own_enterprise)
    assert entry.is_listed and entry.tier == "province"
    assert entry.changes.get().kind == WhitelistChangeKind.ADDED
    steps = TransitionRecord.objects.filter(object_id=str(application.pk))
    assert [(s.source, s.target) for s in steps] == [("submitted", "auto_admitted")]


@pytest.mark.req("WL-04")
def test_a_declared_fact_sends_the_application_to_review(criteria, own_enterprise, unit_admin):
    actions.record_fact(
        own_enterprise, "annual_revenue", 120000, source=FactSource.SELF_DECLARED, actor=unit_admin
    )
    application = actions.submit_application(own_enterprise, actor=unit_admin)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.evaluation["tiers"]["province"] == "undetermined"
    assert not WhitelistEntry.objects.filter(enterprise=own_enterprise).exists()


@pytest.mark.req("WL-04")
def test_the_reviewer_must_settle_each_unverified_criterion_before_approving(
    criteria, own_enterprise, unit_admin, reviewer
):
    application = actions.submit_application(own_enterprise, actor=unit_admin)
    with pytest.raises(ValidationError) as error:
        actions.review_application(
            application, actor=reviewer, decision="approve", reason="符合", tier="county"
        )
    assert "X1" in str(error.value)
    actions.review_application(
        application,
        actor=reviewer,
        decision="approve",
        reason="经核实为规上企业",
        tier="county",
        criterion_reviews={"X1": {"met": True, "reason": "统计局名录核对"}},
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.review["X1"]["reason"] == "统计局名录核对"
    assert WhitelistEntry.objects.get(enterprise=own_enterprise).tier == "county"


@pytest.mark.req("WL-04")
def test_the_enterprise_cannot_review_its_own_application(criteria, own_enterprise, unit_admin):
    application = actions.submit_application(own_enterprise, actor=unit_admin)
    with pytest.raises(PermissionDenied):
        actions.review_application(
            application, actor=unit_admin, decision="approve", reason="x", tier="county"
        )


@pytest.mark.req("WL-04")
def test_city_operation_units_come_first_in_the_review_queue(criteria, reviewer, departments):
    ordinary = make_enterprise(region=OWN_COUNTY)
    supplier = make_enterprise(region=OWN_COUNTY, is_city_operation=True)
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    actions.submit_application(ordinary, actor=staff)
    actions.submit_application(supplier, actor=staff)
    assert [a.enterprise for a in actions.review_queue(reviewer)] == [supplier, ordinary]


@pytest.mark.req("WL-04")
def test_a_second_open_application_is_refused(criteria, own_enterprise, unit_admin):
    actions.submit_application(own_enterprise, actor=unit_admin)
    with pytest.raises(ValidationError):
        actions.submit_application(own_enterprise, actor=unit_admin)


@pytest.mark.req("WL-04")
def test_stored_reasons_are_in_the_platform_language_whoever_triggers_them(
    criteria, own_enterprise, unit_admin
):
    from django.utils import translation

    actions.record_fact(own_enterprise, "annual_revenue", 120000, source=FactSource.TAX, actor=None)
    with translation.override("en"):
        application = actions.submit_application(own_enterprise, actor=unit_admin)
    assert "达标即入" in application.decision_reason
    assert "达标即入" in WhitelistEntry.objects.get(enterprise=own_enterprise).changes.get().reason
