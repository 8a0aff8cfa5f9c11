"""Route expectations of the command area 'incidents' (INC-01, INC-02, INC-04).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Every government role reads incidents of its jurisdiction (another county's office gets 404 for
an own-county incident); the unit's admin reads and works its own unit's. Reporting one is the
unit's admin's (or the local health office's, not among the personas): a headquarters office gets
403 on the report form. The writes answer POST only and are covered by the named tests.
"""

UI_LIST = (302, 403, 200, 200, 200)
UI_OWN_COUNTY_OBJECT = (302, 403, 404, 200, 200)
API_LIST = (401, 403, 200, 200, 200)
API_OWN_COUNTY_OBJECT = (401, 403, 404, 200, 200)

PAGES = "tests/test_command_incidents_pages.py"
API = "tests/test_command_incidents_api.py"

ROUTES: dict = {
    "command:incident_list": (None, UI_LIST),
    "command:incident_export": (None, UI_LIST),
    "command:incident_detail": (lambda o: {"pk": o["own_incident"].pk}, UI_OWN_COUNTY_OBJECT),
    "command:unit_incidents": (lambda o: {"pk": o["own_enterprise"].pk}, UI_OWN_COUNTY_OBJECT),
    "command:incident_create": (
        lambda o: {"pk": o["own_enterprise"].pk},
        (302, 403, 404, 403, 200),
    ),
    "api:incident-list": (None, API_LIST),
    "api:incident-detail": (lambda o: {"pk": o["own_incident"].pk}, API_OWN_COUNTY_OBJECT),
    "api:incident-step-list": (None, API_LIST),
    "api:incident-step-detail": (
        lambda o: {"pk": o["own_incident"].steps.first().pk},
        API_OWN_COUNTY_OBJECT,
    ),
    "api:silent-period-list": (None, API_LIST),
    "api:silent-period-detail": (
        lambda o: {"pk": o["own_silent_period"].pk},
        API_OWN_COUNTY_OBJECT,
    ),
}

NOT_GET: dict = {
    "command:incident_step_complete": PAGES,
    "command:incident_trace": PAGES,
    "command:incident_exclude": PAGES,
    "command:incident_confirm": PAGES,
    "command:incident_resume": PAGES,
    "command:silent_period_end": PAGES,
    "api:incident-trace": API,
    "api:incident-exclude": API,
    "api:incident-confirm": API,
    "api:incident-resume": API,
    "api:incident-step-complete": API,
    "api:silent-period-end": API,
}


def build_objects(objects: dict, personas: dict) -> dict:
    """An incident at the own-county unit whose retest excluded infection: its person is in a
    silent period."""
    from sibao.command import actions
    from sibao.command.models import StepKind
    from sibao.core.testing import make_preparedness, make_staff

    unit = objects["own_enterprise"]
    make_preparedness(unit, rooms=2)
    staff = make_staff(unit)
    incident = actions.open_incident(
        unit,
        actor=None,
        kind="symptom",
        description="路由测试：员工发热",
        staff=staff,
        observation_room="R1",
    )
    actions.complete_step(incident.steps.get(kind=StepKind.RETEST), actor=None, note="单采复核阴性")
    period = actions.exclude_suspect(incident, actor=None, room="R1", days=3)
    return {"own_incident": incident, "own_silent_period": period}
