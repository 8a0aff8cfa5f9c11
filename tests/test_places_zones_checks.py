"""EPI-13: the checks of 划小单元 with the seed's intent (D2 三(四), D1 四(一)): one team per
dormitory room, contactless shift change (no two teams on at once in one zone, over midnight
included), bubbles kept apart, and roster names that are not registered."""

import datetime

import pytest

from sibao.core.testing import make_enterprise, make_staff
from sibao.places import actions, queries_zones
from sibao.places.queries_zones import overlap, shift_intervals


def t(text):
    return datetime.time.fromisoformat(text)


# (a starts, a ends, b starts, b ends, expected overlap periods as "HH:MM–HH:MM")
OVERLAPS = [
    ("08:00", "16:00", "16:00", "23:59", []),  # touching end = start: no overlap
    ("08:00", "16:00", "15:00", "23:00", ["15:00–16:00"]),
    ("08:00", "16:00", "09:00", "10:00", ["09:00–10:00"]),  # one inside the other
    ("08:00", "16:00", "00:00", "08:00", []),  # touching at the start
    ("22:00", "06:00", "06:00", "14:00", []),  # night shift hands over at 06:00
    ("22:00", "06:00", "05:30", "14:00", ["05:30–06:00"]),  # early morning overlap
    ("22:00", "06:00", "14:00", "22:00", []),
    ("22:00", "06:00", "21:00", "23:00", ["22:00–23:00"]),
    ("22:00", "06:00", "23:00", "01:00", ["23:00–01:00"]),  # both over midnight
    ("22:00", "06:00", "20:00", "08:00", ["22:00–06:00"]),  # night inside a longer night
    ("20:00", "02:00", "01:00", "21:00", ["01:00–02:00", "20:00–21:00"]),  # two periods
    ("00:00", "08:00", "23:00", "00:30", ["00:00–00:30"]),
    ("12:00", "00:00", "23:00", "01:00", ["23:00–00:00"]),  # ends at midnight
]


def _fmt(periods):
    return [
        f"{queries_zones.format_minutes(s)}–{queries_zones.format_minutes(e)}" for s, e in periods
    ]


@pytest.mark.req("EPI-13")
@pytest.mark.parametrize("a1,a2,b1,b2,expected", OVERLAPS)
def test_shift_overlap_cases(a1, a2, b1, b2, expected):
    assert _fmt(overlap(t(a1), t(a2), t(b1), t(b2))) == expected
    # symmetric
    assert sorted(_fmt(overlap(t(b1), t(b2), t(a1), t(a2)))) == sorted(expected)


def test_shift_intervals_split_at_midnight():
    assert shift_intervals(t("08:00"), t("16:00")) == [(480, 960)]
    assert shift_intervals(t("22:00"), t("06:00")) == [(1320, 1440), (0, 360)]
    assert shift_intervals(t("12:00"), t("00:00")) == [(720, 1440)]


# --- the checks on a unit ------------------------------------------------------------------------


@pytest.fixture
def unit(db):
    return make_enterprise(region="410102", name="中原测试机械有限公司")


def _setup(unit):
    a = actions.create_team(unit, actor=None, name="甲班")
    b = actions.create_team(unit, actor=None, name="乙班")
    workshop = actions.create_zone(unit, actor=None, name="一号车间", kind="production")
    canteen = actions.create_zone(unit, actor=None, name="食堂", kind="living")
    return a, b, workshop, canteen


def _checks(unit, check):
    return [f for f in queries_zones.unit_checks(unit) if f.check == check]


@pytest.mark.req("EPI-13")
def test_room_of_one_team_is_clean_and_mixed_room_is_found(unit):
    a, b, *_ = _setup(unit)
    clean = actions.create_dormitory_room(
        unit, actor=None, name="101", building="1号楼", capacity=4
    )
    mixed = actions.create_dormitory_room(
        unit, actor=None, name="102", building="1号楼", capacity=4
    )
    for _i in range(3):
        make_staff(unit, team="甲班", dormitory="101")
    make_staff(unit, team="甲班", dormitory="102")
    make_staff(unit, team="乙班", dormitory="102")
    # an inactive row (left the unit) does not count
    make_staff(unit, team="乙班", dormitory="101", is_active=False)
    found = queries_zones.room_findings(unit)
    assert [(f.check, f.room_id) for f in found] == [("room_mixed", mixed.pk)]
    assert "甲班 1 人" in found[0].message and "乙班 1 人" in found[0].message
    assert set(found[0].team_ids) == {a.pk, b.pk}
    assert clean.pk not in [f.room_id for f in found]


