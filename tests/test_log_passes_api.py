"""LOG-02 API: ``vehicle-passes`` apply / approve / refuse / revoke / withdraw with Chinese 400s
and 403s, concurrent decisions with one winner, and the checkpoint apps' public key and
revocation list."""

import base64

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.urls import reverse

from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY
from sibao.logistics import signing
from sibao.logistics.models import PassStatus
from tests.log_passes_support import apply, approved, live, make_fleet, transport_staff

pytestmark = pytest.mark.req("LOG-02")
JSON = "application/json"


@pytest.fixture
def f(departments):
    return make_fleet()


def _body(f, **overrides):
    data = {
        "vehicle": f.vehicle.pk,
        "served_unit": f.unit.pk,
        "origin": "中原区仓储中心",
        "origin_region_code": OWN_COUNTY,
        "destination": "龙亭区装配厂",
        "destination_region_code": OTHER_COUNTY,
        "valid_from": "2031-05-01T08:00:00+08:00",
        "valid_until": "2031-05-03T08:00:00+08:00",
        "drivers": [f.driver.pk],
    }
    data.update(overrides)
    return data


def test_apply_and_approve_through_the_api(f, login):
    company = login(f.company_user)
    made = company.post(reverse("api:vehicle-pass-list"), _body(f), content_type=JSON)
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "applied" and body["number"].startswith("TX")
    assert body["drivers"][0]["name"] == "张**"
    staff = login(transport_staff(OTHER_COUNTY))
    done = staff.post(
        reverse("api:vehicle-pass-approve", args=[body["id"]]),
        {"version": body["version"], "note": "同意"},
        content_type=JSON,
    )
    assert done.status_code == 200
    token = done.json()["token"]
    claims = signing.genuine_claims(token)
    assert claims.number == body["number"] and claims.plate == f.vehicle.plate
    assert done.json()["key_id"] == signing.key_id() and token.startswith("P1.")


def test_refusals_answer_400_and_403_in_chinese(f, login):
    company = login(f.company_user)
    bad = company.post(
        reverse("api:vehicle-pass-list"),
        _body(f, valid_until="2031-06-30T08:00:00+08:00"),
        content_type=JSON,
    )
    assert bad.status_code == 400 and "最长" in bad.json()["valid_until"][0]
    p = apply(f, now=live())
    refused = company.post(reverse("api:vehicle-pass-approve", args=[p.pk]), {}, content_type=JSON)
    assert refused.status_code == 403 and "审批" in refused.json()["detail"]
    staff = login(transport_staff(OWN_COUNTY))
    no_reason = staff.post(
        reverse("api:vehicle-pass-refuse", args=[p.pk]), {"reason": " "}, content_type=JSON
    )
    assert no_reason.status_code == 400 and "理由" in no_reason.json()["reason"][0]
    stranger = login(make_fleet().company_user)
    assert stranger.get(reverse("api:vehicle-pass-detail", args=[p.pk])).status_code == 404


def test_concurrent_approve_and_refuse_one_winner_and_a_conflict(f, login):
    p = apply(f, now=live())
    seen = p.version
    winner = login(transport_staff(OWN_COUNTY)).post(
        reverse("api:vehicle-pass-refuse", args=[p.pk]),
        {"version": seen, "reason": "线路不符"},
        content_type=JSON,
    )
    loser = login(transport_staff(OTHER_COUNTY)).post(
        reverse("api:vehicle-pass-approve", args=[p.pk]), {"version": seen}, content_type=JSON
    )
    assert winner.status_code == 200 and loser.status_code == 400
    assert "不予核发" in loser.content.decode()
    p.refresh_from_db()
    assert p.status == PassStatus.REFUSED and p.token == ""


def test_revoke_withdraw_and_the_revocation_list(f, login, personas):
    issued = approved(f, now=live())
    staff = login(transport_staff(OWN_COUNTY))
    revoked = staff.post(
        reverse("api:vehicle-pass-revoke", args=[issued.pk]),
        {"reason": "车辆转让"},
        content_type=JSON,
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    pending = apply(f, now=live())
    withdrawn = login(f.company_user).post(
        reverse("api:vehicle-pass-withdraw", args=[pending.pk]), {}, content_type=JSON
    )
    assert withdrawn.json()["status"] == "withdrawn"
    # any signed-in account (a checkpoint app's, even without a grant) reads the list
    listing = login(personas["no_grant"]).get(reverse("api:pass-revocation-list")).json()
    assert issued.number in listing["numbers"] and pending.number not in listing["numbers"]


def test_public_key_endpoint_verifies_issued_tokens(f, login, personas):
    issued = approved(f, now=live())
    answer = login(personas["no_grant"]).get(reverse("api:pass-key-list")).json()
    assert answer["key_id"] == issued.key_id and answer["algorithm"] == "Ed25519"
    public = load_pem_public_key(answer["public_key_pem"].encode())
    body, signature = issued.token.rsplit(".", 1)
    public.verify(base64.urlsafe_b64decode(signature + "=="), body.encode())
