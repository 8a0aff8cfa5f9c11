"""MON-03: the status list (latest status per unit, its filters and export), the board's
production panel and map indicators (every number equals the list it links to), the region trend
with its drill-down, and a unit's trend on its page and as a panel of the unit's page.

The dataset (today = the province's today; industries 工业 industry and 商贸 commerce):

- 410102 (中原区): A (the personas' own unit, 工业, listed) operating today at 90 %, raw material
  for 20 days; B (工业, listed) partial today at 50 %, raw material for 3 days; C (商贸, listed)
  last reported four days ago, operating at 80 %; D (工业, listed) never reported; E (商贸, not
  listed) suspended today.
- 410103 (二七区): F (工业, listed) operating today at 70 %; G (工业, listed) suspended yesterday.
- 410202 (开封龙亭区): H (工业, listed) operating today.
"""

import io

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_listed, make_user
from tests.mon_production_support import day, put_report
from tests.mon_support import assert_figures_match_lists, board, figures, list_count

pytestmark = pytest.mark.req("MON-03")

CITY, SIBLING = "4101", "410103"
LIST = "/enterprises/production/"


@pytest.fixture(autouse=True)
def no_cache():
    # a board cached by an earlier test with the same grants would answer its counts
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def units(personas, own_enterprise):
    found = {"A": own_enterprise}

    def unit(name, region, industry="industry", listed=True):
        found[name] = make_enterprise(region=region, industry=industry, name=f"产能{name}有限公司")
        if listed:
            make_listed(found[name])
        return found[name]

    make_listed(own_enterprise)
    for name, region, industry, listed in (
        ("B", OWN_COUNTY, "industry", True),
        ("C", OWN_COUNTY, "commerce", True),
        ("D", OWN_COUNTY, "industry", True),
        ("E", OWN_COUNTY, "commerce", False),
        ("F", SIBLING, "industry", True),
        ("G", SIBLING, "industry", True),
        ("H", OTHER_COUNTY, "industry", True),
    ):
        unit(name, region, industry, listed)
    put_report(found["A"], -1, capacity=85, staff=48)
    put_report(found["A"], 0, capacity=90, staff=50, raw=20)
    put_report(found["B"], 0, state="partial", capacity=50, staff=30, raw=3, note="缺少芯片")
    put_report(found["C"], -4, capacity=80, staff=20)
    put_report(found["E"], 0, state="suspended", capacity=0, staff=2)
    put_report(found["F"], 0, capacity=70, staff=10)
    put_report(found["G"], -1, state="suspended", capacity=0, staff=1)
    put_report(found["H"], 0, capacity=60, staff=5)
    return found


def lister(units):
    """``names(client, query)``: the letters of the units the list shows."""
    letters = {unit.pk: letter for letter, unit in units.items()}

    def names(client, query: str = "") -> set[str]:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200
        return {letters[row.pk] for row in response.context["object_list"]}

    return names


