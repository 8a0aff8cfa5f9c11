"""Route expectations of one area of the enterprises app, merged into tests/test_route_personas.py.

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Registry (WL-01, WL-02): the list and a unit's page are in the shared table. Registering,
importing, exporting and merging need the "add", "export" and "merge" permissions, which an HQ
office has over its own county and an enterprise admin never has; an enterprise admin may edit its
own unit (a restricted form), another county's office gets 404 for it.
"""

OFFICIALS = (302, 403, 200, 200, 403)

ROUTES: dict = {
    "enterprises:enterprise_create": (None, OFFICIALS),
    "enterprises:enterprise_update": (
        lambda o: {"pk": o["own_enterprise"].pk},
        (302, 403, 404, 200, 200),
    ),
    "enterprises:enterprise_import": (None, OFFICIALS),
    "enterprises:enterprise_import_template": (None, OFFICIALS),
    "enterprises:enterprise_export": (None, OFFICIALS),
    "enterprises:enterprise_duplicates": (None, OFFICIALS),
    "api:enterprise-export": (None, (401, 403, 200, 200, 403)),
}
NOT_GET: dict = {
    "enterprises:enterprise_import_report": (
        "tests/test_registry_import.py::test_the_error_report_downloads_as_xlsx"
    ),
    "enterprises:enterprise_merge": "tests/test_registry_merge.py",
    "api:enterprise-merge": "tests/test_registry_api.py",
    "api:enterprise-import": "tests/test_registry_api.py",
}


def build_objects(objects: dict, personas: dict) -> dict:
    """Objects this area's routes need (the shared ones are in ``objects``)."""
    return {}
