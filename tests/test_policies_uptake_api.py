"""POL-03 / POL-06 API: uptake transitions (who may take each), history, rates per policy and
region, follow-up tasks, calculators and their history."""

from decimal import Decimal

import pytest
from django.test import Client

from sibao.accounts.roles import Role
from sibao.core import rules
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_policy, make_user
from sibao.enterprises import actions as enterprise_actions
from sibao.enterprises.models import FactSource
from sibao.policies.models import PolicyMatch

REVENUE = {">=": [{"var": "annual_revenue"}, 1000]}


@pytest.fixture
def setup(departments):
    unit = make_enterprise(name="中原接口测试有限公司")
    enterprise_actions.record_fact(unit, "annual_revenue", 3000, source=FactSource.TAX, actor=None)
    maybe = make_enterprise(name="中原待补充有限公司")
    far = make_enterprise(region=OTHER_COUNTY, name="龙亭接口测试有限公司")
    enterprise_actions.record_fact(far, "annual_revenue", 3000, source=FactSource.TAX, actor=None)
    policy = make_policy(
        region="41",
        conditions=[REVENUE],
        title="接口测试政策",
        benefit_amount=Decimal("10"),
        route="quick",
    )
    return {
        "policy": policy,
        "match": PolicyMatch.objects.get(policy=policy, enterprise=unit),
        "maybe": PolicyMatch.objects.get(policy=policy, enterprise=maybe),
        "admin": make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit),
        "maybe_admin": make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=maybe),
        "finance": make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="finance"),
        "office": make_user(Role.HQ_OFFICE, OWN_COUNTY),
        "unit": unit,
    }


def api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.req("POL-03")
def test_uptake_transitions_through_the_api(setup):
    unit, dept, office = api(setup["admin"]), api(setup["finance"]), api(setup["office"])
    base = f"/api/uptake/{setup['match'].pk}"
    listing = unit.get("/api/uptake/").json()
    assert [r["id"] for r in listing["results"]] == [setup["match"].pk]
    assert listing["results"][0]["next_steps"] == ["read", "apply"]
    assert unit.post(f"{base}/read/").json()["uptake"] == "read"
    assert dept.post(f"{base}/apply/", {}, content_type="application/json").status_code == 403
    applied = unit.post(f"{base}/apply/", {"note": "申请"}, content_type="application/json")
    assert applied.status_code == 200 and applied.json()["uptake"] == "applied"
    assert (
        office.post(f"{base}/grant/", {"amount": "10"}, content_type="application/json").status_code
        == 403
    )
    over = dept.post(f"{base}/grant/", {"amount": "11"}, content_type="application/json")
    assert over.status_code == 400 and "reason" in over.json()
    granted = dept.post(f"{base}/grant/", {"amount": "10"}, content_type="application/json")
    assert granted.json()["uptake"] == "granted" and granted.json()["granted_amount"] == "10.00"
    assert unit.post(f"{base}/pay/", {}, content_type="application/json").status_code == 403
    assert dept.post(f"{base}/pay/", {}, content_type="application/json").json()["uptake"] == "paid"
    assert unit.post(f"{base}/confirm/").json()["uptake"] == "received"
    history = unit.get(f"{base}/history/").json()
    assert [h["action"] for h in history] == ["notify", "read", "apply", "grant", "pay", "confirm"]
    # another county's unit does not see the row
    far = make_user(
        Role.ENTERPRISE_ADMIN, OTHER_COUNTY, enterprise=make_enterprise(region=OTHER_COUNTY)
    )
    assert api(far).get(f"{base}/").status_code == 404


@pytest.mark.req("POL-03")
def test_quick_application_through_the_api(setup):
    client = api(setup["maybe_admin"])
    base = f"/api/uptake/{setup['maybe'].pk}"
    assert client.get(f"{base}/").json()["missing"] == ["annual_revenue"]
    refused = client.post(f"{base}/apply/", {}, content_type="application/json")
    assert refused.status_code == 400 and "annual_revenue" in refused.json()
    done = client.post(
        f"{base}/apply/", {"facts": {"annual_revenue": "1500"}}, content_type="application/json"
    )
    assert done.status_code == 200
    assert done.json()["uptake"] == "applied" and done.json()["result"] == "eligible"


@pytest.mark.req("POL-03")
def test_rates_and_follow_ups_through_the_api(setup):
    province = api(make_user(Role.HQ_OFFICE, "41"))
    rates = province.get("/api/uptake-rates/").json()
    mine = next(r for r in rates if r["label"] == "接口测试政策")
    assert (mine["eligible"], mine["possible"], mine["received"]) == (2, 1, 0)
    assert mine["rate_by_count"] == "0.0" and mine["expected_amount"] == "20.00"
    regions = province.get(f"/api/uptake-rates/regions/?policy={setup['policy'].pk}").json()
    assert {r["key"]: r["eligible"] for r in regions if r["eligible"]} == {"4101": 1, "4102": 1}
    assert api(setup["admin"]).get("/api/uptake-rates/").status_code == 403
    dept = api(setup["finance"])
    created = dept.post(
        "/api/follow-ups/",
        {"policy": setup["policy"].pk, "region_code": OWN_COUNTY},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["enterprise_count"] == 1
    task = created.json()["id"]
    assert created.json()["overdue"] is False
    again = dept.post(
        "/api/follow-ups/",
        {"policy": setup["policy"].pk, "region_code": OWN_COUNTY},
        content_type="application/json",
    )
    assert again.status_code == 400
    assert api(setup["office"]).post(
        f"/api/follow-ups/{task}/close/", {"outcome": "x"}, content_type="application/json"
    ).status_code in (403, 404)
    closed = dept.post(
        f"/api/follow-ups/{task}/close/", {"outcome": "已督办"}, content_type="application/json"
    )
    assert closed.json()["status"] == "done"
    assert api(setup["office"]).get(f"/api/follow-ups/{task}/").json()["outcome"] == "已督办"


@pytest.mark.req("POL-06")
def test_calculators_through_the_api(setup):
    client = api(setup["admin"])
    calculators = client.get("/api/subsidy-calculators/").json()
    keys = {c["key"]: c for c in calculators}
    assert set(keys) == {"sampling_house", "nat_testing", "prevention_cost"}
    assert keys["sampling_house"]["parameters"]["sampling_house_subsidy_pct"] == "50"
    created = client.post(
        "/api/subsidy-calculations/",
        {
            "calculator": "sampling_house",
            "enterprise": setup["unit"].pk,
            "inputs": {"price": "80000", "staff": 1200},
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["total"] == "40000.00" and body["result"]["province"] == "28000.00"
    assert body["rule_version"] == rules.current().version
    bad = client.post(
        "/api/subsidy-calculations/",
        {"calculator": "sampling_house", "enterprise": setup["unit"].pk, "inputs": {"price": "1"}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "staff" in bad.json()
    listing = client.get("/api/subsidy-calculations/?calculator=sampling_house").json()
    assert [r["id"] for r in listing["results"]] == [body["id"]]
    office = api(setup["office"])
    refused = office.post(
        "/api/subsidy-calculations/",
        {"calculator": "prevention_cost", "region_code": OWN_COUNTY, "inputs": {"cost": "1"}},
        content_type="application/json",
    )
    assert refused.status_code == 403
