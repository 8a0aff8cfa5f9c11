"""MON-01: the board's whitelist/coverage panel and its operations panel (emergency, closed loop,
shutdowns, incidents) with their map indicators — every number equals the list it links to for
the province, a city and a county official, the coverage percentages equal the coverage page; a
county official counts only its county; a department official sees only its industry; a role that
may not read a model gets no figure for it.

The dataset (now = the real clock; the lists compare against it too), industries 工业 (industry)
and 商贸 (commerce):

- 410102 (中原区): A 工业 listed (county tier, output 10 000) under an approved shutdown and with
  an open incident; B 工业 not listed (5 000) with an application waiting for review; C 商贸
  listed (city tier, 8 000); park P (工业) listed with its member M (工业, 3 000, covered through
  the park); project J (重点项目, investment 2 000) not listed; park Q (交通) listed, without
  members; a merged record of B (history).
- 410103 (二七区), in emergency since yesterday: D 工业 listed (province tier, 6 000), in closed
  loop through the switch; F 工业 not listed (4 000) with an application waiting for review.
- 410202 (开封龙亭区), announced for emergency an hour ago (the loops start later): G 工业 listed
  with a shutdown request still waiting for the province; H 商贸 listed with an open incident
  and a resumed one.
"""

import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.command import actions as command_actions
from sibao.command.models import Incident
from sibao.core import rules
from sibao.core.testing import (
    ensure_departments,
    make_criteria_set,
    make_enterprise,
    make_listed,
    make_shutdown,
    make_user,
    pass_second_factor,
    put_in_emergency,
)
from sibao.dashboard import panels
from sibao.dashboard.panels.command import operations
from sibao.dashboard.panels.whitelist import whitelist
from sibao.enterprises import actions as enterprise_actions
from sibao.regions.models import IndustryDomain, Region
from tests.mon_support import assert_figures_match_lists, board, figures, list_count

pytestmark = pytest.mark.req("MON-01")

PANELS = ("whitelist", "operations")
INDICATORS = ("whitelisted", "coverage", "in_loop", "shut_down", "open_incidents", "emergency")
CITY, COUNTY, SIBLING, OTHER = "4101", "410102", "410103", "410202"


@pytest.fixture(autouse=True)
def no_cache():
    # a board cached by an earlier test with the same grants would answer its counts
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dataset(db):
    ensure_departments("41", CITY, COUNTY, SIBLING, "4102", OTHER)
    make_criteria_set(region="41", criteria=[("R1", "", None)])  # a reviewer decides
    units = {}

    def unit(name, region, industry="industry", listed=None, **fields):
        units[name] = make_enterprise(
            region=region, industry=industry, name=f"{name}单位", **fields
        )
        if listed:
            make_listed(units[name], tier=listed)
        return units[name]

    unit("A", COUNTY, listed="county", output_value=10000)
    unit("B", COUNTY, output_value=5000)
    unit("C", COUNTY, "commerce", listed="city", output_value=8000)
    unit("P", COUNTY, listed="county", kind="park", output_value=None)
    unit("M", COUNTY, park=units["P"], output_value=3000)
    unit("J", COUNTY, "key_project", kind="project", output_value=None, investment=2000)
    unit("Q", COUNTY, "transport", listed="county", kind="park", output_value=None)
    unit("B2", COUNTY, output_value=900, merged_into=units["B"])
    unit("D", SIBLING, listed="province", output_value=6000)
    unit("F", SIBLING, output_value=4000)
    unit("G", OTHER, listed="county", output_value=7000)
    unit("H", OTHER, "commerce", listed="county", output_value=1000)
    for name in ("B", "F"):
        enterprise_actions.submit_application(units[name], actor=None, statement="申请纳入")

    put_in_emergency(SIBLING, hours_ago=rules.current()["emergency_advance_notice_hours"] + 24)
    put_in_emergency(OTHER, hours_ago=1)  # announced, not in force yet
    make_shutdown(units["A"])
    make_shutdown(units["G"], approve=False)
    for name in ("A", "H", "H"):
        incident = command_actions.open_incident(
            units[name], actor=None, kind="symptom", description="员工发热 38.2℃"
        )
    # H's second incident is over (resumed): only open ones count
    Incident.objects.filter(pk=incident.pk).update(
        status=Incident.Status.RESUMED, closed_at=timezone.now()
    )
    return units


