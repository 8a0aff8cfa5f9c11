"""Route expectations of the command area 'emergency'.

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).
"""

from sibao.core.testing import OWN_COUNTY

UI_REGION = (302, 403, 200, 200, 302)  # region pages; a unit's admin is sent to its loop page
UI_OWN_UNIT = (302, 403, 404, 200, 200)
UI_UNIT_WRITE = (302, 403, 403, 403, 200)  # only the unit's own admin keeps its loop data
API_LIST = (401, 403, 200, 200, 200)
API_OWN_UNIT = (401, 403, 404, 200, 200)


def _unit(o):
    return {"pk": o["own_enterprise"].pk}


ROUTES: dict = {
    "command:emergency_index": (None, UI_REGION),
    # a region's page: in the jurisdiction only; a unit's admin has no jurisdiction (404)
    "command:emergency_region": (lambda o: {"code": OWN_COUNTY}, (302, 403, 404, 200, 404)),
    # the switch: HQ roles covering the region; another county's HQ gets 404, a unit's admin 403
    "command:emergency_switch": (
        lambda o: {"code": OWN_COUNTY, "to": "normal"},
        (302, 403, 404, 200, 403),
    ),
    "command:emergency_switches": (None, (302, 403, 200, 200, 403)),
    "command:emergency_loops": (None, UI_REGION),
    # an export of unit lists: the roles exporting enterprises
    "command:emergency_loops_export": (None, (302, 403, 200, 200, 403)),
    "command:emergency_loop": (_unit, UI_OWN_UNIT),
    "command:emergency_loop_plan": (_unit, UI_UNIT_WRITE),
    "command:emergency_loop_report": (_unit, UI_UNIT_WRITE),
    "command:emergency_city_supply": (_unit, UI_OWN_UNIT),
    "command:emergency_city_supply_edit": (
        lambda o: {"pk": o["own_supply_staff"].pk},
        UI_UNIT_WRITE,
    ),
    "api:region-state-list": (None, API_LIST),
    "api:region-state-detail": (lambda o: {"region": OWN_COUNTY}, (401, 403, 404, 200, 404)),
    "api:region-state-preview": (None, (401, 403, 200, 200, 403)),
    "api:emergency-switch-list": (None, (401, 403, 200, 200, 403)),
    "api:emergency-switch-detail": (
        lambda o: {"pk": o["own_switch"].pk},
        (401, 403, 404, 200, 403),
    ),
    "api:loop-plan-list": (None, API_LIST),
    "api:loop-plan-detail": (lambda o: {"pk": o["own_loop_plan"].pk}, API_OWN_UNIT),
    "api:loop-status-list": (None, API_LIST),
    "api:loop-status-detail": (lambda o: {"pk": o["own_loop"].pk}, API_OWN_UNIT),
    "api:loop-report-list": (None, API_LIST),
    "api:loop-report-detail": (lambda o: {"pk": o["own_loop_report"].pk}, API_OWN_UNIT),
    "api:city-supply-list": (None, API_LIST),
    "api:city-supply-detail": (lambda o: {"pk": o["own_supply"].pk}, API_OWN_UNIT),
}

NOT_GET: dict = {
    "api:region-state-switch": "tests/test_command_emergency_api.py",
}


def build_objects(objects: dict, personas: dict) -> dict:
    """The own county switched into emergency a day and a half ago, its listed unit in loop with
    a plan, a loop report and a city-supply worker with an arrangement."""
    import datetime

    from django.utils import timezone

    from sibao.command import actions
    from sibao.core.testing import make_listed, make_staff
    from sibao.enterprises.models import WhitelistEntry
    from sibao.epidemic.models import StaffCategory

    unit = objects["own_enterprise"]
    if not WhitelistEntry.objects.filter(enterprise=unit).exists():
        make_listed(unit)
    now = timezone.now()
    plan = actions.save_loop_plan(
        unit, actor=None, mode="bubble", dormitories="一号宿舍楼", headcount=80
    )
    outcome = actions.switch_to_emergency(
        OWN_COUNTY, actor=None, reason="路由测试", now=now - datetime.timedelta(hours=36)
    )
    report = actions.file_loop_report(
        unit, actor=None, report_date=timezone.localdate(now), in_loop=80, now=now
    )
    staff = make_staff(unit, category=StaffCategory.CITY_SUPPLY)
    supply = actions.save_city_supply(
        staff,
        actor=None,
        service="power",
        lodging="供电公司职工宿舍",
        work_area="中原区城西片区",
        route="宿舍—变电站",
    )
    return {
        "own_switch": outcome.switch,
        "own_loop": unit.loop_periods.get(),
        "own_loop_plan": plan,
        "own_loop_report": report,
        "own_supply_staff": staff,
        "own_supply": supply,
    }
