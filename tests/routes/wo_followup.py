"""Route expectations of the work-orders area 'followup': review, rework, visits, enterprise rating, appeals, whole history (DEM-05).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

The demand's panels and history are read by the office of its region and by the unit itself
(another county: 404, like a missing demand; no grant: 404 for a panel, 403 for a page). The
visit queue is the office's (a unit's admin may not visit: 403). Visits and appeals are read by
the unit too. The writes answer POST only and are covered by the named tests.
"""

PANEL_OWN_DEMAND = (302, 404, 404, 200, 200)
UI_OWN_DEMAND = (302, 403, 404, 200, 200)
UI_OFFICE = (302, 403, 200, 200, 403)
API_LIST = (401, 403, 200, 200, 200)
API_OWN = (401, 403, 404, 200, 200)

PAGES = "tests/test_wo_followup_pages.py"
API = "tests/test_wo_followup_api.py"

ROUTES: dict = {
    "workorders:demand_followup_panel": (
        lambda o: {"pk": o["followup_demand"].pk},
        PANEL_OWN_DEMAND,
    ),
    "workorders:demand_history_panel": (
        lambda o: {"pk": o["followup_demand"].pk},
        PANEL_OWN_DEMAND,
    ),
    "workorders:order_followup_panel": (
        lambda o: {"pk": o["followup_order"].pk},
        PANEL_OWN_DEMAND,
    ),
    "workorders:demand_history": (lambda o: {"pk": o["followup_demand"].pk}, UI_OWN_DEMAND),
    "workorders:visit_queue": (None, UI_OFFICE),
    "workorders:visit_queue_export": (None, UI_OFFICE),
    "api:visit-list": (None, API_LIST),
    "api:visit-detail": (lambda o: {"pk": o["followup_visit"].pk}, API_OWN),
    "api:appeal-list": (None, API_LIST),
    "api:appeal-detail": (lambda o: {"pk": o["followup_appeal"].pk}, API_OWN),
}

NOT_GET: dict = {
    "workorders:demand_rate": PAGES,
    "workorders:demand_appeal": PAGES,
    "workorders:appeal_decide": PAGES,
    "workorders:order_followup_step": PAGES,
    "api:appeal-decide": API,
    "api:work-order-followup-review": API,
    "api:work-order-followup-rework": API,
    "api:work-order-followup-close": API,
}


def build_objects(objects: dict, personas: dict) -> dict:
    """An own-county demand whose lead order was answered, reviewed, visited by phone and closed,
    then appealed by the unit."""
    from sibao.workorders.actions import followup
    from tests.wo_followup_state import filed_demand, replied_order

    office = personas["own_county"]
    demand = filed_demand(objects["own_enterprise"], title="路由测试：回访核实")
    order = replied_order(demand)
    order = followup.review(order, actor=office)
    visit = followup.record_visit(
        order, actor=office, method="phone", resolution="resolved", satisfaction="satisfied"
    )
    order = followup.close_order(order, actor=office)
    appeal = followup.appeal(demand, actor=personas["enterprise_admin"], reason="路由测试申诉")
    return {
        "followup_demand": demand,
        "followup_order": order,
        "followup_visit": visit,
        "followup_appeal": appeal,
    }
