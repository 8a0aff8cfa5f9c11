"""LOG-05, LOG-06 API: closures requested and decided (403 below the province, 400 on bad input),
stations activated by the HQ office, and the toll-discount list."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.logistics.actions import lastmile
from sibao.logistics.models import ClosureStatus, RoadClosureRequest


def _body(**fields):
    now = timezone.now()
    body = {
        "region": OWN_COUNTY,
        "road": "郑州绕城高速",
        "road_kind": "highway",
        "reason": "封控",
        "starts_at": (now + datetime.timedelta(hours=1)).isoformat(),
        "ends_at": (now + datetime.timedelta(days=1)).isoformat(),
    }
    body.update(fields)
    return body


@pytest.mark.req("LOG-06")
def test_closures_through_the_api(departments, login):
    county = login(make_user(Role.HQ_OFFICE, OWN_COUNTY, username="ac"))
    bad = county.post(reverse("api:road-closure-list"), _body(road=""), "application/json")
    assert bad.status_code == 400 and "road" in bad.json()
    created = county.post(reverse("api:road-closure-list"), _body(), "application/json")
    assert created.status_code == 201
    pk = created.json()["id"]
    decide = reverse("api:road-closure-decide", args=[pk])
    assert county.post(decide, {"approve": True}, "application/json").status_code == 403
    city = login(make_user(Role.HQ_LEADER, "4101", username="al"))
    assert city.post(decide, {"approve": True}, "application/json").status_code == 403
    province = login(make_user(Role.HQ_LEADER, "41", username="ap"))
    answer = province.post(decide, {"approve": True, "version": 0}, "application/json")
    assert answer.status_code == 200 and answer.json()["status"] == ClosureStatus.APPROVED
    stale = province.post(
        reverse("api:road-closure-lift", args=[pk]), {"version": 0}, "application/json"
    )
    assert stale.status_code == 400
    lifted = county.post(reverse("api:road-closure-lift", args=[pk]), {}, "application/json")
    assert lifted.status_code == 200 and lifted.json()["status"] == ClosureStatus.LIFTED
    assert RoadClosureRequest.objects.get().lifted_at is not None


@pytest.mark.req("LOG-05")
def test_stations_through_the_api(departments, login):
    station = lastmile.add_station(
        OWN_COUNTY, actor=None, name="中原接驳点", kind="connection", address="中原路"
    )
    transport = login(
        make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="transport", username="at")
    )
    url = reverse("api:supply-station-activate", args=[station.pk])
    assert transport.post(url, {}, "application/json").status_code == 403
    office = login(make_user(Role.HQ_OFFICE, OWN_COUNTY, username="ao"))
    answer = office.post(url, {"reason": "保供"}, "application/json")
    assert answer.status_code == 200 and answer.json()["active"] is True
    again = office.post(url, {}, "application/json")
    assert again.status_code == 400
    created = office.post(
        reverse("api:supply-station-list"),
        {"region": OWN_COUNTY, "name": "分拨场地", "kind": "distribution", "address": "南三环"},
        "application/json",
    )
    assert created.status_code == 201 and created.json()["active"] is False
    listing = office.get(reverse("api:supply-station-list")).json()
    assert {row["name"] for row in listing["results"]} == {"中原接驳点", "分拨场地"}
