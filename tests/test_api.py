import io

import pytest
from django.core.management import call_command
from django.test import Client
from drf_spectacular.validation import validate_schema

from sibao.accounts import actions
from sibao.accounts.roles import Role
from sibao.core import rules
from sibao.core.models import RuleSetVersion
from sibao.core.testing import OWN_COUNTY, make_user


@pytest.mark.req("PLAT-02")
def test_the_schema_is_valid_openapi_3_and_covers_the_resources(personas, login):
    response = login(personas["own_county"]).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/regions/",
        "/api/headquarters/",
        "/api/departments/",
        "/api/users/",
        "/api/enterprises/",
        "/api/audit/",
        "/api/rules/{key}/",
    ):
        assert path in schema["paths"], path
    # the command-line generator agrees and raises no warnings
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "openapi: 3" in out.getvalue()


@pytest.mark.req("PLAT-02")
def test_a_system_token_reads_the_api_within_its_scope(personas, own_enterprise, other_enterprise):
    system = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="feed-gateway")
    _token, key = actions.create_api_token(system, name="数据交换", actor=system)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    names = [row["name"] for row in client.get("/api/enterprises/").json()["results"]]
    assert names == [own_enterprise.name]
    assert client.get(f"/api/enterprises/{other_enterprise.pk}/").status_code == 404
    assert (
        Client(HTTP_AUTHORIZATION="Bearer sb_not-a-token").get("/api/enterprises/").status_code
        == 401
    )
    actions.revoke_api_token(_token, actor=system)
    refused = client.get("/api/enterprises/")
    assert refused.status_code == 401 and "吊销" in refused.json()["detail"]


@pytest.mark.req("PLAT-02")
@pytest.mark.req("PLAT-05")
def test_a_rule_change_through_the_api_validates_and_changes_nothing_when_bad(db):
    officer = make_user(Role.HQ_OFFICE, "41")
    _token, key = actions.create_api_token(officer, name="脚本", actor=officer)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    versions = RuleSetVersion.objects.count()
    url = "/api/rules/nat_interval_hours/"
    malformed = client.patch(url, data="{not json", content_type="application/json")
    assert malformed.status_code == 400
    missing = client.patch(url, data={"value": 72}, content_type="application/json")
    assert missing.status_code == 400 and "reason" in missing.json()
    wrong_type = client.patch(
        url, data={"value": "两天", "reason": "x"}, content_type="application/json"
    )
    assert wrong_type.status_code == 400 and "整数" in str(wrong_type.json())
    assert RuleSetVersion.objects.count() == versions
    ok = client.patch(url, data={"value": 72, "reason": "调整"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["value"] == 72
    assert rules.current()["nat_interval_hours"] == 72


@pytest.mark.req("PLAT-02")
def test_lists_are_paginated_and_filterable(personas, login):
    client = login(personas["own_county"])
    page = client.get("/api/regions/").json()
    assert page["count"] == 199 and len(page["results"]) == 50 and page["next"]
    searched = client.get("/api/regions/", {"q": "航空港"}).json()
    assert [r["code"] for r in searched["results"]] == ["410173"]
