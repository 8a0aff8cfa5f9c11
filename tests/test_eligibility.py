"""The eligibility engine (architecture §7): three-valued evaluation, explanations, and the
compiled query agreeing with the interpreter on every enterprise."""

import pytest
from django.core.exceptions import ValidationError

from sibao.core.eligibility import Fact
from sibao.core.testing import make_enterprise
from sibao.enterprises import actions
from sibao.enterprises.facts import CATALOGUE, facts_for
from sibao.enterprises.models import Enterprise, FactSource

PROVINCE_TIER = {
    "or": [
        {">=": [{"var": "annual_revenue"}, 100000]},
        {"==": [{"var": "specialised_level"}, "little_giant"]},
        {"==": [{"var": "is_listed"}, True]},
    ]
}


@pytest.mark.req("WL-03")
def test_or_is_true_when_one_branch_is_true_even_if_others_are_unknown():
    outcome = CATALOGUE.evaluate(PROVINCE_TIER, {"is_listed": Fact(True, "市场监管")})
    assert outcome.result is True
    assert [s.result for s in outcome.steps] == [None, None, True]


@pytest.mark.req("WL-03")
def test_unknown_facts_make_the_result_unknown_and_are_listed():
    outcome = CATALOGUE.evaluate(PROVINCE_TIER, {"annual_revenue": Fact(5000, "税务")})
    assert outcome.result is None
    assert [s.text for s in outcome.unknown] == [
        "专精特新 = 国家级专精特新“小巨人”",
        "上市公司 = 是",
    ]
    assert outcome.failing[0].found == "5000 万元"


@pytest.mark.req("WL-03")
def test_and_is_false_as_soon_as_one_part_is_false():
    tree = {"and": [{">=": [{"var": "employees"}, 50]}, {"==": [{"var": "is_listed"}, True]}]}
    assert CATALOGUE.evaluate(tree, {"employees": Fact(10)}).result is False
    assert CATALOGUE.evaluate({"!": tree}, {"employees": Fact(10)}).result is True


@pytest.mark.req("WL-04")
def test_a_decision_resting_on_a_declared_fact_is_not_authoritative():
    declared = Fact(True, "企业自报", authoritative=False)
    assert CATALOGUE.evaluate(PROVINCE_TIER, {"is_listed": declared}).authoritative is False


@pytest.mark.parametrize(
    "tree",
    [
        {"and": []},
        {">=": [{"var": "nonsense"}, 1]},
        {">=": [{"var": "is_listed"}, 1]},
        {"==": [{"var": "specialised_level"}, "gold"]},
        {"xor": [1, 2]},
        {"in": [{"var": "industry"}, []]},
        {">=": [{"var": "employees"}, "many"]},
    ],
)
@pytest.mark.req("WL-03")
def test_malformed_rules_are_refused_with_a_message(tree):
    with pytest.raises(ValidationError):
        CATALOGUE.validate(tree)


@pytest.mark.django_db
@pytest.mark.req("WL-03")
def test_the_compiled_query_agrees_with_the_interpreter():
    trees = [
        PROVINCE_TIER,
        {"!": PROVINCE_TIER},
        {"and": [{">=": [{"var": "output_value"}, 20000]}, {"!=": [{"var": "is_neeq"}, True]}]},
        {"in": [{"var": "industry"}, ["industry", "commerce"]]},
        {"!": {"in": [{"var": "specialised_level"}, ["provincial", "little_giant"]]}},
    ]
    units = []
    for i, (revenue, level, listed, neeq) in enumerate(
        [
            (200000, None, None, None),
            (5000, "little_giant", False, True),
            (None, "provincial", None, False),
            (None, None, True, None),
            (90000, "none", False, None),
            (None, None, None, None),
        ]
    ):
        unit = make_enterprise(
            output_value=10000 * (i + 1), industry=["industry", "commerce", "transport"][i % 3]
        )
        for key, value in [
            ("annual_revenue", revenue),
            ("specialised_level", level),
            ("is_listed", listed),
            ("is_neeq", neeq),
        ]:
            if value is not None:
                actions.record_fact(unit, key, value, source=FactSource.TAX, actor=None)
        units.append(unit)
    for tree in trees:
        true_ids = set(
            Enterprise.objects.filter(CATALOGUE.compile_q(tree)).values_list("id", flat=True)
        )
        false_ids = set(
            Enterprise.objects.filter(CATALOGUE.compile_q(tree, negate=True)).values_list(
                "id", flat=True
            )
        )
        for unit in units:
            result = CATALOGUE.evaluate(tree, facts_for(unit)).result
            assert (unit.pk in true_ids) == (result is True), (tree, unit, result)
            assert (unit.pk in false_ids) == (result is False), (tree, unit, result)


@pytest.mark.django_db
@pytest.mark.req("WL-04")
def test_an_authoritative_source_outranks_a_declaration():
    unit = make_enterprise()
    actions.record_fact(unit, "annual_revenue", 150000, source=FactSource.SELF_DECLARED, actor=None)
    actions.record_fact(unit, "annual_revenue", 80000, source=FactSource.TAX, actor=None)
    actions.record_fact(unit, "annual_revenue", 160000, source=FactSource.SELF_DECLARED, actor=None)
    fact = facts_for(unit)["annual_revenue"]
    assert fact.value == 80000
    assert fact.authoritative
