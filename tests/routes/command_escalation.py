"""Route expectations of the command area 'escalation' (CMD-03).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Problems, consultations and their tasks are government business: every government role reads
those of its jurisdiction (another county's office gets 404 for the own county's), a unit's admin
has no command permission on them (403). The writes answer POST only and are covered by the
named tests.
"""

UI_LIST = (302, 403, 200, 200, 403)
UI_OWN_COUNTY_OBJECT = (302, 403, 404, 200, 403)
API_LIST = (401, 403, 200, 200, 403)
API_OWN_COUNTY_OBJECT = (401, 403, 404, 200, 403)

PAGES = "tests/test_command_escalation_pages.py"
API = "tests/test_command_escalation_api.py"

ROUTES: dict = {
    "command:problem_list": (None, UI_LIST),
    "command:problem_create": (None, UI_LIST),
    "command:problem_export": (None, UI_LIST),
    "command:problem_detail": (lambda o: {"pk": o["own_problem"].pk}, UI_OWN_COUNTY_OBJECT),
    "command:consultation_list": (None, UI_LIST),
    "command:consultation_create": (None, UI_LIST),
    "command:consultation_detail": (
        lambda o: {"pk": o["own_consultation"].pk},
        UI_OWN_COUNTY_OBJECT,
    ),
    "command:consultation_minutes": (
        lambda o: {"pk": o["own_consultation"].pk},
        UI_OWN_COUNTY_OBJECT,
    ),
    "command:consultation_task_list": (None, UI_LIST),
    "command:consultation_task_export": (None, UI_LIST),
    "command:consultation_task_complete": (
        lambda o: {"pk": o["own_consultation_task"].pk},
        UI_OWN_COUNTY_OBJECT,
    ),
    "api:problem-list": (None, API_LIST),
    "api:problem-detail": (lambda o: {"pk": o["own_problem"].pk}, API_OWN_COUNTY_OBJECT),
    "api:consultation-list": (None, API_LIST),
    "api:consultation-detail": (
        lambda o: {"pk": o["own_consultation"].pk},
        API_OWN_COUNTY_OBJECT,
    ),
    "api:agenda-item-list": (None, API_LIST),
    "api:agenda-item-detail": (lambda o: {"pk": o["own_agenda_item"].pk}, API_OWN_COUNTY_OBJECT),
    "api:consultation-task-list": (None, API_LIST),
    "api:consultation-task-detail": (
        lambda o: {"pk": o["own_consultation_task"].pk},
        API_OWN_COUNTY_OBJECT,
    ),
}

NOT_GET: dict = {
    "command:problem_escalate": PAGES,
    "command:problem_resolve": PAGES,
    "command:consultation_item_add": PAGES,
    "command:agenda_decision": PAGES,
    "command:agenda_task": PAGES,
    "api:problem-escalate": API,
    "api:problem-resolve": API,
    "api:consultation-items": API,
    "api:consultation-minutes": API,
    "api:agenda-item-decision": API,
    "api:agenda-item-tasks": API,
    "api:consultation-task-complete": API,
}


def build_objects(objects: dict, personas: dict) -> dict:
    """A problem raised by the own county's HQ office about its unit, discussed at a county
    consultation whose decision gave the county's industry department a task."""
    import datetime

    from django.utils import timezone

    from sibao.command import actions
    from sibao.regions.models import Department

    office = personas["own_county"]
    hq = objects["own_hq"]
    department = Department.objects.get(region_id=hq.region_id, kind="industry_it")
    problem = actions.raise_problem(
        actor=office,
        title="路由测试：原料运输受阻",
        description="县界卡口劝返原料车辆。",
        enterprise=objects["own_enterprise"],
    )
    consultation = actions.hold_consultation(
        actor=office,
        title="路由测试：物流保通会商",
        headquarters=hq,
        held_at=timezone.now(),
        participants=[department],
    )
    item = actions.add_agenda_item(
        consultation, actor=office, title="", subject=problem, decision="工信局协调运输企业"
    )
    task = actions.assign_task(
        item,
        actor=office,
        department=department,
        task="联系运输企业调整路线",
        due_on=timezone.localdate() + datetime.timedelta(days=2),
    )
    return {
        "own_problem": problem,
        "own_consultation": consultation,
        "own_agenda_item": item,
        "own_consultation_task": task,
    }
