"""Route expectations of the epidemic area: arrivals, risk areas, coding (EPI-08, EPI-09).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

The public report pages (``arrive:``) need no account: every persona gets the page. HQ offices
read arrivals but do not verify or register them (the unit and the health office do); only the
health office maintains risk areas, which every other role reads.
"""

PUBLIC = (200, 200, 200, 200, 200)
UI_LIST = (302, 403, 200, 200, 200)
OWN_UNIT = (302, 403, 404, 200, 200)
UNIT_ONLY = (302, 403, 403, 403, 200)  # a unit's own write page: HQ offices only read arrivals
HEALTH_OFFICE_ONLY = (302, 403, 403, 403, 403)
API_LIST = (401, 403, 200, 200, 200)
API_OWN = (401, 403, 404, 200, 200)


def _report(o):
    return {"pk": o["arrival_report"].pk}


ROUTES: dict = {
    "arrive:report": (None, PUBLIC),
    "arrive:units": (None, PUBLIC),
    "arrive:done": (None, PUBLIC),
    "epidemic:arrival_list": (None, UI_LIST),
    "epidemic:arrival_detail": (_report, OWN_UNIT),
    "epidemic:arrival_supplement": (lambda o: {"pk": o["own_enterprise"].pk}, UNIT_ONLY),
    "epidemic:risk_area_list": (None, UI_LIST),
    "epidemic:risk_area_add": (None, HEALTH_OFFICE_ONLY),
    "epidemic:risk_area_edit": (lambda o: {"pk": o["risk_area"].pk}, HEALTH_OFFICE_ONLY),
    "api:risk-area-list": (None, API_LIST),
    "api:risk-area-detail": (lambda o: {"pk": o["risk_area"].pk}, API_LIST),
    "api:arrival-list": (None, API_LIST),
    "api:arrival-detail": (_report, API_OWN),
}

NOT_GET: dict = {
    "epidemic:arrival_verify": "tests/test_epi_arrival_verification.py",
    "epidemic:arrival_arrive": "tests/test_epi_arrival_verification.py",
    "epidemic:arrival_close": "tests/test_epi_arrival_verification.py",
    "epidemic:arrival_reveal": "tests/test_epi_arrival_verification.py",
    "epidemic:risk_area_end": "tests/test_epi_risk_areas.py",
    "api:risk-area-end": "tests/test_epi_risk_areas.py",
    "api:arrival-verify": "tests/test_epi_arrival_verification.py",
    "api:arrival-arrive": "tests/test_epi_arrival_verification.py",
    "api:arrival-close": "tests/test_epi_arrival_verification.py",
    "api:arrival-reveal": "tests/test_epi_arrival_verification.py",
}


def build_objects(objects: dict, personas: dict) -> dict:
    """An arrival report to the own-county unit and one risk area."""
    import datetime

    from sibao.core.testing import make_arrival
    from sibao.epidemic import actions
    from sibao.epidemic.models import RiskLevel

    area = actions.add_risk_area(
        actor=None,
        region_code="310115",
        region_name="上海市浦东新区",
        name="某街道某小区",
        level=RiskLevel.STATIC,
        valid_from=datetime.date(2022, 4, 1),
    )
    return {
        "arrival_report": make_arrival(objects["own_enterprise"]),
        "risk_area": area,
    }
