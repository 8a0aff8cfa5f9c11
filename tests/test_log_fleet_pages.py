"""LOG-01: the vehicle and driver pages — register, list with filters and search, masked driver
data, the transport-whitelist toggle, deactivation, exports — driven over HTTP by personas."""

import io

import pytest
from openpyxl import load_workbook

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import OTHER_COUNTY, id_number, make_enterprise, make_listed, make_user
from sibao.logistics.actions import fleet
from sibao.logistics.models import Driver, Vehicle

pytestmark = pytest.mark.req("LOG-01")


@pytest.fixture
def listed(personas, own_enterprise):
    make_listed(own_enterprise)
    return own_enterprise


@pytest.fixture
def company(db):
    return make_enterprise(region="410102", industry="transport", name="中原顺达物流有限公司")


def test_a_unit_admin_registers_a_vehicle_through_the_form(listed, personas, login):
    client = login(personas["enterprise_admin"])
    page = client.get("/logistics/vehicles/new/")
    assert page.status_code == 200 and 'data-testid="vehicle-form"' in page.content.decode()
    response = client.post(
        "/logistics/vehicles/new/",
        {"owner": listed.pk, "plate": "豫Ａ１２３４５", "kind": "van", "relation": "own"},
    )
    vehicle = Vehicle.objects.get()
    assert response.status_code == 302 and response.url == f"/logistics/vehicles/{vehicle.pk}/"
    assert vehicle.plate == "豫A12345" and vehicle.served_unit == listed
    detail = client.get(response.url).content.decode()
    assert "豫A12345" in detail and 'data-testid="vehicle-deactivate-form"' in detail


def test_form_errors_come_back_in_chinese_and_change_nothing(listed, personas, login):
    client = login(personas["enterprise_admin"])
    response = client.post(
        "/logistics/vehicles/new/",
        {"owner": listed.pk, "plate": "A12345", "kind": "van", "relation": "own"},
    )
    assert response.status_code == 422
    assert "省份简称" in response.content.decode()
    assert not Vehicle.objects.exists()


def test_officials_read_but_do_not_register(listed, personas, login):
    fleet.register_vehicle(listed, actor=None, plate="豫A10001", kind="truck", relation="own")
    office = login(personas["own_county"])
    page = office.get("/logistics/vehicles/").content.decode()
    assert "豫A10001" in page and 'data-testid="vehicle-new"' not in page
    assert office.get("/logistics/vehicles/new/").status_code == 403
    assert office.post("/logistics/drivers/new/", {"owner": listed.pk}).status_code == 403
    other = login(personas["other_county"])
    assert "豫A10001" not in other.get("/logistics/vehicles/").content.decode()


