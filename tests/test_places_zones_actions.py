"""EPI-13: the zone actions (划小单元): only the unit's own admin writes, names are unique per
unit, a shift's times (over midnight allowed, equal refused), deleting only what nothing depends
on, and the audit trail."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_enterprise,
    make_site,
    make_space,
    make_staff,
    make_user,
)
from sibao.places import actions
from sibao.places.models import BubbleGroup, DormitoryRoom, Shift, Team, Zone


@pytest.fixture
def unit(own_enterprise):
    return own_enterprise


@pytest.fixture
def admin(unit, departments):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit)


def _messages(exc) -> str:
    return " ".join(exc.value.messages)


@pytest.mark.req("EPI-13")
def test_unit_admin_creates_zone_and_it_is_audited(unit, admin):
    zone = actions.create_zone(
        unit, actor=admin, name=" 装卸区 ", kind="handover", risk_grade="high", note="东门"
    )
    assert (zone.name, zone.kind, zone.risk_grade, zone.region_code) == (
        "装卸区",
        "handover",
        "high",
        unit.region_id,
    )
    log = AuditLog.objects.get(action="place.zone.create", object_id=str(zone.pk))
    assert log.actor == admin and log.enterprise_id == unit.pk
    assert log.changes["name"] == [None, "装卸区"]
    actions.update_zone(zone, actor=admin, risk_grade="medium")
    log = AuditLog.objects.get(action="place.zone.update", object_id=str(zone.pk))
    assert log.changes == {"risk_grade": ["high", "medium"]}


@pytest.mark.req("EPI-13")
def test_only_the_units_own_admin_writes(unit, admin, departments):
    other_unit = make_enterprise(region=OWN_COUNTY)
    other_admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=other_unit)
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    health = make_user(Role.HEALTH_OFFICE, OWN_COUNTY)
    for actor in (other_admin, office, health):
        with pytest.raises(PermissionDenied):
            actions.create_zone(unit, actor=actor, name="车间", kind="production")
        with pytest.raises(PermissionDenied):
            actions.create_team(unit, actor=actor, name="甲班")
    zone = actions.create_zone(unit, actor=admin, name="车间", kind="production")
    team = actions.create_team(unit, actor=admin, name="甲班")
    for actor in (other_admin, office):
        with pytest.raises(PermissionDenied):
            actions.update_zone(zone, actor=actor, name="改名")
        with pytest.raises(PermissionDenied):
            actions.delete_team(team, actor=actor)
        with pytest.raises(PermissionDenied):
            actions.create_shift(
                unit, actor=actor, team=team, zone=zone, name="早班", starts="8:00", ends="16:00"
            )
    assert Zone.objects.get(pk=zone.pk).name == "车间"
    assert Team.objects.filter(pk=team.pk).exists()


@pytest.mark.req("EPI-13")
def test_names_are_unique_per_unit_with_a_clear_message(unit, admin):
    actions.create_zone(unit, actor=admin, name="食堂", kind="living")
    with pytest.raises(ValidationError) as exc:
        actions.create_zone(unit, actor=admin, name="食堂 ", kind="public")
    assert "本单位已有名为“食堂”的区域" in _messages(exc)
    actions.create_team(unit, actor=admin, name="甲班")
    with pytest.raises(ValidationError) as exc:
        actions.create_team(unit, actor=admin, name="甲班")
    assert "本单位已有名为“甲班”的班组" in _messages(exc)
    actions.create_bubble_group(unit, actor=admin, name="一号气泡")
    with pytest.raises(ValidationError) as exc:
        actions.create_bubble_group(unit, actor=admin, name="一号气泡")
    assert "气泡组" in _messages(exc)
    actions.create_dormitory_room(unit, actor=admin, name="101", capacity=4)
    with pytest.raises(ValidationError) as exc:
        actions.create_dormitory_room(unit, actor=admin, name="101", capacity=2)
    assert "本单位已有名为“101”的宿舍房间" in _messages(exc)
    # renaming onto another's name is refused too; another unit may use the same names
    second = actions.create_zone(unit, actor=admin, name="仓库", kind="handover")
    with pytest.raises(ValidationError):
        actions.update_zone(second, actor=admin, name="食堂")
    other = make_enterprise(region=OTHER_COUNTY)
    assert actions.create_zone(other, actor=None, name="食堂", kind="living").pk


@pytest.mark.req("EPI-13")
def test_shift_times_over_midnight_allowed_equal_refused(unit, admin):
    zone = actions.create_zone(unit, actor=admin, name="车间", kind="production")
    team = actions.create_team(unit, actor=admin, name="甲班")
    night = actions.create_shift(
        unit, actor=admin, team=team, zone=zone, name="夜班", starts="22:00", ends="06:00"
    )
    assert (night.starts, night.ends) == (datetime.time(22), datetime.time(6))
    with pytest.raises(ValidationError) as exc:
        actions.create_shift(
            unit, actor=admin, team=team, zone=zone, name="早班", starts="08:00", ends="08:00"
        )
    assert "结束时间不能与开始时间相同" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        actions.create_shift(
            unit, actor=admin, team=team, zone=zone, name="早班", starts="8点", ends="16:00"
        )
    assert "开始时间格式" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        actions.create_shift(
            unit, actor=admin, team=team, zone=zone, name="夜班", starts="21:00", ends="05:00"
        )
    assert "已有名为“夜班”的班次" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        actions.update_shift(night, actor=admin, ends="22:00")
    assert "结束时间不能与开始时间相同" in _messages(exc)


@pytest.mark.req("EPI-13")
def test_rows_of_another_unit_are_refused(unit, admin):
    other = make_enterprise(region=OWN_COUNTY)
    foreign_team = actions.create_team(other, actor=None, name="外单位班组")
    foreign_zone = actions.create_zone(other, actor=None, name="外单位车间", kind="production")
    foreign_bubble = actions.create_bubble_group(other, actor=None, name="外单位气泡")
    zone = actions.create_zone(unit, actor=admin, name="车间", kind="production")
    team = actions.create_team(unit, actor=admin, name="甲班")
    with pytest.raises(ValidationError) as exc:
        actions.create_shift(
            unit, actor=admin, team=foreign_team, zone=zone, name="早班", starts="8:00", ends="9:00"
        )
    assert "所选班组不属于该单位" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        actions.create_shift(
            unit, actor=admin, team=team, zone=foreign_zone, name="早班", starts="8:00", ends="9:00"
        )
    assert "所选区域不属于该单位" in _messages(exc)
    with pytest.raises(ValidationError):
        actions.update_team(team, actor=admin, bubble=foreign_bubble)
    with pytest.raises(ValidationError):
        actions.create_bubble_group(unit, actor=admin, name="气泡", teams=[foreign_team])
    with pytest.raises(ValidationError):
        actions.create_dormitory_room(unit, actor=admin, name="1", capacity=2, team=foreign_team)


@pytest.mark.req("EPI-13")
def test_room_capacity_must_be_given(unit, admin):
    for capacity, message in (
        (0, "床位数至少为 1"),
        ("x", "床位数应为整数"),
        (40000, "床位数过大"),
    ):
        with pytest.raises(ValidationError) as exc:
            actions.create_dormitory_room(unit, actor=admin, name="101", capacity=capacity)
        assert message in _messages(exc)


@pytest.mark.req("EPI-13")
def test_delete_only_what_nothing_depends_on(unit, admin):
    zone = actions.create_zone(unit, actor=admin, name="车间", kind="production")
    team = actions.create_team(unit, actor=admin, name="甲班")
    bubble = actions.create_bubble_group(unit, actor=admin, name="一号气泡", teams=[team])
    shift = actions.create_shift(
        unit, actor=admin, team=team, zone=zone, name="早班", starts="08:00", ends="16:00"
    )
    room = actions.create_dormitory_room(unit, actor=admin, name="101", capacity=4, team=team)
    make_space(make_site(unit), name="冲压车间", zone=zone)
    staff = make_staff(unit, team="甲班", dormitory="101")

    with pytest.raises(ValidationError) as exc:
        actions.delete_zone(zone, actor=admin)
    assert "1 个空间属于该区域" in _messages(exc) and "1 个班次" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        actions.delete_team(team, actor=admin)
    text = _messages(exc)
    assert "有 1 个班次" in text and "入住 1 间宿舍" in text and "1 名在岗员工" in text
    with pytest.raises(ValidationError) as exc:
        actions.delete_bubble_group(bubble, actor=admin)
    assert "还有 1 个班组" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        actions.delete_dormitory_room(room, actor=admin)
    assert "1 名在岗员工住在该房间" in _messages(exc)

    actions.delete_shift(shift, actor=admin)
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    actions.delete_dormitory_room(room, actor=admin)
    actions.update_bubble_group(bubble, actor=admin, teams=[])
    actions.delete_bubble_group(bubble, actor=admin)
    actions.delete_team(team, actor=admin)
    assert not Shift.objects.exists() and not DormitoryRoom.objects.exists()
    assert not BubbleGroup.objects.exists() and not Team.objects.exists()
    assert AuditLog.objects.filter(action__endswith=".delete").count() == 4


@pytest.mark.req("EPI-13")
def test_renaming_a_team_or_room_the_roster_names_is_refused(unit, admin):
    team = actions.create_team(unit, actor=admin, name="甲班")
    room = actions.create_dormitory_room(unit, actor=admin, name="101", capacity=4)
    make_staff(unit, team="甲班", dormitory="101")
    with pytest.raises(ValidationError) as exc:
        actions.update_team(team, actor=admin, name="一班")
    assert "请先在花名册中调整" in _messages(exc)
    with pytest.raises(ValidationError):
        actions.update_dormitory_room(room, actor=admin, name="102")
    # other changes are fine
    actions.update_dormitory_room(room, actor=admin, capacity=6, building="1号楼")
    assert DormitoryRoom.objects.get(pk=room.pk).capacity == 6


@pytest.mark.req("EPI-13")
def test_bubble_group_membership_moves_teams(unit, admin):
    a = actions.create_team(unit, actor=admin, name="甲班")
    b = actions.create_team(unit, actor=admin, name="乙班")
    one = actions.create_bubble_group(unit, actor=admin, name="一号气泡", teams=[a, b])
    two = actions.create_bubble_group(unit, actor=admin, name="二号气泡", teams=[b])
    assert Team.objects.get(pk=a.pk).bubble == one and Team.objects.get(pk=b.pk).bubble == two
    actions.update_bubble_group(one, actor=admin, teams=[b])
    assert Team.objects.get(pk=a.pk).bubble is None and Team.objects.get(pk=b.pk).bubble == one
    log = AuditLog.objects.filter(action="place.bubble.update", object_id=str(one.pk)).get()
    assert log.changes["teams"] == [[a.pk], [b.pk]]
    assert AuditLog.objects.filter(action="place.team.update", object_id=str(a.pk)).exists()
