"""EPI-17: vaccination (应接尽接) as an aggregate per unit and per region: staff on duty,
vaccinated (at least one dose), fully vaccinated (the rule set's number of doses), rates."""

import pytest

from sibao.accounts.roles import Role
from sibao.core import actions as core_actions
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_staff, make_user


@pytest.fixture
def staff(own_enterprise, other_enterprise):
    """Own unit: doses 0, 1, 2, 3, unknown, and a deactivated person with 3 (not counted);
    a second own-county unit: 2, 2; another county's unit: 1."""
    for doses in (0, 1, 2, 3, None):
        make_staff(own_enterprise, vaccine_doses=doses)
    make_staff(own_enterprise, vaccine_doses=3, is_active=False)
    neighbour = make_enterprise(region="410103", name="二七测试有限公司")
    for _n in range(2):
        make_staff(neighbour, vaccine_doses=2)
    make_staff(other_enterprise, vaccine_doses=1)
    return neighbour


@pytest.mark.req("EPI-17")
def test_a_units_rates_count_staff_on_duty(staff, own_enterprise, personas, login):
    admin = login(personas["enterprise_admin"])
    body = admin.get("/api/staff-vaccination/", {"by": "enterprise"}).json()
    assert body["full_doses"] == 2 and body["by"] == "enterprise"
    assert body["rows"] == [
        {
            "key": str(own_enterprise.pk),
            "name": own_enterprise.name,
            "staff": 5,
            "vaccinated": 3,
            "fully_vaccinated": 2,
            "unknown": 1,
            "vaccinated_pct": 60.0,
            "fully_vaccinated_pct": 40.0,
        }
    ]
    page = admin.get(f"/epidemic/units/{own_enterprise.pk}/staff/")
    rows = page.context["vaccination_rows"]
    assert [(r.staff, r.vaccinated, r.fully) for r in rows] == [(5, 3, 2)]
    assert "60.0%" in page.content.decode()


@pytest.mark.req("EPI-17")
def test_a_regions_rates_by_county_and_city_within_the_callers_scope(staff, personas, login):
    city = make_user(Role.HQ_OFFICE, "4101", username="city_office")
    client = login(city)
    body = client.get("/api/staff-vaccination/").json()
    by_county = {r["key"]: r for r in body["rows"]}
    assert set(by_county) == {OWN_COUNTY, "410103"}
    assert by_county["410103"]["fully_vaccinated_pct"] == 100.0
    assert body["total"]["staff"] == 7 and body["total"]["vaccinated"] == 5
    assert body["total"]["fully_vaccinated"] == 4

    by_city = client.get("/api/staff-vaccination/", {"by": "city"}).json()["rows"]
    assert [(r["key"], r["staff"]) for r in by_city] == [("4101", 7)]
    assert by_city[0]["name"] == "郑州市"
    filtered = client.get("/api/staff-vaccination/", {"region": "410103"}).json()
    assert filtered["total"]["staff"] == 2
    assert client.get("/api/staff-vaccination/", {"by": "street"}).status_code == 400

    page = client.get("/epidemic/staff/")
    assert page.context["vaccination_total"].staff == 7


@pytest.mark.req("EPI-17")
def test_fully_vaccinated_follows_the_rule_set(staff, personas, login):
    province = make_user(Role.HQ_OFFICE, "41", username="province")
    core_actions.change_rule_parameter("vaccine_full_doses", 3, actor=province, reason="加强针")
    body = login(personas["own_county"]).get("/api/staff-vaccination/").json()
    own = next(r for r in body["rows"] if r["key"] == OWN_COUNTY)
    assert body["full_doses"] == 3 and own["fully_vaccinated"] == 1
    assert own["fully_vaccinated_pct"] == 20.0
