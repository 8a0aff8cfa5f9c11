"""WL-07: whitelist coverage per industry × region equals a hand computation; the candidates are
the fewest units that close the gap; the target comes from the rule set."""

from decimal import Decimal

import pytest
from django.test import Client

from sibao.accounts.roles import Role
from sibao.core import rules
from sibao.core.actions import change_rule_parameter
from sibao.core.testing import make_criteria_set, make_enterprise, make_user
from sibao.enterprises import actions
from sibao.enterprises.models import EnterpriseKind
from sibao.enterprises.queries import coverage, coverage_candidates
from sibao.regions.models import IndustryDomain, Region

D = Decimal


@pytest.fixture
def province_staff(departments):
    return make_user(Role.DEPARTMENT_STAFF, "41", department_kind="industry_it")


@pytest.fixture
def fixture(province_staff):
    """A small province: hand totals of industry "industry" in the comments.

    410102: A 1000 listed, B 500, M2 200 (park member), G 100        -> 1800, covered 1200
    410103: C project 2000 (investment), M1 300 (park member)         -> 2300, covered 300
    410202: E 800 removed from the list                               ->  800, covered 0
    not counted: the park itself (9999), a merged duplicate (5000), F of commerce (7000)
    """
    make_criteria_set(
        criteria=[
            ("J1", "", {"==": [{"var": "industry"}, "industry"]}),
            ("S1", "", {">=": [{"var": "output_value"}, 400]}),
        ]
    )
    u = {}
    u["A"] = make_enterprise("410102", output_value=1000, name="甲")
    u["B"] = make_enterprise("410102", output_value=500, name="乙")
    u["G"] = make_enterprise("410102", output_value=100, name="庚")
    u["P"] = make_enterprise("410102", output_value=9999, kind=EnterpriseKind.PARK, name="园区")
    u["M1"] = make_enterprise("410103", output_value=300, park=u["P"], name="园区成员一")
    u["M2"] = make_enterprise("410102", output_value=200, park=u["P"], name="园区成员二")
    u["C"] = make_enterprise(
        "410103", output_value=None, investment=2000, kind=EnterpriseKind.PROJECT, name="丙项目"
    )
    u["E"] = make_enterprise("410202", output_value=800, name="戊")
    u["dup"] = make_enterprise("410102", output_value=5000, merged_into=u["A"], name="甲（重复）")
    u["F"] = make_enterprise("410102", output_value=7000, industry="commerce", name="己商贸")
    staff = province_staff
    actions.add_unit(u["A"], actor=staff, tier="city", reason="重点企业")
    actions.add_unit(u["P"], actor=staff, tier="province", reason="园区整体纳入")
    entry = actions.add_unit(u["E"], actor=staff, tier="county", reason="临时纳入")
    actions.remove_unit(entry, actor=staff, reason="停产")
    commerce = make_user(Role.DEPARTMENT_STAFF, "41", department_kind="commerce")
    actions.add_unit(u["F"], actor=commerce, tier="city", reason="保供")
    return u


def _rows(industry="industry", region="41"):
    rows = coverage(
        IndustryDomain.objects.get(pk=industry), Region.objects.get(pk=region), rules.current()
    )
    return {row.region.code: row for row in rows}


@pytest.mark.req("WL-07")
def test_coverage_of_the_province_and_its_cities_equals_the_hand_computation(fixture):
    rows = _rows()
    province = rows["41"]
    assert province.is_self
    assert (province.total, province.covered) == (D("4900.00"), D("1500.00"))
    assert (province.units, province.covered_units) == (7, 3)
    assert province.ratio_pct == D("30.6")
    assert province.target_pct == 70
    assert province.gap == D("1930.00")  # 70 % of 4900 = 3430, minus 1500
    assert (rows["4101"].total, rows["4101"].covered) == (D("4100.00"), D("1500.00"))
    assert (rows["4102"].total, rows["4102"].covered) == (D("800.00"), D("0.00"))
    assert rows["4102"].ratio_pct == D("0.0")
    # every city of the province has a row, the empty ones with no ratio
    assert rows["419001"].total == 0 and rows["419001"].ratio_pct is None
    assert not rows["419001"].is_below_target
    assert len(rows) == 1 + Region.objects.filter(parent_id="41").count()


@pytest.mark.req("WL-07")
def test_coverage_of_a_city_has_one_row_per_county(fixture):
    rows = _rows(region="4101")
    assert (rows["4101"].total, rows["4101"].covered) == (D("4100.00"), D("1500.00"))
    assert (rows["410102"].total, rows["410102"].covered) == (D("1800.00"), D("1200.00"))
    assert rows["410102"].ratio_pct == D("66.7")
    assert (rows["410103"].total, rows["410103"].covered) == (D("2300.00"), D("300.00"))
    assert rows["410103"].ratio_pct == D("13.0")
    assert set(rows) == {"4101"} | set(
        Region.objects.filter(parent_id="4101").values_list("code", flat=True)
    )


@pytest.mark.req("WL-07")
def test_a_county_row_stands_alone(fixture):
    rows = _rows(region="410102")
    assert list(rows) == ["410102"]
    assert rows["410102"].gap == D("60.00")  # 70 % of 1800 = 1260, minus 1200


@pytest.mark.req("WL-07")
def test_other_industries_have_their_own_coverage(fixture):
    rows = _rows(industry="commerce", region="4101")
    assert (rows["4101"].total, rows["4101"].covered) == (D("7000.00"), D("7000.00"))
    assert rows["4101"].ratio_pct == D("100.0") and not rows["4101"].is_below_target


