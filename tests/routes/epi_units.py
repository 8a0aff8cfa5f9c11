"""Route expectations of the epidemic area: daily reports, preparedness, sampling houses, goods (EPI-11, EPI-14..16).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).
"""

ROUTES: dict = {}
NOT_GET: dict = {}


def build_objects(objects: dict, personas: dict) -> dict:
    """Objects this area's routes need (the shared ones are in ``objects``)."""
    return {}
