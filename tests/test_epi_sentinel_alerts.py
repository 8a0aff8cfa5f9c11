"""EPI-10: sentinel alerts have a deadline and an owner, are closed with an outcome (required),
and are seen only in scope: the unit's admin its own unit's, a county office its county's,
another county nothing (404). Lists and counts per region and kind."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog, Notification
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_staff, make_user
from sibao.epidemic import actions
from sibao.epidemic.models import AlertKind, AlertStatus, SentinelAlert

HOUR = datetime.timedelta(hours=1)


def alert_about(unit, kind=AlertKind.OVERDUE_TEST, key=None, raised=None):
    staff = make_staff(unit)
    return actions.raise_alert(
        kind,
        person_key=staff.person_key,
        staff=staff,
        region_code=staff.region_code,
        detail="无阴性核酸采样记录",
        dedupe_key=key or f"test:{staff.pk}",
        now=raised,
    )


@pytest.fixture
def alert(own_enterprise):
    return alert_about(own_enterprise)


@pytest.mark.req("EPI-10")
def test_raising_is_idempotent_and_the_deadline_comes_from_the_rule_set(own_enterprise):
    now = timezone.now()
    first = alert_about(own_enterprise, key="same", raised=now)
    again = actions.raise_alert(
        AlertKind.OVERDUE_TEST,
        person_key=first.person_key,
        region_code=OWN_COUNTY,
        detail="again",
        dedupe_key="same",
    )
    assert again.pk == first.pk and SentinelAlert.objects.count() == 1
    assert first.due_at == now + 24 * HOUR
    assert first.owner is None and first.status == AlertStatus.OPEN
    assert first.region_code == OWN_COUNTY and first.enterprise == own_enterprise


@pytest.mark.req("EPI-10")
def test_closing_needs_an_outcome(alert, personas):
    with pytest.raises(ValidationError):
        actions.close_alert(alert, actor=personas["own_county"], outcome="  ")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


@pytest.mark.req("EPI-10")
def test_the_county_office_closes_an_alert_with_its_outcome_on_the_page(alert, personas, login):
    client = login(personas["own_county"])
    url = reverse("epidemic:alert_close", args=[alert.pk])

    refused = client.post(url, {"outcome": ""})
    assert refused.status_code == 400
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN

    done = client.post(url, {"outcome": "已督促完成核酸检测，结果阴性。"})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert alert.outcome == "已督促完成核酸检测，结果阴性。"
    assert alert.closed_by == personas["own_county"] and alert.owner == personas["own_county"]
    assert AuditLog.objects.filter(action="sentinel.close", object_id=str(alert.pk)).exists()

    twice = client.post(url, {"outcome": "再次处置"})
    assert twice.status_code == 400


@pytest.mark.req("EPI-10")
def test_an_alert_is_assigned_to_someone_who_may_handle_it(
    alert, personas, login, django_capture_on_commit_callbacks
):
    client = login(personas["own_county"])
    url = reverse("epidemic:alert_assign", args=[alert.pk])
    admin = personas["enterprise_admin"]

    wrong = client.post(url, {"owner": personas["other_county"].pk})
    assert wrong.status_code == 400
    alert.refresh_from_db()
    assert alert.owner is None

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"owner": admin.pk}).status_code == 302
    alert.refresh_from_db()
    assert alert.owner == admin
    assert Notification.objects.filter(recipient=admin, title__contains="指派").exists()


@pytest.mark.req("EPI-10")
def test_the_api_assigns_and_closes(alert, personas, login):
    client = login(personas["own_county"])
    base = reverse("api:sentinel-alert-detail", args=[alert.pk])

    assert client.post(base + "close/", {"outcome": ""}).status_code == 400
    assigned = client.post(base + "assign/", {"owner": personas["enterprise_admin"].pk})
    assert assigned.status_code == 200
    assert assigned.json()["owner"] == personas["enterprise_admin"].pk
    closed = client.post(base + "close/", {"outcome": "已核实，非风险人员。"})
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"


@pytest.mark.req("EPI-10")
def test_another_county_gets_404_for_an_alert_and_cannot_close_it(alert, personas, login):
    client = login(personas["other_county"])
    assert client.get(reverse("epidemic:alert_detail", args=[alert.pk])).status_code == 404
    close = client.post(reverse("epidemic:alert_close", args=[alert.pk]), {"outcome": "x"})
    assert close.status_code == 404
    api = client.post(
        reverse("api:sentinel-alert-detail", args=[alert.pk]) + "close/", {"outcome": "x"}
    )
    assert api.status_code == 404
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


@pytest.mark.req("EPI-10")
def test_a_role_that_only_reads_alerts_cannot_close_them(alert, own_enterprise, login):
    cadre = make_user(Role.LIAISON_CADRE, OWN_COUNTY, enterprise=own_enterprise)
    client = login(cadre)
    assert client.get(reverse("epidemic:alert_detail", args=[alert.pk])).status_code == 200
    url = reverse("epidemic:alert_close", args=[alert.pk])
    assert client.post(url, {"outcome": "x"}).status_code == 403


@pytest.mark.req("EPI-10")
def test_a_unit_admin_sees_the_own_units_alerts_only(
    alert, own_enterprise, personas, login, django_assert_max_num_queries
):
    neighbour_alert = alert_about(make_enterprise(region=OWN_COUNTY))
    client = login(personas["enterprise_admin"])

    with django_assert_max_num_queries(14):
        page = client.get(reverse("epidemic:alert_list"))
    assert [a.pk for a in page.context["object_list"]] == [alert.pk]
    detail = reverse("epidemic:alert_detail", args=[neighbour_alert.pk])
    assert client.get(detail).status_code == 404

    with django_assert_max_num_queries(10):
        api = client.get(reverse("api:sentinel-alert-list"))
    assert [row["id"] for row in api.json()["results"]] == [alert.pk]

    county = login(personas["own_county"]).get(reverse("epidemic:alert_list"))
    assert {a.pk for a in county.context["object_list"]} == {alert.pk, neighbour_alert.pk}


@pytest.mark.req("EPI-10")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=drug_purchase", {"drug"}),
        ("status=closed", {"closed"}),
        ("overdue=true", {"late"}),
    ],
)
def test_the_alert_list_filters_by_kind_status_and_deadline(
    own_enterprise, personas, login, query, expected
):
    alerts = {
        "late": alert_about(own_enterprise, raised=timezone.now() - 30 * HOUR),
        "drug": alert_about(own_enterprise, kind=AlertKind.DRUG_PURCHASE),
        "closed": alert_about(own_enterprise),
    }
    actions.close_alert(alerts["closed"], actor=None, outcome="已处置")
    response = login(personas["own_county"]).get(reverse("epidemic:alert_list") + "?" + query)
    assert {a.pk for a in response.context["object_list"]} == {alerts[k].pk for k in expected}


@pytest.mark.req("EPI-10")
def test_counts_per_region_and_kind(own_enterprise, other_enterprise, login):
    alert_about(own_enterprise)
    alert_about(own_enterprise, kind=AlertKind.POSITIVE, raised=timezone.now() - 30 * HOUR)
    closed = alert_about(own_enterprise)
    actions.close_alert(closed, actor=None, outcome="已处置")
    alert_about(other_enterprise, kind=AlertKind.DRUG_PURCHASE)
    province = make_user(Role.HQ_OFFICE, "41")

    response = login(province).get(reverse("epidemic:alert_counts"))
    rows = {row["region"].code: row for row in response.context["rows"]}
    assert rows["41"]["open_total"] == 3 and rows["41"]["closed"] == 1
    assert rows["4101"]["open"] == {**rows["4101"]["open"], "overdue_test": 1, "positive": 1}
    assert rows["4101"]["late"] == 1
    assert rows["4102"]["open"]["drug_purchase"] == 1

    city = login(province).get(reverse("epidemic:alert_counts") + "?region=4101")
    assert {row["region"].code for row in city.context["rows"]} >= {"4101", OWN_COUNTY}
