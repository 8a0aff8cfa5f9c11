"""CMD-02 closed-loop modes, plans and daily loop reports; CMD-06 city-supply staff; and the
emergency scope that makes the NAT window daily (CMD-01 "NAT rhythm becomes daily")."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.command import actions, queries_emergency
from sibao.command.models import CitySupplyAssignment, LoopPlan, LoopReport, LoopStatus
from sibao.core import rules
from sibao.core.models import AuditLog, Notification
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_enterprise,
    make_staff,
    make_user,
    make_whitelisted,
    put_in_emergency,
)
from sibao.epidemic import compliance
from sibao.epidemic.models import StaffCategory, StaffMember

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)  # 17:00 in Henan
NOTICE = datetime.timedelta(hours=24)


@pytest.fixture
def factory(db):
    return make_whitelisted(OWN_COUNTY, "industry", name="中原测试机械有限公司")


@pytest.fixture
def admin(factory):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=factory, username="admin")


# --- modes and plans ----------------------------------------------------------------------------


@pytest.mark.req("CMD-02")
@pytest.mark.parametrize(
    "industry, sub_type, mode",
    [
        ("industry", "装备制造", "bubble"),
        ("culture_tourism", "景区", "bubble"),
        ("key_project", "", "bubble"),
        ("commerce", "电子商务", "two_points"),
        ("transport", "物流", "two_points"),
        ("commerce", "商超", "point_to_point"),
        ("commerce", "批发市场", "point_to_point"),
        ("commerce", "农贸市场", "point_to_point"),
    ],
)
def test_the_default_mode_follows_the_industry(db, industry, sub_type, mode):
    unit = make_enterprise(region=OWN_COUNTY, industry=industry, sub_type=sub_type)
    assert actions.default_loop_mode(unit) == mode


@pytest.mark.req("CMD-02")
def test_a_unit_declares_its_plan_and_changes_it(factory, admin):
    plan = actions.save_loop_plan(
        factory, actor=admin, dormitories="1号宿舍楼 40 间", headcount=120
    )
    assert (plan.mode, plan.headcount, plan.updated_by) == ("bubble", 120, admin)
    plan = actions.save_loop_plan(
        factory,
        actor=admin,
        mode="two_points",
        dormitories="1号宿舍楼",
        routes="宿舍—厂区专车",
        headcount=100,
    )
    assert LoopPlan.objects.count() == 1 and plan.mode == "two_points"
    change = AuditLog.objects.get(action="loop_plan.change")
    assert change.changes["mode"] == ["bubble", "two_points"]


@pytest.mark.req("CMD-02")
def test_a_plan_needs_the_data_its_mode_calls_for(factory, admin):
    with pytest.raises(ValidationError) as bubble:
        actions.save_loop_plan(factory, actor=admin, mode="bubble", headcount=0)
    assert set(bubble.value.message_dict) == {"dormitories", "headcount"}
    with pytest.raises(ValidationError) as commute:
        actions.save_loop_plan(factory, actor=admin, mode="point_to_point", headcount=10)
    assert "routes" in commute.value.message_dict
    assert actions.save_loop_plan(
        factory, actor=admin, mode="point_to_point", routes="家—单位 专车", headcount=10
    )


@pytest.mark.req("CMD-02")
def test_only_the_units_own_admin_keeps_its_plan(factory, admin, departments):
    other = make_whitelisted(OTHER_COUNTY)
    with pytest.raises(PermissionDenied):
        actions.save_loop_plan(other, actor=admin, dormitories="宿舍", headcount=5)
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    with pytest.raises(PermissionDenied):
        actions.save_loop_plan(factory, actor=office, dormitories="宿舍", headcount=5)
    assert not LoopPlan.objects.exists()


@pytest.mark.req("CMD-02")
def test_changing_the_plan_during_a_loop_changes_the_loops_mode(factory, admin):
    actions.switch_to_emergency(OWN_COUNTY, actor=None, reason="本土病例", now=NOW)
    assert LoopStatus.objects.get().mode == "bubble"
    actions.save_loop_plan(
        factory, actor=admin, mode="two_points", dormitories="宿舍", routes="专车", headcount=9
    )
    assert LoopStatus.objects.get().mode == "two_points"


# --- daily loop reports -------------------------------------------------------------------------


@pytest.mark.req("CMD-02")
def test_a_unit_not_in_loop_is_refused(factory, admin):
    with pytest.raises(ValidationError) as refused:
        actions.file_loop_report(factory, actor=admin, report_date=NOW.date(), in_loop=100, now=NOW)
    assert "未处于闭环生产状态" in refused.value.messages[0]
    actions.switch_to_emergency(OWN_COUNTY, actor=None, reason="本土病例", now=NOW)
    with pytest.raises(ValidationError) as early:
        actions.file_loop_report(factory, actor=admin, report_date=NOW.date(), in_loop=100, now=NOW)
    assert "将于 2026-03-03 17:00 起实行闭环生产" in early.value.messages[0]
    assert not LoopReport.objects.exists()


@pytest.mark.req("CMD-02")
def test_a_unit_in_loop_reports_once_a_day(factory, admin):
    actions.switch_to_emergency(OWN_COUNTY, actor=None, reason="本土病例", now=NOW)
    day1 = NOW + NOTICE + datetime.timedelta(hours=2)  # 2026-03-03 19:00 local
    report = actions.file_loop_report(
        factory, actor=admin, report_date=datetime.date(2026, 3, 3), in_loop=98, outside=2, now=day1
    )
    assert (report.in_loop, report.outside, report.filed_by) == (98, 2, admin)
    with pytest.raises(ValidationError) as twice:
        actions.file_loop_report(
            factory, actor=admin, report_date=datetime.date(2026, 3, 3), in_loop=98, now=day1
        )
    assert "已填报" in twice.value.message_dict["report_date"][0]
    with pytest.raises(ValidationError) as future:
        actions.file_loop_report(
            factory, actor=admin, report_date=datetime.date(2026, 3, 4), in_loop=98, now=day1
        )
    assert "未来日期" in future.value.message_dict["report_date"][0]
    with pytest.raises(ValidationError) as before:
        actions.file_loop_report(
            factory, actor=admin, report_date=datetime.date(2026, 3, 2), in_loop=98, now=day1
        )
    assert "未处于闭环生产状态" in before.value.messages[0]


@pytest.mark.req("CMD-02")
def test_a_breach_or_a_stop_needs_a_note_and_alerts_the_cadre(factory, admin, departments):
    cadre = make_user(Role.LIAISON_CADRE, OWN_COUNTY, enterprise=factory, username="cadre")
    actions.switch_to_emergency(OWN_COUNTY, actor=None, reason="本土病例", now=NOW)
    day1 = NOW + NOTICE + datetime.timedelta(hours=2)
    with pytest.raises(ValidationError) as missing_note:
        actions.file_loop_report(
            factory,
            actor=admin,
            report_date=datetime.date(2026, 3, 3),
            in_loop=98,
            breaches=1,
            now=day1,
        )
    assert "note" in missing_note.value.message_dict
    before = Notification.objects.filter(recipient=cadre).count()
    actions.file_loop_report(
        factory,
        actor=admin,
        report_date=datetime.date(2026, 3, 3),
        in_loop=98,
        breaches=1,
        note="一名员工与送货司机近距离接触，已隔离观察",
        now=day1,
    )
    latest = Notification.objects.filter(recipient=cadre).order_by("pk").last()
    assert Notification.objects.filter(recipient=cadre).count() == before + 1
    assert "闭环日报异常" in latest.title


@pytest.mark.req("CMD-02")
def test_only_the_units_admin_files_its_report(factory, departments):
    actions.switch_to_emergency(OWN_COUNTY, actor=None, reason="本土病例", now=NOW)
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    with pytest.raises(PermissionDenied):
        actions.file_loop_report(
            factory,
            actor=office,
            report_date=datetime.date(2026, 3, 3),
            in_loop=1,
            now=NOW + 2 * NOTICE,
        )


@pytest.mark.req("CMD-02")
def test_missing_reports_are_flagged_per_day(factory, admin):
    actions.switch_to_emergency(OWN_COUNTY, actor=None, reason="本土病例", now=NOW)
    loop = LoopStatus.objects.get()
    day4 = NOW + NOTICE + datetime.timedelta(days=3)  # 2026-03-06 17:00 local
    actions.file_loop_report(
        factory, actor=admin, report_date=datetime.date(2026, 3, 4), in_loop=90, now=day4
    )
    missing = queries_emergency.missing_report_dates(loop, day4)
    assert missing == [datetime.date(2026, 3, 3), datetime.date(2026, 3, 5)]  # today not yet
    # a late report for a missed day is accepted
    actions.file_loop_report(
        factory, actor=admin, report_date=datetime.date(2026, 3, 3), in_loop=90, now=day4
    )
    assert queries_emergency.missing_report_dates(loop, day4) == [datetime.date(2026, 3, 5)]
    # after the loop ends nothing more is missing beyond its last day
    actions.switch_to_normal(OWN_COUNTY, actor=None, reason="解除", now=day4)
    loop.refresh_from_db()
    later = day4 + datetime.timedelta(days=5)
    assert queries_emergency.missing_report_dates(loop, later) == [
        datetime.date(2026, 3, 5),
        datetime.date(2026, 3, 6),
    ]


# --- city supply (CMD-06) -----------------------------------------------------------------------


@pytest.fixture
def supply_unit(db):
    return make_enterprise(
        region=OWN_COUNTY, name="中原测试供电服务有限公司", is_city_operation=True
    )


@pytest.mark.req("CMD-06")
def test_a_city_supply_worker_gets_lodging_area_and_route(supply_unit):
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=supply_unit)
    worker = make_staff(supply_unit, category=StaffCategory.CITY_SUPPLY)
    assignment = actions.save_city_supply(
        worker,
        actor=admin,
        service="power",
        lodging="供电公司职工宿舍",
        work_area="中原区西片区",
        route="宿舍—西郊变电站",
    )
    assert (assignment.enterprise, assignment.region_code) == (supply_unit, OWN_COUNTY)
    changed = actions.save_city_supply(
        worker,
        actor=admin,
        service="power",
        lodging="西郊变电站值班宿舍",
        work_area="中原区西片区",
        route="值班宿舍—西郊变电站",
    )
    assert CitySupplyAssignment.objects.count() == 1 and changed.lodging == "西郊变电站值班宿舍"
    assert AuditLog.objects.filter(action="city_supply.change").exists()


@pytest.mark.req("CMD-06")
def test_only_city_supply_roster_rows_and_complete_arrangements(supply_unit):
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=supply_unit)
    employee = make_staff(supply_unit, category=StaffCategory.EMPLOYEE)
    with pytest.raises(ValidationError) as wrong:
        actions.save_city_supply(
            employee, actor=admin, service="power", lodging="宿舍", work_area="片区", route="路线"
        )
    assert "城市保供人员" in wrong.value.messages[0]
    worker = make_staff(supply_unit, category=StaffCategory.CITY_SUPPLY)
    with pytest.raises(ValidationError) as blank:
        actions.save_city_supply(
            worker, actor=admin, service="beer", lodging="", work_area=" ", route="路线"
        )
    assert set(blank.value.message_dict) == {"service", "lodging", "work_area"}
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    with pytest.raises(PermissionDenied):
        actions.save_city_supply(
            worker, actor=office, service="power", lodging="宿舍", work_area="片区", route="路线"
        )
    assert not CitySupplyAssignment.objects.exists()


# --- the NAT window in emergency (compliance) ---------------------------------------------------


def _window(staff):
    staff = StaffMember.objects.get(pk=staff.pk)
    return compliance.window_for(staff, rules.current(), compliance.emergency_scope())


@pytest.mark.req("CMD-01")
@pytest.mark.req("CMD-06")
def test_the_nat_window_becomes_daily_when_the_county_switches_and_back(factory, supply_unit):
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    worker = make_staff(factory, last_negative_at=timezone.now() - datetime.timedelta(hours=30))
    supplier = make_staff(
        supply_unit,
        category=StaffCategory.CITY_SUPPLY,
        last_negative_at=timezone.now() - datetime.timedelta(hours=30),
    )
    elsewhere = make_staff(make_whitelisted(OTHER_COUNTY))
    assert compliance.emergency_scope() == compliance.NO_EMERGENCY
    assert (_window(worker), _window(supplier), _window(elsewhere)) == (48, 48, 48)

    # announced now: the notice period does not tighten the window yet
    actions.switch_to_emergency(OWN_COUNTY, actor=office, reason="本土病例")
    assert _window(worker) == 48
    actions.switch_to_normal(OWN_COUNTY, actor=office, reason="撤回")

    # in force (announced more than the notice ago): daily, for the listed unit's staff and the
    # city-supply staff of the region (not whitelisted themselves), not elsewhere
    put_in_emergency(OWN_COUNTY, actor=office)
    scope = compliance.emergency_scope()
    assert OWN_COUNTY in scope.region_codes and factory.pk in scope.enterprise_ids
    assert (_window(worker), _window(supplier), _window(elsewhere)) == (24, 24, 48)
    overdue = compliance.overdue_staff(
        StaffMember.objects.all(), timezone.now(), rules.current(), scope
    )
    assert set(overdue.values_list("pk", flat=True)) >= {worker.pk, supplier.pk}

    actions.switch_to_normal(OWN_COUNTY, actor=office, reason="疫情平稳")
    assert compliance.emergency_scope() == compliance.NO_EMERGENCY
    assert (_window(worker), _window(supplier)) == (48, 48)
    overdue = compliance.overdue_staff(
        StaffMember.objects.all(), timezone.now(), rules.current(), compliance.emergency_scope()
    )
    assert worker.pk not in set(overdue.values_list("pk", flat=True))
