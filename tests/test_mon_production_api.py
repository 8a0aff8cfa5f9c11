"""MON-03 API: ``production-reports`` lists the reports of the caller's scope and lets a unit's
admin report (201) or correct (200) its day; the rules answer 400 with their Chinese messages;
another role or another unit is refused."""

import pytest
from rest_framework.test import APIClient

from sibao.core.testing import OWN_COUNTY, make_enterprise
from tests.mon_production_support import day, put_report

URL = "/api/production-reports/"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.req("MON-03")
def test_a_unit_reports_and_corrects_over_the_api_and_lists_are_scoped(
    personas, own_enterprise, other_enterprise, django_assert_max_num_queries
):
    unit = api(personas["enterprise_admin"])
    body = {"enterprise": own_enterprise.pk, "state": "partial", "capacity_percent": 40}
    made = unit.post(URL, {**body, "staff_on_site": 12}, format="json")
    assert made.status_code == 201, made.json()
    assert (made.json()["reported_on"], made.json()["is_current"]) == (day().isoformat(), True)
    fixed = unit.post(URL, {**body, "staff_on_site": 15, "note": "午班到岗"}, format="json")
    assert fixed.status_code == 200 and fixed.json()["id"] == made.json()["id"]
    assert fixed.json()["staff_on_site"] == 15

    bad = unit.post(URL, {**body, "state": "suspended", "staff_on_site": 1}, format="json")
    assert bad.status_code == 400
    assert "停产单位的产能利用率应为 0" in str(bad.json()["capacity_percent"])
    late = unit.post(
        URL, {**body, "staff_on_site": 1, "reported_on": day(-9).isoformat()}, format="json"
    )
    assert late.status_code == 400 and "只能补报" in str(late.json())

    neighbour = make_enterprise(region=OWN_COUNTY)
    assert (
        unit.post(URL, {**body, "enterprise": neighbour.pk, "staff_on_site": 1}).status_code == 400
    )
    office = api(personas["own_county"])
    assert office.post(URL, {**body, "staff_on_site": 1}).status_code == 403

    put_report(other_enterprise, 0)
    put_report(neighbour, -1)
    with django_assert_max_num_queries(6):
        rows = office.get(URL).json()["results"]
    assert {r["enterprise"] for r in rows} == {own_enterprise.pk, neighbour.pk}
    current = office.get(URL, {"current": "true", "state": "partial"}).json()["results"]
    assert [r["enterprise_name"] for r in current] == [own_enterprise.name]
    assert {r["enterprise"] for r in api(personas["other_county"]).get(URL).json()["results"]} == {
        other_enterprise.pk
    }
    assert [r["enterprise"] for r in unit.get(URL).json()["results"]] == [own_enterprise.pk]
    foreign = other_enterprise.production_reports.get().pk
    assert office.get(f"{URL}{foreign}/").status_code == 404
