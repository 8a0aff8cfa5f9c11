"""EPI-04: overdue staff listed per unit and region with counts and rates, on pages (masked
personal data), in the CSV export and through the API; each user sees their own scope only."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core import rules
from sibao.core.models import AuditLog
from sibao.core.personal import decrypt
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_staff, make_user
from sibao.epidemic import compliance
from sibao.epidemic.models import PostClass, StaffMember
from sibao.regions.models import Region

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def roster(own_enterprise, other_enterprise):
    """Own unit: 1 on time, 3 overdue (ordinary 50 h, never tested, mobile 30 h), 1 inactive;
    a neighbour in the same county: 1 on time, 1 overdue; the other county: 1 and 1."""
    now = timezone.now()
    neighbour = make_enterprise(region=OWN_COUNTY, name="中原邻近单位")
    rows = {
        "own_ok": make_staff(own_enterprise, last_negative_at=now - 10 * HOUR),
        "own_late": make_staff(own_enterprise, last_negative_at=now - 50 * HOUR, team="一班"),
        "own_never": make_staff(own_enterprise, last_negative_at=None),
        "own_mobile": make_staff(
            own_enterprise, post_class=PostClass.MOBILE, last_negative_at=now - 30 * HOUR
        ),
        "own_gone": make_staff(own_enterprise, last_negative_at=None, is_active=False),
        "nb_ok": make_staff(neighbour, last_negative_at=now - HOUR),
        "nb_late": make_staff(neighbour, last_negative_at=now - 49 * HOUR),
        "other_ok": make_staff(other_enterprise, last_negative_at=now - HOUR),
        "other_late": make_staff(other_enterprise, last_negative_at=now - 60 * HOUR),
    }
    rows["neighbour"] = neighbour
    return rows


def clear_id(staff):
    return decrypt(staff.id_encrypted)


@pytest.mark.req("EPI-04")
def test_rates_per_region_come_from_one_grouped_query(roster, django_assert_max_num_queries):
    province, ruleset = Region.objects.get(code="41"), rules.current()
    with django_assert_max_num_queries(2):  # the child regions, then one grouped count
        rows = compliance.region_rates(
            StaffMember.objects.all(), province, timezone.now(), ruleset, compliance.NO_EMERGENCY
        )
    by_code = {row.code: row for row in rows}
    assert (by_code["41"].staff, by_code["41"].overdue) == (8, 5)
    assert (by_code["4101"].staff, by_code["4101"].overdue) == (6, 4)
    assert str(by_code["4101"].compliance_pct) == "33.3"
    assert (by_code["4102"].staff, by_code["4102"].overdue) == (2, 1)
    assert str(by_code["4102"].overdue_pct) == "50.0"
    assert by_code["4103"].staff == 0 and by_code["4103"].overdue_pct is None


@pytest.mark.req("EPI-04")
def test_rates_per_unit_put_the_most_overdue_unit_first(roster, own_enterprise):
    rows = list(
        compliance.unit_rates(
            StaffMember.objects.filter(region_code=OWN_COUNTY),
            timezone.now(),
            rules.current(),
            compliance.NO_EMERGENCY,
        )
    )
    assert [(r["enterprise_id"], r["staff"], r["overdue"]) for r in rows] == [
        (own_enterprise.pk, 4, 3),
        (roster["neighbour"].pk, 2, 1),
    ]


@pytest.mark.req("EPI-04")
def test_the_county_office_lists_its_overdue_staff_masked(
    roster, personas, login, django_assert_max_num_queries
):
    client = login(personas["own_county"])
    with django_assert_max_num_queries(14):
        response = client.get(reverse("epidemic:compliance_overdue"))
    page = response.content.decode()
    assert response.status_code == 200
    listed = {s.pk for s in response.context["object_list"]}
    assert listed == {roster[k].pk for k in ("own_late", "own_never", "own_mobile", "nb_late")}
    late = roster["own_late"]
    assert late.id_masked in page and clear_id(late) not in page
    assert decrypt(late.phone_encrypted) not in page


@pytest.mark.req("EPI-04")
def test_a_unit_admin_sees_only_the_own_units_overdue_staff(roster, personas, login):
    client = login(personas["enterprise_admin"])
    response = client.get(reverse("epidemic:compliance_overdue"))
    listed = {s.pk for s in response.context["object_list"]}
    assert listed == {roster[k].pk for k in ("own_late", "own_never", "own_mobile")}


@pytest.mark.req("EPI-04")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("post_class=mobile", {"own_mobile"}),
        ("never_tested=true", {"own_never"}),
        ("q=一班", {"own_late"}),
        ("enterprise={neighbour}", {"nb_late"}),
    ],
)
def test_the_overdue_list_filters(roster, personas, login, query, expected):
    client = login(personas["own_county"])
    query = query.format(neighbour=roster["neighbour"].pk)
    response = client.get(reverse("epidemic:compliance_overdue") + "?" + query)
    assert {s.pk for s in response.context["object_list"]} == {roster[k].pk for k in expected}


@pytest.mark.req("EPI-04")
def test_the_region_page_drills_down_from_the_users_jurisdiction(
    roster, login, own_enterprise, django_assert_max_num_queries
):
    city = make_user(Role.HQ_OFFICE, "4101")
    client = login(city)
    # +1 since the command module fills emergency_scope(): one UNION query for the regions in
    # emergency and the units in closed loop, whatever the size of the list
    with django_assert_max_num_queries(15):
        response = client.get(reverse("epidemic:compliance_regions"))
    assert response.status_code == 200
    assert response.context["region"].code == "4101"
    own = response.context["own"]
    assert (own.staff, own.overdue) == (6, 4)
    children = {row.code: row for row in response.context["children"]}
    assert (children[OWN_COUNTY].staff, children[OWN_COUNTY].overdue) == (6, 4)

    county = client.get(reverse("epidemic:compliance_regions") + f"?region={OWN_COUNTY}")
    units = {row.enterprise_id: row.overdue for row in county.context["unit_rows"]}
    assert units == {own_enterprise.pk: 3, roster["neighbour"].pk: 1}

    assert client.get(reverse("epidemic:compliance_regions") + "?region=4102").status_code == 404


@pytest.mark.req("EPI-04")
def test_a_unit_admin_sees_the_own_units_rate_only(roster, personas, login, own_enterprise):
    response = login(personas["enterprise_admin"]).get(reverse("epidemic:compliance_regions"))
    assert response.status_code == 200
    assert (response.context["own"].staff, response.context["own"].overdue) == (4, 3)
    assert [row.enterprise_id for row in response.context["unit_rows"]] == [own_enterprise.pk]


@pytest.mark.req("EPI-04")
def test_the_export_is_masked_filtered_by_scope_and_audited(roster, personas, login):
    client = login(personas["enterprise_admin"])
    response = client.get(reverse("epidemic:compliance_overdue_export"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 3
    masked = {row[4] for row in rows[1:]}
    assert masked == {roster[k].id_masked for k in ("own_late", "own_never", "own_mobile")}
    for key in ("own_late", "own_never", "own_mobile"):
        assert clear_id(roster[key]) not in text
        assert decrypt(roster[key].phone_encrypted) not in text
    windows = {row[4]: row[10] for row in rows[1:]}
    assert windows[roster["own_mobile"].id_masked] == "24"
    assert windows[roster["own_late"].id_masked] == "48"
    assert AuditLog.objects.filter(
        action="compliance.overdue_export", actor=personas["enterprise_admin"]
    ).exists()


def test_an_office_without_the_export_permission_cannot_export(personas, login):
    response = login(personas["own_county"]).get(reverse("epidemic:compliance_overdue_export"))
    assert response.status_code == 403


@pytest.mark.req("EPI-04")
def test_the_api_lists_overdue_staff_masked(roster, personas, login, django_assert_max_num_queries):
    client = login(personas["own_county"])
    # 10 + the one emergency_scope() query (command module)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("api:overdue-staff-list"))
    data = response.json()
    assert data["count"] == 4
    by_id = {row["id"]: row for row in data["results"]}
    late = by_id[roster["own_mobile"].pk]
    assert late["id_masked"] == roster["own_mobile"].id_masked
    assert late["window_hours"] == 24
    assert "id_encrypted" not in late and "phone_encrypted" not in late
    assert by_id[roster["own_never"].pk]["deadline"] is None
    assert clear_id(roster["own_late"]) not in response.content.decode()


@pytest.mark.req("EPI-04")
def test_the_api_gives_rates_per_region_and_per_unit(roster, personas, login, own_enterprise):
    client = login(personas["own_county"])
    data = client.get(reverse("api:compliance-rate-list")).json()
    assert data["region"] == OWN_COUNTY
    assert (data["rows"][0]["staff"], data["rows"][0]["overdue"]) == (6, 4)
    assert data["rows"][0]["compliance_pct"] == "33.3"

    units = client.get(reverse("api:compliance-rate-units")).json()
    assert units["count"] == 2
    assert units["results"][0]["enterprise"] == own_enterprise.pk
    assert units["results"][0]["overdue"] == 3

    other = login(personas["other_county"]).get(
        reverse("api:compliance-rate-list") + f"?region={OWN_COUNTY}"
    )
    assert other.status_code == 404


@pytest.mark.req("EPI-04")
def test_the_enterprise_page_panel_shows_the_units_overdue_count(
    roster, personas, login, own_enterprise
):
    response = login(personas["enterprise_admin"]).get(
        reverse("epidemic:compliance_panel", args=[own_enterprise.pk])
    )
    assert response.status_code == 200
    assert response.context["counts"] == {"staff": 4, "overdue": 3}
    assert 'data-testid="panel-overdue"' in response.content.decode()
