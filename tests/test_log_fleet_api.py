"""LOG-01: the ``vehicles`` and ``drivers`` API — register, scope, masked answers, Chinese 400s,
403 refusals, deactivation and the transport whitelist."""

import pytest

from sibao.accounts.roles import Role
from sibao.core.testing import id_number, make_enterprise, make_listed, make_user
from sibao.logistics.actions import fleet
from sibao.logistics.models import Driver, Vehicle

pytestmark = pytest.mark.req("LOG-01")


@pytest.fixture
def company(db):
    return make_enterprise(region="410102", industry="transport", name="中原顺达物流有限公司")


@pytest.fixture
def company_user(company):
    return make_user(Role.LOGISTICS_COMPANY, "410102", enterprise=company)


@pytest.fixture
def unit(personas, own_enterprise):
    make_listed(own_enterprise)
    return own_enterprise


def test_a_company_registers_a_vehicle_and_a_driver(company, company_user, unit, login):
    client = login(company_user)
    response = client.post(
        "/api/vehicles/",
        {
            "owner": company.pk,
            "plate": "豫a-d1234 5",
            "kind": "cold_chain",
            "relation": "outsourced",
            "served_unit": unit.pk,
            "load_tonnes": "12.5",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["plate"] == "豫AD12345" and body["served_unit_name"] == unit.name
    number = id_number(31)
    response = client.post(
        "/api/drivers/",
        {"owner": company.pk, "name": "王师傅", "id_number": number, "phone": "13912345678"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert "id_number" not in body and number not in str(body)
    assert body["phone_masked"] == "139****5678"
    response = client.post(
        f"/api/drivers/{body['id']}/whitelist/",
        {"on_whitelist": True},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["on_whitelist"] is True


def test_validation_answers_400_in_chinese(company, company_user, login):
    client = login(company_user)
    response = client.post(
        "/api/vehicles/",
        {"owner": company.pk, "plate": "ABC", "kind": "truck", "relation": "logistics"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "省份简称" in str(response.json())
    response = client.post(
        "/api/drivers/",
        {"owner": company.pk, "name": "李四", "id_number": "410102199001011230"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "校验位" in str(response.json())
    assert not Vehicle.objects.exists() and not Driver.objects.exists()


def test_refusals_answer_403(company, unit, personas, login):
    office = login(personas["own_county"])
    response = office.post(
        "/api/vehicles/",
        {"owner": company.pk, "plate": "豫A12345", "kind": "truck", "relation": "logistics"},
        content_type="application/json",
    )
    assert response.status_code == 403
    vehicle = fleet.register_vehicle(
        company, actor=None, plate="豫A12346", kind="truck", relation="outsourced", served_unit=unit
    )
    # the served unit's admin reads the vehicle but may not deactivate it
    admin = login(personas["enterprise_admin"])
    assert admin.get(f"/api/vehicles/{vehicle.pk}/").status_code == 200
    response = admin.post(
        f"/api/vehicles/{vehicle.pk}/deactivate/", {"reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    # a unit's admin cannot register for another enterprise (the owner is not among its own)
    response = admin.post(
        "/api/drivers/",
        {"owner": company.pk, "name": "李四", "id_number": id_number(32)},
        content_type="application/json",
    )
    assert response.status_code == 400 and not Driver.objects.exists()


def test_scope_and_filters(company, unit, personas, login):
    fleet.register_vehicle(unit, actor=None, plate="豫A20001", kind="van", relation="own")
    fleet.register_vehicle(
        company, actor=None, plate="豫A20002", kind="truck", relation="logistics"
    )
    other = make_enterprise(region="410202")
    make_listed(other)
    fleet.register_vehicle(other, actor=None, plate="豫B20003", kind="truck", relation="own")
    office = login(personas["own_county"])
    plates = [r["plate"] for r in office.get("/api/vehicles/").json()["results"]]
    assert plates == ["豫A20001", "豫A20002"]
    plates = [r["plate"] for r in office.get("/api/vehicles/?relation=own").json()["results"]]
    assert plates == ["豫A20001"]
    admin = login(personas["enterprise_admin"])
    plates = [r["plate"] for r in admin.get("/api/vehicles/").json()["results"]]
    assert plates == ["豫A20001"]


def test_deactivate_and_remove_from_whitelist(company, company_user, unit, login):
    vehicle = fleet.register_vehicle(
        company, actor=None, plate="豫A30001", kind="truck", relation="outsourced", served_unit=unit
    )
    driver = fleet.add_to_whitelist(
        fleet.register_driver(company, actor=None, name="孙师傅", id_number=id_number(33)),
        actor=None,
    )
    client = login(company_user)
    response = client.post(
        f"/api/drivers/{driver.pk}/whitelist/",
        {"on_whitelist": False, "reason": "离职"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["on_whitelist"] is False
    response = client.post(
        f"/api/vehicles/{vehicle.pk}/deactivate/", {"reason": ""}, content_type="application/json"
    )
    assert response.status_code == 400
    response = client.post(
        f"/api/vehicles/{vehicle.pk}/deactivate/",
        {"reason": "合同终止"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
