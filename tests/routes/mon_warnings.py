"""Route expectations of the monitoring area 'warnings': early warnings, seven dimensions, one-click response (MON-02).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).
"""

UI_BOARD = (302, 403, 200, 200, 403)

ROUTES: dict = {
    "command:warning_list": (None, UI_BOARD),
}

NOT_GET: dict = {}


def build_objects(found, personas) -> dict:
    return {}
