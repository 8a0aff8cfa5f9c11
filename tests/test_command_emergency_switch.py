"""CMD-01: the one-action normal/emergency switch of a county or city: atomic, idempotent,
announced in advance, taken only by the HQs with authority, notifying units, departments,
liaison cadres and higher HQs, and kept in history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.roles import Role
from sibao.command import actions, queries_emergency
from sibao.command.actions import emergency as emergency_actions
from sibao.command.models import EmergencySwitch, LoopStatus, RegionState, RegionStatus
from sibao.core.models import AuditLog, Notification, TransitionRecord
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_enterprise,
    make_user,
    make_whitelisted,
)

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
NOTICE = datetime.timedelta(hours=24)  # emergency_advance_notice_hours default


@pytest.fixture
def units(db):
    """Three listed units in the own county, one unlisted unit there, one listed elsewhere."""
    return {
        "factory": make_whitelisted(OWN_COUNTY, "industry", name="中原测试机械有限公司"),
        "mall": make_whitelisted(OWN_COUNTY, "commerce", sub_type="商超", name="中原测试商超"),
        "carrier": make_whitelisted(OWN_COUNTY, "transport", name="中原测试物流有限公司"),
        "unlisted": make_enterprise(region=OWN_COUNTY, name="中原测试未入选有限公司"),
        "elsewhere": make_whitelisted(OTHER_COUNTY, "industry", name="龙亭测试机械有限公司"),
    }


@pytest.fixture
def office(db):
    return make_user(Role.HQ_OFFICE, OWN_COUNTY, username="zy_office")


@pytest.mark.req("CMD-01")
def test_a_county_hq_switches_its_county_and_every_listed_unit_gets_a_loop(units, office):
    outcome = actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="本土病例", now=NOW)

    assert outcome.changed and outcome.units == 3
    switch = outcome.switch
    assert switch.announced_at == NOW and switch.effective_at == NOW + NOTICE
    assert switch.switched_by == office and switch.units_affected == 3
    loops = {loop.enterprise_id: loop for loop in LoopStatus.objects.all()}
    assert set(loops) == {units["factory"].pk, units["mall"].pk, units["carrier"].pk}
    # each unit in its industry's mode, starting when the switch takes effect
    assert loops[units["factory"].pk].mode == "bubble"
    assert loops[units["mall"].pk].mode == "point_to_point"
    assert loops[units["carrier"].pk].mode == "two_points"
    assert all(loop.started_at == NOW + NOTICE and loop.switch == switch for loop in loops.values())
    state = RegionState.objects.get(region_id=OWN_COUNTY)
    assert state.last_switch == switch
    # history: the switch row, the state transition and the audit row
    assert TransitionRecord.objects.filter(
        object_type="command.regionstate", object_id=OWN_COUNTY, target="emergency"
    ).exists()
    assert AuditLog.objects.filter(action="emergency.switch_to_emergency", actor=office).exists()


@pytest.mark.req("CMD-01")
def test_advance_notice_then_in_force_by_the_clock_alone(units, office):
    actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="本土病例", now=NOW)

    just_before = NOW + NOTICE - datetime.timedelta(seconds=1)
    assert queries_emergency.state_of(OWN_COUNTY, NOW) == RegionStatus.PENDING
    assert queries_emergency.state_of(OWN_COUNTY, just_before) == RegionStatus.PENDING
    assert queries_emergency.state_of(OWN_COUNTY, NOW + NOTICE) == RegionStatus.EMERGENCY
    assert OWN_COUNTY not in queries_emergency.regions_in_emergency(just_before)
    assert OWN_COUNTY in queries_emergency.regions_in_emergency(NOW + NOTICE)
    assert queries_emergency.units_in_loop(just_before) == set()
    assert queries_emergency.units_in_loop(NOW + NOTICE) == {
        units["factory"].pk,
        units["mall"].pk,
        units["carrier"].pk,
    }
    assert queries_emergency.state_of(OTHER_COUNTY, NOW + NOTICE) == RegionStatus.NORMAL


@pytest.mark.req("CMD-01")
def test_the_notice_is_a_rule_parameter(units, office):
    from sibao.core.actions import change_rule_parameter

    province = make_user(Role.HQ_OFFICE, "41", username="province")
    change_rule_parameter("emergency_advance_notice_hours", "0", actor=province, reason="立即生效")
    outcome = actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="本土病例", now=NOW)
    assert outcome.status == RegionStatus.EMERGENCY
    assert outcome.switch.effective_at == NOW
    assert queries_emergency.state_of(OWN_COUNTY, NOW) == RegionStatus.EMERGENCY


@pytest.mark.req("CMD-01")
def test_switching_again_changes_nothing_and_says_so(units, office):
    first = actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="本土病例", now=NOW)
    counts = (
        EmergencySwitch.objects.count(),
        LoopStatus.objects.count(),
        Notification.objects.count(),
        AuditLog.objects.count(),
    )

    pending = actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="再次", now=NOW)
    later = actions.switch_to_emergency(
        OWN_COUNTY, actor=office, reason="再次", now=NOW + NOTICE + NOTICE
    )

    assert not pending.changed and "已发布进入应急状态通知" in pending.message
    assert not later.changed and "已处于应急状态" in later.message
    assert pending.switch == first.switch == later.switch
    assert counts == (
        EmergencySwitch.objects.count(),
        LoopStatus.objects.count(),
        Notification.objects.count(),
        AuditLog.objects.count(),
    )
    back = actions.switch_to_normal(OWN_COUNTY, actor=office, reason="解除", now=NOW + 3 * NOTICE)
    again = actions.switch_to_normal(OWN_COUNTY, actor=office, reason="解除", now=NOW + 3 * NOTICE)
    assert back.changed and not again.changed and "常态" in again.message
    assert EmergencySwitch.objects.filter(to_status="normal").count() == 1


@pytest.mark.req("CMD-01")
def test_a_failure_in_the_middle_leaves_nothing_changed(units, office, monkeypatch):
    original = emergency_actions._open_loop
    calls = []

    def failing(unit, switch, mode, started_at):
        calls.append(unit.pk)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return original(unit, switch, mode, started_at)

    monkeypatch.setattr(emergency_actions, "_open_loop", failing)
    with pytest.raises(RuntimeError):
        actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="本土病例", now=NOW)

    assert len(calls) == 2  # the first unit's loop was written before the failure
    assert not EmergencySwitch.objects.exists()
    assert not RegionState.objects.exists()
    assert not LoopStatus.objects.exists()
    assert not Notification.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="emergency.").exists()
    assert not TransitionRecord.objects.filter(object_type="command.regionstate").exists()
    assert queries_emergency.state_of(OWN_COUNTY, NOW + NOTICE) == RegionStatus.NORMAL

    # the same switch then goes through whole
    monkeypatch.setattr(emergency_actions, "_open_loop", original)
    outcome = actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="本土病例", now=NOW)
    assert outcome.units == 3 and LoopStatus.objects.count() == 3


@pytest.mark.req("CMD-01")
def test_a_failure_while_switching_back_keeps_every_loop_open(units, office, monkeypatch):
    actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="本土病例", now=NOW)

    def failing(*args, **kwargs):
        raise RuntimeError("mail server down")

    monkeypatch.setattr(emergency_actions, "_notify_switch", failing)
    with pytest.raises(RuntimeError):
        actions.switch_to_normal(OWN_COUNTY, actor=office, reason="解除", now=NOW + 2 * NOTICE)

    assert LoopStatus.objects.filter(ended_at__isnull=True).count() == 3
    assert EmergencySwitch.objects.count() == 1
    assert queries_emergency.state_of(OWN_COUNTY, NOW + 2 * NOTICE) == RegionStatus.EMERGENCY


@pytest.mark.req("CMD-01")
def test_switching_back_ends_the_loops_at_once(units, office):
    actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="本土病例", now=NOW)
    back_at = NOW + 3 * NOTICE
    outcome = actions.switch_to_normal(OWN_COUNTY, actor=office, reason="疫情平稳", now=back_at)

    assert outcome.changed and outcome.units == 3 and outcome.status == RegionStatus.NORMAL
    assert set(LoopStatus.objects.values_list("ended_at", flat=True)) == {back_at}
    assert queries_emergency.state_of(OWN_COUNTY, back_at) == RegionStatus.NORMAL
    assert queries_emergency.units_in_loop(back_at) == set()
    # the loop periods stay as history, and both switches are listed
    assert LoopStatus.objects.count() == 3
    assert list(
        EmergencySwitch.objects.filter(region_id=OWN_COUNTY).values_list("to_status", flat=True)
    ) == ["normal", "emergency"]
    # a second emergency opens new periods
    again = actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="反弹", now=back_at)
    assert again.changed and again.units == 3 and LoopStatus.objects.count() == 6


@pytest.mark.req("CMD-01")
def test_calling_off_an_announced_switch_withdraws_the_loops(units, office):
    actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="本土病例", now=NOW)
    outcome = actions.switch_to_normal(
        OWN_COUNTY, actor=office, reason="排除风险", now=NOW + datetime.timedelta(hours=2)
    )
    assert outcome.changed and outcome.units == 3
    assert not LoopStatus.objects.exists()  # never started: withdrawn
    assert queries_emergency.state_of(OWN_COUNTY, NOW + NOTICE) == RegionStatus.NORMAL


@pytest.mark.req("CMD-01")
def test_a_city_switch_covers_its_counties(units, db):
    city_office = make_user(Role.HQ_OFFICE, "4101", username="zz_office")
    county_office = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="zy_office2")
    outcome = actions.switch_to_emergency("4101", actor=city_office, reason="全市", now=NOW)
    assert outcome.units == 3

    later = NOW + NOTICE
    assert queries_emergency.state_of(OWN_COUNTY, later) == RegionStatus.EMERGENCY
    assert OWN_COUNTY in queries_emergency.regions_in_emergency(later)
    assert "4101" in queries_emergency.regions_in_emergency(later)
    # the county is already in emergency through its city: its own switch changes nothing
    same = actions.switch_to_emergency(OWN_COUNTY, actor=county_office, reason="县", now=later)
    assert not same.changed and "郑州市" in same.message
    # and it cannot leave on its own
    with pytest.raises(ValidationError) as refused:
        actions.switch_to_normal(OWN_COUNTY, actor=county_office, reason="县解除", now=later)
    assert "郑州市指挥部" in refused.value.messages[0]
    assert LoopStatus.objects.filter(ended_at__isnull=True).count() == 3


@pytest.mark.req("CMD-01")
def test_a_city_going_back_keeps_a_county_in_its_own_emergency(units, db):
    city_office = make_user(Role.HQ_OFFICE, "4101", username="zz_office")
    other_unit = make_whitelisted("410105", "industry", name="金水测试机械有限公司")
    actions.switch_to_emergency(OWN_COUNTY, actor=None, reason="中原区先行", now=NOW)
    city = actions.switch_to_emergency("4101", actor=city_office, reason="全市", now=NOW)
    assert city.units == 1  # only 金水区's unit was not in a loop yet

    back = actions.switch_to_normal(
        "4101", actor=city_office, reason="全市解除", now=NOW + 3 * NOTICE
    )
    assert back.units == 1
    later = NOW + 3 * NOTICE
    assert queries_emergency.state_of(OWN_COUNTY, later) == RegionStatus.EMERGENCY
    assert queries_emergency.state_of("410105", later) == RegionStatus.NORMAL
    assert queries_emergency.units_in_loop(later) == {
        units["factory"].pk,
        units["mall"].pk,
        units["carrier"].pk,
    }
    assert LoopStatus.objects.get(enterprise=other_unit).ended_at == later


@pytest.mark.req("CMD-01")
@pytest.mark.parametrize(
    "role, region, kwargs, allowed",
    [
        (Role.HQ_OFFICE, OWN_COUNTY, {}, True),  # the county's own HQ office
        (Role.HQ_LEADER, OWN_COUNTY, {}, True),  # the county's HQ leader
        (Role.HQ_OFFICE, "4101", {}, True),  # its city's HQ office
        (Role.HQ_LEADER, "41", {}, True),  # the province's HQ
        (Role.HQ_OFFICE, OTHER_COUNTY, {}, False),  # another county's HQ
        (Role.HQ_OFFICE, "4102", {}, False),  # another city's HQ
        (Role.DEPARTMENT_STAFF, OWN_COUNTY, {}, False),  # an industry department
        (Role.HEALTH_OFFICE, OWN_COUNTY, {}, False),  # the health office
        (Role.LIAISON_CADRE, OWN_COUNTY, {"enterprise": True}, False),
        (Role.ENTERPRISE_ADMIN, OWN_COUNTY, {"enterprise": True}, False),
        (Role.SYSTEM_ADMIN, "41", {}, False),
        (None, OWN_COUNTY, {}, False),  # signed in without any grant
    ],
)
def test_only_the_hqs_with_authority_may_switch(units, departments, role, region, kwargs, allowed):
    if kwargs.get("enterprise"):
        kwargs = {"enterprise": units["factory"]}
    user = make_user(role, region, **kwargs)
    if allowed:
        assert actions.switch_to_emergency(OWN_COUNTY, actor=user, reason="决定", now=NOW).changed
        assert actions.switch_to_normal(
            OWN_COUNTY, actor=user, reason="解除", now=NOW + NOTICE
        ).changed
    else:
        with pytest.raises(PermissionDenied):
            actions.switch_to_emergency(OWN_COUNTY, actor=user, reason="决定", now=NOW)
        assert not EmergencySwitch.objects.exists() and not LoopStatus.objects.exists()


@pytest.mark.req("CMD-01")
def test_only_counties_and_cities_switch_and_a_reason_is_required(units, db):
    province = make_user(Role.HQ_OFFICE, "41", username="province")
    with pytest.raises(ValidationError) as whole:
        actions.switch_to_emergency("41", actor=province, reason="全省", now=NOW)
    assert "不能对全省切换" in whole.value.messages[0]
    with pytest.raises(ValidationError) as blank:
        actions.switch_to_emergency(OWN_COUNTY, actor=province, reason="  ", now=NOW)
    assert blank.value.message_dict["reason"] == ["请填写切换事由。"]
    assert not EmergencySwitch.objects.exists()


@pytest.mark.req("CMD-01")
def test_the_deciding_hq_is_the_switching_one(units, db):
    from sibao.regions.actions import ensure_organisations

    ensure_organisations()
    city_office = make_user(Role.HQ_OFFICE, "4101", username="zz_office")
    outcome = actions.switch_to_emergency(OWN_COUNTY, actor=city_office, reason="市决定", now=NOW)
    assert outcome.switch.headquarters.region_id == "4101"
    platform = actions.switch_to_emergency(OTHER_COUNTY, actor=None, reason="平台", now=NOW)
    assert platform.switch.headquarters.region_id == OTHER_COUNTY


@pytest.mark.req("CMD-01")
def test_notifications_reach_units_departments_liaisons_and_higher_hqs(units, departments):
    factory, mall = units["factory"], units["mall"]
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=factory, username="admin")
    mall_admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=mall, username="mall")
    cadre = make_user(Role.LIAISON_CADRE, OWN_COUNTY, enterprise=factory, username="cadre")
    industry_dept = make_user(
        Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it", username="gxj"
    )
    commerce_dept = make_user(
        Role.DEPARTMENT_STAFF, "4101", department_kind="commerce", username="swj"
    )
    health_dept = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="health")
    county_office = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="county")
    city_office = make_user(Role.HQ_OFFICE, "4101", username="city")
    province_office = make_user(Role.HQ_OFFICE, "41", username="province")
    other_city = make_user(Role.HQ_OFFICE, "4102", username="kaifeng")
    other_admin = make_user(
        Role.ENTERPRISE_ADMIN, OTHER_COUNTY, enterprise=units["elsewhere"], username="other"
    )

    actions.switch_to_emergency(OWN_COUNTY, actor=county_office, reason="本土病例", now=NOW)

    def inbox(user):
        return list(Notification.objects.filter(recipient=user).order_by("pk"))

    for user in (admin, mall_admin, cadre):
        (message,) = inbox(user)
        assert "中原区将于 2026-03-03 17:00 进入应急状态" in message.title
        assert "返回单位实施闭环管理" in message.body
    assert inbox(admin)[0].url == f"/command/emergency/units/{factory.pk}/loop/"
    assert "点对点上下班" in inbox(mall_admin)[0].body
    for user in (industry_dept, commerce_dept, county_office, city_office, province_office):
        (message,) = inbox(user)
        assert message.url == f"/command/emergency/regions/{OWN_COUNTY}/"
        assert "涉及白名单单位 3 家" in message.body
    for user in (health_dept, other_city, other_admin):
        assert inbox(user) == []

    actions.switch_to_normal(OWN_COUNTY, actor=county_office, reason="解除", now=NOW + 2 * NOTICE)
    assert "已恢复常态" in inbox(admin)[-1].title and len(inbox(admin)) == 2
    assert len(inbox(city_office)) == 2


@pytest.mark.req("CMD-01")
def test_a_unit_with_a_plan_switches_in_its_declared_mode(units, office):
    factory = units["factory"]
    actions.save_loop_plan(
        factory,
        actor=None,
        mode="two_points",
        dormitories="职工宿舍",
        routes="宿舍—厂区",
        headcount=50,
    )
    actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="本土病例", now=NOW)
    assert LoopStatus.objects.get(enterprise=factory).mode == "two_points"


@pytest.mark.req("CMD-01")
def test_a_park_members_are_whitelisted_through_the_park(db, office):
    from sibao.core.testing import make_listed

    park = make_enterprise(region=OWN_COUNTY, kind="park", name="中原测试产业园")
    make_listed(park)
    member = make_enterprise(region=OWN_COUNTY, park=park, name="园区测试企业")
    actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="本土病例", now=NOW)
    assert set(LoopStatus.objects.values_list("enterprise_id", flat=True)) == {park.pk, member.pk}


@pytest.mark.req("CMD-01")
def test_the_switch_preview_counts_the_units(units, office):
    region = units["factory"].region
    preview = queries_emergency.switch_preview(region, NOW)
    assert (preview.status, preview.whitelisted, preview.to_switch) == ("normal", 3, 3)
    actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="本土病例", now=NOW)
    preview = queries_emergency.switch_preview(region, NOW + NOTICE)
    assert (preview.status, preview.to_switch, preview.to_release) == ("emergency", 0, 3)
    assert not preview.inherited


@pytest.mark.req("CMD-01")
def test_a_county_in_its_own_emergency_under_its_citys_cannot_leave_alone(units, office):
    city_office = make_user(Role.HQ_OFFICE, "4101", username="zz_office")
    actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="县先行", now=NOW)
    actions.switch_to_emergency("4101", actor=city_office, reason="全市", now=NOW)
    with pytest.raises(ValidationError) as refused:
        actions.switch_to_normal(OWN_COUNTY, actor=office, reason="县解除", now=NOW + NOTICE)
    assert "须由郑州市指挥部切换回常态" in refused.value.messages[0]
    assert EmergencySwitch.objects.filter(to_status="normal").count() == 0
    # once the city is back, the county ends its own emergency
    actions.switch_to_normal("4101", actor=city_office, reason="全市解除", now=NOW + NOTICE)
    assert queries_emergency.state_of(OWN_COUNTY, NOW + NOTICE) == RegionStatus.EMERGENCY
    back = actions.switch_to_normal(OWN_COUNTY, actor=office, reason="县解除", now=NOW + NOTICE)
    assert back.changed and back.units == 3
