"""EPI-05 API: spaces (list by unit, create, update, move, deactivate, issue a code), place codes
(list, state, signed payload and scan URL, revoke) and the coverage check per unit."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_user
from sibao.places import actions, signing
from sibao.places.models import PlaceCode, Space


@pytest.fixture
def unit(own_enterprise):
    return own_enterprise


@pytest.fixture
def admin(unit):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.req("EPI-05")
def test_an_admin_builds_a_tree_and_issues_codes_through_the_api(unit, admin):
    client = api(admin)
    site = client.post(
        "/api/spaces/",
        {"enterprise": unit.pk, "kind": "site", "name": "一号厂区", "venue_type": "industrial"},
        format="json",
    )
    assert site.status_code == 201, site.json()
    b1 = client.post(
        "/api/spaces/",
        {"parent": site.json()["id"], "kind": "building", "name": "一号楼"},
        format="json",
    ).json()
    b2 = client.post(
        "/api/spaces/",
        {"parent": site.json()["id"], "kind": "building", "name": "二号楼"},
        format="json",
    ).json()
    shop = client.post(
        "/api/spaces/", {"parent": b1["id"], "kind": "workshop", "name": "装配车间"}, format="json"
    ).json()
    assert shop["path"] == f"{site.json()['id']}/{b1['id']}/{shop['id']}/"

    listed = client.get(f"/api/spaces/?enterprise={unit.pk}&kind=building").json()
    assert {s["name"] for s in listed["results"]} == {"一号楼", "二号楼"}
    roots = client.get(f"/api/spaces/?enterprise={unit.pk}&parent=0").json()
    assert [s["name"] for s in roots["results"]] == ["一号厂区"]

    renamed = client.patch(f"/api/spaces/{shop['id']}/", {"name": "总装车间"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "总装车间"
    moved = client.post(f"/api/spaces/{shop['id']}/move/", {"parent": b2["id"]}, format="json")
    assert moved.json()["path"] == f"{site.json()['id']}/{b2['id']}/{shop['id']}/"
    under = client.get(f"/api/spaces/?under={b2['id']}").json()
    assert {s["name"] for s in under["results"]} == {"二号楼", "总装车间"}
    cycle = client.post(f"/api/spaces/{b2['id']}/move/", {"parent": shop["id"]}, format="json")
    assert cycle.status_code == 400 and "parent" in cycle.json()

    code = client.post(f"/api/spaces/{shop['id']}/issue-code/")
    assert code.status_code == 201
    data = code.json()
    assert data["state"] == "valid"
    assert signing.verify(data["payload"], signing.PLACE) == data["id"]
    assert data["scan_url"] == f"http://testserver/s/{data['payload']}/"
    assert data["png_url"].endswith(reverse("places:code_png", args=[data["id"]]))
    renewed = client.post(f"/api/spaces/{shop['id']}/issue-code/").json()
    states = {
        c["id"]: c["state"]
        for c in client.get(f"/api/place-codes/?space={shop['id']}").json()["results"]
    }
    assert states == {data["id"]: "revoked", renewed["id"]: "valid"}
    valid = client.get(f"/api/place-codes/?enterprise={unit.pk}&state=valid").json()
    assert [c["id"] for c in valid["results"]] == [renewed["id"]]

    refused = client.post(f"/api/place-codes/{renewed['id']}/revoke/", {}, format="json")
    assert refused.status_code == 400
    revoked = client.post(
        f"/api/place-codes/{renewed['id']}/revoke/", {"reason": "码牌损毁"}, format="json"
    )
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"

    closed = client.post(f"/api/spaces/{b2['id']}/deactivate/", {"reason": "拆除"}, format="json")
    assert closed.status_code == 200 and closed.json()["is_active"] is False
    assert not Space.objects.get(pk=shop["id"]).is_active


@pytest.mark.req("EPI-05")
def test_the_api_keeps_units_apart(unit, admin):
    site = actions.create_space(unit, actor=admin, kind="site", name="厂区", venue_type="mall")
    door = actions.create_space(unit, actor=admin, kind="door", name="东门", parent=site)
    code = actions.issue_code(door, actor=admin)
    stranger = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=make_enterprise())
    client = api(stranger)
    assert client.get(f"/api/spaces/{door.pk}/").status_code == 404
    assert client.get("/api/spaces/").json()["count"] == 0
    create = client.post(
        "/api/spaces/", {"parent": site.pk, "kind": "door", "name": "西门"}, format="json"
    )
    assert create.status_code == 400 and "parent" in create.json()
    assert client.post(f"/api/spaces/{door.pk}/issue-code/").status_code == 404
    assert (
        client.post(
            f"/api/place-codes/{code.pk}/revoke/", {"reason": "越权"}, format="json"
        ).status_code
        == 404
    )

    office = api(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    assert office.get(f"/api/spaces/{door.pk}/").status_code == 200
    assert (
        office.patch(f"/api/spaces/{door.pk}/", {"name": "改名"}, format="json").status_code == 403
    )
    assert office.post(f"/api/spaces/{door.pk}/issue-code/").status_code == 403
    assert PlaceCode.objects.filter(revoked_at__isnull=True).count() == 1


@pytest.mark.req("EPI-05")
def test_the_coverage_api_lists_units_and_their_gaps(unit, admin):
    site = actions.create_space(unit, actor=admin, kind="site", name="商场", venue_type="mall")
    east = actions.create_space(unit, actor=admin, kind="door", name="东门", parent=site)
    actions.create_space(unit, actor=admin, kind="door", name="西门", parent=site)
    actions.create_space(unit, actor=admin, kind="area", name="中庭", parent=site)
    actions.issue_code(east, actor=admin)
    other = make_enterprise(region=OWN_COUNTY, name="空单位")
    office = api(make_user(Role.HQ_OFFICE, OWN_COUNTY))

    rows = {r["enterprise"]: r for r in office.get("/api/space-coverage/").json()["results"]}
    assert rows[unit.pk] == {
        "enterprise": unit.pk,
        "name": unit.name,
        "region_code": OWN_COUNTY,
        "spaces": 4,
        "needed": 2,
        "covered": 1,
        "missing": 1,
        "complete": False,
    }
    assert rows[other.pk]["spaces"] == 0
    gaps_only = office.get("/api/space-coverage/?gaps=true").json()["results"]
    assert [r["enterprise"] for r in gaps_only] == [unit.pk]

    detail = office.get(f"/api/space-coverage/{unit.pk}/").json()
    assert detail["missing"] == 1
    assert detail["gaps"][0]["name"] == "西门" and detail["gaps"][0]["path"] == "商场 / 西门"

    own = api(admin).get("/api/space-coverage/").json()["results"]
    assert [r["enterprise"] for r in own] == [unit.pk]
