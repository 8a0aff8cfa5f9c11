"""DEM-04 API: common issues and their batch actions, clusters and promote, similar demands."""

import pytest
from rest_framework.test import APIClient

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.regions.models import Department
from sibao.workorders.actions import common
from sibao.workorders.models import CommonIssue, IssueStatus
from tests.wo_common_builders import STEEL, background, planted_cluster


@pytest.fixture
def steel(departments):
    demands = planted_cluster()
    background()
    return demands


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.req("DEM-04")
def test_the_office_promotes_resolves_and_sends_an_issue_to_the_reserve(steel, personas):
    api = _api(personas["own_county"])
    common.run_clustering()
    clusters = api.get("/api/demand-clusters/?latest=true").json()["results"]
    assert [c["size"] for c in clusters] == [5]
    made = api.post(f"/api/demand-clusters/{clusters[0]['id']}/promote/", {"title": "钢材紧张"})
    assert made.status_code == 201, made.content
    issue = made.json()
    assert sorted(issue["demand_numbers"]) == sorted(d.number for d in steel)
    url = f"/api/common-issues/{issue['id']}/"
    assert api.post(url + "resolve/", {"resolution": " "}).status_code == 400
    assert api.post(url + "resolve/", {"resolution": "保供到位"}).json()["status"] == "resolved"
    department = Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")
    sent = api.post(url + "send-to-reserve/", {"department": department.pk, "proposal": "稳价"})
    assert (
        sent.status_code == 201 and CommonIssue.objects.get().policy_draft_id == sent.json()["id"]
    )


@pytest.mark.req("DEM-04")
def test_refusals_and_bad_numbers(steel, personas):
    issue = common.promote_cluster(
        common.run_clustering().clusters.get(), actor=personas["own_county"], title="钢材紧张"
    )
    url = f"/api/common-issues/{issue.pk}/"
    assert (
        _api(personas["other_county"]).post(url + "resolve/", {"resolution": "x"}).status_code
        == 404
    )
    assert _api(personas["enterprise_admin"]).get("/api/common-issues/").status_code == 403
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY)
    assert _api(staff).post(url + "link/", {"numbers": [steel[0].number]}).status_code == 403
    bad = _api(personas["own_county"]).post(url + "link/", {"numbers": ["SQ-NONE"]})
    assert bad.status_code == 400 and "SQ-NONE" in bad.content.decode()
    unlinked = _api(personas["own_county"]).post(url + "unlink/", {"numbers": [steel[0].number]})
    assert unlinked.status_code == 200 and steel[0].number not in unlinked.json()["demand_numbers"]
    assert CommonIssue.objects.get().status == IssueStatus.OPEN


@pytest.mark.req("DEM-04")
def test_similar_demands_while_typing(steel, personas):
    text = f"{STEEL[0][0]} {STEEL[0][1]}"
    rows = (
        _api(personas["enterprise_admin"])
        .get(
            "/api/demands-similar/",
            {"text": text, "region": OWN_COUNTY, "category": "raw_materials"},
        )
        .json()
    )
    assert {r["number"] for r in rows} >= {steel[1].number, steel[2].number}
    assert {r["unit"] for r in rows} == {"其他企业"} and all(r["url"] == "" for r in rows)
    assert _api(personas["own_county"]).get("/api/demands-similar/", {"text": ""}).json() == []