@pytest.mark.req("EPI-13")
def test_room_assigned_to_a_team_houses_only_that_team(unit):
    a, b, *_ = _setup(unit)
    room = actions.create_dormitory_room(unit, actor=None, name="201", capacity=6, team=a)
    make_staff(unit, team="甲班", dormitory="201")
    assert queries_zones.room_findings(unit) == []
    make_staff(unit, team="乙班", dormitory="201")
    make_staff(unit, team="乙班", dormitory="201")
    found = queries_zones.room_findings(unit)
    assert [f.check for f in found] == ["room_team"]
    assert "登记由甲班入住" in found[0].message and "乙班 2 人" in found[0].message
    assert found[0].room_id == room.pk


@pytest.mark.req("EPI-13")
def test_room_over_capacity(unit):
    a, *_ = _setup(unit)
    room = actions.create_dormitory_room(unit, actor=None, name="301", capacity=2, team=a)
    for _i in range(2):
        make_staff(unit, team="甲班", dormitory="301")
    assert queries_zones.room_findings(unit) == []
    make_staff(unit, team="甲班", dormitory="301")
    found = queries_zones.room_findings(unit)
    assert [(f.check, f.room_id) for f in found] == [("room_capacity", room.pk)]
    assert "超员 1 人" in found[0].message


@pytest.mark.req("EPI-13")
def test_overlapping_shifts_of_two_teams_in_one_zone(unit):
    a, b, workshop, canteen = _setup(unit)
    early = actions.create_shift(
        unit, actor=None, team=a, zone=workshop, name="早班", starts="08:00", ends="16:00"
    )
    late = actions.create_shift(
        unit, actor=None, team=b, zone=workshop, name="中班", starts="15:30", ends="23:30"
    )
    # the same times in another zone, and the same team twice, are no contact between teams
    actions.create_shift(
        unit, actor=None, team=b, zone=canteen, name="午餐", starts="11:00", ends="12:00"
    )
    actions.create_shift(
        unit, actor=None, team=a, zone=workshop, name="加班", starts="15:00", ends="18:00"
    )
    found = queries_zones.shift_findings(unit)
    assert len(found) == 2
    pair = next(f for f in found if set(f.shift_ids) == {early.pk, late.pk})
    assert pair.zone_id == workshop.pk and "15:30–16:00" in pair.message
    assert "一号车间" in pair.message and "无接触换班" in pair.message
    # moving the late shift to start at the hand-over clears it
    actions.update_shift(late, actor=None, starts="18:00")
    assert queries_zones.shift_findings(unit) == []


@pytest.mark.req("EPI-13")
def test_night_shift_overlap_past_midnight(unit):
    a, b, workshop, _canteen = _setup(unit)
    actions.create_shift(
        unit, actor=None, team=a, zone=workshop, name="夜班", starts="22:00", ends="06:00"
    )
    morning = actions.create_shift(
        unit, actor=None, team=b, zone=workshop, name="早班", starts="05:00", ends="13:00"
    )
    found = queries_zones.shift_findings(unit)
    assert len(found) == 1 and "05:00–06:00" in found[0].message
    actions.update_shift(morning, actor=None, starts="06:00", ends="14:00")
    assert queries_zones.shift_findings(unit) == []


