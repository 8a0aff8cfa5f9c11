"""Route expectations of the logistics area 'checkpoint': checkpoints, green-channel verification, check log (LOG-03).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).
"""

ROUTES: dict = {}

NOT_GET: dict = {}


def build_objects(objects: dict, personas: dict) -> dict:
    return {}
