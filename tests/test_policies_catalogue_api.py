"""POL-01 through the API: policies listed and read with their conditions; drafts created and
updated with conditions; publish, withdraw, new version and the preview — each the action the
UI calls, with the same checks and messages."""

import pytest

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_policy, make_user
from sibao.policies.models import Policy, PolicyStatus
from sibao.regions.models import Department

EMPLOYEES = {">=": [{"var": "employees"}, 200]}


@pytest.fixture
def staff(departments):
    return make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="finance")


@pytest.fixture
def client(staff, login):
    return login(staff)


def body(department, **fields):
    data = {
        "department": department.pk,
        "title": "规上工业企业电费补贴",
        "category": "utilities",
        "benefit": "按 2022 年二季度电费的 10% 给予补贴",
        "benefit_amount": "5.00",
        "route": "no_application",
        "valid_from": "2022-04-01",
        "valid_to": "2030-12-31",
        "conditions": [
            {"title": "用工规模", "clause": "第一条", "expression": EMPLOYEES},
            {
                "title": "规上企业",
                "clause": "第二条",
                "expression": {"==": [{"var": "is_above_scale"}, True]},
            },
        ],
    }
    data.update(fields)
    return data


@pytest.mark.req("POL-01")
def test_create_update_preview_publish_withdraw_through_the_api(client, departments):
    department = Department.objects.get(region_id=OWN_COUNTY, kind="finance")
    make_enterprise(region=OWN_COUNTY, employees=500)
    make_enterprise(region=OWN_COUNTY, employees=50)
    response = client.post("/api/policies/", body(department), content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "draft" and data["version"] == 1
    assert [c["description"] for c in data["conditions"]] == [
        "从业人数 ≥ 200 人",
        "规模以上企业 = 是",
    ]
    pk = data["id"]
    response = client.patch(
        f"/api/policies/{pk}/",
        {"conditions": [{"title": "用工规模", "clause": "第一条", "expression": EMPLOYEES}]},
        content_type="application/json",
    )
    assert response.status_code == 200 and len(response.json()["conditions"]) == 1
    response = client.patch(
        f"/api/policies/{pk}/", {"title": "工业企业电费补贴"}, content_type="application/json"
    )
    assert response.json()["title"] == "工业企业电费补贴"
    preview = client.get(f"/api/policies/{pk}/preview/").json()
    assert (preview["total"], preview["eligible"], preview["ineligible"]) == (2, 1, 1)
    assert preview["conditions"][0]["met"] == 1
    response = client.post(f"/api/policies/{pk}/publish/")
    assert response.status_code == 200 and response.json()["status"] == "published"
    response = client.patch(
        f"/api/policies/{pk}/", {"title": "改名"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == ["已发布的政策版本不能修改，请新建一个版本。"]
    response = client.post(f"/api/policies/{pk}/new-version/")
    assert response.status_code == 201 and response.json()["version"] == 2
    response = client.post(f"/api/policies/{pk}/withdraw/", {}, content_type="application/json")
    assert response.status_code == 400
    response = client.post(
        f"/api/policies/{pk}/withdraw/", {"reason": "政策调整"}, content_type="application/json"
    )
    assert response.json()["status"] == "withdrawn"


@pytest.mark.req("POL-01")
def test_bad_input_answers_400_with_the_actions_messages(client, departments):
    department = Department.objects.get(region_id=OWN_COUNTY, kind="finance")
    response = client.post(
        "/api/policies/",
        body(
            department,
            conditions=[
                {"title": "x", "clause": "第一条", "expression": {">": [{"var": "nope"}, 1]}}
            ],
        ),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "未知的属性：nope" in response.json()["detail"][0]
    response = client.post(
        "/api/policies/", body(department, valid_to="2021-01-01"), content_type="application/json"
    )
    assert response.json()["valid_to"] == ["有效期止不能早于有效期起。"]
    empty = client.post(
        "/api/policies/", body(department, conditions=[]), content_type="application/json"
    ).json()
    response = client.post(f"/api/policies/{empty['id']}/publish/")
    assert response.status_code == 400
    assert response.json()["detail"] == ["政策至少需要一项享受条件才能发布。"]


@pytest.mark.req("POL-01")
def test_roles_through_the_api(personas, login, departments):
    department = Department.objects.get(region_id=OWN_COUNTY, kind="finance")
    office = login(personas["own_county"])
    response = office.post("/api/policies/", body(department), content_type="application/json")
    assert response.status_code == 403
    draft = make_policy(region=OWN_COUNTY, conditions=[EMPLOYEES], publish=False)
    published = make_policy(region="41", conditions=[EMPLOYEES])
    assert office.post(f"/api/policies/{draft.pk}/publish/").status_code == 403
    unit = login(personas["enterprise_admin"])
    ids = [row["id"] for row in unit.get("/api/policies/").json()["results"]]
    assert ids == [published.pk]
    assert unit.get(f"/api/policies/{published.pk}/preview/").status_code == 403
    listing = office.get("/api/policies/?status=draft").json()
    assert [row["id"] for row in listing["results"]] == [draft.pk]
    assert Policy.objects.get(pk=draft.pk).status == PolicyStatus.DRAFT
