"""Route expectations of the epidemic area: rosters, code protection, vaccination (EPI-01, EPI-12, EPI-17).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

HQ offices read rosters (masked) within their county; only the unit's own admin adds, edits and
imports its staff; exports need the export permission (the unit's admin; the health office,
which also unmasks, is covered by the behaviour tests).
"""

UI_LIST = (302, 403, 200, 200, 200)
OWN_UNIT = (302, 403, 404, 200, 200)
UNIT_ONLY = (302, 403, 403, 403, 200)  # writes: the permission check comes before the scope
API_LIST = (401, 403, 200, 200, 200)
API_OWN = (401, 403, 404, 200, 200)


def _unit(o):
    return {"pk": o["own_enterprise"].pk}


def _staff(o):
    return {"pk": o["roster_staff"].pk}


ROUTES: dict = {
    "epidemic:staff_list": (None, UI_LIST),
    "epidemic:unit_staff": (_unit, OWN_UNIT),
    "epidemic:unit_staff_panel": (_unit, OWN_UNIT),
    "epidemic:staff_detail": (_staff, OWN_UNIT),
    "epidemic:staff_update": (_staff, UNIT_ONLY),
    "epidemic:staff_create": (_unit, UNIT_ONLY),
    "epidemic:staff_import": (_unit, UNIT_ONLY),
    "epidemic:staff_import_template": (None, UNIT_ONLY),
    "epidemic:protection_list": (None, UI_LIST),
    "epidemic:protection_export": (None, UNIT_ONLY),
    "api:staff-list": (None, API_LIST),
    "api:staff-detail": (_staff, API_OWN),
    "api:code-protection-list": (None, API_LIST),
    "api:code-protection-export": (None, (401, 403, 403, 403, 200)),
    "api:staff-vaccination-list": (None, API_LIST),
}

NOT_GET: dict = {
    "epidemic:staff_find": "tests/test_epi_roster_privacy.py",
    "epidemic:staff_reveal": "tests/test_epi_roster_privacy.py",
    "epidemic:staff_deactivate": "tests/test_epi_roster_edit.py",
    "epidemic:staff_reactivate": "tests/test_epi_roster_edit.py",
    "epidemic:staff_import_report": "tests/test_epi_roster_import.py",
    "api:staff-import": "tests/test_epi_roster_import.py",
    "api:staff-reveal": "tests/test_epi_roster_privacy.py",
    "api:staff-find": "tests/test_epi_roster_privacy.py",
    "api:staff-deactivate": "tests/test_epi_roster_edit.py",
    "api:staff-reactivate": "tests/test_epi_roster_edit.py",
}


def build_objects(objects: dict, personas: dict) -> dict:
    """One person on the own-county unit's roster."""
    from sibao.core.testing import make_staff

    return {"roster_staff": make_staff(objects["own_enterprise"], team="一班", zone="生产区")}
