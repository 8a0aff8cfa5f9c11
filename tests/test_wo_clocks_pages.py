"""DEM-03 pages and urging: who may urge (the office or leader over the order's handling region),
the supervision page with its urge form, the metrics page with the counts behind each rate (the
open overdue order counted) and its export, and the order's clock panel."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog, Notification
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.workorders.actions import clocks, orders
from sibao.workorders.models import Urging
from tests.routes.wo_clocks import overdue_and_closed

pytestmark = pytest.mark.req("DEM-03")


@pytest.fixture
def pair(personas, own_enterprise):
    return overdue_and_closed(own_enterprise)


@pytest.fixture
def staff(departments):
    return make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, username="county_staff")


def test_the_office_urges_and_the_handling_unit_is_told(pair, personas, staff):
    overdue, _done = pair
    urging = clocks.urge(overdue, actor=personas["own_county"], note="请于明日前答复")
    overdue.refresh_from_db()
    assert overdue.urge_count == 1
    assert (urging.kind, urging.by, urging.note) == (
        "urge",
        personas["own_county"],
        "请于明日前答复",
    )
    assert Notification.objects.filter(recipient=staff, title__contains="督办").count() == 1
    assert AuditLog.objects.filter(action="workorder.urge", actor=personas["own_county"]).exists()
    assert overdue.version == 0  # urging is no state change


def test_a_city_leader_may_urge_a_county_order(pair, departments):
    leader = make_user(Role.HQ_LEADER, "4101", username="city_leader")
    clocks.urge(pair[0], actor=leader, note="市领导督办")
    assert Urging.objects.filter(order=pair[0], kind="urge").count() == 1


@pytest.mark.parametrize("who", ["other_county", "enterprise_admin", "no_grant", "staff"])
def test_others_may_not_urge(pair, personas, staff, who):
    actor = staff if who == "staff" else personas[who]
    with pytest.raises(PermissionDenied):
        clocks.urge(pair[0], actor=actor, note="督办")
    assert not Urging.objects.filter(kind="urge").exists()


def test_an_urging_needs_a_note_and_an_open_order(pair, personas):
    overdue, done = pair
    with pytest.raises(ValidationError) as caught:
        clocks.urge(overdue, actor=personas["own_county"], note="  ")
    assert "请填写督办意见" in str(caught.value)
    with pytest.raises(ValidationError):
        clocks.urge(done, actor=personas["own_county"], note="督办")
    orders.escalate(overdue, actor=None, reason="超出县级权限")
    with pytest.raises(ValidationError):
        clocks.urge(overdue, actor=personas["own_county"], note="督办")
    assert not Urging.objects.filter(kind="urge").exists()


def test_the_supervision_page_lists_the_overdue_order_and_urges_it(pair, personas, login):
    overdue, done = pair
    client = login(personas["own_county"])
    page = client.get("/demands/supervision/")
    html = page.content.decode()
    assert page.status_code == 200
    assert overdue.number in html and done.number not in html
    assert 'data-testid="count-overdue">1<' in html
    answer = client.post(
        f"/demands/orders/{overdue.pk}/urge/",
        {"note": "请尽快答复", "next": "/demands/supervision/"},
        follow=True,
    )
    assert answer.redirect_chain[-1][0] == "/demands/supervision/"
    assert "已督办工单" in answer.content.decode()
    overdue.refresh_from_db()
    assert overdue.urge_count == 1
    # another county's office sees none of it
    other = login(personas["other_county"]).get("/demands/supervision/").content.decode()
    assert overdue.number not in other


def test_an_urging_from_another_county_is_refused(pair, personas, login):
    client = login(personas["other_county"])
    answer = client.post(f"/demands/orders/{pair[0].pk}/urge/", {"note": "督办"})
    assert answer.status_code == 404
    assert client.get(f"/demands/orders/{pair[0].pk}/urge/").status_code == 405
    answer = login(personas["enterprise_admin"]).post(
        f"/demands/orders/{pair[0].pk}/urge/", {"note": "督办"}
    )
    assert answer.status_code == 403
    assert not Urging.objects.filter(kind="urge").exists()


def test_the_metrics_page_counts_the_open_overdue_order(pair, personas, login):
    client = login(personas["own_county"])
    html = client.get("/demands/metrics/").content.decode()
    # on-time close rate 1 ÷ (1 closed + 1 open overdue)
    assert 'data-testid="close-rate">50.0%<' in html
    assert 'data-testid="n-open-overdue">1<' in html
    behind = client.get("/demands/metrics/orders/?dim=department&count=open_overdue")
    assert pair[0].number in behind.content.decode()
    assert pair[1].number not in behind.content.decode()
    filtered = client.get("/demands/metrics/?category=labour").content.decode()
    assert "所选范围内暂无工单" in filtered


def test_the_metrics_export_is_a_spreadsheet(pair, personas, login):
    answer = login(personas["own_county"]).get("/demands/metrics/export/")
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(answer.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][0] == "承办单位" and rows[0][8] == "按时办结率（%）"
    assert rows[1][1] == 2 and rows[1][7] == 1 and rows[1][8] == 50.0
    assert AuditLog.objects.filter(action="workorder.metrics_export").exists()


def test_the_clock_panel_shows_the_overdue_clock_and_the_urge_form(pair, personas, login):
    overdue = pair[0]
    clocks.urge(overdue, actor=personas["own_county"], note="第一次督办")
    url = f"/demands/orders/{overdue.pk}/clock-panel/"
    html = login(personas["own_county"]).get(url).content.decode()
    assert "已超期" in html and "第一次督办" in html
    assert 'data-testid="panel-urge-form"' in html
    unit = login(personas["enterprise_admin"]).get(url).content.decode()
    assert "已超期" in unit and 'data-testid="panel-urge-form"' not in unit
    assert login(personas["other_county"]).get(url).status_code == 404