@pytest.mark.req("WL-07")
def test_changing_the_rule_set_moves_the_target(fixture):
    officer = make_user(Role.HQ_OFFICE, "41")
    change_rule_parameter("coverage_target_pct", 90, actor=officer, reason="提高目标")
    row = _rows(region="4101")["4101"]
    assert row.target_pct == 90
    assert row.gap == D("2190.00")  # 90 % of 4100 = 3690, minus 1500


def _candidates(region, industry="industry"):
    return coverage_candidates(
        IndustryDomain.objects.get(pk=industry), Region.objects.get(pk=region), rules.current()
    )


@pytest.mark.req("WL-07")
def test_the_candidates_are_the_fewest_units_that_close_the_gap(fixture):
    result = _candidates("41")
    # gap 1930: the 2000 project alone closes it; the merged duplicate (5000) is never proposed
    assert [c.enterprise.name for c in result.candidates] == ["丙项目"]
    assert result.closes_gap
    officer = make_user(Role.HQ_OFFICE, "41")
    change_rule_parameter("coverage_target_pct", 90, actor=officer, reason="提高目标")
    result = _candidates("4101")
    # gap 2190: 2000 is not enough, 2000 + 500 is; 100 is not needed
    assert [c.enterprise.name for c in result.candidates] == ["丙项目", "乙"]
    assert [c.cumulative for c in result.candidates] == [D("2000.00"), D("2500.00")]
    assert result.closes_gap


@pytest.mark.req("WL-07")
def test_candidates_say_whether_they_meet_the_published_criteria(fixture):
    officer = make_user(Role.HQ_OFFICE, "41")
    change_rule_parameter("coverage_target_pct", 100, actor=officer, reason="全覆盖")
    result = _candidates("410102")
    flags = {c.enterprise.name: (c.criteria, c.qualified_tier) for c in result.candidates}
    # 乙 (500 ≥ 400) meets by registry data; 庚 (100) does not; park members are covered already
    assert flags == {"乙": ("met", "county"), "庚": ("not_met", "")}
    assert result.closes_gap
    # a project reports investment, not output value: the check cannot decide
    result = _candidates("410103")
    assert [(c.enterprise.name, c.criteria) for c in result.candidates] == [
        ("丙项目", "undetermined")
    ]


@pytest.mark.req("WL-07")
def test_a_region_on_target_has_no_candidates(fixture):
    result = _candidates("41", industry="commerce")
    assert result.candidates == [] and not result.row.is_below_target


@pytest.mark.req("WL-07")
def test_when_the_units_cannot_close_the_gap_all_are_listed_and_it_says_so(fixture):
    officer = make_user(Role.HQ_OFFICE, "41")
    change_rule_parameter("coverage_target_pct", 100, actor=officer, reason="全覆盖")
    # 4102 needs 800; only 戊 (800) is there, which closes it exactly
    assert [c.enterprise.name for c in _candidates("4102").candidates] == ["戊"]
    # the province needs 3400 and every candidate together has exactly that
    result = _candidates("41")
    assert [c.enterprise.name for c in result.candidates] == ["丙项目", "戊", "乙", "庚"]
    assert result.closes_gap


@pytest.mark.req("WL-07")
def test_the_coverage_page_shows_the_table_chart_and_candidates(fixture, login):
    officer = make_user(Role.HQ_OFFICE, "4101")
    client = login(officer)
    response = client.get("/enterprises/coverage/", {"industry": "industry", "region": "410102"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "66.7%" in page and f'href="/enterprises/{fixture["B"].pk}/"' in page
    assert "已达标，可纳入" in page  # 乙 meets the published criteria
    # the city: a chart with the target line, counties linked for drill-down
    response = client.get("/enterprises/coverage/", {"industry": "industry"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "echarts.min.js" in page and '"target": 70.0' in page
    assert "region=410102" in page


@pytest.mark.req("WL-07")
@pytest.mark.req("ORG-04")
def test_a_region_outside_the_users_scope_is_not_found(fixture, login):
    officer = make_user(Role.HQ_OFFICE, "4101")
    client = login(officer)
    assert client.get("/enterprises/coverage/", {"region": "4102"}).status_code == 404
    assert client.get("/enterprises/coverage/", {"region": "41"}).status_code == 404
    assert (
        client.get("/api/coverage/", {"region": "4102", "industry": "industry"}).status_code == 404
    )
    # a department sees its own industries only
    staff = make_user(Role.DEPARTMENT_STAFF, "4101", department_kind="industry_it")
    client = login(staff)
    assert client.get("/enterprises/coverage/", {"industry": "commerce"}).status_code == 404
    assert client.get("/enterprises/coverage/", {"industry": "industry"}).status_code == 200


@pytest.mark.req("WL-07")
def test_the_coverage_api_answers_the_same_numbers(fixture, login):
    client = login(make_user(Role.HQ_OFFICE, "41"))
    response = client.get("/api/coverage/", {"industry": "industry", "region": "4101"})
    assert response.status_code == 200
    data = response.json()
    assert data["target_pct"] == 70
    first = data["rows"][0]
    assert (first["region"], first["total_value"], first["covered_value"]) == (
        "4101",
        "4100.00",
        "1500.00",
    )
    assert [c["name"] for c in data["candidates"]] == ["丙项目"]
    assert data["candidates"][0]["criteria"] == "undetermined"
    assert Client().get("/api/coverage/").status_code == 401


@pytest.mark.req("WL-07")
def test_coverage_costs_the_same_queries_however_many_units_there_are(fixture, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(make_user(Role.HQ_OFFICE, "41"))
    params = {"industry": "industry", "region": "41"}

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/coverage/", params).status_code == 200
        return len(queries)

    before = count()
    for code in ("410105", "410302", "411502"):
        for _n in range(10):
            make_enterprise(code, output_value=1)  # too small to change the candidates
    assert count() == before
    assert before <= 20