def _officials():
    return {
        "province": make_user(Role.HQ_OFFICE, "41", username="province"),
        "city": make_user(Role.HQ_OFFICE, CITY, username="city"),
        "county": make_user(Role.HQ_OFFICE, COUNTY, username="county"),
    }


def _mine(response) -> dict:
    return {k: f for k, f in figures(response).items() if k.split(".")[0] in PANELS}


def _assert_coverage_matches_the_coverage_page(client, response) -> int:
    """Each industry's coverage figure (a ratio: it links to no list) equals the ratio the
    coverage page shows for that industry and region; returns how many were compared."""
    region = response.context["region"].code
    panel = next(p for p in response.context["panels"] if p.key == "whitelist")
    compared = 0
    for label, row in panel.rows:
        figure = next((f for f in row if f.key == "coverage"), None)
        if figure is None:
            continue
        industry = IndustryDomain.objects.get(name=label).code
        page = client.get(f"/enterprises/coverage/?region={region}&industry={industry}")
        assert page.status_code == 200
        assert figure.value == page.context["own"].ratio_pct, (label, figure.value)
        compared += 1
    return compared


def test_every_figure_equals_its_list_for_province_city_and_county(dataset, login):
    officials = _officials()
    seen = {}
    for level, user in officials.items():
        client = login(user)
        response = board(client)
        found = _mine(response)
        seen[level] = found
        assert {p.key for p in response.context["panels"]} >= set(PANELS)
        linked = [k for k, f in found.items() if f.url]
        assert assert_figures_match_lists(client, response, linked) == len(linked) > 10
        assert _assert_coverage_matches_the_coverage_page(client, response) >= 2
        state = client.get(f"/command/emergency/regions/{response.context['region'].code}/")
        in_emergency = state.context["preview"].status == "emergency"
        assert found["operations.region_state"].value == int(in_emergency)

    # a county's own state: in emergency (二七区), announced (龙亭区: still 0, as a warning)
    client = login(officials["province"])
    sibling = figures(board(client, SIBLING))["operations.region_state"]
    other = figures(board(client, OTHER))["operations.region_state"]
    assert (sibling.value, sibling.tone, other.value, other.tone) == (1, "danger", 0, "warning")

    county, city = seen["county"], seen["city"]
    value = {level: {k: f.value for k, f in found.items()} for level, found in seen.items()}
    # the county counts its own units only: A, C and the parks P and Q are listed there
    assert value["county"]["whitelist.listed"] == 4
    assert value["city"]["whitelist.listed"] == 5  # + D in 二七区
    assert value["province"]["whitelist.listed"] == 7  # + G, H in 开封
    # a park counts as one unit (WL-02) but has no scale value: its industry has none to cover
    assert value["county"]["whitelist.交通运输.listed"] == 1
    assert value["county"]["whitelist.交通运输.candidates"] == 0
    assert value["county"]["whitelist.交通运输.coverage"] is None
    assert value["county"]["whitelist.工业生产.candidates"] == 1  # B: M is covered by its park
    assert value["county"]["whitelist.applications"] == 1
    assert value["city"]["whitelist.applications"] == 2
    # emergency: 二七区 in force, 龙亭区 only announced
    assert value["county"]["operations.region_state"] == 0
    assert value["county"]["operations.emergency_units"] == 0
    assert value["city"]["operations.emergency_units"] == 1
    assert value["province"]["operations.emergency_units"] == 1
    assert value["county"]["operations.in_loop"] == 0
    assert value["province"]["operations.in_loop"] == 1  # 开封's loops start later
    assert value["county"]["operations.shut_down"] == value["province"]["operations.shut_down"] == 1
    assert value["county"]["operations.incidents"] == 1
    assert value["province"]["operations.incidents"] == 2
    # coverage of 工业 in 中原区: A 10 000 + M 3 000 (through P) of A, B, M = 18 000
    assert county["whitelist.工业生产.coverage"].value == Decimal("72.2")
    assert county["whitelist.工业生产.coverage"].tone == "success"
    assert city["whitelist.工业生产.coverage"].tone == "danger"  # 19 000 of 28 000: 67.9 %
    assert county["operations.region_state"].tone == ""


