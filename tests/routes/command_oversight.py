"""Route expectations of the command area 'oversight'.

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Every government role and the unit itself read the oversight lists (rows of the caller's scope;
a row of the own county answers 404 to the other county). HQ offices ask for shutdowns, record
restrictions and rewards; only departments announce inspections and keep protected lists (none
of the personas is one: 403; the positive answers are in the tests named in NOT_GET). The two
provincial bodies decide shutdowns and the city dispatch HQ approves inspections through POST
routes only.
"""

UI_ALL = (302, 403, 200, 200, 200)
UI_OWN = (302, 403, 404, 200, 200)
UI_HQ = (302, 403, 200, 200, 403)
UI_DEPARTMENT = (302, 403, 403, 403, 403)
API_ALL = (401, 403, 200, 200, 200)
API_OWN = (401, 403, 404, 200, 200)
PAGES = "tests/test_command_oversight_pages.py"
INSPECTIONS = "tests/test_command_oversight_inspections.py"
API = "tests/test_command_oversight_api.py"


def _shutdown(o):
    return {"pk": o["oversight_shutdown"].pk}


def _inspection(o):
    return {"pk": o["oversight_inspection"].pk}


ROUTES: dict = {
    "command:shutdown_list": (None, UI_ALL),
    "command:shutdown_create": (None, UI_HQ),
    "command:shutdown_export": (None, UI_ALL),
    "command:shutdown_detail": (_shutdown, UI_OWN),
    "command:restriction_list": (None, UI_ALL),
    "command:restriction_create": (None, UI_ALL),
    "command:restriction_export": (None, UI_ALL),
    "command:inspection_list": (None, UI_ALL),
    "command:inspection_create": (None, UI_DEPARTMENT),
    "command:inspection_export": (None, UI_ALL),
    "command:inspection_detail": (_inspection, UI_OWN),
    "command:protected_list": (None, UI_ALL),
    "command:protected_edit": (None, UI_DEPARTMENT),
    "command:reward_list": (None, UI_ALL),
    "command:reward_create": (None, UI_HQ),
    "command:reward_export": (None, UI_ALL),
    "command:oversight_unit": (lambda o: {"pk": o["own_enterprise"].pk}, UI_OWN),
    "command:oversight_region": (lambda o: {"code": "410102"}, UI_ALL),
    "api:shutdown-request-list": (None, API_ALL),
    "api:shutdown-request-detail": (_shutdown, API_OWN),
    "api:restriction-list": (None, API_ALL),
    "api:restriction-detail": (lambda o: {"pk": o["oversight_restriction"].pk}, API_OWN),
    "api:inspection-request-list": (None, API_ALL),
    "api:inspection-request-detail": (_inspection, API_OWN),
    "api:protected-inspection-list": (None, API_ALL),
    # a department's list belongs to its region; an enterprise-bound grant reaches none of it
    "api:protected-inspection-detail": (
        lambda o: {"pk": o["oversight_protected"].pk},
        (401, 403, 404, 200, 404),
    ),
    "api:reward-penalty-list": (None, API_ALL),
    "api:reward-penalty-detail": (lambda o: {"pk": o["oversight_reward"].pk}, API_OWN),
}

NOT_GET: dict = {
    "command:shutdown_decide": PAGES,
    "command:shutdown_end": "tests/test_command_oversight_shutdowns.py",
    "command:shutdown_withdraw": "tests/test_command_oversight_shutdowns.py",
    "command:restriction_end": PAGES,
    "command:inspection_decide": INSPECTIONS,
    "command:inspection_done": INSPECTIONS,
    "command:protected_delete": INSPECTIONS,
    "api:shutdown-request-decide": API,
    "api:shutdown-request-end": API,
    "api:shutdown-request-withdraw": API,
    "api:restriction-end": API,
    "api:inspection-request-decide": API,
    "api:inspection-request-done": API,
}


def build_objects(objects: dict, personas: dict) -> dict:
    """The own-county unit on the whitelist with a shutdown request waiting for the province, a
    restriction found on it, an environmental inspection announced by the county's industry
    department, that department's protected list, and a commendation of the unit."""
    from django.utils import timezone

    from sibao.command import actions
    from sibao.core.testing import OWN_COUNTY, make_listed, make_shutdown
    from sibao.enterprises.models import WhitelistEntry
    from sibao.regions.models import Department

    unit = objects["own_enterprise"]
    if not WhitelistEntry.objects.filter(enterprise=unit).exists():
        make_listed(unit)
    now = timezone.now()
    department = Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")
    return {
        "oversight_shutdown": make_shutdown(unit, approve=False, now=now),
        "oversight_restriction": actions.record_restriction(
            unit,
            actor=None,
            kind="sealed",
            imposed_by="路由测试街道",
            description="封闭厂门",
            started_at=now,
            now=now,
        ),
        "oversight_inspection": actions.request_inspection(
            unit,
            actor=None,
            department=department,
            purpose="environment",
            matters="路由测试检查",
            planned_on=timezone.localdate(),
            now=now,
        ),
        "oversight_protected": actions.save_protected_inspection(
            department, actor=None, purpose="capacity", items="产能核查"
        ),
        "oversight_reward": actions.record_reward_penalty(
            actor=None,
            kind="commendation",
            region=OWN_COUNTY,
            enterprise=unit,
            reason="路由测试表扬",
            decided_on=timezone.localdate(),
        ),
    }
