"""LOG-03 pages: checkpoints (list, create, edit), the mobile verification page, the check log
(filters, export)."""

import io

import pytest
from openpyxl import load_workbook

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import OWN_COUNTY, id_number, make_user
from sibao.logistics.models import Check, Checkpoint
from tests.routes.log_checkpoint import make_checkpoint, make_officer, make_pass, make_status

pytestmark = [pytest.mark.req("LOG-03"), pytest.mark.django_db]


def test_the_office_creates_and_edits_a_checkpoint(personas, login):
    client = login(personas["own_county"])
    page = client.get("/logistics/checkpoints/new/")
    assert page.status_code == 200
    response = client.post(
        "/logistics/checkpoints/new/",
        {
            "region": OWN_COUNTY,
            "name": "郑州西站",
            "kind": "highway_exit",
            "road": "连霍高速",
            "green_channel": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    checkpoint = Checkpoint.objects.get(name="郑州西站")
    assert checkpoint.region_code == OWN_COUNTY and checkpoint.green_channel
    bad = client.post(
        f"/logistics/checkpoints/{checkpoint.pk}/edit/", {"name": "", "kind": "border"}
    )
    assert bad.status_code == 422
    client.post(
        f"/logistics/checkpoints/{checkpoint.pk}/edit/",
        {"name": "郑州西收费站", "kind": "highway_exit", "road": "连霍高速", "is_active": "on"},
    )
    checkpoint.refresh_from_db()
    assert checkpoint.name == "郑州西收费站" and not checkpoint.green_channel
    listing = client.get("/logistics/checkpoints/", {"q": "西收费"})
    assert "郑州西收费站" in listing.content.decode()


def test_the_officer_verifies_on_the_mobile_page(departments, login):
    checkpoint = make_checkpoint()
    officer = make_officer()
    vehicle_pass = make_pass()
    driver, escort = id_number(), id_number()
    make_status(driver)
    make_status(escort, health_code="red")
    client = login(officer)
    listing = client.get("/logistics/checkpoints/").content.decode()
    assert f"/logistics/checkpoints/{checkpoint.pk}/verify/" in listing
    url = f"/logistics/checkpoints/{checkpoint.pk}/verify/"
    page = client.get(url).content.decode()
    assert 'name="token"' in page and 'name="occupants"' in page and 'name="sample"' in page
    green = client.post(url, {"token": vehicle_pass.token, "occupants": driver})
    body = green.content.decode()
    assert 'data-result="green"' in body and "绿色通道放行" in body
    red = client.post(url, {"token": vehicle_pass.token, "occupants": f"{driver}\n{escort}\n"})
    body = red.content.decode()
    assert 'data-result="not_green"' in body and "随车人员健康码非绿码" in body
    bad = client.post(url, {"token": vehicle_pass.token, "occupants": "abc"})
    assert bad.status_code == 422 and "身份证号码应为 18 位" in bad.content.decode()
    assert Check.objects.count() == 2


def test_a_double_submitted_form_stores_one_check(departments, login):
    checkpoint = make_checkpoint()
    vehicle_pass = make_pass()
    driver = id_number()
    make_status(driver)
    client = login(make_officer())
    url = f"/logistics/checkpoints/{checkpoint.pk}/verify/"
    form = {"token": vehicle_pass.token, "occupants": driver, "client_event_id": "form-abc"}
    client.post(url, form)
    client.post(url, form)
    assert Check.objects.count() == 1


def test_the_check_log_filters_and_exports(departments, personas, login):
    checkpoint = make_checkpoint()
    other = make_checkpoint(name="东站")
    officer = make_officer()
    vehicle_pass = make_pass()
    driver = id_number()
    make_status(driver)
    from sibao.logistics.actions.checkpoint import verify

    verify(checkpoint, actor=officer, token=vehicle_pass.token, occupants=[driver])
    verify(other, actor=officer, token="garbage", occupants=[driver])
    client = login(personas["own_county"])
    page = client.get("/logistics/checks/", {"checkpoint": checkpoint.pk}).content.decode()
    assert page.count('data-testid="check-row"') == 1
    refused = client.get("/logistics/checks/", {"result": "not_green"}).content.decode()
    assert refused.count('data-testid="check-row"') == 1 and "通行证无效" in refused
    day = Check.objects.first().at.astimezone().date()
    assert (
        client.get("/logistics/checks/", {"day": day.isoformat()})
        .content.decode()
        .count('data-testid="check-row"')
        == 2
    )
    export = client.get("/logistics/checks/export/", {"result": "not_green"})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.values)
    assert len(rows) == 2 and rows[1][1] == "东站"
    assert AuditLog.objects.filter(action="check.export").exists()
    assert client.get("/logistics/checks/export/").status_code == 200
    admin = login(personas["enterprise_admin"])
    assert admin.get("/logistics/checks/export/").status_code == 403


def test_the_nav_shows_checkpoints_and_the_check_log(departments, login):
    client = login(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    page = client.get("/logistics/checkpoints/").content.decode()
    assert "检查站" in page and "/logistics/checks/" in page
