"""Route expectations of the logistics area 'fleet': vehicles, drivers, transport whitelist, demo data (LOG-01).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Vehicles and drivers are read by government roles in their jurisdiction and by the owning unit;
only the owner's own accounts (a logistics company's, a unit's admin) register them, so the
create pages answer 403 to officials. The writes answer POST only and are covered by the named
tests.
"""

UI_LIST = (302, 403, 200, 200, 200)
UI_REGISTER = (302, 403, 403, 403, 200)
UI_OWN_OBJECT = (302, 403, 404, 200, 200)
API_LIST = (401, 403, 200, 200, 200)
API_OWN_OBJECT = (401, 403, 404, 200, 200)

PAGES = "tests/test_log_fleet_pages.py"
API = "tests/test_log_fleet_api.py"

ROUTES: dict = {
    "logistics:vehicle_list": (None, UI_LIST),
    "logistics:vehicle_export": (None, UI_LIST),
    "logistics:vehicle_create": (None, UI_REGISTER),
    "logistics:vehicle_detail": (lambda o: {"pk": o["own_vehicle"].pk}, UI_OWN_OBJECT),
    "logistics:driver_list": (None, UI_LIST),
    "logistics:driver_export": (None, UI_LIST),
    "logistics:driver_create": (None, UI_REGISTER),
    "logistics:driver_detail": (lambda o: {"pk": o["own_driver"].pk}, UI_OWN_OBJECT),
    "api:vehicle-list": (None, API_LIST),
    "api:vehicle-detail": (lambda o: {"pk": o["own_vehicle"].pk}, API_OWN_OBJECT),
    "api:driver-list": (None, API_LIST),
    "api:driver-detail": (lambda o: {"pk": o["own_driver"].pk}, API_OWN_OBJECT),
}

NOT_GET: dict = {
    "logistics:vehicle_deactivate": PAGES,
    "logistics:driver_whitelist": PAGES,
    "api:vehicle-deactivate": API,
    "api:driver-whitelist": API,
}


def build_objects(objects: dict, personas: dict) -> dict:
    """A vehicle and a driver of the own-county enterprise, registered by the platform."""
    from sibao.logistics.actions import fleet

    owner = objects["own_enterprise"]
    vehicle = fleet.register_vehicle(
        owner, actor=None, plate="豫A7R001", kind="truck", relation="logistics"
    )
    driver = fleet.register_driver(
        owner, actor=None, name="路由测试司机", id_number="410102199001011234"
    )
    return {"own_vehicle": vehicle, "own_driver": driver}
