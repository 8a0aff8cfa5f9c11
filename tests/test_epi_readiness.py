"""EPI-14: preparedness (常态常备), drills, the readiness score and its breakdown."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sibao.accounts.roles import Role
from sibao.core import rules as rule_set
from sibao.core.actions import change_rule_parameter
from sibao.core.models import AuditLog
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_listed, make_staff, make_user
from sibao.epidemic import actions, queries_units, readiness
from sibao.epidemic.models import Preparedness

# A unit of 250 staff (no roster yet: its registered employees count). With the default norms
# (one patrol post per 200 staff, one observation room per 100, 7 days of stock):
#   patrol posts ≥ ceil(250/200) = 2, rooms ≥ ceil(250/100) = 3,
#   masks ≥ 250 × 2 × 7 = 3500, suits ≥ 250 × 0.05 × 7 = 87.5 → 88, gloves ≥ 1750,
#   disinfectant ≥ 88, sanitizer ≥ 250 × 0.02 × 7 = 35, thermometers ≥ 3.5 → 4,
#   antigen kits ≥ 250 × 0.3 × 7 = 525.
FIXTURE = {
    "task_force_leader": "王五（副总经理）",  # met: 15
    "task_force_members": 6,
    "has_prevention_plan": True,  # met: 5
    "has_contingency_plan": False,  # not met: 0 of 5
    "patrol_posts": 2,  # met: 10
    "observation_rooms": 2,  # 2 < 3: 0 of 10
    "masks": 3500,  # met: 5
    "protective_suits": 87,  # 87 < 88: 0 of 5
    "gloves": 2000,  # met: 5
    "disinfectant_litres": 88,  # met: 5
    "sanitizer_bottles": 35,  # met: 5
    "thermometers": 4,  # met: 5
    "antigen_kits": 500,  # 500 < 525: 0 of 5
}
# plus a drill 30 days ago (within 90): 20  →  15+5+10+5+5+5+5+5+20 = 75
EXPECTED_SCORE = 75


@pytest.fixture
def unit(db):
    return make_enterprise(region=OWN_COUNTY, employees=250, name="中原备勤有限公司")


@pytest.fixture
def admin(unit):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit)


@pytest.fixture
def prepared(unit, admin):
    actions.update_preparedness(unit, actor=admin, **FIXTURE)
    today = queries_units.province_today()
    actions.record_drill(
        unit,
        actor=admin,
        held_on=today - datetime.timedelta(days=30),
        kind="drill",
        participants=40,
    )
    return unit


def province_office():
    return make_user(Role.HQ_OFFICE, "41")


@pytest.mark.req("EPI-14")
def test_the_score_and_breakdown_match_the_hand_computed_fixture(prepared):
    result = readiness.for_unit(prepared)
    assert result.staff == 250
    assert result.score == EXPECTED_SCORE
    items = {i.key: i for i in result.items}
    assert sum(i.weight for i in result.items) == 100
    assert (items["patrol_posts"].required, items["patrol_posts"].met) == (2, True)
    assert (items["observation_rooms"].required, items["observation_rooms"].actual) == (3, 2)
    assert not items["observation_rooms"].met
    assert items["stock_masks"].required == 3500 and items["stock_masks"].met
    assert items["stock_protective_suits"].required == 88
    assert not items["stock_protective_suits"].met
    assert items["stock_thermometers"].required == 4 and items["stock_thermometers"].met
    assert items["stock_antigen_kits"].required == 525 and not items["stock_antigen_kits"].met
    assert not items["contingency_plan"].met and items["task_force"].met and items["drill"].met
    # the weakest items are the heaviest ones missed
    assert [i.key for i in result.weakest] == [
        "observation_rooms",
        "contingency_plan",
        "stock_protective_suits",
    ]


@pytest.mark.req("EPI-14")
def test_the_score_moves_when_a_rule_set_parameter_changes(prepared):
    office = province_office()
    change_rule_parameter("staff_per_patrol_post", "100", actor=office, reason="加密流动哨")
    result = readiness.for_unit(prepared)
    patrol = next(i for i in result.items if i.key == "patrol_posts")
    assert (patrol.required, patrol.met) == (3, False)
    assert result.score == EXPECTED_SCORE - 10
    assert result.rule_version == rule_set.current().version
    change_rule_parameter("drill_interval_days", "20", actor=office, reason="演练更频繁")
    assert readiness.for_unit(prepared).score == EXPECTED_SCORE - 10 - 20
    change_rule_parameter("stock_norm_protective_suits", "0.04", actor=office, reason="调整定额")
    # 250 × 0.04 × 7 = 70 ≤ 87: the suits are now enough
    assert readiness.for_unit(prepared).score == EXPECTED_SCORE - 10 - 20 + 5


@pytest.mark.req("EPI-14")
def test_the_staff_count_is_the_active_roster_when_there_is_one(unit, admin):
    for _n in range(3):
        make_staff(unit)
    make_staff(unit, is_active=False)
    result = readiness.for_unit(unit)
    assert result.staff == 3
    rooms = next(i for i in result.items if i.key == "observation_rooms")
    assert rooms.required == 1


@pytest.mark.req("EPI-14")
def test_a_unit_without_any_record_scores_only_what_needs_nothing(db):
    empty = make_enterprise(region=OWN_COUNTY, employees=0)
    result = readiness.for_unit(empty)
    # no staff: no posts, rooms or stock are required; no leader, plans or drill
    assert result.score == 10 + 10 + 7 * 5
    assert result.has_record is False


def test_the_pure_evaluation_needs_no_database():
    rules = rule_set.RuleSet(0, rule_set.defaults())
    result = readiness.evaluate(
        staff=1000,
        values={"task_force_leader": "甲", "patrol_posts": 5, "observation_rooms": 10},
        last_drill_on=datetime.date(2026, 1, 1),
        today=datetime.date(2026, 4, 1),
        rules=rules,
    )
    # leader 15 + posts 10 + rooms 10 + drill (90 days) 20
    assert result.score == 55


@pytest.mark.req("EPI-14")
def test_updates_are_audited_and_bad_input_changes_nothing(prepared, admin):
    row = Preparedness.objects.get(enterprise=prepared)
    assert row.region_code == OWN_COUNTY
    actions.update_preparedness(prepared, actor=admin, observation_rooms=3)
    entry = AuditLog.objects.filter(action="preparedness.update").first()
    assert entry.changes == {"observation_rooms": [2, 3]}
    with pytest.raises(ValidationError):
        actions.update_preparedness(prepared, actor=admin, masks=-1, gloves=1)
    with pytest.raises(ValidationError):
        actions.update_preparedness(prepared, actor=admin, task_force_leader="")
    with pytest.raises(ValidationError):
        actions.update_preparedness(prepared, actor=admin, unknown_field=1)
    row.refresh_from_db()
    assert (row.masks, row.gloves, row.task_force_leader) == (3500, 2000, "王五（副总经理）")
    assert readiness.for_unit(prepared).score == EXPECTED_SCORE + 10


@pytest.mark.req("EPI-14")
def test_only_the_units_admin_keeps_its_preparedness_and_drills(prepared, unit):
    neighbour_admin = make_user(
        Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=make_enterprise(region=OWN_COUNTY)
    )
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    for actor in (neighbour_admin, office):
        with pytest.raises(PermissionDenied):
            actions.update_preparedness(unit, actor=actor, patrol_posts=9)
        with pytest.raises(PermissionDenied):
            actions.record_drill(unit, actor=actor, held_on=queries_units.province_today())


@pytest.mark.req("EPI-14")
def test_drills_in_the_future_are_refused(unit, admin):
    with pytest.raises(ValidationError):
        actions.record_drill(
            unit,
            actor=admin,
            held_on=queries_units.province_today() + datetime.timedelta(days=1),
        )


@pytest.mark.req("EPI-14")
def test_the_unit_page_shows_the_score_card_and_saves_the_form(prepared, admin, login):
    client = login(admin)
    url = reverse("epidemic:preparedness_unit", args=[prepared.pk])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert f'data-testid="readiness-score">{EXPECTED_SCORE}<' in body
    assert body.count('data-testid="item-unmet"') == 4
    form = {k: v for k, v in FIXTURE.items() if v is not False}
    form.update(observation_rooms=3, has_contingency_plan="on")
    answer = client.post(url, form)
    assert answer.status_code == 302
    assert readiness.for_unit(prepared).score == EXPECTED_SCORE + 10 + 5
    drill = client.post(
        reverse("epidemic:drill_add", args=[prepared.pk]),
        {
            "held_on": queries_units.province_today().isoformat(),
            "kind": "stress_test",
            "participants": 12,
            "findings": "转运流程偏慢",
        },
    )
    assert drill.status_code == 302


@pytest.mark.req("EPI-14")
def test_an_office_reads_the_score_card_but_gets_no_form(prepared, login):
    client = login(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    page = client.get(reverse("epidemic:preparedness_unit", args=[prepared.pk]))
    assert page.status_code == 200
    assert 'data-testid="preparedness-form"' not in page.content.decode()
    posted = client.post(
        reverse("epidemic:preparedness_unit", args=[prepared.pk]), {"patrol_posts": 9}
    )
    assert posted.status_code == 403


@pytest.mark.req("EPI-14")
def test_the_region_list_ranks_listed_units_weakest_first(
    prepared, login, django_assert_max_num_queries
):
    make_listed(prepared)
    weak = make_enterprise(region=OWN_COUNTY, employees=500, name="中原薄弱有限公司")
    make_listed(weak)
    make_enterprise(region=OWN_COUNTY, name="中原未入选有限公司")
    for _n in range(5):
        make_listed(make_enterprise(region=OWN_COUNTY, employees=50))
    client = login(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    with django_assert_max_num_queries(20):
        page = client.get(reverse("epidemic:readiness_list"))
    rows = page.context["rows"]
    assert len(rows) == 7
    assert rows[0][0].name == "中原薄弱有限公司"
    assert rows[-1][0] == prepared and rows[-1][1].score == EXPECTED_SCORE
    assert "中原未入选有限公司" not in page.content.decode()
    assert rows[0][1].weakest[0].key == "drill"


@pytest.mark.req("EPI-14")
def test_the_api_returns_and_updates_preparedness_with_its_score(
    prepared, admin, login, django_assert_max_num_queries
):
    client = login(admin)
    url = f"/api/preparedness/{prepared.pk}/"
    data = client.get(url).json()
    assert data["readiness"]["score"] == EXPECTED_SCORE
    assert data["patrol_posts"] == 2
    changed = client.patch(url, {"observation_rooms": 3}, content_type="application/json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["readiness"]["score"] == EXPECTED_SCORE + 10
    refused = client.patch(url, {"masks": -5}, content_type="application/json")
    assert refused.status_code == 400
    office = login(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    assert office.patch(url, {"masks": 1}, content_type="application/json").status_code == 403
    for _n in range(3):
        other = make_enterprise(region=OWN_COUNTY)
        actions.update_preparedness(other, actor=None, patrol_posts=1)
    with django_assert_max_num_queries(12):
        listed = office.get("/api/preparedness/")
    assert listed.json()["count"] == 4
    assert all("score" in r["readiness"] for r in listed.json()["results"])
    drills = office.get("/api/drills/", {"enterprise": prepared.pk}).json()
    assert drills["count"] == 1
    made = client.post(
        "/api/drills/",
        {
            "enterprise": prepared.pk,
            "held_on": queries_units.province_today().isoformat(),
            "kind": "drill",
        },
        content_type="application/json",
    )
    assert made.status_code == 201
