"""Route expectations of one area of the enterprises app, merged into tests/test_route_personas.py.

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Whitelist area (WL-05, WL-06, WL-07). HQ offices read entries, batches and coverage and may export
the list, but only departments adjust or publish; the unit's admin reads its own entry only.
"""

from sibao.core.testing import OWN_COUNTY

ROUTES: dict = {
    "enterprises:whitelist_list": (None, (302, 403, 200, 200, 200)),
    # export needs the "export" permission, which a unit's admin lacks
    "enterprises:whitelist_export": (None, (302, 403, 200, 200, 403)),
    "enterprises:whitelist_panel": (
        lambda o: {"pk": o["own_enterprise"].pk},
        (302, 403, 404, 200, 200),
    ),
    "enterprises:batch_list": (None, (302, 403, 200, 200, 403)),
    "enterprises:batch_detail": (lambda o: {"pk": o["own_batch"].pk}, (302, 403, 404, 200, 403)),
    # publishing is for departments: no persona here is one
    "enterprises:batch_publish": (None, (302, 403, 403, 403, 403)),
    # coverage is a regional figure: a grant on one enterprise reaches none
    "enterprises:coverage": (None, (302, 403, 200, 200, 403)),
    "api:whitelist-list": (None, (401, 403, 200, 200, 200)),
    "api:whitelist-detail": (
        lambda o: {"pk": o["own_entry"].pk},
        (401, 403, 404, 200, 200),
    ),
    "api:batch-list": (None, (401, 403, 200, 200, 403)),
    "api:batch-detail": (lambda o: {"pk": o["own_batch"].pk}, (401, 403, 404, 200, 403)),
    "api:coverage-list": (None, (401, 403, 200, 200, 403)),
}
NOT_GET: dict = {
    "enterprises:whitelist_add": "tests/test_whitelist_adjustment.py",
    "enterprises:whitelist_remove": "tests/test_whitelist_adjustment.py",
    "enterprises:whitelist_tier": "tests/test_whitelist_adjustment.py",
    "api:whitelist-remove": "tests/test_whitelist_adjustment.py",
    "api:whitelist-tier": "tests/test_whitelist_adjustment.py",
    "api:batch-publish": "tests/test_whitelist_batches.py",
}


def build_objects(objects: dict, personas: dict) -> dict:
    """An own-county unit on the whitelist and a published batch of the own county."""
    from sibao.accounts.roles import Role
    from sibao.core.testing import make_user
    from sibao.enterprises import actions
    from sibao.regions.models import IndustryDomain, Region

    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    entry = actions.add_unit(objects["own_enterprise"], actor=staff, tier="county", reason="保供")
    batch = actions.publish_batch(
        Region.objects.get(pk=OWN_COUNTY),
        IndustryDomain.objects.get(pk="industry"),
        actor=staff,
    )
    return {"own_entry": entry, "own_batch": batch}