def test_vehicle_filters_and_plate_search(listed, personas, login, company):
    fleet.register_vehicle(listed, actor=None, plate="豫A10001", kind="truck", relation="own")
    fleet.register_vehicle(
        company, actor=None, plate="豫AD23456", kind="cold_chain", relation="logistics"
    )
    client = login(personas["own_county"])
    by_plate = client.get("/logistics/vehicles/", {"q": "豫ａd2345"}).content.decode()
    assert "豫AD23456" in by_plate and "豫A10001" not in by_plate
    by_relation = client.get("/logistics/vehicles/", {"relation": "own"}).content.decode()
    assert "豫A10001" in by_relation and "豫AD23456" not in by_relation
    by_owner = client.get("/logistics/vehicles/", {"q": "顺达"}).content.decode()
    assert "豫AD23456" in by_owner and "豫A10001" not in by_owner
    partial = client.get("/logistics/vehicles/", {"kind": "truck"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and "豫A10001" in partial.content.decode()


def test_a_driver_is_registered_and_shown_masked(listed, personas, login):
    number = id_number(21, born="19800808")
    client = login(personas["enterprise_admin"])
    response = client.post(
        "/logistics/drivers/new/",
        {
            "owner": listed.pk,
            "name": "王师傅",
            "id_number": number,
            "phone": "13912345678",
            "licence_class": "A2",
        },
    )
    driver = Driver.objects.get()
    assert response.status_code == 302
    for user in ("enterprise_admin", "own_county"):
        page = login(personas[user]).get(f"/logistics/drivers/{driver.pk}/").content.decode()
        assert number not in page and "13912345678" not in page
        assert driver.id_masked in page and "139****5678" in page
    listing = client.get("/logistics/drivers/").content.decode()
    assert number not in listing and driver.id_masked in listing
    duplicate = client.post(
        "/logistics/drivers/new/", {"owner": listed.pk, "name": "王师傅", "id_number": number}
    )
    assert duplicate.status_code == 422 and "已在本单位登记" in duplicate.content.decode()


def test_the_whitelist_toggle_on_the_driver_page(listed, personas, login):
    driver = fleet.register_driver(listed, actor=None, name="李师傅", id_number=id_number(22))
    client = login(personas["enterprise_admin"])
    page = client.get(f"/logistics/drivers/{driver.pk}/").content.decode()
    assert 'data-testid="driver-whitelist-add"' in page
    response = client.post(f"/logistics/drivers/{driver.pk}/whitelist/", {"on": "1"})
    assert response.status_code == 302
    driver.refresh_from_db()
    assert driver.on_whitelist
    filtered = client.get("/logistics/drivers/", {"on_whitelist": "true"}).content.decode()
    assert "李师傅" in filtered
    client.post(f"/logistics/drivers/{driver.pk}/whitelist/", {"on": "0", "reason": "合同结束"})
    driver.refresh_from_db()
    assert not driver.on_whitelist
    assert AuditLog.objects.get(action="driver.whitelist_remove").note == "合同结束"
    # an official may look but not toggle; another county's official does not even see it
    assert (
        login(personas["own_county"])
        .post(f"/logistics/drivers/{driver.pk}/whitelist/", {"on": "1"})
        .status_code
        == 403
    )
    assert (
        login(personas["other_county"]).get(f"/logistics/drivers/{driver.pk}/").status_code == 404
    )


def test_a_company_without_a_serving_vehicle_sees_why_not(company, login):
    user = make_user(Role.LOGISTICS_COMPANY, "410102", enterprise=company)
    driver = fleet.register_driver(company, actor=user, name="赵师傅", id_number=id_number(23))
    client = login(user)
    page = client.get(f"/logistics/drivers/{driver.pk}/").content.decode()
    assert 'data-testid="driver-whitelist-hint"' in page
    client.post(f"/logistics/drivers/{driver.pk}/whitelist/", {"on": "1"})
    driver.refresh_from_db()
    assert not driver.on_whitelist


def test_deactivating_a_vehicle_from_its_page(listed, personas, login):
    vehicle = fleet.register_vehicle(
        listed, actor=None, plate="豫A10002", kind="van", relation="own"
    )
    client = login(personas["enterprise_admin"])
    client.post(f"/logistics/vehicles/{vehicle.pk}/deactivate/", {"reason": ""})
    vehicle.refresh_from_db()
    assert vehicle.is_active
    client.post(f"/logistics/vehicles/{vehicle.pk}/deactivate/", {"reason": "车辆出售"})
    vehicle.refresh_from_db()
    assert not vehicle.is_active
    office = login(personas["own_county"])
    assert (
        office.post(f"/logistics/vehicles/{vehicle.pk}/deactivate/", {"reason": "x"}).status_code
        == 403
    )


def test_exports_are_filtered_masked_and_audited(listed, personas, login):
    fleet.register_vehicle(listed, actor=None, plate="豫A10003", kind="truck", relation="own")
    other = make_enterprise(region=OTHER_COUNTY)
    make_listed(other)
    fleet.register_vehicle(other, actor=None, plate="豫B10004", kind="truck", relation="own")
    number = id_number(24)
    fleet.register_driver(listed, actor=None, name="钱师傅", id_number=number, phone="13812345678")
    client = login(personas["own_county"])
    response = client.get("/logistics/vehicles/export/")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    plates = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert plates == ["豫A10003"]  # the other county's vehicle is out of scope
    response = client.get("/logistics/drivers/export/")
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert rows[1][0] == "钱师傅" and rows[1][1] != number and rows[1][2] == "138****5678"
    assert set(
        AuditLog.objects.filter(action__startswith="fleet.export").values_list("action", flat=True)
    ) == {"fleet.export.vehicles", "fleet.export.drivers"}
