"""Route expectations of the places area 'scans'.

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

The public scan page (``scan:``) needs no account: every persona gets it. A unit's scan log and
its "present now" page are the unit's own (``places.scan`` is held by enterprise admins only):
government roles get 403 — health staff read scans only through tracing jobs. The navigation's
entries take a unit admin to its own unit (302).
"""

PUBLIC = (200, 200, 200, 200, 200)
UNIT_ONLY = (302, 403, 403, 403, 200)
UNIT_HOME = (302, 403, 403, 403, 302)
API_UNIT_ONLY = (401, 403, 403, 403, 200)


def _unit(o):
    return {"pk": o["own_enterprise"].pk}


def _code(o):
    return {"pk": o["scan_code"].pk}


ROUTES: dict = {
    "scan:place": (lambda o: {"payload": o["scan_code"].payload}, PUBLIC),
    "scan:done": (lambda o: {"payload": o["scan_code"].payload}, PUBLIC),
    "places:scan_home": (None, UNIT_HOME),
    "places:presence_home": (None, UNIT_HOME),
    "places:unit_scans": (_unit, UNIT_ONLY),
    "places:unit_presence": (_unit, UNIT_ONLY),
    "api:scan-list": (None, API_UNIT_ONLY),
    "api:scan-detail": (lambda o: {"pk": o["scan_row"].pk}, API_UNIT_ONLY),
    "api:place-presence-list": (None, API_UNIT_ONLY),
    "api:place-presence-detail": (_code, API_UNIT_ONLY),
}

NOT_GET: dict = {
    "places:code_checkout": "tests/test_places_scans_pages.py",
    "api:place-presence-checkout": "tests/test_places_scans_pages.py",
}


def build_objects(objects: dict, personas: dict) -> dict:
    """A place code of the own-county unit and one scan at it."""
    from django.utils import timezone

    from sibao.core.personal import person_key
    from sibao.core.testing import id_number, make_place_code, make_scan, make_site, make_space

    site = make_site(objects["own_enterprise"], name="扫码测试厂区")
    code = make_place_code(make_space(site, kind="workshop", name="扫码测试车间"))
    scan = make_scan(code, person_key(id_number(901)), timezone.now())
    return {"scan_code": code, "scan_row": scan}
