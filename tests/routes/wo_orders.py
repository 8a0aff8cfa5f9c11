"""Route expectations of the work-orders area 'orders': routing, dispatch, handling queue, sign, reply, return, extension, suspension, escalation (DEM-02).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Orders are read by every government role in their jurisdiction and by the unit whose demand they
handle; requests, routing rules and the export are government business (a unit's admin: 403).
The writes answer POST only and are covered by the named tests.
"""

UI_QUEUE = (302, 403, 200, 200, 200)
UI_OFFICE = (302, 403, 200, 200, 403)
UI_OWN_ORDER = (302, 403, 404, 200, 200)
UI_OWN_RULE = (302, 403, 404, 200, 403)
PANEL_OWN_DEMAND = (302, 404, 404, 200, 200)
API_QUEUE = (401, 403, 200, 200, 200)
API_OWN_ORDER = (401, 403, 404, 200, 200)
API_OFFICE = (401, 403, 200, 200, 403)
API_OWN_OFFICE = (401, 403, 404, 200, 403)

PAGES = "tests/test_wo_orders_pages.py"
API = "tests/test_wo_orders_api.py"

ROUTES: dict = {
    "workorders:order_list": (None, UI_QUEUE),
    "workorders:order_export": (None, UI_OFFICE),
    "workorders:order_detail": (lambda o: {"pk": o["own_order"].pk}, UI_OWN_ORDER),
    "workorders:demand_orders_panel": (
        lambda o: {"pk": o["own_order"].demand_id},
        PANEL_OWN_DEMAND,
    ),
    "workorders:routing_rule_list": (None, UI_OFFICE),
    "workorders:routing_rule_create": (None, UI_OFFICE),
    "workorders:routing_rule_edit": (lambda o: {"pk": o["own_rule"].pk}, UI_OWN_RULE),
    "api:work-order-list": (None, API_QUEUE),
    "api:work-order-detail": (lambda o: {"pk": o["own_order"].pk}, API_OWN_ORDER),
    "api:return-request-list": (None, API_OFFICE),
    "api:return-request-detail": (lambda o: {"pk": o["own_return"].pk}, API_OWN_OFFICE),
    "api:extension-request-list": (None, API_OFFICE),
    "api:extension-request-detail": (lambda o: {"pk": o["own_extension"].pk}, API_OWN_OFFICE),
    "api:routing-rule-list": (None, API_OFFICE),
    "api:routing-rule-detail": (lambda o: {"pk": o["own_rule"].pk}, API_OWN_OFFICE),
}

NOT_GET: dict = {
    "workorders:order_bulk_sign": PAGES,
    "workorders:order_step": PAGES,
    "workorders:return_decide": PAGES,
    "workorders:extension_decide": PAGES,
    "workorders:demand_dispatch": PAGES,
    "api:work-order-sign": API,
    "api:work-order-start": API,
    "api:work-order-reply": API,
    "api:work-order-request-return": API,
    "api:work-order-request-extension": API,
    "api:work-order-suspend": API,
    "api:work-order-resume": API,
    "api:work-order-escalate": API,
    "api:return-request-decide": API,
    "api:extension-request-decide": API,
}


def build_objects(objects: dict, personas: dict) -> dict:
    """An own-county demand dispatched by the county office to its industry department, signed,
    with a pending extension request and a pending return request; a county routing rule."""
    from sibao.regions.models import Department
    from sibao.workorders.actions import intake
    from sibao.workorders.actions import orders as actions

    office = personas["own_county"]
    demand = intake.file_demand(
        objects["own_enterprise"],
        actor=None,
        category="raw_materials",
        title="路由测试：原料短缺",
        description="路由测试用诉求。",
    )
    demand = intake.accept_demand(demand, actor=None)
    department = Department.objects.get(region_id=demand.region_code, kind="industry_it")
    order = actions.dispatch(demand, actor=office, department=department)
    actions.sign(order, actor=None)
    extension = actions.request_extension(order, actor=None, working_days=2, reason="路由测试")
    returned = actions.request_return(order, actor=None, reason="路由测试")
    rule = actions.save_routing_rule(
        actor=None, category="labour", region_code=demand.region_code, department_kind="commerce"
    )
    return {
        "own_order": order,
        "own_return": returned,
        "own_extension": extension,
        "own_rule": rule,
    }
