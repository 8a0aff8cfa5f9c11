"""Route expectations of the personal-data rights page (PLAT-03).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Only the health office (a two-factor role, not among the personas) holds the "rights" action:
every persona here gets 403. Finding, exporting and deleting are posts, covered by the
behaviour tests.
"""

HEALTH_OFFICE_ONLY = (302, 403, 403, 403, 403)

ROUTES: dict = {
    "epidemic:person_rights": (None, HEALTH_OFFICE_ONLY),
}

NOT_GET: dict = {}


def build_objects(objects: dict, personas: dict) -> dict:
    return {}
