"""POL-03: push and the 应享尽享 tracking — each transition, who may take it (per role), the
免申即享 and 快申快享 paths, the history rows, the inbox messages and the SMS outbox."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog, Notification, OutboxMessage, TransitionRecord
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_policy, make_user
from sibao.enterprises import actions as enterprise_actions
from sibao.enterprises.models import EnterpriseFact, FactSource
from sibao.policies import actions
from sibao.policies.actions.uptake import UPTAKE_WORKFLOW
from sibao.policies.models import MatchResult, PolicyMatch, UptakeStatus

REVENUE = {">=": [{"var": "annual_revenue"}, 1000]}
STAFF = {">=": [{"var": "employees"}, 50]}


def fact(unit, key, value, source=FactSource.TAX):
    enterprise_actions.record_fact(unit, key, value, source=source, actor=None)


def match_of(policy, unit) -> PolicyMatch:
    return PolicyMatch.objects.get(policy=policy, enterprise=unit)


@pytest.fixture
def units(departments):
    eligible = make_enterprise(
        name="郑州甲机械有限公司", employees=200, contact_phone="13812345678"
    )
    fact(eligible, "annual_revenue", 5000)
    possible = make_enterprise(
        name="郑州乙电子有限公司", employees=200, contact_phone="0371-6612345"
    )
    ineligible = make_enterprise(name="郑州丙食品有限公司", employees=200)
    fact(ineligible, "annual_revenue", 100)
    other = make_enterprise(region=OTHER_COUNTY, name="开封丁纺织有限公司", employees=200)
    fact(other, "annual_revenue", 5000)
    return {"eligible": eligible, "possible": possible, "ineligible": ineligible, "other": other}


@pytest.fixture
def people(units):
    return {
        "admin": make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=units["eligible"]),
        "possible_admin": make_user(
            Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=units["possible"]
        ),
        "other_admin": make_user(Role.ENTERPRISE_ADMIN, OTHER_COUNTY, enterprise=units["other"]),
        # the issuing department's line (finance) in the own county and in the province
        "finance": make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="finance"),
        "province_finance": make_user(Role.DEPARTMENT_STAFF, "41", department_kind="finance"),
        "other_finance": make_user(Role.DEPARTMENT_STAFF, OTHER_COUNTY, department_kind="finance"),
        # an industry department sees the enterprises of its industry (the scope of the model)
        "industry": make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it"),
        "office": make_user(Role.HQ_OFFICE, OWN_COUNTY),
    }


def publish(route="standard", amount="10", conditions=(REVENUE, STAFF), **fields):
    return make_policy(
        region="41",
        department_kind="finance",
        conditions=conditions,
        route=route,
        benefit_amount=Decimal(amount) if amount is not None else None,
        **fields,
    )


@pytest.mark.req("POL-03")
def test_publishing_pushes_eligible_and_possible_units_once(
    units, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        policy = publish()
    rows = {m.enterprise_id: m for m in PolicyMatch.objects.filter(policy=policy)}
    assert set(rows) == {units["eligible"].pk, units["possible"].pk, units["other"].pk}
    for row in rows.values():
        assert row.uptake == UptakeStatus.NOTIFIED and row.notified_at is not None
    assert rows[units["possible"].pk].result == MatchResult.POSSIBLE
    # one history row per push, by the platform
    history = TransitionRecord.objects.filter(object_type="policies.policymatch", action="notify")
    assert history.count() == 3 and all(r.actor_id is None for r in history)
    # the admins' inboxes: the eligible one is told it qualifies, the possible one what to do
    told = Notification.objects.get(recipient=people["admin"])
    assert policy.title in told.title and "符合" in told.title
    assert told.url == f"/policies/uptake/policies/{policy.pk}/mine/"
    maybe = Notification.objects.get(recipient=people["possible_admin"])
    assert "可能符合" in maybe.title
    # SMS only to a contact number that is a mobile; stored masked and encrypted
    sms = OutboxMessage.objects.get(enterprise_id=units["eligible"].pk)
    assert sms.phone_masked == "138****5678" and "13812345678" not in sms.body
    assert sms.phone_encrypted and "13812345678" not in sms.phone_encrypted
    assert not OutboxMessage.objects.filter(enterprise_id=units["possible"].pk).exists()
    assert AuditLog.objects.filter(action="policy.push", object_id=str(policy.pk)).exists()
    # pushing again changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.push(policy, actor=None) == 0
    assert Notification.objects.filter(recipient=people["admin"]).count() == 1


@pytest.mark.req("POL-03")
def test_only_the_issuing_line_may_push_by_hand(units, people):
    policy = publish()
    with pytest.raises(PermissionDenied):
        actions.push(policy, actor=people["admin"])
    assert actions.push(policy, actor=people["province_finance"]) == 0


@pytest.mark.req("POL-03")
def test_the_standard_path_read_apply_grant_pay_confirm(units, people):
    policy = publish()
    row = match_of(policy, units["eligible"])
    # an official opening the row does not make it "read"; the unit's admin does
    actions.read_match(row, actor=people["finance"])
    assert match_of(policy, units["eligible"]).uptake == UptakeStatus.NOTIFIED
    row = actions.read_match(row, actor=people["admin"])
    assert row.uptake == UptakeStatus.READ
    # nobody grants before the enterprise applies (not a 免申即享 policy)
    with pytest.raises(ValidationError, match="尚未申请"):
        actions.grant_match(row, actor=people["finance"], amount="10")
    # only the unit itself applies
    for someone in ("other_admin", "finance", "office", "possible_admin"):
        with pytest.raises(PermissionDenied):
            actions.apply_match(row, actor=people[someone])
    row = actions.apply_match(row, actor=people["admin"], note="申请奖补")
    assert row.uptake == UptakeStatus.APPLIED and row.applied_at is not None
    # grant: a department of the issuing line over the unit's region; nobody else
    for someone in ("admin", "office", "other_finance"):
        with pytest.raises(PermissionDenied):
            actions.grant_match(row, actor=people[someone], amount="10")
    with pytest.raises(ValidationError) as error:
        actions.grant_match(row, actor=people["finance"], amount="12")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        actions.grant_match(row, actor=people["finance"], amount="-1")
    row = actions.grant_match(row, actor=people["finance"], amount="12", reason="含上年度补发")
    assert row.uptake == UptakeStatus.GRANTED and row.granted_amount == Decimal("12.00")
    # pay: the department; the unit cannot
    for someone in ("admin", "office"):
        with pytest.raises(PermissionDenied):
            actions.pay_match(row, actor=people[someone])
    with pytest.raises(ValidationError):
        actions.confirm_receipt(row, actor=people["admin"])  # not paid yet
    row = actions.pay_match(row, actor=people["province_finance"])
    assert row.uptake == UptakeStatus.PAID and row.paid_at is not None
    for someone in ("finance", "other_admin"):
        with pytest.raises(PermissionDenied):
            actions.confirm_receipt(row, actor=people[someone])
    row = actions.confirm_receipt(row, actor=people["admin"])
    assert row.uptake == UptakeStatus.RECEIVED and row.received_at is not None
    steps = [
        (r.action, r.source, r.target, r.actor_id)
        for r in UPTAKE_WORKFLOW.history(row).order_by("at", "id")
    ]
    assert steps == [
        ("notify", "matched", "notified", None),
        ("read", "notified", "read", people["admin"].pk),
        ("apply", "read", "applied", people["admin"].pk),
        ("grant", "applied", "granted", people["finance"].pk),
        ("pay", "granted", "paid", people["province_finance"].pk),
        ("confirm", "paid", "received", people["admin"].pk),
    ]
    assert UPTAKE_WORKFLOW.history(row).get(action="grant").note == "含上年度补发"
    for action in ("read", "apply", "grant", "pay", "confirm"):
        assert AuditLog.objects.filter(
            action=f"policy.uptake.{action}", object_id=str(row.pk)
        ).exists()


@pytest.mark.req("POL-03")
def test_an_industry_department_handles_the_units_of_its_industry(units, people):
    policy = publish()
    row = actions.apply_match(match_of(policy, units["eligible"]), actor=people["admin"])
    row = actions.grant_match(row, actor=people["industry"], amount="10")
    assert row.uptake == UptakeStatus.GRANTED


@pytest.mark.req("POL-03")
def test_decline_needs_a_reason_and_tells_the_unit(
    units, people, django_capture_on_commit_callbacks
):
    policy = publish()
    row = actions.apply_match(match_of(policy, units["eligible"]), actor=people["admin"])
    with pytest.raises(ValidationError):
        actions.decline_match(row, actor=people["finance"], reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        row = actions.decline_match(row, actor=people["finance"], reason="已享受同类政策")
    assert row.uptake == UptakeStatus.DECLINED
    message = Notification.objects.filter(recipient=people["admin"]).latest("id")
    assert "未予批准" in message.title and message.body == "已享受同类政策"
    with pytest.raises(ValidationError):
        actions.grant_match(row, actor=people["finance"], amount="10")


@pytest.mark.req("POL-03")
def test_no_application_policies_are_granted_directly(units, people):
    policy = publish(route="no_application")
    row = match_of(policy, units["eligible"])
    with pytest.raises(ValidationError, match="免申即享"):
        actions.apply_match(row, actor=people["admin"])
    row = actions.grant_match(row, actor=people["finance"], amount="10")
    assert row.uptake == UptakeStatus.GRANTED and row.applied_at is None
    assert UPTAKE_WORKFLOW.history(row).filter(action="grant_direct").exists()
    # a "possibly" unit is never granted on unknown facts
    maybe = match_of(policy, units["possible"])
    with pytest.raises(ValidationError, match="不符合"):
        actions.grant_match(maybe, actor=people["finance"], amount="10")
    row = actions.pay_match(row, actor=people["finance"])
    row = actions.confirm_receipt(row, actor=people["admin"])
    assert row.uptake == UptakeStatus.RECEIVED


@pytest.mark.req("POL-03")
def test_quick_application_asks_only_for_the_missing_facts(units, people):
    policy = publish(route="quick")
    row = match_of(policy, units["possible"])
    assert row.result == MatchResult.POSSIBLE and row.missing == ["annual_revenue"]
    admin = people["possible_admin"]
    with pytest.raises(ValidationError) as error:
        actions.apply_match(row, actor=admin, facts={})
    assert set(error.value.message_dict) == {"annual_revenue"}
    # facts that make it ineligible: refused, and nothing is kept
    with pytest.raises(ValidationError, match="不符合"):
        actions.apply_match(row, actor=admin, facts={"annual_revenue": "200"})
    assert not EnterpriseFact.objects.filter(enterprise=units["possible"]).exists()
    assert match_of(policy, units["possible"]).uptake == UptakeStatus.NOTIFIED
    row = actions.apply_match(row, actor=admin, facts={"annual_revenue": "3000"})
    assert row.uptake == UptakeStatus.APPLIED and row.result == MatchResult.ELIGIBLE
    declared = EnterpriseFact.objects.get(enterprise=units["possible"], key="annual_revenue")
    assert declared.source == FactSource.SELF_DECLARED and declared.number_value == 3000
    # an eligible unit of a quick policy applies with nothing to add
    row = actions.apply_match(match_of(policy, units["eligible"]), actor=people["admin"])
    assert row.uptake == UptakeStatus.APPLIED


@pytest.mark.req("POL-03")
def test_a_unit_sees_only_its_own_matches(units, people):
    policy = publish()
    seen = PolicyMatch.objects.visible_to(people["admin"], "view")
    assert set(seen.values_list("enterprise_id", flat=True)) == {units["eligible"].pk}
    assert policy.matches.count() == 3


@pytest.mark.req("POL-03")
def test_a_fact_turning_a_unit_eligible_pushes_it(
    units, people, django_capture_on_commit_callbacks
):
    policy = publish(conditions=(STAFF,))
    late = make_enterprise(name="郑州戊制造有限公司", employees=10)
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=late)
    assert not PolicyMatch.objects.filter(policy=policy, enterprise=late).exists()
    late.employees = 80
    late.save()
    from sibao.policies import matching

    with django_capture_on_commit_callbacks(execute=True):
        newly = matching.rematch_enterprise(late)
        assert actions.push(None, actor=None, matches=newly) == 1
    assert match_of(policy, late).uptake == UptakeStatus.NOTIFIED
    assert Notification.objects.filter(recipient=admin).exists()
