"""Route expectations of the logistics area 'passes': pass applications, decisions, signed QR passes, revocation list (LOG-02).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

The pass built here runs inside the own county (410102 → 410103) for a logistics company and a
whitelisted unit that are not the personas' enterprise: another county's office and the unit's
admin get 404 for it. Applying belongs to companies and units (the HQ offices get 403), exporting
to government roles. The checkpoint apps' key and revocation list answer any signed-in account.
"""

UI_LIST = (302, 403, 200, 200, 200)
UI_EXPORT = (302, 403, 200, 200, 403)
UI_APPLY = (302, 403, 403, 403, 200)
UI_OWN_PASS = (302, 403, 404, 200, 404)
API_LIST = (401, 403, 200, 200, 200)
API_OWN_PASS = (401, 403, 404, 200, 404)
API_SIGNED_IN = (401, 200, 200, 200, 200)

PAGES = "tests/test_log_passes_pages.py"
API = "tests/test_log_passes_api.py"

ROUTES: dict = {
    "logistics:pass_list": (None, UI_LIST),
    "logistics:pass_export": (None, UI_EXPORT),
    "logistics:pass_apply": (None, UI_APPLY),
    "logistics:pass_detail": (lambda o: {"pk": o["own_pass"].pk}, UI_OWN_PASS),
    "api:vehicle-pass-list": (None, API_LIST),
    "api:vehicle-pass-detail": (lambda o: {"pk": o["own_pass"].pk}, API_OWN_PASS),
    "api:pass-key-list": (None, API_SIGNED_IN),
    "api:pass-revocation-list": (None, API_SIGNED_IN),
}

NOT_GET: dict = {
    "logistics:pass_approve": PAGES,
    "logistics:pass_refuse": PAGES,
    "logistics:pass_revoke": PAGES,
    "logistics:pass_withdraw": PAGES,
    "api:vehicle-pass-approve": API,
    "api:vehicle-pass-refuse": API,
    "api:vehicle-pass-revoke": API,
    "api:vehicle-pass-withdraw": API,
}


def build_objects(objects: dict, personas: dict) -> dict:
    """An approved pass of an own-county logistics company inside the own county."""
    import datetime

    from django.utils import timezone

    from sibao.core.testing import OWN_COUNTY, id_number, make_enterprise, make_whitelisted
    from sibao.logistics.actions import fleet
    from sibao.logistics.actions import passes as actions

    company = make_enterprise(region=OWN_COUNTY, name="路由测试物流有限公司")
    unit = make_whitelisted(region=OWN_COUNTY, name="路由测试白名单单位")
    vehicle = fleet.register_vehicle(
        company, actor=None, plate="豫A7P001", kind="van", relation="logistics", served_unit=unit
    )
    driver = fleet.register_driver(company, actor=None, name="路由测", id_number=id_number())
    now = timezone.now()
    vehicle_pass = actions.apply_for_pass(
        vehicle,
        actor=None,
        served_unit=unit,
        origin="中原区仓库",
        origin_region_code=OWN_COUNTY,
        destination="二七区工厂",
        destination_region_code="410103",
        valid_from=now,
        valid_until=now + datetime.timedelta(days=3),
        drivers=[driver],
    )
    return {"own_pass": actions.approve_pass(vehicle_pass, actor=None)}
