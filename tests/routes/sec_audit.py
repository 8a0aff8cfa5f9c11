"""Route expectations of the audit trail's export and chain verification (ORG-03, ORG-05).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Only the security auditor (a two-factor role, not among the personas) exports the audit trail and
verifies its hash chain: every persona here gets 403. The verification is a post, covered by the
behaviour tests.
"""

AUDITOR_ONLY = (302, 403, 403, 403, 403)

ROUTES: dict = {
    "core:audit_export": (None, AUDITOR_ONLY),
}

NOT_GET: dict = {
    "core:audit_verify": "tests/test_sec_audit_roles.py",
}


def build_objects(objects: dict, personas: dict) -> dict:
    return {}