@pytest.mark.req("EPI-13")
def test_bubble_groups_apart_in_zones_and_rooms(unit):
    a, b, workshop, _canteen = _setup(unit)
    c = actions.create_team(unit, actor=None, name="丙班")
    one = actions.create_bubble_group(unit, actor=None, name="一号气泡", teams=[a, c])
    actions.create_bubble_group(unit, actor=None, name="二号气泡", teams=[b])
    actions.create_shift(
        unit, actor=None, team=a, zone=workshop, name="早班", starts="08:00", ends="16:00"
    )
    actions.create_shift(
        unit, actor=None, team=c, zone=workshop, name="早班", starts="09:00", ends="17:00"
    )
    # a and c are one bubble: an overlap (check b) but no bubble finding
    assert queries_zones.bubble_findings(unit) == []
    assert len(queries_zones.shift_findings(unit)) == 1
    actions.create_shift(
        unit, actor=None, team=b, zone=workshop, name="中班", starts="17:00", ends="20:00"
    )
    assert queries_zones.bubble_findings(unit) == []
    late = actions.create_shift(
        unit, actor=None, team=b, zone=workshop, name="晚班", starts="16:00", ends="18:00"
    )
    found = queries_zones.bubble_findings(unit)
    assert [f.check for f in found] == ["bubble_shift"]
    assert set(found[0].team_ids) == {b.pk, c.pk} and late.pk in found[0].shift_ids
    assert "一号气泡" in found[0].message and "二号气泡" in found[0].message
    actions.delete_shift(late, actor=None)
    # sharing a room across bubbles
    room = actions.create_dormitory_room(unit, actor=None, name="401", capacity=8, team=a)
    make_staff(unit, team="丙班", dormitory="401")
    assert queries_zones.bubble_findings(unit) == []
    make_staff(unit, team="乙班", dormitory="401")
    found = queries_zones.bubble_findings(unit)
    assert [(f.check, f.room_id) for f in found] == [("bubble_room", room.pk)]
    assert "一号气泡：丙班、甲班" in found[0].message or "一号气泡：甲班、丙班" in found[0].message
    # a team outside any bubble living with a bubble team breaks the bubble too
    actions.update_bubble_group(one, actor=None, teams=[a])
    found = queries_zones.bubble_findings(unit)
    assert sorted(f.check for f in found) == ["bubble_room", "bubble_shift"]
    assert "未编入气泡组" in found[0].message


@pytest.mark.req("EPI-13")
def test_roster_names_not_registered_are_informational(unit):
    _setup(unit)
    actions.create_dormitory_room(unit, actor=None, name="101", capacity=4)
    make_staff(unit, team="甲班", dormitory="101")
    make_staff(unit, team="丁班", dormitory="999")
    make_staff(unit, team="丁班", dormitory="")
    found = queries_zones.roster_findings(unit)
    assert [(f.check, f.severity) for f in found] == [
        ("roster_team", "info"),
        ("roster_room", "info"),
    ]
    assert "2 名在岗员工登记在班组“丁班”" in found[0].message
    assert "“999”" in found[1].message


@pytest.mark.req("EPI-13")
def test_unit_checks_collects_all_in_order(unit):
    a, b, workshop, _ = _setup(unit)
    actions.create_shift(
        unit, actor=None, team=a, zone=workshop, name="早班", starts="08:00", ends="16:00"
    )
    actions.create_shift(
        unit, actor=None, team=b, zone=workshop, name="中班", starts="12:00", ends="20:00"
    )
    actions.create_dormitory_room(unit, actor=None, name="101", capacity=1)
    make_staff(unit, team="甲班", dormitory="101")
    make_staff(unit, team="乙班", dormitory="101")
    make_staff(unit, team="戊班")
    checks = [f.check for f in queries_zones.unit_checks(unit)]
    assert checks == ["room_mixed", "room_capacity", "shift_overlap", "roster_team"]
    for finding in queries_zones.unit_checks(unit):
        assert finding.as_dict()["message"] == finding.message and finding.label


@pytest.mark.req("EPI-13")
def test_region_summary_counts_units_with_findings(unit):
    a, b, workshop, _ = _setup(unit)
    actions.create_shift(
        unit, actor=None, team=a, zone=workshop, name="早班", starts="08:00", ends="16:00"
    )
    actions.create_shift(
        unit, actor=None, team=b, zone=workshop, name="中班", starts="12:00", ends="20:00"
    )
    clean = make_enterprise(region="410102", name="中原无问题有限公司")
    actions.create_zone(clean, actor=None, name="车间", kind="production")
    untouched = make_enterprise(region="410102")
    from sibao.enterprises.models import Enterprise

    rows = queries_zones.region_summary(Enterprise.objects.filter(region_id="410102"))
    assert [r.unit.pk for r in rows] == [unit.pk, clean.pk]
    assert rows[0].counts == {"shift_overlap": 1} and rows[0].problems == 1
    assert rows[1].problems == 0 and rows[1].zones == 1
    assert untouched.pk not in [r.unit.pk for r in rows]
