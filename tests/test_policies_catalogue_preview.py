"""POL-01: the preview before publishing — how many enterprises of the policy's region would be
eligible, possibly eligible (nothing false, something unknown) or not — against a hand count, and
the same figures as the matching that publishing runs."""

import pytest

from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_policy
from sibao.enterprises.actions.facts import record_fact
from sibao.policies import actions
from sibao.policies.models import MatchResult
from sibao.policies.queries_catalogue import preview

SMALL = {"<=": [{"var": "employees"}, 300]}
CREDIT = {"in": [{"var": "tax_credit_grade"}, ["A", "B"]]}
REVENUE_OR_GIANT = {
    "or": [
        {">=": [{"var": "annual_revenue"}, 2000]},
        {"==": [{"var": "specialised_level"}, "little_giant"]},
    ]
}


@pytest.fixture
def units(departments):
    """Seven units of the own county and one of another county, with hand-known outcomes for
    the three conditions above (E eligible, P possible, N not eligible)."""

    def unit(employees, **facts):
        enterprise = make_enterprise(region=OWN_COUNTY, employees=employees)
        for key, (value, source) in facts.items():
            record_fact(enterprise, key, value, source=source, actor=None)
        return enterprise

    return {
        # all three true → E
        "e1": unit(100, tax_credit_grade=("A", "tax"), annual_revenue=(3000, "tax")),
        # the "or" holds through the little giant, revenue unknown → E
        "e2": unit(
            250,
            tax_credit_grade=("B", "tax"),
            specialised_level=("little_giant", "industry_department"),
        ),
        # self-declared facts count for policies → E
        "e3": unit(
            20, tax_credit_grade=("A", "self_declared"), annual_revenue=(5000, "self_declared")
        ),
        # credit unknown → P
        "p1": unit(100, annual_revenue=(2500, "tax")),
        # revenue below, not a giant, but specialised level unknown… revenue false, level unknown → P
        "p2": unit(100, tax_credit_grade=("A", "tax"), annual_revenue=(500, "tax")),
        # too many employees → N
        "n1": unit(900, tax_credit_grade=("A", "tax"), annual_revenue=(9000, "tax")),
        # credit grade C → N, whatever else is unknown
        "n2": unit(50, tax_credit_grade=("C", "tax")),
        # another county: out of the policy's scope
        "x": make_enterprise(region=OTHER_COUNTY, employees=10),
    }


def draft_policy():
    return make_policy(
        region=OWN_COUNTY,
        conditions=[
            ("小微企业", "第一条", SMALL),
            ("纳税信用", "第二条", CREDIT),
            ("经营规模或专精特新", "第三条", REVENUE_OR_GIANT),
        ],
        publish=False,
    )


@pytest.mark.req("POL-01")
def test_preview_counts_match_a_hand_count(units):
    found = preview(draft_policy())
    assert found["total"] == 7
    assert (found["eligible"], found["possible"], found["ineligible"]) == (3, 2, 2)
    per_condition = [(r["met"], r["failed"], r["unknown"]) for r in found["conditions"]]
    # employees ≤ 300: six yes (e1 e2 e3 p1 p2 n2), one no (n1)
    # credit A/B: five yes (e1 e2 e3 p2 n1), one no (n2), one unknown (p1)
    # revenue ≥ 2000 or giant: e1 e2 e3 p1 n1 yes; p2 unknown (revenue false, level unknown);
    #   n2 unknown (both unknown)
    assert per_condition == [(6, 1, 0), (5, 1, 1), (5, 0, 2)]
    assert found["conditions"][1]["rule"] == "纳税信用等级 属于 A、B"


@pytest.mark.req("POL-01")
@pytest.mark.req("POL-02")
def test_publishing_finds_what_the_preview_announced(units):
    policy = draft_policy()
    announced = preview(policy)
    actions.publish_policy(policy, actor=None)
    results = dict(policy.matches.values_list("enterprise_id", "result"))
    eligible = {pk for pk, r in results.items() if r == MatchResult.ELIGIBLE}
    possible = {pk for pk, r in results.items() if r == MatchResult.POSSIBLE}
    assert eligible == {units["e1"].pk, units["e2"].pk, units["e3"].pk}
    assert possible == {units["p1"].pk, units["p2"].pk}
    assert (len(eligible), len(possible)) == (announced["eligible"], announced["possible"])


@pytest.mark.req("POL-01")
def test_preview_of_a_policy_without_conditions_counts_the_region_only(units):
    policy = make_policy(region=OWN_COUNTY, publish=False)
    found = preview(policy)
    assert found == {"total": 7, "eligible": 0, "possible": 0, "ineligible": 0, "conditions": []}


@pytest.mark.req("POL-01")
def test_a_province_policy_previews_over_the_whole_province(units):
    policy = make_policy(region="41", conditions=[SMALL], publish=False)
    found = preview(policy)
    assert found["total"] == 8 and found["eligible"] == 7 and found["ineligible"] == 1
