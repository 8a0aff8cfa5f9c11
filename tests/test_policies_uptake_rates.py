"""POL-03: the redemption rates per policy and per region against a hand computation (by count
and by amount), and the 应享未享 follow-up tasks (owner, deadline from the rule set, closing,
overdue flag, who may)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.actions import change_rule_parameter
from sibao.core.models import AuditLog
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    advance_uptake,
    make_enterprise,
    make_policy,
    make_user,
)
from sibao.enterprises import actions as enterprise_actions
from sibao.enterprises.models import FactSource
from sibao.policies import actions, queries_uptake
from sibao.policies.models import FollowUpTask, PolicyMatch
from sibao.regions.models import Region

REVENUE = {">=": [{"var": "annual_revenue"}, 1000]}


@pytest.fixture
def scenario(departments):
    """Policy P (standard, 10 万元 expected): six eligible units, four in 410102, two in 410202,
    and one "possibly" (revenue unknown) in 410102. Progress:
      E1 received 8 · E2 paid 10 · E3 granted 12 · E4 notified   (410102)
      E5 received 10 · E6 declined                               (410202)
    Policy Q (免申即享, no expected amount, every unit with staff): E1 received, no amount."""
    units = {}
    for name, region in (
        ("E1", OWN_COUNTY),
        ("E2", OWN_COUNTY),
        ("E3", OWN_COUNTY),
        ("E4", OWN_COUNTY),
        ("E5", OTHER_COUNTY),
        ("E6", OTHER_COUNTY),
        ("P1", OWN_COUNTY),
    ):
        unit = make_enterprise(region=region, name=f"{name}测试有限公司")
        if name != "P1":
            enterprise_actions.record_fact(
                unit, "annual_revenue", 5000, source=FactSource.TAX, actor=None
            )
        units[name] = unit
    admins = {
        name: make_user(Role.ENTERPRISE_ADMIN, unit.region_id, enterprise=unit)
        for name, unit in units.items()
    }
    finance = make_user(Role.DEPARTMENT_STAFF, "41", department_kind="finance")
    p = make_policy(region="41", conditions=[REVENUE], title="政策P", benefit_amount=Decimal("10"))
    q = make_policy(
        region="41",
        conditions=[{">=": [{"var": "employees"}, 1]}],
        title="政策Q",
        route="no_application",
    )

    def go(policy, name, to, amount=None, reason=""):
        match = PolicyMatch.objects.get(policy=policy, enterprise=units[name])
        return advance_uptake(
            match, to, unit_admin=admins[name], department=finance, amount=amount, reason=reason
        )

    go(p, "E1", "received", amount="8")
    go(p, "E2", "paid", amount="10")
    go(p, "E3", "granted", amount="12", reason="含补发")
    go(p, "E5", "received", amount="10")
    go(p, "E6", "declined")
    go(q, "E1", "received", amount=None)
    return {"p": p, "q": q, "units": units, "admins": admins, "finance": finance}


@pytest.mark.req("POL-03")
def test_rates_per_policy_match_a_hand_computation(scenario):
    province = make_user(Role.HQ_OFFICE, "41")
    funnels = {f.label: f for f in queries_uptake.rates_by_policy(province)}
    p = funnels["政策P"]
    assert (p.eligible, p.possible, p.notified, p.applied) == (6, 1, 6, 5)
    assert (p.granted, p.declined, p.paid, p.received, p.unredeemed) == (4, 1, 3, 2, 4)
    assert p.expected_amount == Decimal("60")
    assert p.granted_amount == Decimal("40")  # 8 + 10 + 12 + 10
    assert p.paid_amount == Decimal("28")  # 8 + 10 + 10
    assert p.received_amount == Decimal("18")  # 8 + 10
    assert p.rate_by_count == Decimal("33.3")  # 2 / 6
    assert p.rate_by_amount == Decimal("30.0")  # 18 / 60
    q = funnels["政策Q"]
    assert (q.eligible, q.possible, q.applied, q.received) == (7, 0, 0, 1)
    assert q.rate_by_count == Decimal("14.3")  # 1 / 7
    assert q.rate_by_amount is None  # no expected amount: no rate by amount


@pytest.mark.req("POL-03")
def test_rates_per_region_match_a_hand_computation(scenario):
    province = make_user(Role.HQ_OFFICE, "41")
    by_city = {
        f.key: f
        for f in queries_uptake.rates_by_region(
            province, Region.objects.get(code="41"), policy=scenario["p"]
        )
    }
    zhengzhou, kaifeng = by_city["4101"], by_city["4102"]
    assert (zhengzhou.eligible, zhengzhou.possible, zhengzhou.received) == (4, 1, 1)
    assert zhengzhou.rate_by_count == Decimal("25.0")  # 1 / 4
    assert zhengzhou.rate_by_amount == Decimal("20.0")  # 8 / 40
    assert (kaifeng.eligible, kaifeng.declined, kaifeng.received) == (2, 1, 1)
    assert kaifeng.rate_by_count == Decimal("50.0") and kaifeng.rate_by_amount == Decimal("50.0")
    assert by_city["4103"].eligible == 0 and by_city["4103"].rate_by_count is None
    # drilling down: the city's counties
    counties = {
        f.key: f
        for f in queries_uptake.rates_by_region(
            province, Region.objects.get(code="4101"), policy=scenario["p"]
        )
    }
    assert counties[OWN_COUNTY].eligible == 4 and counties[OWN_COUNTY].received == 1
    # all policies together: Q has no expected amount and stays out of the rate by amount
    everything = {
        f.key: f for f in queries_uptake.rates_by_region(province, Region.objects.get(code="41"))
    }
    assert everything["4101"].eligible == 9  # P: 4, Q: E1–E4 and P1
    assert everything["4101"].received == 2
    assert everything["4101"].rate_by_count == Decimal("22.2")  # 2 / 9
    assert everything["4101"].rate_by_amount == Decimal("20.0")  # 8 / 40


@pytest.mark.req("POL-03")
def test_rates_only_cover_the_users_scope(scenario):
    county = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    funnels = {f.label: f for f in queries_uptake.rates_by_policy(county)}
    assert funnels["政策P"].eligible == 4 and funnels["政策P"].received == 1
    unit = queries_uptake.rates_by_policy(scenario["admins"]["E1"])
    assert {f.label: f.eligible for f in unit} == {"政策P": 1, "政策Q": 1}


@pytest.mark.req("POL-03")
def test_a_follow_up_task_from_the_unredeemed_list(scenario, django_capture_on_commit_callbacks):
    p = scenario["p"]
    county_finance = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="finance")
    unredeemed = queries_uptake.unredeemed_matches(county_finance, p, OWN_COUNTY)
    assert {m.enterprise.name[:2] for m in unredeemed} == {"E2", "E3", "E4"}
    for someone in (
        make_user(Role.HQ_OFFICE, OWN_COUNTY),  # reads tasks, does not own them
        scenario["admins"]["E2"],
        make_user(Role.DEPARTMENT_STAFF, OTHER_COUNTY, department_kind="finance"),
    ):
        with pytest.raises(PermissionDenied):
            actions.create_follow_up(p, actor=someone, region_code=OWN_COUNTY)
    with django_capture_on_commit_callbacks(execute=True):
        task = actions.create_follow_up(p, actor=county_finance, region_code=OWN_COUNTY)
    assert task.enterprise_count == 3
    assert task.due_on == timezone.localdate() + datetime.timedelta(days=10)
    # the owner is the issuing department's counterpart in the county
    assert task.department.region_id == OWN_COUNTY and task.department.kind == "finance"
    assert county_finance.notifications.filter(title__contains="应享未享跟进").exists()
    assert AuditLog.objects.filter(
        action="policy.follow_up.create", object_id=str(task.pk)
    ).exists()
    with pytest.raises(ValidationError, match="未完成"):
        actions.create_follow_up(p, actor=county_finance, region_code=OWN_COUNTY)
    # not overdue yet; overdue once the deadline passed
    assert not queries_uptake.follow_ups(county_finance).get(pk=task.pk).overdue
    FollowUpTask.objects.filter(pk=task.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert queries_uptake.follow_ups(county_finance).get(pk=task.pk).overdue
    with pytest.raises(ValidationError):
        actions.close_follow_up(task, actor=county_finance, outcome="  ")
    task = actions.close_follow_up(
        task, actor=county_finance, outcome="已电话督办，3 家均已提交申请"
    )
    assert task.status == FollowUpTask.Status.DONE and task.closed_at is not None
    assert not queries_uptake.follow_ups(county_finance).get(pk=task.pk).overdue
    with pytest.raises(ValidationError):
        actions.close_follow_up(task, actor=county_finance, outcome="再次")


@pytest.mark.req("POL-03")
def test_the_deadline_comes_from_the_rule_set(scenario):
    province_office = make_user(Role.HQ_OFFICE, "41")
    change_rule_parameter("follow_up_due_days", "5", actor=province_office, reason="加快跟进")
    task = actions.create_follow_up(scenario["p"], actor=None, region_code=OTHER_COUNTY)
    assert task.due_on == timezone.localdate() + datetime.timedelta(days=5)
    assert task.enterprise_count == 1  # E6 declined: eligible, not received
    with pytest.raises(ValidationError, match="没有应享未享"):
        actions.create_follow_up(scenario["q"], actor=None, region_code="4103")