def test_the_indicators_equal_the_linked_lists_per_child(dataset, login):
    user = make_user(Role.HQ_OFFICE, "41", username="province")
    client = login(user)
    values = {}
    for region, children in (("41", (CITY, "4102", "4103")), (CITY, (COUNTY, SIBLING, "410104"))):
        for key in INDICATORS:
            answer = client.get(f"/dashboard/map-data/?region={region}&indicator={key}")
            assert answer.status_code == 200
            rows = {row["code"]: row for row in json.loads(answer.content)["children"]}
            values[region, key] = {code: rows[code]["value"] for code in children}
            for code in children:
                row = rows[code]
                if key == "coverage":
                    if row["value"] is None:  # no units there
                        continue
                    # the child's own board shows the same overall coverage
                    own = figures(board(client, code))["whitelist.coverage"]
                    assert row["value"] == pytest.approx(float(own.value))
                elif key == "emergency":
                    page = client.get(row["url"])
                    assert row["value"] == int(page.context["preview"].status == "emergency")
                else:
                    assert row["value"] == list_count(client, row["url"]), (region, key, code)
    assert values["41", "whitelisted"] == {CITY: 5, "4102": 2, "4103": 0}
    assert values[CITY, "coverage"] == {COUNTY: 75.0, SIBLING: 60.0, "410104": None}
    assert values["41", "emergency"] == {CITY: 0, "4102": 0, "4103": 0}
    assert values[CITY, "emergency"] == {COUNTY: 0, SIBLING: 1, "410104": 0}
    assert values[CITY, "in_loop"] == {COUNTY: 0, SIBLING: 1, "410104": 0}
    assert values["41", "open_incidents"] == {CITY: 1, "4102": 1, "4103": 0}


def test_a_department_official_sees_its_industry_only(dataset, login):
    department = make_user(Role.DEPARTMENT_STAFF, CITY, department_kind="industry_it")
    client = login(department)
    response = board(client)
    found = _mine(response)
    rows = next(p for p in response.context["panels"] if p.key == "whitelist").rows
    assert [label for label, _figures in rows] == ["工业生产"]
    assert found["whitelist.listed"].value == 3  # A, P and D; not C (商贸)
    # a reviewer's pending applications are its review queue
    assert "/applications/queue/" in found["whitelist.applications"].url
    linked = [k for k, f in found.items() if f.url]
    assert assert_figures_match_lists(client, response, linked) == len(linked) > 5
    assert _assert_coverage_matches_the_coverage_page(client, response) == 1

    # a role that may not read applications gets no figure for them (the health office)
    health = make_user(Role.HEALTH_OFFICE, CITY)
    client = pass_second_factor(login(health), health)
    found = _mine(board(client))
    assert "whitelist.listed" in found and "whitelist.applications" not in found


def test_each_panel_counts_in_a_few_aggregate_queries(dataset):
    user = make_user(Role.HQ_OFFICE, "41")
    user.active_grants()  # the grants are read once per request, before any panel
    ctx = panels.BoardContext(
        user=user,
        region=Region.objects.get(code="41"),
        rules=rules.current(),
        today=timezone.localdate(),
        now=timezone.now(),
    )
    for provider, pinned in ((whitelist, 3), (operations, 3)):
        with CaptureQueriesContext(connection) as queries:
            assert provider(ctx) is not None
        assert len(queries) == pinned, [q["sql"] for q in queries]
    for indicator in panels.indicators():
        if indicator.key not in INDICATORS:
            continue
        children = list(Region.objects.filter(parent_id="41"))
        with CaptureQueriesContext(connection) as queries:
            indicator.values(ctx, children)
        assert len(queries) == 1, (indicator.key, [q["sql"] for q in queries])
