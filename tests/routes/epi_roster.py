"""Route expectations of the epidemic area: rosters, code protection, vaccination (EPI-01, EPI-12, EPI-17).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).
"""

ROUTES: dict = {}
NOT_GET: dict = {}


def build_objects(objects: dict, personas: dict) -> dict:
    """Objects this area's routes need (the shared ones are in ``objects``)."""
    return {}
