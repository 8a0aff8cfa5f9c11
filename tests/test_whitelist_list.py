"""WL-05, WL-06: the whitelist list (scoped, filtered, paginated), its CSV export (scoped,
audited, streamed) and the service tier shown wherever a unit appears."""

import csv
import io

import pytest

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_user
from sibao.enterprises import actions


@pytest.fixture
def listed(departments):
    """Three listed units of the own county (tiers county, city, province), one removed, one
    listed unit of another city."""
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    units = {}
    for name, tier in (("甲机械", "county"), ("乙电子", "city"), ("丙化工", "province")):
        units[name] = make_enterprise(OWN_COUNTY, name=name)
        actions.add_unit(units[name], actor=staff, tier=tier, reason="保供")
    units["丁停产"] = make_enterprise(OWN_COUNTY, name="丁停产")
    entry = actions.add_unit(units["丁停产"], actor=staff, tier="county", reason="保供")
    actions.remove_unit(entry, actor=staff, reason="停产")
    other = make_user(Role.DEPARTMENT_STAFF, OTHER_COUNTY, department_kind="industry_it")
    units["外市"] = make_enterprise(OTHER_COUNTY, name="外市食品")
    actions.add_unit(units["外市"], actor=other, tier="city", reason="保供")
    return units


def names(response):
    return [row["name"] for row in response.json()["results"]]


@pytest.mark.req("WL-05")
@pytest.mark.req("ORG-04")
def test_the_list_shows_the_units_in_scope_with_their_tiers(listed, login):
    page = login(make_user(Role.HQ_OFFICE, OWN_COUNTY)).get("/enterprises/whitelist/")
    content = page.content.decode()
    for name in ("甲机械", "乙电子", "丙化工", "丁停产"):
        assert name in content
    assert "外市食品" not in content
    assert "省级保障" in content and "市级保障" in content and "县级保障" in content


@pytest.mark.req("WL-05")
@pytest.mark.req("WL-06")
def test_the_list_filters_by_tier_status_name_code_region_and_industry(listed, login):
    client = login(make_user(Role.HQ_OFFICE, "41"))
    assert names(client.get("/api/whitelist/", {"tier": "city"})) == ["乙电子", "外市食品"]
    assert names(client.get("/api/whitelist/", {"status": "removed"})) == ["丁停产"]
    assert names(client.get("/api/whitelist/", {"q": "化工"})) == ["丙化工"]
    code = listed["乙电子"].credit_code
    assert names(client.get("/api/whitelist/", {"q": code[:17]})) == ["乙电子"]
    assert names(client.get("/api/whitelist/", {"region": "4102"})) == ["外市食品"]
    assert names(client.get("/api/whitelist/", {"industry": "commerce"})) == []
    page = client.get("/enterprises/whitelist/", {"tier": "province"}, HTTP_HX_REQUEST="true")
    content = page.content.decode()
    assert "丙化工" in content and "甲机械" not in content and "<html" not in content


@pytest.mark.req("WL-05")
def test_the_list_page_and_api_take_a_fixed_number_of_queries(
    listed, login, django_assert_max_num_queries
):
    client = login(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    for _n in range(20):
        actions.add_unit(make_enterprise(OWN_COUNTY), actor=staff, tier="county", reason="批量")
    with django_assert_max_num_queries(12):
        assert client.get("/enterprises/whitelist/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/api/whitelist/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/api/whitelist-batches/").status_code == 200


@pytest.mark.req("WL-05")
@pytest.mark.req("ORG-04")
@pytest.mark.req("ORG-05")
def test_the_export_is_a_scoped_csv_of_the_filtered_list_and_is_audited(listed, login):
    officer = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    client = login(officer)
    response = client.get("/enterprises/whitelist/export.csv", {"status": "listed"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["名称", "统一社会信用代码"]
    body = {row[0]: row for row in rows[1:]}
    assert set(body) == {"甲机械", "乙电子", "丙化工"}  # not removed, not another city's
    assert body["丙化工"][1] == listed["丙化工"].credit_code
    assert (
        body["丙化工"][2] == OWN_COUNTY
        and body["丙化工"][5] == "省级"
        and body["丙化工"][6] == "在册"
    )
    log = AuditLog.objects.get(action="whitelist.export")
    assert log.actor == officer and "status=listed" in log.note
    # a unit's own admin may read its entry but not export the list
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=listed["甲机械"])
    assert login(admin).get("/enterprises/whitelist/export.csv").status_code == 403


@pytest.mark.req("WL-06")
def test_the_tier_shows_on_the_enterprise_list_and_page(
    listed, login, django_assert_max_num_queries
):
    client = login(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    for _n in range(10):
        make_enterprise(OWN_COUNTY)
    with django_assert_max_num_queries(12):  # the badge reads the joined entry, no query per row
        page = client.get("/enterprises/").content.decode()
    assert page.count('data-testid="tier-badge"') == 3
    assert "省级保障" in page
    page = client.get(f"/enterprises/{listed['乙电子'].pk}/").content.decode()
    heading = page[page.index('class="page-title"') :][:400]
    assert "市级保障" in heading
    # a removed unit shows no tier
    page = client.get(f"/enterprises/{listed['丁停产'].pk}/").content.decode()
    assert 'data-testid="tier-badge"' not in page
