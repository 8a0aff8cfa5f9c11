"""Route expectations of the epidemic area: daily reports, preparedness, sampling houses, goods (EPI-11, EPI-14..16).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Region pages (missing reports, readiness ranking, sampling houses by region) are for roles with
a jurisdiction; a unit admin is sent (302) to the same page of its own unit. Unit pages answer
404 to another county's office. Only the unit's admin records (drills, houses, goods): the HQ
office has no such permission at all (403).
"""

REGION_PAGE = (302, 403, 200, 200, 302)
OWN_UNIT = (302, 403, 404, 200, 200)
UNIT_ADMIN_ONLY = (302, 403, 403, 403, 200)
UI_LIST = (302, 403, 200, 200, 200)
API_LIST = (401, 403, 200, 200, 200)
API_OWN = (401, 403, 404, 200, 200)


def _own(o):
    return {"pk": o["own_enterprise"].pk}


ROUTES: dict = {
    "epidemic:daily_report_missing": (None, REGION_PAGE),
    "epidemic:daily_report_unit": (_own, OWN_UNIT),
    "epidemic:readiness_list": (None, REGION_PAGE),
    "epidemic:preparedness_unit": (_own, OWN_UNIT),
    "epidemic:drill_add": (_own, UNIT_ADMIN_ONLY),
    "epidemic:sampling_house_region": (None, REGION_PAGE),
    "epidemic:sampling_house_unit": (_own, OWN_UNIT),
    "epidemic:sampling_house_add": (_own, UNIT_ADMIN_ONLY),
    "epidemic:goods_list": (None, UI_LIST),
    "epidemic:goods_add": (_own, UNIT_ADMIN_ONLY),
    "epidemic:goods_detail": (lambda o: {"pk": o["units_lot"].pk}, OWN_UNIT),
    "epidemic:goods_label": (lambda o: {"pk": o["units_lot"].pk}, OWN_UNIT),
    "epidemic:units_panel": (_own, OWN_UNIT),
    "api:daily-report-list": (None, API_LIST),
    "api:daily-report-detail": (lambda o: {"pk": o["units_report"].pk}, API_OWN),
    # a region figure: a unit admin's grant reaches its own unit only
    "api:daily-report-missing": (None, (401, 403, 200, 200, 403)),
    "api:preparedness-list": (None, API_LIST),
    "api:preparedness-detail": (lambda o: {"enterprise": o["own_enterprise"].pk}, API_OWN),
    "api:drill-list": (None, API_LIST),
    "api:drill-detail": (lambda o: {"pk": o["units_drill"].pk}, API_OWN),
    "api:sampling-house-list": (None, API_LIST),
    "api:sampling-house-detail": (lambda o: {"pk": o["units_house"].pk}, API_OWN),
    "api:goods-lot-list": (None, API_LIST),
    "api:goods-lot-detail": (lambda o: {"pk": o["units_lot"].pk}, API_OWN),
}

NOT_GET: dict = {
    "epidemic:daily_report_zero": "tests/test_epi_daily_reports.py",
    "epidemic:sampling_house_deploy": "tests/test_epi_sampling_houses.py",
    "epidemic:sampling_house_paid": "tests/test_epi_sampling_houses.py",
    "api:sampling-house-deployed": "tests/test_epi_sampling_houses.py",
    "api:sampling-house-paid": "tests/test_epi_sampling_houses.py",
}


def build_objects(objects: dict, personas: dict) -> dict:
    """A daily report, a drill, a sampling house and a goods lot of the own-county unit, filed
    by its admin."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from sibao.epidemic import actions

    unit = objects["own_enterprise"]
    admin = personas["enterprise_admin"]
    today = timezone.localdate()
    return {
        "units_report": actions.file_daily_report(
            unit, actor=admin, report_date=today, staff_on_site=80, is_zero_report=True
        ),
        "units_drill": actions.record_drill(
            unit, actor=admin, held_on=today - datetime.timedelta(days=3), kind="drill"
        ),
        "units_house": actions.record_sampling_house(
            unit,
            actor=admin,
            site="东门",
            purchased_on=today - datetime.timedelta(days=10),
            price=Decimal("60000.00"),
        ),
        "units_lot": actions.record_goods_lot(
            unit,
            actor=admin,
            direction="in",
            description="原料钢材",
            moved_at=timezone.now() - datetime.timedelta(hours=1),
        ),
    }