def test_the_list_shows_each_units_latest_status_with_its_filters(units, personas, login):
    names = lister(units)
    letters = {unit.pk: letter for letter, unit in units.items()}
    client = login(personas["own_county"])
    response = client.get(LIST)
    page = response.content.decode()
    assert names(client) == set("ABCDE")
    rows = {letters[row.pk]: row for row in response.context["object_list"]}
    assert (rows["A"].current_state, rows["A"].current_capacity) == ("operating", 90)
    assert rows["D"].current_state is None and 'data-testid="state-none"' in page
    assert rows["C"].current_on == day(-4) and 'data-testid="not-today"' in page
    assert list(rows)[:2] == ["D", "C"]  # longest without a report first

    assert names(client, "state=partial") == {"B"}
    assert names(client, "state=none") == {"D"}
    assert names(client, "industry=commerce") == {"C", "E"}
    assert names(client, "stale=1") == {"C", "D"}  # not reported today
    assert names(client, "stale=5") == {"D"}
    assert names(client, "raw_below=7") == {"B"}
    assert names(client, "raw_below=25") == {"A", "B"}
    assert names(client, "q=产能B") == {"B"}
    assert names(client, f"region={SIBLING}") == set()
    assert names(login(personas["other_county"])) == {"H"}
    assert names(login(personas["enterprise_admin"])) == {"A"}

    city = login(make_user(Role.HQ_OFFICE, CITY))
    assert names(city, "stale=1") == {"C", "D", "G"}
    assert names(city, f"region={SIBLING}&state=suspended") == {"G"}
    # a department reaches its industries only
    commerce = login(make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="commerce"))
    assert names(commerce) == {"C", "E"}

    partial = client.get(LIST, {"state": "partial"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and "产能B有限公司" in partial.content.decode()

    export = client.get("/enterprises/production/export/?industry=industry")
    data = b"".join(export.streaming_content)
    lines = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert len(lines) == 1 + 3  # A, B, D
    assert {line[5] for line in lines[1:]} == {"正常生产", "部分生产", "未填报"}
    assert AuditLog.objects.filter(action="production.export").count() == 1
    assert (
        login(personas["enterprise_admin"]).get("/enterprises/production/export/").status_code
        == 403
    )


def test_the_list_reads_in_a_fixed_number_of_queries(
    units, personas, login, django_assert_max_num_queries
):
    client = login(personas["own_county"])
    client.get(LIST)  # the session and the rule set warm up
    with django_assert_max_num_queries(12):
        assert client.get(LIST).status_code == 200


def test_the_panel_figures_equal_the_lists_they_link_to(units, personas, login):
    client = login(personas["own_county"])
    response = board(client)
    found = {k: f for k, f in figures(response).items() if k.startswith("production.")}
    assert {k: f.value for k, f in found.items() if f.url} == {
        "production.operating": 2,  # A today, C four days ago
        "production.partial": 1,
        "production.suspended": 1,
        "production.not_reported": 2,  # C and D (three days)
        "production.raw_material_low": 1,
    }
    assert str(found["production.average_capacity"].value) == "55.0"  # A, B, C, E
    assert assert_figures_match_lists(client, response, set(found)) == 5

    city = login(make_user(Role.HQ_OFFICE, CITY))
    response = board(city)
    mine = {k: f.value for k, f in figures(response).items() if k.startswith("production.")}
    assert mine["production.suspended"] == 2 and mine["production.not_reported"] == 2
    assert assert_figures_match_lists(city, response, set(mine)) == 5

    # the map indicators per child region, each linked to its list
    for key, expected in (
        ("production_operating_share", {OWN_COUNTY: 40.0, SIBLING: 50.0}),
        ("production_average_capacity", {OWN_COUNTY: 55.0, SIBLING: 35.0}),
    ):
        answer = city.get(f"/dashboard/map-data/?region={CITY}&indicator={key}")
        assert answer.status_code == 200
        rows = {row["code"]: row for row in answer.json()["children"]}
        assert {code: rows[code]["value"] for code in expected} == expected
        if key == "production_operating_share":
            for code in expected:
                assert list_count(city, rows[code]["url"]) == {OWN_COUNTY: 2, SIBLING: 1}[code]


def test_the_region_trend_counts_each_day_and_drills_down(units, personas, login):
    city = login(make_user(Role.HQ_OFFICE, CITY))
    response = city.get(f"/enterprises/production/trend/?region={CITY}&days=7")
    assert response.status_code == 200
    trend = response.context["trend"]
    assert [d.day for d in trend] == [day(n) for n in range(-6, 1)]
    today, yesterday = trend[-1], trend[-2]
    assert (today.reported, today.operating, today.partial, today.suspended) == (4, 2, 1, 1)
    assert (str(today.capacity), today.staff) == ("52.5", 92)  # A 90, B 50, E 0, F 70
    assert (yesterday.reported, yesterday.suspended, yesterday.staff) == (2, 1, 49)
    assert trend[-5].reported == 1 and trend[0].reported == 0
    children = {row.region.code: row.summary for row in response.context["children"]}
    assert (children[OWN_COUNTY].units, children[OWN_COUNTY].operating) == (5, 2)
    assert (children[SIBLING].suspended, str(children[SIBLING].capacity)) == (1, "35.0")
    page = response.content.decode()
    assert f'href="?region={OWN_COUNTY}&amp;days=7"' in page
    assert 'id="trend-data"' in page and '"suspended": [0, 0, 0, 0, 0, 1, 1]' in page

    county = city.get(f"/enterprises/production/trend/?region={OWN_COUNTY}&days=7")
    assert county.context["trend"][-1].reported == 3
    assert [a.code for a in county.context["ancestors"]] == [CITY]
    assert county.context["own"].stale == 2

    assert (
        login(personas["other_county"])
        .get(f"/enterprises/production/trend/?region={CITY}")
        .status_code
        == 404
    )
    assert (
        login(personas["enterprise_admin"]).get("/enterprises/production/trend/").status_code == 403
    )


def test_a_units_trend_on_its_page_and_as_a_panel(units, personas, login):
    unit = units["A"]
    client = login(personas["enterprise_admin"])
    page = client.get(f"/enterprises/{unit.pk}/production/")
    assert page.status_code == 200
    assert [r.reported_on for r in page.context["reports"]] == [day(0), day(-1)]
    assert page.context["chart"]["capacity"] == [85, 90]
    assert page.context["can_report"] is True
    detail = client.get(f"/enterprises/{unit.pk}/").content.decode()
    assert f'hx-get="/enterprises/{unit.pk}/production/panel/"' in detail
    panel = client.get(f"/enterprises/{unit.pk}/production/panel/").content.decode()
    assert 'data-testid="unit-panel-chart"' in panel and 'data-testid="state-operating"' in panel

    office = login(personas["own_county"])
    seen = office.get(f"/enterprises/{units['B'].pk}/production/")
    assert seen.context["can_report"] is False and "缺少芯片" in seen.content.decode()
    assert client.get(f"/enterprises/{units['B'].pk}/production/").status_code == 404
    assert (
        login(personas["other_county"]).get(f"/enterprises/{unit.pk}/production/panel/").status_code
        == 404
    )
