"""MON-01: the board's map (示意图) — every polygon of the vendored map files matches a region of
the region table (Luoyang's 2021 codes mapped), and the map's JSON data is scoped like the page."""

import json

import pytest

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_user, make_whitelisted
from sibao.dashboard import maps
from sibao.regions.models import Region
from tests.mon_board_support import board_panels  # noqa: F401


@pytest.mark.req("MON-01")
def test_every_polygon_of_every_vendored_map_resolves_to_a_region(db):
    regions = {r.code: r for r in Region.objects.all()}
    files = sorted(maps.MAPS_DIR.glob("*.json"))
    assert len(files) == 18  # the province and its 17 cities (济源 and the counties have none)
    for path in files:
        parent = maps.region_code(path.stem)
        assert maps.map_path(parent) == path
        adcodes = [
            str(f["properties"]["adcode"])
            for f in json.loads(path.read_text(encoding="utf-8"))["features"]
        ]
        resolved = maps.features(parent)
        for adcode in adcodes:
            if adcode in maps.UNMATCHED_FEATURES:
                continue
            code = resolved[adcode]
            assert code in regions, (path.name, adcode)
            assert regions[code].parent_id == parent, (path.name, adcode, code)
        # each administrative child is drawn exactly once; only functional zones (开发区,
        # 航空港区 …) have no polygon: the board lists them in the table, marked as not drawn
        drawn = list(resolved.values())
        assert len(drawn) == len(set(drawn)), path.name
        children = [r for r in regions.values() if r.parent_id == parent]
        missing = [r for r in children if r.code not in drawn]
        assert all(r.is_statistical_zone for r in missing), (path.name, missing)
    luoyang = maps.features("4103")
    assert luoyang["410306"] == "410308" and luoyang["410381"] == "410307"  # 孟津区, 偃师区
    assert "410173" not in maps.features("4101").values()  # 航空港区: table only
    assert maps.map_path(OWN_COUNTY) is None and maps.map_path("419001") is None


@pytest.mark.req("MON-01")
@pytest.mark.usefixtures("board_panels")
def test_the_map_data_gives_each_child_its_value_link_and_drill_down(personas, login):
    make_whitelisted(region="410307")  # 偃师区: drawn under its pre-2021 code
    make_enterprise(region="410371")  # 洛阳高新区: a functional zone without polygon
    province = login(make_user(Role.HQ_LEADER, "41"))

    data = province.get("/dashboard/map-data/", {"region": "4103", "indicator": "listed"}).json()
    assert data["geo_url"].endswith("/vendor/maps/410300.json")
    assert data["indicator"] == {"key": "listed", "label": "白名单单位数", "unit": "家"}
    children = {c["code"]: c for c in data["children"]}
    assert children["410307"]["value"] == 1 and children["410307"]["has_polygon"]
    assert children["410307"]["url"] == "/enterprises/?region=410307&whitelist=listed"
    assert children["410371"]["value"] == 0 and not children["410371"]["has_polygon"]
    assert children["410308"]["has_polygon"] and data["features"]["410306"] == "410308"
    assert all(c["drillable"] for c in data["children"])
    assert data["computed_at"]

    county = province.get("/dashboard/map-data/", {"region": "410307"}).json()
    assert county["geo_url"] is None and county["children"] == []
    assert {row["key"]: row["value"] for row in county["own"]} == {"units": 1, "listed": 1}

    office = login(personas["own_county"])
    assert office.get("/dashboard/map-data/", {"region": "4103"}).status_code == 404
    own = office.get("/dashboard/map-data/").json()
    assert own["region"]["code"] == OWN_COUNTY and own["own"][0]["value"] == 1
