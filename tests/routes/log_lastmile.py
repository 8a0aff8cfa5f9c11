"""Route expectations of the logistics area 'lastmile': receiving points, delivery plans, supply stations, road closures, green channels, toll discounts (LOG-05, LOG-06).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).
"""

ROUTES: dict = {}

NOT_GET: dict = {}


def build_objects(objects: dict, personas: dict) -> dict:
    return {}
