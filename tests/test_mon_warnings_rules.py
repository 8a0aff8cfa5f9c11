"""MON-02: each warning rule fires on its condition and not otherwise, and a new rule-set version
moves its threshold. The rules are read directly (``rule.evaluate``): what they fire is what the
evaluator stores (tests/test_mon_warnings_lifecycle.py)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.command import monitoring
from sibao.command.models import Incident, WarningDimension
from sibao.command.monitoring.rules_health import last_due_day
from sibao.core import rules
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    ensure_departments,
    make_preparedness,
    make_published_policy,
    make_staff,
    make_user,
)
from sibao.enterprises.models import ProductionReport
from sibao.epidemic.models import DailyReport, PersonStatus, SentinelAlert
from sibao.policies.models import MatchResult, PolicyMatch, UptakeStatus
from tests.routes.mon_warnings import change, listed_unit
from tests.routes.wo_clocks import dispatched_order

pytestmark = pytest.mark.req("MON-02")


def fired(code, now=None, units=None, *, by_subject=False) -> dict:
    """``{enterprise id (or subject): Firing}`` of one rule now."""
    rule = monitoring.get(code)
    found = rule.evaluate(rules.current(), now or timezone.now(), units)
    return {(f.subject if by_subject else f.enterprise_id or f.subject): f for f in found}


def test_every_dimension_has_named_parameterised_rules():
    found = monitoring.rules_of()
    assert {r.dimension for r in found} == set(WarningDimension.values)
    for rule in found:
        assert rule.name and rule.explanation, rule.code
        for key in rule.parameters:
            assert rules.BY_KEY[key].source, key  # every parameter cites its source


def test_prevention_rules_fire_on_missing_reports_and_incomplete_preparedness(db):
    now = timezone.now()
    silent, diligent, just_listed = listed_unit(), listed_unit(), listed_unit(days_ago=0)
    lapsed = listed_unit()
    last = last_due_day(now, rules.current())
    for day in range(5):
        DailyReport.objects.create(
            enterprise=diligent,
            region_code=diligent.region_id,
            report_date=last - datetime.timedelta(days=day),
            staff_on_site=50,
        )
    # filed three days before the last due day, nothing since
    DailyReport.objects.create(
        enterprise=lapsed,
        region_code=lapsed.region_id,
        report_date=last - datetime.timedelta(days=3),
        staff_on_site=50,
    )
    make_preparedness(diligent)
    make_preparedness(lapsed, task_force_leader="")

    missing = fired("daily_report_missing", now)
    assert set(missing) == {silent.pk, lapsed.pk}  # not just_listed: listed after the window
    assert missing[lapsed.pk].facts["last_filed"] == (last - datetime.timedelta(days=3)).isoformat()
    change("warning_daily_report_missing_days", 4)  # lapsed missed three days only
    assert set(fired("daily_report_missing", now)) == {silent.pk}

    incomplete = fired("preparedness_incomplete", now)
    assert set(incomplete) == {silent.pk, lapsed.pk}
    assert just_listed.pk not in incomplete  # within its grace period
    assert incomplete[silent.pk].facts == {"missing": ["record"]}
    assert incomplete[lapsed.pk].facts == {"missing": ["leader"]}
    change("warning_preparedness_grace_days", 90)
    assert fired("preparedness_incomplete", now) == {}


def test_staff_code_rules_fire_on_overdue_shares_and_risk_codes(db):
    now = timezone.now()
    behind, fine = listed_unit(), listed_unit()
    tested = now - datetime.timedelta(hours=2)
    for _ in range(7):
        make_staff(behind, last_negative_at=tested)
    for _ in range(3):
        make_staff(behind, last_negative_at=None)  # 3 of 10 overdue
    for _ in range(9):
        make_staff(fine, last_negative_at=tested)
    red = make_staff(fine, last_negative_at=None)  # 1 of 10 overdue: below the minimum of 3
    found = fired("staff_overdue_share", now)
    assert set(found) == {behind.pk}
    assert found[behind.pk].facts["overdue"] == 3 and found[behind.pk].facts["overdue_pct"] == 30.0
    change("warning_staff_overdue_pct", 40)
    assert fired("staff_overdue_share", now) == {}

    assert fired("risk_code_on_site", now) == {}
    PersonStatus.objects.create(person_key=red.person_key, health_code="yellow")
    assert fired("risk_code_on_site", now)[fine.pk].level == "warning"
    PersonStatus.objects.filter(person_key=red.person_key).update(health_code="red")
    found = fired("risk_code_on_site", now)
    assert found[fine.pk].level == "severe" and found[fine.pk].facts == {"red": 1, "yellow": 0}


def test_epidemic_risk_rules_fire_on_overdue_alerts_and_open_incidents(db):
    now = timezone.now()
    unit, calm = listed_unit(), listed_unit()
    staff = make_staff(unit)
    for n, (due, status) in enumerate(
        [(-3, "open"), (5, "open"), (-3, "closed")]  # hours from now
    ):
        SentinelAlert.objects.create(
            kind="overdue_test",
            dedupe_key=f"t-{n}",
            person_key=staff.person_key,
            staff=staff,
            enterprise=unit,
            detail="超时未检测核酸",
            raised_at=now - datetime.timedelta(hours=10),
            due_at=now + datetime.timedelta(hours=due),
            status=status,
            region_code=unit.region_id,
        )
    found = fired("sentinel_alert_overdue", now)
    assert set(found) == {unit.pk} and found[unit.pk].facts["overdue_alerts"] == 1
    change("warning_alert_overdue_min", 2)
    assert fired("sentinel_alert_overdue", now) == {}

    incident = Incident.objects.create(
        enterprise=unit,
        kind=Incident.Kind.SYMPTOM,
        description="员工发热",
        opened_at=now,
        region_code=unit.region_id,
    )
    found = fired("incident_open", now)
    assert set(found) == {unit.pk} and found[unit.pk].level == "warning"
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.CONFIRMED)
    assert fired("incident_open", now)[unit.pk].level == "severe"
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.RESUMED)
    assert calm.pk not in fired("incident_open", now) and fired("incident_open", now) == {}


def _report(unit, day, capacity, *, state="operating", raw=None):
    ProductionReport.objects.create(
        enterprise=unit,
        reported_on=day,
        state=state,
        capacity_percent=capacity,
        staff_on_site=100,
        raw_material_days=raw,
        region_code=unit.region_id,
        industry=unit.industry,
    )


def test_production_rules_fire_on_low_capacity_and_raw_material(db):
    now = timezone.now()
    today = timezone.localdate(now)
    slow, stopped, recovering, stale = listed_unit(), listed_unit(), listed_unit(), listed_unit()
    for back in range(3):
        day = today - datetime.timedelta(days=back)
        _report(slow, day, 30, raw=Decimal("2"))
        _report(stopped, day, 0, state="suspended", raw=Decimal("20"))
        _report(recovering, day, 90 if back == 0 else 20)
        _report(stale, day - datetime.timedelta(days=30), 10)
    found = fired("production_low", now)
    assert set(found) == {slow.pk, stopped.pk}
    assert found[stopped.pk].level == "severe" and found[slow.pk].level is None
    assert found[slow.pk].facts["lowest_capacity_pct"] == 30
    change("warning_capacity_low_days", 4)
    assert fired("production_low", now) == {}
    change("warning_capacity_low_pct", 25)
    change("warning_capacity_low_days", 3)
    assert set(fired("production_low", now)) == {stopped.pk}

    found = fired("raw_material_low", now)
    assert set(found) == {slow.pk} and found[slow.pk].facts["raw_material_days"] == "2.0"
    change("production_raw_material_days_low", 1)
    assert fired("raw_material_low", now) == {}


def test_policy_rules_fire_on_unredeemed_matches_and_low_regional_rates(db):
    now = timezone.now()
    policy = make_published_policy(match=False)
    waiting, redeemed = listed_unit(), listed_unit()
    others = [listed_unit(region=OTHER_COUNTY) for _ in range(3)]

    def match(unit, uptake, days):
        PolicyMatch.objects.create(
            policy=policy,
            enterprise=unit,
            result=MatchResult.ELIGIBLE,
            matched_at=now - datetime.timedelta(days=days + 1),
            notified_at=now - datetime.timedelta(days=days),
            uptake=uptake,
            region_code=unit.region_id,
            industry_id=unit.industry_id,
        )

    match(waiting, UptakeStatus.NOTIFIED, 20)
    match(redeemed, UptakeStatus.RECEIVED, 20)
    for unit in others:
        match(unit, UptakeStatus.READ, 20)
    fresh = listed_unit()
    match(fresh, UptakeStatus.NOTIFIED, 2)  # just pushed: not yet due
    found = fired("policy_unredeemed", now)
    assert set(found) == {waiting.pk, *(u.pk for u in others)}
    assert found[waiting.pk].facts == {
        "policies": 1,
        "applied": 0,
        "oldest_notified": found[waiting.pk].facts["oldest_notified"],
    }

    change("warning_redemption_min_eligible", 2)
    found = fired("redemption_rate_low", now)
    # own county: 1 of 2 due received (50 %, not below 50 %); other county: 0 of 3
    assert set(found) == {f"region:{OTHER_COUNTY}"}
    assert found[f"region:{OTHER_COUNTY}"].facts == {"eligible": 3, "received": 0, "rate_pct": 0.0}
    change("warning_redemption_rate_pct", 60)
    assert set(fired("redemption_rate_low", now)) == {
        f"region:{OTHER_COUNTY}",
        f"region:{OWN_COUNTY}",
    }
    assert fired("redemption_rate_low", now, units={waiting.pk}) == {}  # regional: not on events
    change("warning_policy_unapplied_days", 30)
    assert fired("policy_unredeemed", now) == {}
    assert fired("redemption_rate_low", now) == {}


def test_demand_rules_fire_on_overdue_orders_and_old_demands(db):
    ensure_departments(OWN_COUNTY)
    now = timezone.now()
    unit = listed_unit()
    weeks_ago = now - datetime.timedelta(days=40)
    orders = [dispatched_order(unit, now=weeks_ago) for _ in range(2)]
    dispatched_order(unit, now=now)  # fresh: not overdue
    change("warning_overdue_orders_region", 2)
    found = fired("orders_overdue_region", now)
    assert set(found) == {f"region:{OWN_COUNTY}"}
    assert found[f"region:{OWN_COUNTY}"].facts["overdue_orders"] == 2
    change("warning_overdue_orders_region", 3)
    assert fired("orders_overdue_region", now) == {}

    found = fired("demand_unresolved", now, by_subject=True)
    assert set(found) == {f"demand:{o.demand_id}" for o in orders}
    assert all(f.facts["days_open"] >= 40 for f in found.values())
    change("warning_demand_unresolved_days", 60)
    assert fired("demand_unresolved", now) == {}


def test_liaison_rules_fire_on_units_without_cadres_and_idle_cadres(db):
    from sibao.accounts.models import RoleGrant
    from sibao.workorders.actions import intake

    now = timezone.now()
    orphan, covered, busy = listed_unit(), listed_unit(), listed_unit()
    idle = make_user(Role.LIAISON_CADRE, OWN_COUNTY, enterprise=covered)
    active = make_user(Role.LIAISON_CADRE, OWN_COUNTY, enterprise=busy)
    RoleGrant.objects.filter(role=Role.LIAISON_CADRE).update(
        granted_at=now - datetime.timedelta(days=60)
    )
    intake.file_demand(
        busy,
        actor=active,
        category="labour",
        title="招工难",
        description="走访了解到企业缺少普工。",
        now=now - datetime.timedelta(days=3),
    )
    found = fired("unit_without_cadre", now)
    assert set(found) == {orphan.pk}
    change("warning_cadre_assign_days", 90)
    assert fired("unit_without_cadre", now) == {}

    found = fired("cadre_idle", now)
    assert set(found) == {covered.pk} and found[covered.pk].facts["cadre"] == idle.pk
    change("warning_cadre_idle_days", 2)
    assert set(fired("cadre_idle", now)) == {covered.pk, busy.pk}
