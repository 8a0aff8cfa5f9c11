"""LOG-01: plates, vehicles and drivers of logistics companies and whitelisted units, and the
transport whitelist — through ``logistics.plates`` and ``logistics.actions.fleet``."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog, Notification
from sibao.core.personal import decrypt, person_key
from sibao.core.testing import id_number, make_enterprise, make_listed, make_user
from sibao.logistics.actions import fleet
from sibao.logistics.models import Driver, Vehicle
from sibao.logistics.plates import PROVINCES, is_new_energy, normalise_plate

pytestmark = pytest.mark.req("LOG-01")

LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
CHARS = LETTERS + "0123456789"
FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}

# --- plates ---

provinces = st.sampled_from(PROVINCES)
letters = st.sampled_from(LETTERS)
ordinary = st.builds(
    lambda p, office, rest: p + office + rest,
    provinces,
    letters,
    st.text(CHARS, min_size=5, max_size=5),
)
new_energy_small = st.builds(
    lambda p, office, kind, c, digits: p + office + kind + c + digits,
    provinces,
    letters,
    st.sampled_from("DF"),
    st.sampled_from(CHARS),
    st.text("0123456789", min_size=4, max_size=4),
)
new_energy_large = st.builds(
    lambda p, office, digits, kind: p + office + digits + kind,
    provinces,
    letters,
    st.text("0123456789", min_size=5, max_size=5),
    st.sampled_from("DF"),
)
valid_plates = st.one_of(ordinary, new_energy_small, new_energy_large)
# the machine running the suite is shared: no timing health checks on these pure functions
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(valid_plates)
def test_a_valid_plate_is_its_own_normal_form(plate):
    assert normalise_plate(plate) == plate
    assert normalise_plate(normalise_plate(plate)) == plate


@PROPERTY
@given(valid_plates, st.sampled_from(["", " ", "·", "-", "　"]))
def test_full_width_lower_case_and_separators_give_the_same_plate(plate, separator):
    typed = plate[:2] + separator + "".join(FULL_WIDTH.get(c, c) for c in plate[2:].lower())
    assert normalise_plate(typed) == plate


@PROPERTY
@given(new_energy_small | new_energy_large)
def test_new_energy_plates_have_eight_characters(plate):
    assert len(plate) == 8
    assert is_new_energy(normalise_plate(plate))


@PROPERTY
@given(st.text(CHARS, min_size=6, max_size=8))
def test_a_plate_without_province_is_refused_in_chinese(text):
    with pytest.raises(ValueError, match="省份简称"):
        normalise_plate(text)


@pytest.mark.parametrize(
    "text",
    ["豫A1234", "豫A123456", "豫I12345", "豫AO1234", "豫1A2345", "豫AD1234X", "豫A12345G", ""],
)
def test_malformed_plates_are_refused(text):
    with pytest.raises(ValueError):
        normalise_plate(text)


def test_trailer_plates_are_accepted():
    assert normalise_plate("豫A1234挂") == "豫A1234挂"
    assert not is_new_energy("豫A12345")


# --- vehicles ---


@pytest.fixture
def unit(db):
    unit = make_enterprise(region="410102", name="中原保通机械有限公司")
    make_listed(unit)
    return unit


@pytest.fixture
def company(db):
    return make_enterprise(region="410102", industry="transport", name="中原顺达物流有限公司")


@pytest.fixture
def company_user(company):
    return make_user(Role.LOGISTICS_COMPANY, "410102", enterprise=company)


@pytest.fixture
def unit_admin(unit):
    return make_user(Role.ENTERPRISE_ADMIN, "410102", enterprise=unit)


def test_a_company_registers_its_vehicle_with_a_normalised_plate(company, company_user, unit):
    unit_admin = make_user(Role.ENTERPRISE_ADMIN, "410102", enterprise=unit)
    vehicle = fleet.register_vehicle(
        company,
        actor=company_user,
        plate="豫ａ·１２３４５",
        kind="truck",
        relation="logistics",
        served_unit=unit,
        load_tonnes="18.5",
    )
    assert vehicle.plate == "豫A12345"
    assert vehicle.region_code == "410102" and vehicle.created_by == company_user
    assert str(vehicle.load_tonnes) == "18.50"
    assert AuditLog.objects.filter(action="vehicle.register", object_id=str(vehicle.pk)).exists()
    # the served unit learns that a vehicle is registered in its name
    assert Notification.objects.filter(recipient=unit_admin, title__contains="豫A12345").exists()


def test_a_plate_is_registered_once(company, company_user):
    fleet.register_vehicle(
        company, actor=company_user, plate="豫A12345", kind="truck", relation="logistics"
    )
    with pytest.raises(ValidationError) as exc:
        fleet.register_vehicle(
            company, actor=company_user, plate="豫a 12345", kind="van", relation="logistics"
        )
    assert "已登记" in exc.value.message_dict["plate"][0]
    assert Vehicle.objects.count() == 1


def test_a_bad_plate_changes_nothing(company, company_user):
    with pytest.raises(ValidationError) as exc:
        fleet.register_vehicle(
            company, actor=company_user, plate="A12345", kind="truck", relation="logistics"
        )
    assert "省份简称" in exc.value.message_dict["plate"][0]
    assert not Vehicle.objects.exists()
    assert not AuditLog.objects.filter(action="vehicle.register").exists()


def test_outsourced_vehicles_name_a_whitelisted_served_unit(company, company_user, unit):
    with pytest.raises(ValidationError) as exc:
        fleet.register_vehicle(
            company, actor=company_user, plate="豫A22222", kind="truck", relation="outsourced"
        )
    assert "白名单单位" in exc.value.message_dict["served_unit"][0]
    not_listed = make_enterprise(region="410102")
    with pytest.raises(ValidationError) as exc:
        fleet.register_vehicle(
            company,
            actor=company_user,
            plate="豫A22222",
            kind="truck",
            relation="outsourced",
            served_unit=not_listed,
        )
    assert "不是白名单单位" in exc.value.message_dict["served_unit"][0]
    vehicle = fleet.register_vehicle(
        company,
        actor=company_user,
        plate="豫A22222",
        kind="truck",
        relation="outsourced",
        served_unit=unit,
    )
    assert vehicle.served_unit == unit


def test_a_unit_admin_registers_own_and_outsourced_vehicles_for_its_unit(unit, unit_admin):
    own = fleet.register_vehicle(
        unit, actor=unit_admin, plate="豫A33333", kind="van", relation="own"
    )
    assert own.served_unit == unit
    outsourced = fleet.register_vehicle(
        unit, actor=unit_admin, plate="豫AD12345", kind="cold_chain", relation="outsourced"
    )
    assert outsourced.served_unit == unit and outsourced.plate == "豫AD12345"
    # a unit's admin does not register logistics-company vehicles
    with pytest.raises(ValidationError) as exc:
        fleet.register_vehicle(
            unit, actor=unit_admin, plate="豫A44444", kind="van", relation="logistics"
        )
    assert "物流企业车辆" in exc.value.message_dict["relation"][0]


def test_a_unit_not_on_the_whitelist_cannot_register(db):
    plain = make_enterprise(region="410102")
    admin = make_user(Role.ENTERPRISE_ADMIN, "410102", enterprise=plain)
    with pytest.raises(ValidationError, match="不在白名单内"):
        fleet.register_vehicle(plain, actor=admin, plate="豫A55555", kind="van", relation="own")
    with pytest.raises(ValidationError, match="不在白名单内"):
        fleet.register_driver(plain, actor=admin, name="张三", id_number=id_number())


def test_only_the_owners_own_accounts_register(company, unit, unit_admin):
    office = make_user(Role.HQ_OFFICE, "410102")
    with pytest.raises(PermissionDenied):
        fleet.register_vehicle(
            company, actor=office, plate="豫A66666", kind="van", relation="logistics"
        )
    # a unit's admin cannot register for another enterprise
    with pytest.raises(PermissionDenied):
        fleet.register_vehicle(
            company, actor=unit_admin, plate="豫A66666", kind="van", relation="logistics"
        )
    with pytest.raises(PermissionDenied):
        fleet.register_driver(company, actor=unit_admin, name="李四", id_number=id_number())
    assert not Vehicle.objects.exists() and not Driver.objects.exists()


def test_deactivation_is_the_owners_and_needs_a_reason(company, company_user, unit, unit_admin):
    vehicle = fleet.register_vehicle(
        company,
        actor=company_user,
        plate="豫A77777",
        kind="truck",
        relation="logistics",
        served_unit=unit,
    )
    # the served unit sees the vehicle but does not own it
    with pytest.raises(PermissionDenied):
        fleet.deactivate_vehicle(vehicle, actor=unit_admin, reason="合同结束")
    with pytest.raises(ValidationError):
        fleet.deactivate_vehicle(vehicle, actor=company_user, reason=" ")
    vehicle = fleet.deactivate_vehicle(vehicle, actor=company_user, reason="车辆报废")
    assert not vehicle.is_active
    assert AuditLog.objects.get(action="vehicle.deactivate").note == "车辆报废"
    with pytest.raises(ValidationError, match="已停用"):
        fleet.deactivate_vehicle(vehicle, actor=company_user, reason="再次")


# --- drivers ---


def test_a_driver_is_stored_protected_and_masked(company, company_user):
    number = id_number(7, born="19850505")
    driver = fleet.register_driver(
        company,
        actor=company_user,
        name=" 王师傅 ",
        id_number=number.lower(),
        phone="139 1234 5678",
        licence_class="a2",
    )
    assert driver.name == "王师傅" and driver.licence_class == "A2"
    assert driver.person_key == person_key(number)
    assert decrypt(driver.id_encrypted) == number and number not in driver.id_masked
    assert driver.id_masked == number[:3] + "*" * 11 + number[-4:]
    assert driver.phone_masked == "139****5678" and decrypt(driver.phone_encrypted) == "13912345678"
    row = AuditLog.objects.get(action="driver.register")
    assert number not in str(row.changes)


def test_invalid_id_numbers_and_phones_are_refused(company, company_user):
    bad = id_number(8)[:17] + ("0" if id_number(8)[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        fleet.register_driver(
            company, actor=company_user, name="赵六", id_number=bad, phone="12345"
        )
    assert "校验位" in exc.value.message_dict["id_number"][0]
    assert "手机号码" in exc.value.message_dict["phone"][0]
    with pytest.raises(ValidationError) as exc:
        fleet.register_driver(
            company, actor=company_user, name="赵六", id_number=id_number(9), licence_class="Z9"
        )
    assert "准驾车型" in exc.value.message_dict["licence_class"][0]
    assert not Driver.objects.exists()


def test_the_same_person_is_registered_once_per_owner(company, company_user, unit, unit_admin):
    number = id_number(10)
    fleet.register_driver(company, actor=company_user, name="钱七", id_number=number)
    with pytest.raises(ValidationError) as exc:
        fleet.register_driver(company, actor=company_user, name="钱七", id_number=number)
    assert "已在本单位登记" in exc.value.message_dict["id_number"][0]
    # another owner may register the same person (a driver working for two units)
    fleet.register_driver(unit, actor=unit_admin, name="钱七", id_number=number)
    assert Driver.objects.filter(person_key=person_key(number)).count() == 2


def test_drivers_join_the_whitelist_only_when_serving_a_whitelisted_unit(
    company, company_user, unit
):
    driver = fleet.register_driver(
        company, actor=company_user, name="孙八", id_number=id_number(11)
    )
    with pytest.raises(ValidationError, match="服务白名单单位"):
        fleet.add_to_whitelist(driver, actor=company_user)
    # a company vehicle that does not serve a whitelisted unit is not enough
    fleet.register_vehicle(
        company, actor=company_user, plate="豫A88888", kind="truck", relation="logistics"
    )
    with pytest.raises(ValidationError):
        fleet.add_to_whitelist(driver, actor=company_user)
    fleet.register_vehicle(
        company,
        actor=company_user,
        plate="豫A99999",
        kind="truck",
        relation="outsourced",
        served_unit=unit,
    )
    driver = fleet.add_to_whitelist(driver, actor=company_user)
    assert driver.on_whitelist and driver.whitelisted_at is not None
    with pytest.raises(ValidationError, match="已在运输白名单"):
        fleet.add_to_whitelist(driver, actor=company_user)
    driver = fleet.remove_from_whitelist(driver, actor=company_user, reason="离职")
    assert not driver.on_whitelist and driver.whitelisted_at is None
    actions = list(
        AuditLog.objects.filter(object_id=str(driver.pk), object_type="logistics.driver")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["driver.register", "driver.whitelist_add", "driver.whitelist_remove"]


def test_a_whitelisted_units_own_drivers_join_directly(unit, unit_admin):
    driver = fleet.register_driver(unit, actor=unit_admin, name="周九", id_number=id_number(12))
    assert fleet.add_to_whitelist(driver, actor=unit_admin).on_whitelist


def test_only_the_owner_changes_the_whitelist(company, company_user, unit):
    fleet.register_vehicle(
        company, actor=None, plate="豫B12345", kind="truck", relation="outsourced", served_unit=unit
    )
    driver = fleet.register_driver(
        company, actor=company_user, name="吴十", id_number=id_number(13)
    )
    office = make_user(Role.HQ_OFFICE, "410102")
    with pytest.raises(PermissionDenied):
        fleet.add_to_whitelist(driver, actor=office)
    driver.refresh_from_db()
    assert not driver.on_whitelist
