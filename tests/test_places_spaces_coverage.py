"""EPI-05 coverage check: which spaces need a place code follows the seed's per-type rules (D2
二(二) 场所码全覆盖), kept as rule-set data; a unit's gaps, and the same figures in SQL for a
region.

The seed: 所有出入口、独立封闭空间一门一码，应设尽设。工业企业、建筑工地所有生产经营、施工、生活
区域一区一码，工作车间一车间一码；农批农贸市场一区一码；商超一门一码；大型园区一楼一码、一单元一码；
交通场站、宾馆酒店、旅游景区及其内部独立封闭空间一门一码、一层一码、一区一码。
"""

import pytest
from django.core.exceptions import ValidationError

from sibao.accounts.roles import Role
from sibao.core import rules
from sibao.core.actions import change_rule_parameter
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_user
from sibao.places import actions, coding_rules, queries_spaces
from sibao.places.models import Space, SpaceKind, VenueType

KINDS = ("building", "floor", "workshop", "area", "room", "door", "enclosed")

# (venue type, the seed's words, the kinds that need a code there)
SEED_RULES = [
    (
        "industrial",
        "工业企业…所有生产经营、施工、生活区域一区一码，工作车间一车间一码",
        {"area", "workshop", "door", "enclosed"},
    ),
    (
        "construction",
        "建筑工地所有生产经营、施工、生活区域一区一码，工作车间一车间一码",
        {"area", "workshop", "door", "enclosed"},
    ),
    ("market", "农批农贸市场一区一码", {"area", "door", "enclosed"}),
    ("mall", "商超一门一码", {"door", "enclosed"}),
    ("park", "大型园区一楼一码、一单元一码", {"building", "floor", "door", "enclosed"}),
    ("station", "交通场站…一门一码、一层一码、一区一码", {"door", "floor", "area", "enclosed"}),
    ("hotel", "宾馆酒店…一门一码、一层一码、一区一码", {"door", "floor", "area", "enclosed"}),
    (
        "scenic",
        "旅游景区及其内部独立封闭空间一门一码、一层一码、一区一码",
        {"door", "floor", "area", "enclosed"},
    ),
]


@pytest.mark.req("EPI-05")
def test_the_seed_names_every_venue_type_once():
    assert {venue for venue, _, _ in SEED_RULES} == set(VenueType.values)


@pytest.mark.req("EPI-05")
@pytest.mark.parametrize(("venue", "seed", "needed"), SEED_RULES, ids=[r[0] for r in SEED_RULES])
def test_the_default_rules_follow_the_seed(venue, seed, needed):
    """所有出入口、独立封闭空间一门一码，应设尽设 — plus each venue type's own words."""
    parsed = coding_rules.parse(rules.defaults()["place_code_rules"])
    assert not parsed.unknown
    assert parsed.kinds_for(venue) == needed, seed


@pytest.mark.req("EPI-05")
@pytest.mark.parametrize(("venue", "seed", "needed"), SEED_RULES, ids=[r[0] for r in SEED_RULES])
def test_the_coverage_check_lists_exactly_the_spaces_the_seed_requires(db, venue, seed, needed):
    unit = make_enterprise(region=OWN_COUNTY)
    site = actions.create_space(unit, actor=None, kind="site", name="场所", venue_type=venue)
    spaces = {}
    parent = site
    for kind in KINDS:
        spaces[kind] = actions.create_space(unit, actor=None, kind=kind, name=kind, parent=parent)
        if kind in ("building", "floor"):
            parent = spaces[kind]
    coverage = queries_spaces.unit_coverage(unit)
    assert {s.kind for s in coverage.gaps} == needed, seed
    assert coverage.needed == len(needed) and coverage.covered == 0

    # with a code on each gap the unit is covered; the SQL check agrees
    for space in coverage.gaps:
        actions.issue_code(space, actor=None)
    after = queries_spaces.unit_coverage(unit)
    assert after.complete and after.covered == len(needed)
    stats = queries_spaces.space_stats(Space.objects.filter(enterprise=unit))
    assert stats[unit.pk] == {"spaces": len(KINDS) + 1, "needed": len(needed), "missing": 0}


@pytest.mark.req("EPI-05")
def test_an_expired_or_revoked_code_is_a_gap_again_and_a_closed_space_is_not(db):
    unit = make_enterprise(region=OWN_COUNTY)
    site = actions.create_space(unit, actor=None, kind="site", name="商场", venue_type="mall")
    east = actions.create_space(unit, actor=None, kind="door", name="东门", parent=site)
    west = actions.create_space(unit, actor=None, kind="door", name="西门", parent=site)
    north = actions.create_space(unit, actor=None, kind="door", name="北门", parent=site)
    code_e = actions.issue_code(east, actor=None)
    code_w = actions.issue_code(west, actor=None)
    actions.issue_code(north, actor=None)
    assert queries_spaces.unit_coverage(unit).complete

    code_e.expires_on = code_e.expires_on.replace(year=2000)
    code_e.save()
    actions.revoke_code(code_w, actor=None, reason="损毁")
    gaps = queries_spaces.unit_coverage(unit).gaps
    assert {s.name for s in gaps} == {"东门", "西门"}
    assert (
        queries_spaces.space_stats(Space.objects.filter(enterprise=unit))[unit.pk]["missing"] == 2
    )

    actions.deactivate_space(east, actor=None)
    assert {s.name for s in queries_spaces.unit_coverage(unit).gaps} == {"西门"}
    issued = actions.issue_missing_codes(unit, actor=None)
    assert [c.space.name for c in issued] == ["西门"]
    assert queries_spaces.unit_coverage(unit).complete


@pytest.mark.req("EPI-05")
def test_a_site_changing_venue_type_changes_what_its_tree_needs(db):
    unit = make_enterprise(region=OWN_COUNTY)
    site = actions.create_space(unit, actor=None, kind="site", name="园区", venue_type="mall")
    building = actions.create_space(unit, actor=None, kind="building", name="A 栋", parent=site)
    assert not queries_spaces.unit_coverage(unit).gaps
    actions.update_space(site, actor=None, venue_type="park")
    assert queries_spaces.unit_coverage(unit).gaps == [building]


@pytest.mark.req("EPI-05")
def test_the_rules_are_rule_set_data_and_unknown_names_are_reported(db):
    province = make_user(Role.HQ_OFFICE, "41")
    with pytest.raises(ValidationError) as exc:
        change_rule_parameter(
            "place_code_rules", "mall:door,gate;casino:door", actor=province, reason="调整"
        )
    assert "gate" in str(exc.value) and "casino" in str(exc.value)
    parsed = coding_rules.parse("mall:door,gate;casino:door；hotel：floor")
    assert parsed.kinds_for("mall") == {"door"}
    assert len(parsed.unknown) == 3

    change_rule_parameter(
        "place_code_rules", "mall:door,room;industrial:workshop", actor=province, reason="调整"
    )
    unit = make_enterprise(region=OWN_COUNTY)
    site = actions.create_space(unit, actor=None, kind="site", name="商场", venue_type="mall")
    room = actions.create_space(unit, actor=None, kind="room", name="库房", parent=site)
    actions.create_space(unit, actor=None, kind="area", name="中庭", parent=site)
    assert queries_spaces.unit_coverage(unit).gaps == [room]


def test_every_kind_and_venue_label_is_listed_for_the_page():
    parsed = coding_rules.parse(rules.defaults()["place_code_rules"])
    labels = dict(parsed.labels())
    assert len(labels) == len(VenueType.values)
    assert labels[VenueType.MALL.label] == [SpaceKind.DOOR.label, SpaceKind.ENCLOSED.label]
