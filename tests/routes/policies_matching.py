"""Route expectations of the policies area 'matching'.

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

政策找企 is for officials: an enterprise's admin opening it is sent (302) to its own
self-check, or from a policy's list to its own pair's explanation. The pair of the own-county
enterprise answers 404 to another county's office (the enterprise is out of its scope). The
departmental fact import is for officials (an HQ office relays every department's data); an
enterprise's admin only declares facts one by one (403). An official's self-check without an
enterprise is a search page; the API's ``mine`` needs an enterprise for an official (400).
"""

OWN_PAIR = (302, 403, 404, 200, 200)
MATCHING_TEST = "tests/test_policies_matching_views.py"


def _policy(o):
    return {"pk": o["matching_policy"].pk}


def _pair(o):
    return {"pk": o["matching_policy"].pk, "enterprise": o["own_enterprise"].pk}


ROUTES: dict = {
    "policies:matching_index": (None, (302, 403, 200, 200, 302)),
    "policies:matching_mine": (None, (302, 403, 200, 200, 200)),
    "policies:matching_policy": (_policy, (302, 403, 200, 200, 302)),
    "policies:matching_export": (_policy, (302, 403, 200, 200, 403)),
    "policies:matching_pair": (_pair, OWN_PAIR),
    "policies:matching_fact_import": (None, (302, 403, 200, 200, 403)),
    "policies:matching_fact_template": (None, (302, 403, 200, 200, 403)),
    "api:policy-match-list": (None, (401, 403, 200, 200, 200)),
    "api:policy-match-detail": (
        lambda o: {"pk": o["matching_match"].pk},
        (401, 403, 404, 200, 200),
    ),
    "api:policy-match-explain": (
        lambda o: {"policy": o["matching_policy"].pk, "enterprise": o["own_enterprise"].pk},
        (401, 403, 404, 200, 200),
    ),
    "api:policy-match-mine": (None, (401, 403, 400, 400, 200)),
}

NOT_GET: dict = {
    "policies:matching_rematch": MATCHING_TEST,
    "policies:matching_fact_report": MATCHING_TEST,
}


def build_objects(objects: dict, personas: dict) -> dict:
    """A published provincial policy (finance department) that the own-county enterprise
    meets, matched and pushed on publishing."""
    from sibao.core.testing import make_policy
    from sibao.policies.models import PolicyMatch

    policy = make_policy(
        region="41",
        department_kind="finance",
        conditions=[{">=": [{"var": "employees"}, 1]}],
        title="企业用工补贴（路由测试）",
    )
    return {
        "matching_policy": policy,
        "matching_match": PolicyMatch.objects.get(
            policy=policy, enterprise=objects["own_enterprise"]
        ),
    }
