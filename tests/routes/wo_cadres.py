"""Route expectations of the work-orders area 'cadres': liaison cadres, their units and overdue items, demo data (DEM-06).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

The cadre's own pages (我的包保企业) answer only holders of a liaison_cadre grant: every persona
here gets 403. The assignments page and its export belong to the offices (each sees its own
region's units); a unit's admin gets 403. The cadres panel is a page about the own-county unit.
Assignments in the API are scoped by the units the caller may see.
"""

OWN_UNIT = (302, 403, 404, 200, 200)
CADRES_ONLY = (302, 403, 403, 403, 403)
OFFICES = (302, 403, 200, 200, 403)
PAGES = "tests/test_wo_cadres_pages.py"
API = "tests/test_wo_cadres_api.py"

ROUTES: dict = {
    "workorders:unit_cadres_panel": (lambda o: {"pk": o["own_enterprise"].pk}, OWN_UNIT),
    "workorders:my_units": (None, CADRES_ONLY),
    "workorders:my_unit_items": (
        lambda o: {"pk": o["own_cadre_unit"].pk, "kind": "overdue"},
        CADRES_ONLY,
    ),
    "workorders:cadre_assignments": (None, OFFICES),
    "workorders:cadre_export": (None, OFFICES),
    "api:liaison-assignment-list": (None, (401, 403, 200, 200, 200)),
    # a cadre of another own-county unit: the unit's admin persona does not see that unit
    "api:liaison-assignment-detail": (
        lambda o: {"pk": o["own_cadre_grant"].pk},
        (401, 403, 404, 200, 404),
    ),
    "api:my-units-list": (None, (401, 403, 403, 403, 403)),
}

NOT_GET: dict = {
    "workorders:cadre_assign": PAGES,
    "workorders:cadre_unassign": PAGES,
}


def build_objects(objects: dict, personas: dict) -> dict:
    """A listed own-county unit with a liaison cadre assigned by the county office."""
    from sibao.core.testing import OWN_COUNTY, make_enterprise, make_listed, make_user
    from sibao.workorders.actions.cadres import assign_cadre

    unit = make_enterprise(region=OWN_COUNTY, name="路由测试包保单位有限公司")
    make_listed(unit)
    cadre = make_user(None, OWN_COUNTY, username="route-cadre")
    grant = assign_cadre(unit, cadre, actor=personas["own_county"])
    return {"own_cadre_unit": unit, "own_cadre_grant": grant}
