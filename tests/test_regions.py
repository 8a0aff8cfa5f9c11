import pytest

from sibao.regions.loading import load_regions
from sibao.regions.models import Region


@pytest.mark.req("ORG-01")
def test_the_henan_tree_has_its_cities_counties_and_zones(db):
    assert Region.objects.get(code="41").level == "province"
    cities = Region.objects.filter(level="city")
    assert cities.count() == 18  # 17 prefecture cities and 济源示范区
    assert cities.filter(parent_id="41").count() == 18
    jiyuan = Region.objects.get(code="419001")
    assert jiyuan.name == "济源市" and jiyuan.parent_id == "41"
    administrative = Region.objects.filter(level="county", is_statistical_zone=False).count()
    assert administrative + 1 == 157  # 156 counties, districts and county-level cities, plus 济源
    zones = Region.objects.filter(is_statistical_zone=True)
    assert zones.count() == 24
    assert zones.filter(code="410173", name="郑州航空港经济综合实验区").exists()
    # every county hangs under the city its code starts with
    for county in Region.objects.filter(level="county"):
        assert county.code.startswith(county.parent_id)


@pytest.mark.req("ORG-01")
def test_loading_the_table_again_changes_nothing(db):
    before = list(Region.objects.values_list("code", "name", "parent_id", "level"))
    load_regions(Region)
    assert list(Region.objects.values_list("code", "name", "parent_id", "level")) == before


@pytest.mark.req("ORG-01")
def test_a_region_page_lists_its_children_and_what_belongs_to_it(personas, login, own_enterprise):
    client = login(personas["own_county"])
    page = client.get("/regions/4101/").content.decode()
    assert "中原区" in page and "郑州航空港经济综合实验区" in page
    county = client.get("/regions/410102/").content.decode()
    assert own_enterprise.name in county
    overview = client.get("/regions/").content.decode()
    assert "济源市" in overview and "157" in overview


@pytest.mark.req("ORG-01")
def test_the_api_lists_regions_with_filters(personas, login):
    client = login(personas["own_county"])
    data = client.get("/api/regions/", {"parent": "4101", "is_statistical_zone": "true"}).json()
    codes = {row["code"] for row in data["results"]}
    assert "410173" in codes and "410102" not in codes
    assert client.get("/api/regions/410173/").json()["is_statistical_zone"] is True
    assert client.get("/api/regions/999999/").status_code == 404
