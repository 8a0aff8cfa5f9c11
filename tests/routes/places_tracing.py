"""Route expectations of the places area 'tracing'.

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Tracing jobs are read by the headquarters of the jurisdiction they belong to (a job of the own
county: the other county's office gets 404); only the health office runs and exports them (none
of the personas is one: 403; the positive answers are in tests/test_places_tracing_jobs.py and
tests/test_places_tracing_pages.py). A unit's admin never reaches tracing.
"""

ROUTES: dict = {
    "places:tracing_list": (None, (302, 403, 200, 200, 403)),
    "places:tracing_create": (None, (302, 403, 403, 403, 403)),
    "places:tracing_detail": (lambda o: {"pk": o["own_tracing_job"].pk}, (302, 403, 404, 200, 403)),
    "places:tracing_export": (lambda o: {"pk": o["own_tracing_job"].pk}, (302, 403, 403, 403, 403)),
    "api:tracing-job-list": (None, (401, 403, 200, 200, 403)),
    "api:tracing-job-detail": (
        lambda o: {"pk": o["own_tracing_job"].pk},
        (401, 403, 404, 200, 403),
    ),
}

NOT_GET: dict = {}


def build_objects(objects: dict, personas: dict) -> dict:
    """A tracing job run by the own county's health office for a case on the own-county unit's
    roster who met a colleague in a workshop."""
    import datetime

    from django.utils import timezone

    from sibao.accounts.roles import Role
    from sibao.core.testing import (
        OWN_COUNTY,
        make_place_code,
        make_scan,
        make_site,
        make_space,
        make_staff,
        make_user,
    )
    from sibao.places.actions import run_trace

    unit = objects["own_enterprise"]
    code = make_place_code(make_space(make_site(unit), "workshop", "路由测试车间"))
    case, colleague = make_staff(unit), make_staff(unit)
    start = timezone.now() - datetime.timedelta(hours=3)
    make_scan(code, case.person_key, start, start + datetime.timedelta(hours=1))
    make_scan(code, colleague.person_key, start, start + datetime.timedelta(minutes=30))
    officer = make_user(Role.HEALTH_OFFICE, OWN_COUNTY, username="route_health")
    job = run_trace(
        actor=officer, case_keys=[case.person_key], reason="路由测试", case_ref="ROUTE-1"
    )
    return {"own_tracing_job": job}
