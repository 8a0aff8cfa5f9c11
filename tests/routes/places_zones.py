"""Route expectations of the places area 'zones'.

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

The region page (and its export) is for roles with a jurisdiction; a unit admin is sent (302) to
its own unit's page. The unit page answers 404 to another county's office. Only the unit's admin
writes (add and edit forms): government roles have no such permission at all (403). The delete
routes answer POST only.
"""

REGION_PAGE = (302, 403, 200, 200, 302)
OWN_UNIT = (302, 403, 404, 200, 200)
UNIT_ADMIN_ONLY = (302, 403, 403, 403, 200)
API_LIST = (401, 403, 200, 200, 200)
API_OWN = (401, 403, 404, 200, 200)


def _own(o):
    return {"pk": o["own_enterprise"].pk}


def _row(key):
    return lambda o: {"pk": o[key].pk}


ROUTES: dict = {
    "places:zones_region": (None, REGION_PAGE),
    "places:zones_region_export": (None, REGION_PAGE),
    "places:zones_unit": (_own, OWN_UNIT),
    "places:zones_unit_export": (_own, OWN_UNIT),
    "places:zone_add": (_own, UNIT_ADMIN_ONLY),
    "places:zone_edit": (_row("zones_zone"), UNIT_ADMIN_ONLY),
    "places:team_add": (_own, UNIT_ADMIN_ONLY),
    "places:team_edit": (_row("zones_team"), UNIT_ADMIN_ONLY),
    "places:bubble_add": (_own, UNIT_ADMIN_ONLY),
    "places:bubble_edit": (_row("zones_bubble"), UNIT_ADMIN_ONLY),
    "places:shift_add": (_own, UNIT_ADMIN_ONLY),
    "places:shift_edit": (_row("zones_shift"), UNIT_ADMIN_ONLY),
    "places:room_add": (_own, UNIT_ADMIN_ONLY),
    "places:room_edit": (_row("zones_room"), UNIT_ADMIN_ONLY),
    "api:zone-list": (None, API_LIST),
    "api:zone-detail": (_row("zones_zone"), API_OWN),
    "api:team-list": (None, API_LIST),
    "api:team-detail": (_row("zones_team"), API_OWN),
    "api:bubble-group-list": (None, API_LIST),
    "api:bubble-group-detail": (_row("zones_bubble"), API_OWN),
    "api:shift-list": (None, API_LIST),
    "api:shift-detail": (_row("zones_shift"), API_OWN),
    "api:dormitory-room-list": (None, API_LIST),
    "api:dormitory-room-detail": (_row("zones_room"), API_OWN),
    "api:zone-check-list": (None, API_LIST),
    "api:zone-check-detail": (lambda o: {"enterprise": o["own_enterprise"].pk}, API_OWN),
}

NOT_GET: dict = {
    "places:zone_delete": "tests/test_places_zones_ui.py",
    "places:team_delete": "tests/test_places_zones_ui.py",
    "places:bubble_delete": "tests/test_places_zones_ui.py",
    "places:shift_delete": "tests/test_places_zones_ui.py",
    "places:room_delete": "tests/test_places_zones_ui.py",
}


def build_objects(objects: dict, personas: dict) -> dict:
    """A zone, a bubble group, a team in it, a shift and a dormitory room of the own-county
    unit, entered by its admin."""
    from sibao.places import actions

    unit = objects["own_enterprise"]
    admin = personas["enterprise_admin"]
    zone = actions.create_zone(unit, actor=admin, name="一号车间", kind="production")
    bubble = actions.create_bubble_group(unit, actor=admin, name="一号气泡")
    team = actions.create_team(unit, actor=admin, name="甲班", bubble=bubble)
    return {
        "zones_zone": zone,
        "zones_bubble": bubble,
        "zones_team": team,
        "zones_shift": actions.create_shift(
            unit, actor=admin, team=team, zone=zone, name="早班", starts="08:00", ends="16:00"
        ),
        "zones_room": actions.create_dormitory_room(
            unit, actor=admin, name="101", building="1号楼", capacity=4, team=team
        ),
    }
