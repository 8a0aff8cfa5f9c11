"""Route expectations of the policies area 'catalogue' (POL-01, POL-05).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).
HQ offices read the catalogue and keep the reserve but write no policy (department staff do);
an enterprise reads the published policies that apply to it, never drafts or the reserve.
"""

from sibao.core.testing import OWN_COUNTY

DEPARTMENT_ONLY = (302, 403, 403, 403, 403)  # writing policies: department staff only
READERS = (302, 403, 200, 200, 200)
RESERVE = (302, 403, 200, 200, 403)
OWN_RESERVE = (302, 403, 404, 200, 403)

ROUTES: dict = {
    "policies:catalogue_list": (None, READERS),
    "policies:catalogue_export": (None, READERS),
    "policies:catalogue_create": (None, DEPARTMENT_ONLY),
    "policies:catalogue_detail": (
        lambda o: {"pk": o["policy_published"].pk},
        (302, 403, 404, 200, 200),
    ),
    "policies:catalogue_update": (lambda o: {"pk": o["policy_draft"].pk}, DEPARTMENT_ONLY),
    # drafts are read by the officials of their jurisdiction, never by an enterprise
    "policies:catalogue_preview": (
        lambda o: {"pk": o["policy_draft"].pk},
        (302, 403, 404, 200, 404),
    ),
    "policies:catalogue_condition_create": (
        lambda o: {"pk": o["policy_draft"].pk},
        DEPARTMENT_ONLY,
    ),
    "policies:catalogue_condition_update": (
        lambda o: {"pk": o["policy_draft"].pk, "condition": o["draft_condition"].pk},
        DEPARTMENT_ONLY,
    ),
    "policies:reserve_list": (None, RESERVE),
    "policies:reserve_create": (None, RESERVE),
    "policies:reserve_detail": (lambda o: {"pk": o["reserve_entry"].pk}, OWN_RESERVE),
    "policies:reserve_update": (lambda o: {"pk": o["reserve_entry"].pk}, OWN_RESERVE),
    "api:policy-list": (None, (401, 403, 200, 200, 200)),
    "api:policy-detail": (
        lambda o: {"pk": o["policy_published"].pk},
        (401, 403, 404, 200, 200),
    ),
    "api:policy-preview": (
        lambda o: {"pk": o["policy_draft"].pk},
        (401, 403, 404, 200, 404),
    ),
    "api:policy-reserve-list": (None, (401, 403, 200, 200, 403)),
    "api:policy-reserve-detail": (
        lambda o: {"pk": o["reserve_entry"].pk},
        (401, 403, 404, 200, 403),
    ),
}

NOT_GET: dict = {
    "policies:catalogue_publish": "tests/test_policies_catalogue_views.py",
    "policies:catalogue_withdraw": "tests/test_policies_catalogue_views.py",
    "policies:catalogue_new_version": "tests/test_policies_catalogue_views.py",
    "policies:catalogue_delete": "tests/test_policies_catalogue_views.py",
    "policies:catalogue_condition_delete": "tests/test_policies_catalogue_views.py",
    "policies:catalogue_condition_move": "tests/test_policies_catalogue_views.py",
    "policies:reserve_advance": "tests/test_policies_catalogue_reserve.py",
    "api:policy-publish": "tests/test_policies_catalogue_api.py",
    "api:policy-withdraw": "tests/test_policies_catalogue_api.py",
    "api:policy-new-version": "tests/test_policies_catalogue_api.py",
    "api:policy-reserve-advance": "tests/test_policies_catalogue_reserve.py",
}


def build_objects(objects: dict, personas: dict) -> dict:
    """A published own-county policy (matched and pushed), a draft with one condition, and a
    reserve entry of the own county's finance department."""
    from sibao.core.testing import make_policy
    from sibao.policies import actions
    from sibao.regions.models import Department

    revenue = {">=": [{"var": "employees"}, 10]}
    published = make_policy(region=OWN_COUNTY, conditions=[revenue], title="中原区稳岗奖补")
    draft = make_policy(
        region=OWN_COUNTY, conditions=[revenue], title="中原区用电补贴", publish=False
    )
    entry = actions.create_reserve_entry(
        Department.objects.get(region_id=OWN_COUNTY, kind="finance"),
        actor=None,
        title="物流企业通行费减免",
        problem="封控期间物流车辆通行成本上升。",
    )
    return {
        "policy_published": published,
        "policy_draft": draft,
        "draft_condition": draft.conditions.get(),
        "reserve_entry": entry,
    }
