"""EPI-13: the zones API: zones, teams, bubble groups, shifts and dormitory rooms (list, create,
update, delete within scope) and the checks per unit and per region."""

import pytest
from rest_framework.test import APIClient

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_staff, make_user
from sibao.places import actions
from sibao.places.models import Shift, Team, Zone


@pytest.fixture
def unit(personas):
    return personas["enterprise_admin"].active_grants()[0].enterprise


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.req("EPI-13")
def test_unit_admin_builds_zones_through_the_api(unit, personas):
    api = _client(personas["enterprise_admin"])
    response = api.post(
        "/api/zones/",
        {"enterprise": unit.pk, "name": "一号车间", "kind": "production", "risk_grade": "medium"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    zone = response.json()
    assert zone["kind"] == "production" and zone["spaces"] == []
    bubble = api.post(
        "/api/bubble-groups/", {"enterprise": unit.pk, "name": "一号气泡"}, format="json"
    ).json()
    a = api.post(
        "/api/teams/",
        {"enterprise": unit.pk, "name": "甲班", "bubble": bubble["id"]},
        format="json",
    ).json()
    b = api.post("/api/teams/", {"enterprise": unit.pk, "name": "乙班"}, format="json").json()
    assert a["bubble_name"] == "一号气泡"
    response = api.patch(
        f"/api/bubble-groups/{bubble['id']}/", {"teams": [a["id"], b["id"]]}, format="json"
    )
    assert response.status_code == 200 and response.json()["teams"] == sorted([a["id"], b["id"]])
    night = api.post(
        "/api/shifts/",
        {
            "enterprise": unit.pk,
            "team": a["id"],
            "zone": zone["id"],
            "name": "夜班",
            "starts": "22:00",
            "ends": "06:00",
        },
        format="json",
    )
    assert night.status_code == 201 and night.json()["overnight"] is True
    morning = api.post(
        "/api/shifts/",
        {
            "enterprise": unit.pk,
            "team": b["id"],
            "zone": zone["id"],
            "name": "早班",
            "starts": "05:00",
            "ends": "13:00",
        },
        format="json",
    ).json()
    room = api.post(
        "/api/dormitory-rooms/",
        {"enterprise": unit.pk, "name": "101", "capacity": 4, "team": a["id"]},
        format="json",
    )
    assert room.status_code == 201 and room.json()["team_name"] == "甲班"

    checks = api.get(f"/api/zone-checks/{unit.pk}/").json()
    assert checks["problems"] == 1 and checks["counts"] == {"shift_overlap": 1}
    assert "05:00–06:00" in checks["findings"][0]["message"]
    assert set(checks["findings"][0]["shifts"]) == {night.json()["id"], morning["id"]}
    response = api.patch(
        f"/api/shifts/{morning['id']}/", {"starts": "06:00", "ends": "14:00"}, format="json"
    )
    assert response.status_code == 200
    assert api.get(f"/api/zone-checks/{unit.pk}/").json()["problems"] == 0

    # lists and filters
    assert [z["name"] for z in api.get(f"/api/zones/?enterprise={unit.pk}").json()["results"]] == [
        "一号车间"
    ]
    assert len(api.get(f"/api/shifts/?zone={zone['id']}").json()["results"]) == 2
    # errors in Chinese
    response = api.post(
        "/api/zones/",
        {"enterprise": unit.pk, "name": "一号车间", "kind": "production"},
        format="json",
    )
    assert response.status_code == 400 and "本单位已有名为“一号车间”的区域" in str(response.json())
    response = api.post(
        "/api/zones/", {"enterprise": unit.pk, "name": "仓库", "kind": "storage"}, format="json"
    )
    assert response.status_code == 400 and "请选择区域类型" in str(response.json())
    response = api.delete(f"/api/zones/{zone['id']}/")
    assert response.status_code == 400 and "不能删除区域" in str(response.json())
    assert api.delete(f"/api/shifts/{morning['id']}/").status_code == 204
    assert Shift.objects.count() == 1


@pytest.mark.req("EPI-13")
def test_api_scope_government_reads_other_unit_refused(unit, personas, departments):
    zone = actions.create_zone(unit, actor=None, name="车间", kind="production")
    team = actions.create_team(unit, actor=None, name="甲班")
    office = _client(personas["own_county"])
    assert office.get(f"/api/zones/{zone.pk}/").status_code == 200
    response = office.post(
        "/api/zones/", {"enterprise": unit.pk, "name": "仓库", "kind": "handover"}, format="json"
    )
    assert response.status_code == 403
    assert office.patch(f"/api/zones/{zone.pk}/", {"name": "改"}, format="json").status_code == 403
    assert office.delete(f"/api/teams/{team.pk}/").status_code == 403
    assert office.get(f"/api/zone-checks/{unit.pk}/").status_code == 200

    other_unit = make_enterprise(region=OWN_COUNTY)
    stranger = _client(make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=other_unit))
    assert stranger.get(f"/api/zones/{zone.pk}/").status_code == 404
    assert (
        stranger.patch(f"/api/zones/{zone.pk}/", {"name": "改"}, format="json").status_code == 404
    )
    assert stranger.delete(f"/api/teams/{team.pk}/").status_code == 404
    assert stranger.get(f"/api/zone-checks/{unit.pk}/").status_code == 404
    response = stranger.post(
        "/api/zones/", {"enterprise": unit.pk, "name": "仓库", "kind": "handover"}, format="json"
    )
    assert response.status_code == 400 and "单位不存在或不在您的辖区内" in str(response.json())
    # naming another unit's team in its own shift: as if it did not exist
    own_zone = actions.create_zone(other_unit, actor=None, name="车间", kind="production")
    response = stranger.post(
        "/api/shifts/",
        {
            "enterprise": other_unit.pk,
            "team": team.pk,
            "zone": own_zone.pk,
            "name": "早班",
            "starts": "08:00",
            "ends": "16:00",
        },
        format="json",
    )
    assert response.status_code == 400 and "所选班组不属于该单位" in str(response.json())
    # its lists hold its own rows only
    assert [z["id"] for z in stranger.get("/api/zones/").json()["results"]] == [own_zone.pk]
    assert Zone.objects.get(pk=zone.pk).name == "车间" and Team.objects.filter(pk=team.pk).exists()
    # another county's office does not see the row
    assert _client(personas["other_county"]).get(f"/api/zones/{zone.pk}/").status_code == 404


@pytest.mark.req("EPI-13")
def test_region_checks_list(unit, personas):
    a = actions.create_team(unit, actor=None, name="甲班")
    actions.create_dormitory_room(unit, actor=None, name="101", capacity=1, team=a)
    make_staff(unit, team="甲班", dormitory="101")
    make_staff(unit, team="乙班", dormitory="101")
    clean = make_enterprise(region=OWN_COUNTY)
    actions.create_zone(clean, actor=None, name="车间", kind="production")
    office = _client(personas["own_county"])
    rows = office.get("/api/zone-checks/").json()["results"]
    assert [r["enterprise"] for r in rows] == [unit.pk, clean.pk]
    assert rows[0]["counts"] == {"room_team": 1, "room_capacity": 1, "roster_team": 1}
    assert rows[0]["problems"] == 2
    rows = office.get("/api/zone-checks/?problems=true").json()["results"]
    assert [r["enterprise"] for r in rows] == [unit.pk]
    assert _client(personas["other_county"]).get("/api/zone-checks/").json()["results"] == []
