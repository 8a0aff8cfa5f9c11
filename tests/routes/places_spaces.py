"""Route expectations of the places area 'spaces'.

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Government roles read a unit's tree, codes, sheets and PNGs (another county's office: 404);
only the unit's admin builds its tree and keeps its badges (the HQ office has no such
permission at all: 403). The coverage list is a region page; a unit admin is sent (302) to its
own tree.
"""

OWN_UNIT = (302, 403, 404, 200, 200)
UNIT_ADMIN_ONLY = (302, 403, 403, 403, 200)
REGION_PAGE = (302, 403, 200, 200, 302)
API_LIST = (401, 403, 200, 200, 200)
API_OWN = (401, 403, 404, 200, 200)


def _own(o):
    return {"pk": o["own_enterprise"].pk}


def _space(o):
    return {"pk": o["spaces_workshop"].pk}


ROUTES: dict = {
    "places:unit_spaces": (_own, OWN_UNIT),
    "places:spaces_panel": (_own, OWN_UNIT),
    "places:site_add": (_own, UNIT_ADMIN_ONLY),
    "places:space_add": (_space, UNIT_ADMIN_ONLY),
    "places:space_edit": (_space, UNIT_ADMIN_ONLY),
    "places:space_move": (_space, UNIT_ADMIN_ONLY),
    "places:code_sheet": (_own, OWN_UNIT),
    "places:code_png": (lambda o: {"pk": o["spaces_code"].pk}, OWN_UNIT),
    "places:coverage": (None, REGION_PAGE),
    "places:coverage_export": (None, REGION_PAGE),
    "places:unit_badges": (_own, UNIT_ADMIN_ONLY),
    "places:badge_sheet": (_own, UNIT_ADMIN_ONLY),
    "api:space-list": (None, API_LIST),
    "api:space-detail": (_space, API_OWN),
    "api:place-code-list": (None, API_LIST),
    "api:place-code-detail": (lambda o: {"pk": o["spaces_code"].pk}, API_OWN),
    "api:space-coverage-list": (None, API_LIST),
    "api:space-coverage-detail": (_own, API_OWN),
}

NOT_GET: dict = {
    "places:space_deactivate": "tests/test_places_spaces_ui.py",
    "places:space_reactivate": "tests/test_places_spaces_ui.py",
    "places:code_issue": "tests/test_places_spaces_ui.py",
    "places:codes_issue_missing": "tests/test_places_spaces_ui.py",
    "places:code_revoke": "tests/test_places_spaces_ui.py",
    "places:badge_issue": "tests/test_places_spaces_ui.py",
    "places:badge_revoke": "tests/test_places_spaces_ui.py",
    "api:space-move": "tests/test_places_spaces_api.py",
    "api:space-deactivate": "tests/test_places_spaces_api.py",
    "api:space-issue-code": "tests/test_places_spaces_api.py",
    "api:place-code-revoke": "tests/test_places_spaces_api.py",
}


def build_objects(objects: dict, personas: dict) -> dict:
    """A site, a building and a workshop of the own-county unit, the workshop with a code, all
    made by its admin."""
    from sibao.places import actions

    unit = objects["own_enterprise"]
    admin = personas["enterprise_admin"]
    site = actions.create_space(
        unit, actor=admin, kind="site", name="一号厂区", venue_type="industrial"
    )
    building = actions.create_space(unit, actor=admin, kind="building", name="一号楼", parent=site)
    workshop = actions.create_space(
        unit, actor=admin, kind="workshop", name="装配车间", parent=building
    )
    return {"spaces_workshop": workshop, "spaces_code": actions.issue_code(workshop, actor=admin)}
