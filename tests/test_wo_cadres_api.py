"""DEM-06: the API of liaison-cadre assignments (scoped; create and delete for the office) and
a cadre's own units with their counts."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from sibao.accounts.models import RoleGrant
from sibao.accounts.roles import Role
from sibao.workorders import queries_cadres as queries
from tests.wo_cadres_helpers import cadre_of, demand, dispatched, listed_unit, official

pytestmark = [pytest.mark.django_db, pytest.mark.req("DEM-06")]


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def unit(departments):
    return listed_unit(name="中原物流有限公司")


def test_the_office_creates_lists_and_deletes_an_assignment(personas, unit):
    office = api(personas["own_county"])
    cadre = official(username="api-cadre", phone="13900001111")
    created = office.post(
        reverse("api:liaison-assignment-list"),
        {"enterprise": unit.pk, "username": "api-cadre"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.data["cadre_username"] == "api-cadre"
    assert created.data["cadre_phone"] == "139****1111"
    listed = office.get(reverse("api:liaison-assignment-list"), {"enterprise": unit.pk})
    assert [row["user"] for row in listed.data["results"]] == [cadre.pk]
    # another county sees none of them and cannot delete
    other = api(personas["other_county"])
    assert other.get(reverse("api:liaison-assignment-list")).data["count"] == 0
    pk = created.data["id"]
    detail = reverse("api:liaison-assignment-detail", args=[pk])
    assert other.delete(detail).status_code == 404
    assert office.delete(detail).status_code == 204
    assert not RoleGrant.objects.get(pk=pk).is_active


def test_validation_answers_400_and_refusals_403(personas, unit):
    office = api(personas["own_county"])
    official(username="dup-cadre")
    url = reverse("api:liaison-assignment-list")
    assert office.post(url, {"enterprise": unit.pk, "username": "dup-cadre"}).status_code == 201
    again = office.post(url, {"enterprise": unit.pk, "username": "dup-cadre"})
    assert again.status_code == 400 and "已是该企业的包保干部" in str(again.data)
    nobody = office.post(url, {"enterprise": unit.pk, "username": "nobody"})
    assert nobody.status_code == 400
    admin = api(personas["enterprise_admin"])
    refused = admin.post(url, {"enterprise": unit.pk, "username": "dup-cadre"})
    assert refused.status_code == 403


def test_a_department_may_read_but_not_assign(departments, unit):
    from sibao.core.testing import make_user

    staff = api(make_user(Role.DEPARTMENT_STAFF, "410102"))
    official(username="dept-cadre")
    answer = staff.post(
        reverse("api:liaison-assignment-list"), {"enterprise": unit.pk, "username": "dept-cadre"}
    )
    assert answer.status_code == 403
    assert queries.cadres_of(unit) == []


def test_my_units_lists_the_cadres_units_with_counts(personas, unit):
    demand(unit, title="钢材短缺")
    dispatched(unit, days_ago=20, title="货车通行证")
    cadre = cadre_of(unit)
    answer = api(cadre).get(reverse("api:my-units-list"))
    assert answer.status_code == 200
    assert answer.data == [
        {
            "enterprise": unit.pk,
            "enterprise_name": "中原物流有限公司",
            "credit_code": unit.credit_code,
            "tier": "county",
            "open_demands": 2,
            "overdue_orders": 1,
            "to_rate": 0,
        }
    ]
    assert api(personas["own_county"]).get(reverse("api:my-units-list")).status_code == 403
