"""Route expectations of the monitoring area 'outbox': inbox and outbox, channels, delivery state and retries (MON-05).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).
"""

ROUTES: dict = {}

NOT_GET: dict = {}


def build_objects(found, personas) -> dict:
    return {}
