"""LOG-02 pages: the company applies through the form, the logistics group approves or refuses
on the detail page, the approved pass shows its signed QR and the printable card with masked
drivers; revoke and withdraw; the list filters and exports; outsiders get 404."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY
from sibao.logistics import signing
from sibao.logistics.models import PassStatus, VehiclePass
from tests.log_passes_support import apply, approved, live, make_fleet, transport_staff

pytestmark = pytest.mark.req("LOG-02")


@pytest.fixture
def f(departments):
    return make_fleet()


def _form(f, **overrides):
    data = {
        "vehicle": f.vehicle.pk,
        "served_unit": f.unit.pk,
        "origin": "中原区仓储中心",
        "origin_region_code": OWN_COUNTY,
        "destination": "龙亭区装配厂",
        "destination_region_code": OTHER_COUNTY,
        "valid_from": "2031-05-01T08:00",
        "valid_until": "2031-05-08T08:00",
        "drivers": [f.driver.pk],
        "cargo": "钢材",
    }
    data.update(overrides)
    return data


def test_company_applies_through_the_form(f, login):
    client = login(f.company_user)
    page = client.get(reverse("logistics:pass_apply"))
    assert page.status_code == 200 and f.vehicle.plate in page.content.decode()
    response = client.post(reverse("logistics:pass_apply"), _form(f))
    p = VehiclePass.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "logistics:pass_detail", args=[p.pk]
    )
    assert p.status == PassStatus.APPLIED and p.applied_by == f.company_user


def test_form_shows_the_actions_refusal_and_saves_nothing(f, login):
    client = login(f.company_user)
    response = client.post(
        reverse("logistics:pass_apply"), _form(f, valid_until="2031-07-01T08:00")
    )
    assert response.status_code == 422
    assert "最长 30 天" in response.content.decode()
    assert not VehiclePass.objects.exists()


def test_group_approves_on_the_detail_page_and_the_qr_appears(f, login):
    p = apply(f, now=live())
    staff = login(transport_staff(OTHER_COUNTY))
    page = staff.get(reverse("logistics:pass_detail", args=[p.pk])).content.decode()
    assert 'data-testid="pass-approve-form"' in page and 'data-testid="pass-qr"' not in page
    staff.post(reverse("logistics:pass_approve", args=[p.pk]), {"version": p.version})
    p.refresh_from_db()
    assert p.status == PassStatus.APPROVED
    company_page = login(f.company_user).get(reverse("logistics:pass_detail", args=[p.pk]))
    html = company_page.content.decode()
    assert 'data-testid="pass-qr"' in html and "<svg" in html
    assert f.vehicle.plate in html and f.unit.name in html
    assert f.driver.id_masked in html and "张**" in html and "张建国" not in html
    assert 'data-testid="pass-approve-form"' not in html
    assert signing.verify_token(p.token, now=p.valid_from).number == p.number


def test_stale_decision_is_refused_with_who_moved_first(f, login):
    p = apply(f, now=live())
    first = transport_staff(OWN_COUNTY)
    login(first).post(reverse("logistics:pass_approve", args=[p.pk]), {"version": p.version})
    second = login(transport_staff(OTHER_COUNTY))
    response = second.post(
        reverse("logistics:pass_refuse", args=[p.pk]),
        {"version": p.version, "reason": "材料不全"},
        follow=True,
    )
    assert "已核发" in response.content.decode() and str(first) in response.content.decode()
    p.refresh_from_db()
    assert p.status == PassStatus.APPROVED


def test_refuse_revoke_and_withdraw_pages(f, login):
    staff = login(transport_staff(OWN_COUNTY))
    p = apply(f, now=live())
    staff.post(reverse("logistics:pass_refuse", args=[p.pk]), {"reason": "未投保"})
    p.refresh_from_db()
    assert p.status == PassStatus.REFUSED and p.decision_reason == "未投保"
    issued = approved(f, now=live())
    staff.post(reverse("logistics:pass_revoke", args=[issued.pk]), {"reason": "驾驶员涉疫"})
    issued.refresh_from_db()
    assert issued.status == PassStatus.REVOKED
    pending = apply(f, now=live())
    company = login(f.company_user)
    # the company cannot decide its own application
    company.post(reverse("logistics:pass_approve", args=[pending.pk]), {})
    pending.refresh_from_db()
    assert pending.status == PassStatus.APPLIED
    company.post(reverse("logistics:pass_withdraw", args=[pending.pk]), {})
    pending.refresh_from_db()
    assert pending.status == PassStatus.WITHDRAWN


def test_list_filters_and_export(f, login, personas):
    issued = approved(f, now=live())
    pending = apply(f, now=live())
    client = login(personas["own_county"])
    page = client.get(reverse("logistics:pass_list"), {"status": "approved"}).content.decode()
    assert issued.number in page and pending.number not in page
    found = client.get(reverse("logistics:pass_list"), {"q": f.vehicle.plate}).content.decode()
    assert issued.number in found and pending.number in found
    export = client.get(reverse("logistics:pass_export"), {"status": "applied"})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == [pending.number]


def test_out_of_scope_pass_is_404(f, login):
    p = approved(f, now=live())
    other_company = make_fleet().company_user
    assert login(other_company).get(reverse("logistics:pass_detail", args=[p.pk])).status_code == (
        404
    )
    far = login(transport_staff(OTHER_COUNTY))
    assert far.get(reverse("logistics:pass_detail", args=[p.pk])).status_code == 200
