"""Route expectations of the epidemic area: test compliance, sentinel, reminders (EPI-04, EPI-10).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).
"""

UI_LIST = (302, 403, 200, 200, 200)
UI_OWN_COUNTY_OBJECT = (302, 403, 404, 200, 200)
API_LIST = (401, 403, 200, 200, 200)
API_OWN_COUNTY_OBJECT = (401, 403, 404, 200, 200)

ROUTES: dict = {
    # overdue staff: every role that reads rosters; the export needs "export" on rosters, which
    # the HQ office lacks (it reads lists, the health office and the unit export them)
    "epidemic:compliance_overdue": (None, UI_LIST),
    "epidemic:compliance_overdue_export": (None, (302, 403, 403, 403, 200)),
    # regional figures; a unit's admin sees its own unit's row
    "epidemic:compliance_regions": (None, UI_LIST),
    "epidemic:compliance_panel": (lambda o: {"pk": o["own_enterprise"].pk}, UI_OWN_COUNTY_OBJECT),
    "epidemic:alert_list": (None, UI_LIST),
    # counts per region are a jurisdiction's figure: not for a unit's admin
    "epidemic:alert_counts": (None, (302, 403, 200, 200, 403)),
    "epidemic:alert_detail": (lambda o: {"pk": o["own_alert"].pk}, UI_OWN_COUNTY_OBJECT),
    "api:overdue-staff-list": (None, API_LIST),
    "api:compliance-rate-list": (None, API_LIST),
    "api:compliance-rate-units": (None, API_LIST),
    "api:sentinel-alert-list": (None, API_LIST),
    "api:sentinel-alert-detail": (lambda o: {"pk": o["own_alert"].pk}, API_OWN_COUNTY_OBJECT),
}
NOT_GET: dict = {
    "epidemic:alert_assign": "tests/test_epi_sentinel_alerts.py",
    "epidemic:alert_close": "tests/test_epi_sentinel_alerts.py",
    "api:sentinel-alert-assign": "tests/test_epi_sentinel_alerts.py",
    "api:sentinel-alert-close": "tests/test_epi_sentinel_alerts.py",
}


def build_objects(objects: dict, personas: dict) -> dict:
    """An open alert about a staff member of the own-county enterprise."""
    from sibao.core.testing import make_staff
    from sibao.epidemic.actions import raise_alert
    from sibao.epidemic.models import AlertKind

    staff = make_staff(objects["own_enterprise"])
    alert = raise_alert(
        AlertKind.OVERDUE_TEST,
        person_key=staff.person_key,
        staff=staff,
        region_code=staff.region_code,
        detail="无阴性核酸采样记录",
        dedupe_key=f"routes:{staff.pk}",
    )
    return {"own_alert": alert}
