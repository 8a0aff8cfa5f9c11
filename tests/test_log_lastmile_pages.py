"""LOG-05, LOG-06 pages: a county office requests a road closure through the form and the
province decides it on the detail page (a county office sees no decision form and its POST is
refused); the HQ office activates a station from the list; the toll-discount export."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_listed, make_user
from sibao.logistics.actions import lastmile
from sibao.logistics.models import ClosureStatus, RoadClosureRequest, SupplyStation
from tests.test_log_lastmile_actions import make_pass


def text(response) -> str:
    return response.content.decode()


@pytest.mark.req("LOG-06")
def test_county_requests_and_province_approves_through_the_pages(departments, login):
    county = login(make_user(Role.HQ_OFFICE, OWN_COUNTY, username="c_office"))
    form = county.get(reverse("logistics:closure_create"))
    assert form.status_code == 200 and "中原区" in text(form)
    start = timezone.localtime() + datetime.timedelta(hours=2)
    data = {
        "region": OWN_COUNTY,
        "road": "连霍高速中原西出口",
        "road_kind": "highway",
        "reason": "",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    refused = county.post(reverse("logistics:closure_create"), data)
    assert refused.status_code == 422 and not RoadClosureRequest.objects.exists()
    data["reason"] = "出口周边封控"
    created = county.post(reverse("logistics:closure_create"), data)
    closure = RoadClosureRequest.objects.get()
    assert created.status_code == 302
    detail = county.get(reverse("logistics:closure_detail", args=[closure.pk]))
    assert "须报省指挥部批准" in text(detail) and 'data-testid="closure-decide-form"' not in text(
        detail
    )
    county.post(reverse("logistics:closure_decide", args=[closure.pk]), {"decision": "approve"})
    assert RoadClosureRequest.objects.get().status == ClosureStatus.PENDING

    province = login(make_user(Role.HQ_OFFICE, "41", username="p_office"))
    detail = province.get(reverse("logistics:closure_detail", args=[closure.pk]))
    assert 'data-testid="closure-decide-form"' in text(detail)
    province.post(
        reverse("logistics:closure_decide", args=[closure.pk]),
        {"decision": "approve", "note": "同意", "version": 0},
    )
    closure.refresh_from_db()
    assert closure.status == ClosureStatus.APPROVED
    listing = county.get(reverse("logistics:closure_list"))
    assert "连霍高速中原西出口" in text(listing) and "已批准" in text(listing)
    county.post(reverse("logistics:closure_lift", args=[closure.pk]), {"version": 1})
    assert RoadClosureRequest.objects.get().status == ClosureStatus.LIFTED


@pytest.mark.req("LOG-05")
def test_the_office_activates_a_station_from_the_list(departments, login):
    station = lastmile.add_station(
        OWN_COUNTY, actor=None, name="中原接驳点", kind="connection", address="中原路"
    )
    transport = login(
        make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="transport", username="t")
    )
    page = transport.get(reverse("logistics:station_list"))
    assert "中原接驳点" in text(page) and 'data-testid="station-activate"' not in text(page)
    transport.post(reverse("logistics:station_activate", args=[station.pk]))
    assert not SupplyStation.objects.get().active
    office = login(make_user(Role.HQ_OFFICE, OWN_COUNTY, username="o"))
    assert 'data-testid="station-activate"' in text(office.get(reverse("logistics:station_list")))
    office.post(reverse("logistics:station_activate", args=[station.pk]), {"reason": "保供"})
    assert SupplyStation.objects.get().active
    office.post(reverse("logistics:station_deactivate", args=[station.pk]))
    assert not SupplyStation.objects.get().active


@pytest.mark.req("LOG-05")
def test_a_units_admin_adds_a_receiving_point_through_the_form(departments, own_enterprise, login):
    admin = login(
        make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise, username="a")
    )
    answer = admin.post(
        reverse("logistics:receiving_point_create"),
        {"name": "北门接收点", "address": "厂区北门", "contactless": "on", "is_active": "on"},
    )
    assert answer.status_code == 302
    listing = admin.get(reverse("logistics:receiving_point_list"))
    assert "北门接收点" in text(listing) and "无接触" in text(listing)


@pytest.mark.req("LOG-06")
def test_toll_discount_list_and_export(departments, login):
    company = make_enterprise(region=OWN_COUNTY, industry="transport")
    listed = make_enterprise(region=OWN_COUNTY, name="白名单食品有限公司")
    make_listed(listed)
    eligible = make_pass(company, listed, plate="豫A12345")
    office = login(make_user(Role.HQ_OFFICE, OWN_COUNTY, username="o2"))
    page = office.get(reverse("logistics:toll_discount_list"))
    assert "豫A12345" in text(page) and "白名单食品有限公司" in text(page)
    export = office.get(reverse("logistics:toll_discount_export"))
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.values)
    assert rows[1][0] == "豫A12345" and rows[1][1] == eligible.number and len(rows) == 2
