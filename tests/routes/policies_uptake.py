"""Route expectations of the policies area 'uptake'.

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Region figures (rates by region, 应享未享 lists, follow-up tasks) are for roles with a
jurisdiction: an enterprise's admin gets 403. A policy's board sends an enterprise's admin (302)
to its own match; the notification link (``uptake_mine``) sends officials to the board and the
enterprise to its match. A match or a calculation of the own-county enterprise answers 404 to
another county's office. Only departments and enterprises calculate subsidies (HQ offices: 403).
"""

UI_LIST = (302, 403, 200, 200, 200)
REGION_PAGE = (302, 403, 200, 200, 403)
OWN_ROW = (302, 403, 404, 200, 200)
API_LIST = (401, 403, 200, 200, 200)
API_REGION = (401, 403, 200, 200, 403)
API_OWN = (401, 403, 404, 200, 200)
STEP_TEST = "tests/test_policies_uptake_views.py"
API_TEST = "tests/test_policies_uptake_api.py"


def _policy(o):
    return {"pk": o["uptake_policy"].pk}


def _match(o):
    return {"pk": o["uptake_match"].pk}


ROUTES: dict = {
    "policies:uptake_index": (None, UI_LIST),
    "policies:uptake_regions": (None, REGION_PAGE),
    "policies:uptake_board": (_policy, (302, 403, 200, 200, 302)),
    "policies:uptake_mine": (_policy, (302, 403, 302, 302, 302)),
    "policies:uptake_unredeemed": (_policy, REGION_PAGE),
    "policies:uptake_match": (_match, OWN_ROW),
    "policies:uptake_matches": (None, UI_LIST),
    "policies:follow_up_list": (None, REGION_PAGE),
    "policies:subsidy_index": (None, UI_LIST),
    "policies:subsidy_detail": (lambda o: {"pk": o["uptake_calculation"].pk}, OWN_ROW),
    "policies:subsidy_calculate": (lambda o: {"key": "prevention_cost"}, (302, 403, 403, 403, 200)),
    "api:uptake-list": (None, API_LIST),
    "api:uptake-detail": (_match, API_OWN),
    "api:uptake-history": (_match, API_OWN),
    "api:uptake-rate-list": (None, API_REGION),
    "api:uptake-rate-regions": (None, API_REGION),
    "api:follow-up-list": (None, API_REGION),
    "api:follow-up-detail": (lambda o: {"pk": o["uptake_follow_up"].pk}, (401, 403, 404, 200, 403)),
    "api:subsidy-calculation-list": (None, API_LIST),
    "api:subsidy-calculation-detail": (lambda o: {"pk": o["uptake_calculation"].pk}, API_OWN),
    "api:subsidy-calculator-list": (None, API_LIST),
}

NOT_GET: dict = {
    "policies:uptake_apply": STEP_TEST,
    "policies:uptake_grant": STEP_TEST,
    "policies:uptake_decline": STEP_TEST,
    "policies:uptake_pay": STEP_TEST,
    "policies:uptake_confirm": STEP_TEST,
    "policies:follow_up_add": STEP_TEST,
    "policies:follow_up_close": STEP_TEST,
    "api:uptake-read": API_TEST,
    "api:uptake-apply": API_TEST,
    "api:uptake-grant": API_TEST,
    "api:uptake-decline": API_TEST,
    "api:uptake-pay": API_TEST,
    "api:uptake-confirm": API_TEST,
    "api:follow-up-close": API_TEST,
}


def build_objects(objects: dict, personas: dict) -> dict:
    """A published provincial policy (finance department) matched with the own-county
    enterprise and pushed, a follow-up task for the own county, and a calculation of the
    own-county enterprise by its admin."""
    from decimal import Decimal

    from sibao.core.testing import OWN_COUNTY, make_policy
    from sibao.policies import actions
    from sibao.policies.models import PolicyMatch

    unit = objects["own_enterprise"]
    policy = make_policy(
        region="41",
        department_kind="finance",
        conditions=[{">=": [{"var": "employees"}, 1]}],
        title="稳岗返还（路由测试）",
        benefit_amount=Decimal("5"),
    )
    return {
        "uptake_policy": policy,
        "uptake_match": PolicyMatch.objects.get(policy=policy, enterprise=unit),
        "uptake_follow_up": actions.create_follow_up(policy, actor=None, region_code=OWN_COUNTY),
        "uptake_calculation": actions.calculate_subsidy(
            "prevention_cost",
            actor=personas["enterprise_admin"],
            inputs={"cost": "10000"},
            enterprise=unit,
        ),
    }
