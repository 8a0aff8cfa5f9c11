"""INC-03: shutting down a whitelisted unit needs a request by its county (or city) HQ office to
the provincial epidemic HQ and dispatch HQ, decided jointly; at most ``shutdown_max_days``; the
clock runs from the second approval, warns ``shutdown_expiry_warning_hours`` before the end
(once) and closes the shutdown at its end; a restriction without approval is a violation."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.command import actions, queries_oversight
from sibao.command.models import Restriction, ShutdownRequest
from sibao.core.models import AuditLog, Notification, TransitionRecord
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_enterprise,
    make_province_deciders,
    make_user,
    make_whitelisted,
)

pytestmark = pytest.mark.req("INC-03")

T0 = datetime.datetime(2022, 5, 20, 9, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
S = ShutdownRequest.Status


@pytest.fixture
def unit(departments):
    return make_whitelisted(OWN_COUNTY, name="中原白名单机械有限公司")


@pytest.fixture
def county_hq(departments):
    return make_user(Role.HQ_OFFICE, OWN_COUNTY, username="county_hq")


@pytest.fixture
def deciders(departments):
    return make_province_deciders()


@pytest.fixture
def unit_admin(unit):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit, username="unit_admin")


def ask(unit, actor, days=3, now=T0, **kw):
    return actions.request_shutdown(
        unit, actor=actor, reason="二号车间发现初筛阳性，无法分区生产", days=days, now=now, **kw
    )


# --- who may ask ---


def test_the_county_hq_office_asks_and_the_province_is_told(county_hq, unit, deciders):
    request = ask(unit, county_hq)
    assert (request.status, request.days, request.requested_by) == (S.SUBMITTED, 3, county_hq)
    assert request.region_code == OWN_COUNTY and request.rule_version is not None
    assert request.starts_at is None and request.ends_at is None
    health, dispatch = deciders
    for user in (health, dispatch):
        message = Notification.objects.get(recipient=user)
        assert "停产申请待会商决定" in message.title and unit.name in message.title
    assert AuditLog.objects.filter(action="shutdown.request", object_id=str(request.pk)).exists()


def test_a_city_hq_office_may_ask_too(unit, deciders):
    city = make_user(Role.HQ_OFFICE, "4101")
    assert ask(unit, city).status == S.SUBMITTED


@pytest.mark.parametrize(
    "role, region",
    [
        (Role.HQ_OFFICE, OTHER_COUNTY),  # another county's office
        (Role.HQ_OFFICE, "41"),  # the province does not ask itself
        (Role.HQ_LEADER, OWN_COUNTY),  # no "request" permission
        (Role.HEALTH_OFFICE, OWN_COUNTY),
        (Role.DEPARTMENT_STAFF, OWN_COUNTY),
        (Role.LIAISON_CADRE, OWN_COUNTY),
    ],
)
def test_only_the_units_county_or_city_hq_office_asks(role, region, unit):
    extra = {"enterprise": unit} if role == Role.LIAISON_CADRE else {}
    user = make_user(role, region, **extra)
    with pytest.raises(PermissionDenied):
        ask(unit, user)
    assert not ShutdownRequest.objects.exists()


def test_the_unit_itself_cannot_ask(unit, unit_admin):
    with pytest.raises(PermissionDenied):
        ask(unit, unit_admin)


def test_only_whitelisted_units_go_to_the_province(county_hq, departments):
    plain = make_enterprise(OWN_COUNTY)
    with pytest.raises(ValidationError) as error:
        ask(plain, county_hq)
    assert "不是白名单单位" in str(error.value.message_dict["enterprise"])


def test_more_than_the_rule_sets_days_is_refused_with_the_rule(county_hq, unit):
    with pytest.raises(ValidationError) as error:
        ask(unit, county_hq, days=4)
    message = error.value.message_dict["days"][0]
    assert "不超过 3 天" in message and "D1 四(三)" in message
    with pytest.raises(ValidationError) as error:
        ask(unit, county_hq, days=0)
    assert "days" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.request_shutdown(unit, actor=county_hq, reason=" ", days=2, now=T0)
    assert "reason" in error.value.message_dict
    assert not ShutdownRequest.objects.exists()


def test_the_limit_follows_the_rule_set(county_hq, unit, deciders):
    from sibao.core.actions import change_rule_parameter

    _health, province_office = deciders
    change_rule_parameter("shutdown_max_days", "5", actor=province_office, reason="测试放宽")
    assert ask(unit, county_hq, days=5).days == 5


def test_one_open_request_per_unit(county_hq, unit):
    first = ask(unit, county_hq)
    with pytest.raises(ValidationError) as error:
        ask(unit, county_hq, days=1)
    assert f"#{first.pk}" in error.value.message_dict["enterprise"][0]


# --- who may decide ---


def test_both_provincial_sides_approve_and_the_clock_starts_at_the_second(
    county_hq, unit, deciders, unit_admin
):
    health, dispatch = deciders
    request = ask(unit, county_hq)
    request = actions.decide_shutdown(
        request, actor=health, side="epidemic", approve=True, note="同意", now=T0 + HOUR
    )
    assert request.status == S.SUBMITTED and request.epidemic_decision == "approve"
    assert request.starts_at is None
    assert not queries_oversight.shut_down_units(T0 + 2 * HOUR).exists()
    request = actions.decide_shutdown(
        request, actor=dispatch, side="dispatch", approve=True, now=T0 + 2 * HOUR
    )
    assert request.status == S.APPROVED
    assert request.starts_at == request.decided_at == T0 + 2 * HOUR
    assert request.ends_at == T0 + 2 * HOUR + 3 * DAY
    assert (request.epidemic_decided_by, request.dispatch_decided_by) == (health, dispatch)
    # in force exactly for its period
    assert list(queries_oversight.shut_down_units(T0 + 3 * HOUR)) == [unit]
    assert not queries_oversight.shut_down_units(T0 + HOUR).exists()
    assert not queries_oversight.shut_down_units(request.ends_at).exists()
    actions_done = list(
        TransitionRecord.objects.filter(object_id=str(request.pk)).values_list("action", flat=True)
    )
    assert actions_done == ["concur", "approve"]
    assert Notification.objects.filter(recipient=unit_admin, title__contains="已批准").exists()
    assert Notification.objects.filter(recipient=county_hq, title__contains="已批准").exists()


def test_dispatch_first_then_epidemic_also_approves(county_hq, unit, deciders):
    health, dispatch = deciders
    request = ask(unit, county_hq)
    actions.decide_shutdown(request, actor=dispatch, side="dispatch", approve=True, now=T0)
    request = actions.decide_shutdown(
        request, actor=health, side="epidemic", approve=True, now=T0 + HOUR
    )
    assert request.status == S.APPROVED and request.starts_at == T0 + HOUR


@pytest.mark.parametrize("first", ["epidemic", "dispatch"])
def test_either_refusal_refuses(first, county_hq, unit, deciders, unit_admin):
    health, dispatch = deciders
    users = {"epidemic": health, "dispatch": dispatch}
    request = ask(unit, county_hq)
    with pytest.raises(ValidationError) as error:
        actions.decide_shutdown(request, actor=users[first], side=first, approve=False, now=T0)
    assert "note" in error.value.message_dict
    request = actions.decide_shutdown(
        request, actor=users[first], side=first, approve=False, note="可分区生产", now=T0
    )
    assert request.status == S.REJECTED and request.starts_at is None
    other = "dispatch" if first == "epidemic" else "epidemic"
    with pytest.raises(ValidationError):
        actions.decide_shutdown(request, actor=users[other], side=other, approve=True, now=T0)
    assert not queries_oversight.shut_down_units(T0 + HOUR).exists()
    assert Notification.objects.filter(recipient=county_hq, title__contains="未获批准").exists()


def test_approval_after_one_refusal_is_impossible(county_hq, unit, deciders):
    health, dispatch = deciders
    request = ask(unit, county_hq)
    actions.decide_shutdown(request, actor=health, side="epidemic", approve=True, now=T0)
    request = actions.decide_shutdown(
        request, actor=dispatch, side="dispatch", approve=False, note="影响产业链", now=T0
    )
    assert request.status == S.REJECTED


def test_a_side_decides_once(county_hq, unit, deciders):
    health, _dispatch = deciders
    request = ask(unit, county_hq)
    actions.decide_shutdown(request, actor=health, side="epidemic", approve=True, now=T0)
    with pytest.raises(ValidationError) as error:
        actions.decide_shutdown(request, actor=health, side="epidemic", approve=False, note="x")
    assert "已就该申请作出决定" in str(error.value)


@pytest.mark.parametrize(
    "role, region, side",
    [
        (Role.HEALTH_OFFICE, OWN_COUNTY, "epidemic"),  # a county health office
        (Role.HEALTH_OFFICE, "4101", "epidemic"),  # a city health office
        (Role.HQ_OFFICE, "4101", "dispatch"),  # a city HQ
        (Role.HQ_OFFICE, OWN_COUNTY, "dispatch"),  # the asking county itself
        (Role.HQ_LEADER, "4101", "dispatch"),
        (Role.HQ_OFFICE, "41", "epidemic"),  # the dispatch HQ cannot decide the epidemic side
        (Role.HEALTH_OFFICE, "41", "dispatch"),  # nor the health office the dispatch side
        (Role.DEPARTMENT_STAFF, "41", "dispatch"),
    ],
)
def test_only_the_named_provincial_bodies_decide(role, region, side, county_hq, unit):
    request = ask(unit, county_hq)
    user = make_user(role, region)
    with pytest.raises(PermissionDenied):
        actions.decide_shutdown(request, actor=user, side=side, approve=True, now=T0)
    request.refresh_from_db()
    assert request.epidemic_decision == request.dispatch_decision == ""


def test_a_province_hq_leader_decides_for_the_dispatch_side(county_hq, unit, deciders):
    leader = make_user(Role.HQ_LEADER, "41")
    request = ask(unit, county_hq)
    request = actions.decide_shutdown(request, actor=leader, side="dispatch", approve=True)
    assert request.dispatch_decided_by == leader


# --- the clock ---


def approved(county_hq, unit, deciders, days=3, at=T0):
    health, dispatch = deciders
    request = ask(unit, county_hq, days=days, now=at)
    actions.decide_shutdown(request, actor=health, side="epidemic", approve=True, now=at)
    return actions.decide_shutdown(request, actor=dispatch, side="dispatch", approve=True, now=at)


def test_the_clock_counts_down_and_warns_before_the_end(county_hq, unit, deciders):
    request = approved(county_hq, unit, deciders)
    clock = queries_oversight.clock(request, T0 + DAY, warning_hours=12)
    assert (clock.phase, clock.remaining, clock.warning) == ("running", 2 * DAY, False)
    assert clock.remaining_text == "2天0小时0分"
    late = request.ends_at - 11 * HOUR
    assert queries_oversight.clock(request, late, warning_hours=12).warning
    assert queries_oversight.clock(request, request.ends_at).phase == "ended"


def test_the_expiry_warning_comes_at_its_hour_and_once(county_hq, unit, deciders, unit_admin):
    request = approved(county_hq, unit, deciders)
    before = request.ends_at - 12 * HOUR - datetime.timedelta(minutes=1)
    assert actions.sweep_shutdowns(before) == {"warned": 0, "expired": 0, "overruns": 0}
    at = request.ends_at - 12 * HOUR
    assert actions.sweep_shutdowns(at)["warned"] == 1
    request.refresh_from_db()
    assert request.expiry_alerted_at == at
    assert actions.sweep_shutdowns(at + HOUR)["warned"] == 0
    warnings = Notification.objects.filter(title__contains="停产即将到期")
    assert warnings.filter(recipient=unit_admin).count() == 1
    assert warnings.filter(recipient=county_hq).count() == 1
    assert (
        AuditLog.objects.filter(action="shutdown.expiry_warning", object_id=str(request.pk)).count()
        == 1
    )


def test_the_shutdown_ends_at_its_term(county_hq, unit, deciders, unit_admin):
    request = approved(county_hq, unit, deciders)
    assert actions.sweep_shutdowns(request.ends_at - HOUR)["expired"] == 0
    counts = actions.sweep_shutdowns(request.ends_at)
    assert counts["expired"] == 1
    request.refresh_from_db()
    assert request.status == S.ENDED
    assert Notification.objects.filter(recipient=unit_admin, title__contains="停产期满").exists()
    assert actions.sweep_shutdowns(request.ends_at + DAY)["expired"] == 0
    # a new request is possible once it is over
    assert ask(unit, county_hq, days=1, now=request.ends_at + DAY).status == S.SUBMITTED


def test_the_sweep_command_takes_a_time(county_hq, unit, deciders, capsys):
    request = approved(county_hq, unit, deciders)
    at = timezone.localtime(request.ends_at - 6 * HOUR).replace(tzinfo=None).isoformat()
    call_command("shutdown-sweep", "--at", at)
    assert "expiry warnings=1 expired=0" in capsys.readouterr().out
    request.refresh_from_db()
    assert request.expiry_alerted_at is not None


def test_ending_early_and_withdrawing(county_hq, unit, deciders):
    request = approved(county_hq, unit, deciders)
    with pytest.raises(ValidationError):
        actions.end_shutdown(request, actor=county_hq, reason="", now=T0 + DAY)
    other = make_user(Role.HQ_OFFICE, OTHER_COUNTY)
    with pytest.raises(PermissionDenied):
        actions.end_shutdown(request, actor=other, reason="复产", now=T0 + DAY)
    request = actions.end_shutdown(request, actor=county_hq, reason="消杀完成", now=T0 + DAY)
    assert (request.status, request.ends_at) == (S.ENDED, T0 + DAY)
    assert list(queries_oversight.shut_down_units(T0 + HOUR)) == [unit]
    assert not queries_oversight.shut_down_units(T0 + DAY + HOUR).exists()
    second = ask(unit, county_hq, days=1, now=T0 + 2 * DAY)
    health, _dispatch = deciders
    with pytest.raises(PermissionDenied):
        actions.withdraw_shutdown(second, actor=health)
    second = actions.withdraw_shutdown(second, actor=county_hq, reason="疫情已控制")
    assert second.status == S.WITHDRAWN


# --- restrictions and violations ---


def test_a_shutdown_without_approval_is_a_violation(county_hq, unit, deciders):
    hq_above = make_user(Role.HQ_OFFICE, "4101")
    restriction = actions.record_restriction(
        unit,
        actor=county_hq,
        kind="shutdown",
        imposed_by="某街道办",
        description="要求全厂停工",
        started_at=T0,
        now=T0 + HOUR,
    )
    assert restriction.is_violation and restriction.request is None
    assert list(queries_oversight.violations(OWN_COUNTY)) == [restriction]
    assert list(queries_oversight.violations("41")) == [restriction]
    assert not queries_oversight.violations(OTHER_COUNTY).exists()
    assert Notification.objects.filter(recipient=hq_above, title__contains="违规限制").exists()


def test_an_approved_shutdown_is_no_violation_within_its_period(county_hq, unit, deciders):
    request = approved(county_hq, unit, deciders)
    lawful = actions.record_restriction(
        unit,
        actor=county_hq,
        kind="shutdown",
        imposed_by="中原区指挥部",
        description="按省级批准停产",
        started_at=T0 + HOUR,
        now=T0 + 2 * HOUR,
    )
    assert not lawful.is_violation and lawful.request == request
    # a shutdown started before the approval is not covered by it
    early = actions.record_restriction(
        unit,
        actor=county_hq,
        kind="shutdown",
        imposed_by="某街道办",
        description="批准前已停工",
        started_at=T0 - HOUR,
        now=T0 + 2 * HOUR,
    )
    assert early.is_violation
    # staying shut beyond the period becomes a violation at the sweep
    counts = actions.sweep_shutdowns(request.ends_at + HOUR)
    assert counts["overruns"] == 1
    lawful.refresh_from_db()
    assert lawful.is_violation
    assert actions.sweep_shutdowns(request.ends_at + 2 * HOUR)["overruns"] == 0


def test_lifting_within_the_period_stays_lawful_and_after_it_is_a_violation(
    county_hq, unit, deciders
):
    request = approved(county_hq, unit, deciders)

    def shut():
        return actions.record_restriction(
            unit,
            actor=county_hq,
            kind="shutdown",
            imposed_by="中原区指挥部",
            description="按批准停产",
            started_at=T0 + HOUR,
            now=T0 + HOUR,
        )

    inside = actions.end_restriction(
        shut(), actor=county_hq, ended_at=T0 + DAY, now=request.ends_at + DAY
    )
    assert not inside.is_violation
    outside = actions.end_restriction(
        shut(), actor=county_hq, ended_at=request.ends_at + HOUR, now=request.ends_at + DAY
    )
    assert outside.is_violation
    assert actions.sweep_shutdowns(request.ends_at + DAY)["overruns"] == 0


@pytest.mark.parametrize("kind", ["sealed", "traffic", "other"])
def test_any_other_restriction_of_a_whitelisted_unit_is_a_violation(
    kind, county_hq, unit, deciders
):
    approved(county_hq, unit, deciders)
    restriction = actions.record_restriction(
        unit,
        actor=county_hq,
        kind=kind,
        imposed_by="某乡镇",
        description="设卡拦截员工通勤车辆",
        started_at=T0 + HOUR,
        now=T0 + 2 * HOUR,
    )
    assert restriction.is_violation


def test_who_records_restrictions(county_hq, unit, unit_admin):
    values = {
        "kind": "sealed",
        "imposed_by": "某社区",
        "description": "封闭厂门",
        "started_at": T0,
        "now": T0 + HOUR,
    }
    assert actions.record_restriction(unit, actor=unit_admin, **values).is_violation
    cadre = make_user(Role.LIAISON_CADRE, OWN_COUNTY, enterprise=unit)
    assert actions.record_restriction(unit, actor=cadre, **values).recorded_by == cadre
    for user in (
        make_user(Role.HQ_OFFICE, OTHER_COUNTY),
        make_user(Role.HEALTH_OFFICE, OWN_COUNTY),
        make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY),
    ):
        with pytest.raises(PermissionDenied):
            actions.record_restriction(unit, actor=user, **values)
    with pytest.raises(ValidationError) as error:
        actions.record_restriction(unit, actor=county_hq, **{**values, "started_at": T0 + DAY})
    assert "started_at" in error.value.message_dict
    assert Restriction.objects.count() == 2
