"""EPI-01, EPI-03: roster lists per unit and per region (scoped, filtered, paginated, with a
pinned number of queries), the person's 两码一证 page, and the roster panel of a unit's page."""

import datetime

import pytest
from django.utils import timezone

from sibao.core.testing import make_enterprise, make_staff
from sibao.enterprises.models import WhitelistEntry
from sibao.epidemic.models import PersonStatus


@pytest.fixture
def rosters(own_enterprise, other_enterprise):
    now = timezone.now()
    own = [
        make_staff(own_enterprise, name="普通甲", team="一班", zone="生产区"),
        make_staff(
            own_enterprise,
            name="流动乙",
            team="二班",
            zone="交接区",
            post_class="mobile",
            category="logistics",
            # 30 h ago: inside the ordinary 48 h window, outside the mobile 24 h one
            last_negative_at=now - datetime.timedelta(hours=30),
        ),
        make_staff(
            own_enterprise,
            name="普通丙",
            team="一班",
            last_negative_at=now - datetime.timedelta(hours=30),
            quiet_until=timezone.localdate() + datetime.timedelta(days=2),
        ),
        make_staff(own_enterprise, name="停用丁", is_active=False),
    ]
    far = make_staff(other_enterprise, name="外县戊")
    return own, far


def names(response) -> set[str]:
    return {s.name for s in response.context["object_list"]}


@pytest.mark.req("EPI-01")
def test_the_region_roster_is_scoped_and_filtered(rosters, personas, login):
    client = login(personas["own_county"])
    assert names(client.get("/epidemic/staff/")) == {"普通甲", "流动乙", "普通丙", "停用丁"}
    assert names(client.get("/epidemic/staff/", {"team": "一班"})) == {"普通甲", "普通丙"}
    assert names(client.get("/epidemic/staff/", {"zone": "交接"})) == {"流动乙"}
    assert names(client.get("/epidemic/staff/", {"post_class": "mobile"})) == {"流动乙"}
    assert names(client.get("/epidemic/staff/", {"category": "logistics"})) == {"流动乙"}
    assert names(client.get("/epidemic/staff/", {"active": "false"})) == {"停用丁"}
    assert names(client.get("/epidemic/staff/", {"quiet": "true"})) == {"普通丙"}
    unit = rosters[0][0].enterprise
    assert "停用丁" in names(client.get("/epidemic/staff/", {"unit": unit.name[:4]}))
    assert names(client.get("/epidemic/staff/", {"enterprise": unit.pk, "team": "二班"})) == {
        "流动乙"
    }
    assert names(login(personas["other_county"]).get("/epidemic/staff/")) == {"外县戊"}
    api = client.get("/api/staff/", {"post_class": "mobile"}).json()
    assert [r["name"] for r in api["results"]] == ["流动乙"]


@pytest.mark.req("EPI-01")
def test_the_unit_panel_counts_posts_and_overdue_staff(rosters, own_enterprise, personas, login):
    panel = login(personas["enterprise_admin"]).get(
        f"/epidemic/units/{own_enterprise.pk}/staff/panel/"
    )
    counts = panel.context["counts"]
    assert counts["total"] == 3 and counts["ordinary"] == 2 and counts["mobile"] == 1
    assert counts["logistics"] == 1 and counts["quiet"] == 1 and counts["inactive"] == 1
    # never tested (甲) and the mobile post 30 h after its last negative (乙)
    assert counts["overdue"] == 2
    assert 'data-testid="roster-link"' in panel.content.decode()
    page = login(personas["enterprise_admin"]).get(f"/enterprises/{own_enterprise.pk}/")
    assert f"/epidemic/units/{own_enterprise.pk}/staff/panel/" in page.content.decode()


@pytest.mark.req("EPI-03")
def test_the_staff_page_shows_the_persons_two_codes_and_certificate(rosters, personas, login):
    ordinary = rosters[0][2]
    mobile = rosters[0][1]
    for person in (ordinary, mobile):
        PersonStatus.objects.create(
            person_key=person.person_key,
            health_code="green",
            itinerary="normal",
            last_sample_at=person.last_negative_at,
            last_result="negative",
            last_negative_at=person.last_negative_at,
        )
    client = login(personas["own_county"])
    page = client.get(f"/epidemic/staff/{ordinary.pk}/")
    assert page.context["certificate"].is_valid and page.context["certificate"].window_hours == 48
    assert "certificate-valid" in page.content.decode() and "绿码" in page.content.decode()
    page = client.get(f"/epidemic/staff/{mobile.pk}/")
    assert not page.context["certificate"].is_valid
    assert page.context["certificate"].window_hours == 24
    assert "certificate-invalid" in page.content.decode()


@pytest.mark.req("EPI-01")
def test_roster_lists_take_a_fixed_number_of_queries(
    own_enterprise, personas, login, django_assert_max_num_queries
):
    second = make_enterprise(region=own_enterprise.region_id)
    WhitelistEntry.objects.create(
        enterprise=second,
        tier="county",
        listed_at=timezone.now(),
        region_code=second.region_id,
        industry_id=second.industry_id,
    )
    for n in range(30):
        make_staff(own_enterprise if n % 2 else second, team=f"{n % 3}班")
    office = login(personas["own_county"])
    admin = login(personas["enterprise_admin"])
    # 30 rows on two units: a fixed number, whatever the page size (no query per row); the staff
    # lists read the emergency state once (command module) for the certificate windows
    pins = [
        (office, "/epidemic/staff/", 14),
        (admin, f"/epidemic/units/{own_enterprise.pk}/staff/", 14),
        (office, f"/epidemic/units/{own_enterprise.pk}/staff/panel/", 11),
        (office, "/api/staff/", 9),
        (office, "/epidemic/code-protection/", 10),
        (office, "/api/code-protection/", 9),
        (office, "/api/staff-vaccination/", 10),
    ]
    for client, url, most in pins:
        with django_assert_max_num_queries(most):
            response = client.get(url)
        assert response.status_code == 200, url
    assert len(response.json()["rows"]) == 1  # the county
    listed = office.get("/epidemic/code-protection/").context["object_list"]
    assert len(listed) == 15
