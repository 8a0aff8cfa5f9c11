"""Route expectations of the monitoring area 'production': production status reports, trends per unit and region (MON-03).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Every government role reads the status list and a unit's trend in its jurisdiction; the region
trend is a regional figure (403 for a grant that names one unit); a unit's admin reports its own
unit (an HQ office gets 403 there) and may not export or import; HQ offices and departments
import reports on behalf of units.
"""

UI_READ = (302, 403, 200, 200, 200)
UI_REGION = (302, 403, 200, 200, 403)
UI_OWN = (302, 403, 404, 200, 200)
UI_REPORT = (302, 403, 403, 403, 200)
API_READ = (401, 403, 200, 200, 200)
API_OWN = (401, 403, 404, 200, 200)

ROUTES: dict = {
    "enterprises:production_list": (None, UI_READ),
    "enterprises:production_export": (None, UI_REGION),
    "enterprises:production_report": (None, UI_REPORT),
    "enterprises:production_import": (None, UI_REGION),
    "enterprises:production_import_template": (None, UI_REGION),
    "enterprises:production_trend": (None, UI_REGION),
    "enterprises:production_unit": (lambda o: {"pk": o["own_enterprise"].pk}, UI_OWN),
    "enterprises:production_panel": (lambda o: {"pk": o["own_enterprise"].pk}, UI_OWN),
    "api:production-report-list": (None, API_READ),
    "api:production-report-detail": (lambda o: {"pk": o["own_production_report"].pk}, API_OWN),
}

NOT_GET: dict = {
    "enterprises:production_import_report": "tests/test_mon_production_import.py",
}


def build_objects(found, personas) -> dict:
    from sibao.enterprises.models import ProductionReport
    from sibao.enterprises.queries_production import province_today

    unit = found["own_enterprise"]
    report = ProductionReport.objects.create(
        enterprise=unit,
        reported_on=province_today(),
        state="operating",
        capacity_percent=80,
        staff_on_site=20,
        is_current=True,
        region_code=unit.region_id,
        industry_id=unit.industry_id,
    )
    return {"own_production_report": report}
