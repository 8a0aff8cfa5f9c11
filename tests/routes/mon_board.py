"""Route expectations of the monitoring area 'board': the one-screen dashboard, drill-down, map, wall-screen mode (MON-01).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).
"""

UI_BOARD = (302, 403, 200, 200, 403)

ROUTES: dict = {
    "dashboard:board": (None, UI_BOARD),
    "dashboard:board_panels": (None, UI_BOARD),
    "dashboard:map_data": (None, UI_BOARD),
}

NOT_GET: dict = {}


def build_objects(found, personas) -> dict:
    return {}
