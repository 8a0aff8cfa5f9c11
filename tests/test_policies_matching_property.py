"""POL-02 property: on random facts and random policy trees, the bulk (compiled-query) matching
gives every enterprise exactly the result the interpreter gives it — eligible, possibly (with
the same missing facts) or not — and re-matching each enterprise one by one writes nothing
(the stored rows, explanations included, are the same either way). Runs on the configured
database (SQLite and PostgreSQL)."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_published_policy
from sibao.enterprises.facts import CATALOGUE
from sibao.enterprises.models import Enterprise, EnterpriseFact, FactSource
from sibao.policies import matching
from sibao.policies.models import MatchResult, Policy, PolicyMatch

NUMBERS = [0, 50, 100, Decimal("5000"), Decimal("10000.5"), 20000]
LEAVES = {
    # sourced facts
    "annual_revenue": ("number", NUMBERS),
    "trade_value": ("number", NUMBERS),
    "is_listed": ("bool", [True, False]),
    "is_above_scale": ("bool", [True, False]),
    "specialised_level": ("choice", list(CATALOGUE["specialised_level"].choices)),
    "tax_credit_grade": ("choice", list(CATALOGUE["tax_credit_grade"].choices)),
    # registry columns (output_value may be unknown, sub_type may be blank)
    "employees": ("number", NUMBERS),
    "output_value": ("number", NUMBERS),
    "has_canteen": ("bool", [True, False]),
    "industry": ("choice", ["industry", "commerce", "transport"]),
    "sub_type": ("text", ["", "钢铁", "食品"]),
}
ORDER_OPS = ["==", "!=", ">", ">=", "<", "<="]


@st.composite
def leaves(draw):
    key = draw(st.sampled_from(sorted(LEAVES)))
    kind, values = LEAVES[key]
    ops = ORDER_OPS if kind == "number" else ["==", "!=", "in"]
    op = draw(st.sampled_from(ops))
    if op == "in":
        constant = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True))
    else:
        constant = draw(st.sampled_from(values))
    if kind == "number":
        constant = [float(c) for c in constant] if op == "in" else float(constant)
    return {op: [{"var": key}, constant]}


trees = st.recursive(
    leaves(),
    lambda children: st.one_of(
        st.builds(lambda parts: {"and": parts}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda parts: {"or": parts}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda part: {"!": part}, children),
    ),
    max_leaves=6,
)

FACT_KEYS = ["annual_revenue", "trade_value", "is_listed", "is_above_scale"]
FACT_KEYS += ["specialised_level", "tax_credit_grade"]
SOURCES = [FactSource.TAX, FactSource.SELF_DECLARED, FactSource.STATISTICS]


@st.composite
def units(draw):
    facts = {}
    for key in FACT_KEYS:
        kind, values = LEAVES[key]
        reports = draw(
            st.lists(
                st.tuples(st.sampled_from(SOURCES), st.sampled_from(values)),
                max_size=2,
                unique_by=lambda r: r[0],
            )
        )
        if reports:
            facts[key] = reports
    return {
        "region": draw(st.sampled_from([OWN_COUNTY, OWN_COUNTY, OTHER_COUNTY])),
        "industry": draw(st.sampled_from(["industry", "commerce", "transport"])),
        "employees": draw(st.sampled_from([0, 50, 100, 20000])),
        "output_value": draw(st.sampled_from([None, 0, 100, Decimal("10000.5")])),
        "has_canteen": draw(st.booleans()),
        "sub_type": draw(st.sampled_from(["", "钢铁", "食品"])),
        "facts": facts,
    }


def clear_world():
    """Remove what an example made (hypothesis runs every example in one test's transaction)."""
    PolicyMatch.objects.all().delete()
    Policy.objects.all().delete()
    EnterpriseFact.objects.all().delete()
    Enterprise.objects.filter(merged_into__isnull=False).delete()
    Enterprise.objects.all().delete()


def build(spec):
    unit = make_enterprise(
        region=spec["region"],
        industry=spec["industry"],
        employees=spec["employees"],
        output_value=spec["output_value"],
        has_canteen=spec["has_canteen"],
        sub_type=spec["sub_type"],
    )
    column = {"number": "number_value", "bool": "bool_value"}
    for key, reports in spec["facts"].items():
        kind = LEAVES[key][0]
        for source, value in reports:
            EnterpriseFact.objects.create(
                enterprise=unit,
                key=key,
                source=source,
                as_of="2022-05-01",
                region_code=unit.region_id,
                **{column.get(kind, "text_value"): value},
            )
        # the facts rule picks the current one (authoritative over declared)
        from sibao.enterprises.actions.facts import _choose_current

        _choose_current(unit, key)
    return unit


@pytest.mark.django_db
@pytest.mark.req("POL-02")
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(units(), min_size=3, max_size=7),
    conditions=st.lists(trees, min_size=1, max_size=3),
    region=st.sampled_from(["41", "4101"]),
)
def test_bulk_matching_equals_the_interpreter(specs, conditions, region):
    for tree in conditions:
        CATALOGUE.validate(tree)
    try:
        enterprises = [build(spec) for spec in specs]
        policy = make_published_policy(conditions, region=region, match=False)
        matching.match_policy(policy)
        rows = {m.enterprise_id: m for m in PolicyMatch.objects.filter(policy=policy)}
        stored = {pk: (m.result, m.missing) for pk, m in rows.items()}
        for unit in enterprises:
            explained = matching.explain(policy, unit)
            expected = explained["result"]
            if expected == MatchResult.INELIGIBLE:
                assert unit.pk not in stored, (conditions, explained)
            else:
                missing = [m["key"] for m in explained["missing"]]
                assert stored.get(unit.pk) == (expected, missing), (conditions, explained)
                # each condition's stored outcome is the interpreter's
                assert [e["result"] for e in rows[unit.pk].explanation] == [
                    c["result"] for c in explained["conditions"]
                ], (conditions, explained)
            # the compiled query per condition agrees with the interpreter, leaf by leaf
            for condition in explained["conditions"]:
                tree = policy.conditions.get(pk=condition["id"]).expression
                true_q = matching.MATCH_CATALOGUE.compile_q(tree)
                false_q = matching.MATCH_CATALOGUE.compile_q(tree, negate=True)
                one = Enterprise.objects.filter(pk=unit.pk)
                assert one.filter(true_q).exists() == (condition["result"] is True), tree
                assert one.filter(false_q).exists() == (condition["result"] is False), tree
        before = sorted(
            PolicyMatch.objects.filter(policy=policy).values_list(
                "enterprise_id", "result", "missing", "explanation", "matched_at"
            )
        )
        for unit in enterprises:
            matching.rematch_enterprise(unit)
        after = sorted(
            PolicyMatch.objects.filter(policy=policy).values_list(
                "enterprise_id", "result", "missing", "explanation", "matched_at"
            )
        )
        assert after == before
    finally:
        clear_world()


def _snapshot(policy):
    return sorted(
        PolicyMatch.objects.filter(policy=policy).values_list(
            "enterprise_id",
            "result",
            "missing",
            "explanation",
            "uptake",
            "region_code",
            "industry_id",
        )
    )


def _run(policy, *, sql: bool):
    """``match_policy`` through the SQL path (PostgreSQL) or the Python one."""
    previous = matching.BULK_SQL
    matching.BULK_SQL = sql
    try:
        return matching.match_policy(policy)
    finally:
        matching.BULK_SQL = previous


@pytest.mark.django_db
@pytest.mark.req("POL-02")
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(units(), min_size=3, max_size=7),
    conditions=st.lists(trees, min_size=1, max_size=3),
    region=st.sampled_from(["41", "4101", OWN_COUNTY]),
    started=st.lists(st.booleans(), min_size=7, max_size=7),
    changes=st.lists(st.sampled_from(["facts", "move", "merge", "none"]), min_size=7, max_size=7),
)
def test_sql_bulk_matching_equals_the_python_path(specs, conditions, region, started, changes):
    """PostgreSQL: the bulk run in SQL (pivot of current facts, conditions as SQL expressions,
    the upsert in SQL) writes exactly the rows — results, ``missing``, explanations — and
    returns the counts of the Python path, from scratch, when nothing changed, and after facts
    change, units move away or are merged while some rows are in uptake."""
    from django.db import connection, transaction

    from sibao.enterprises.actions.facts import _choose_current
    from sibao.policies.models import UptakeStatus

    if connection.vendor != "postgresql":
        pytest.skip("the SQL path is PostgreSQL's")
    for tree in conditions:
        CATALOGUE.validate(tree)
    try:
        enterprises = [build(spec) for spec in specs]
        policy = make_published_policy(conditions, region=region, match=False)
        python = _run(policy, sql=False)
        stored = _snapshot(policy)
        # the same data again: nothing to write
        warm = _run(policy, sql=True)
        assert (warm["created"], warm["updated"], warm["deleted"]) == (0, 0, 0)
        assert warm["unchanged"] == len(stored)
        assert _snapshot(policy) == stored
        # from scratch: the same rows and counts
        PolicyMatch.objects.filter(policy=policy).delete()
        assert _run(policy, sql=True) == python
        assert _snapshot(policy) == stored
        # some rows in uptake, then facts change, units move away or are merged
        for unit, flag in zip(enterprises, started, strict=False):
            if flag:
                PolicyMatch.objects.filter(policy=policy, enterprise=unit).update(
                    uptake=UptakeStatus.NOTIFIED
                )
        keeper = enterprises[-1]
        for unit, change in zip(enterprises[:-1], changes, strict=False):
            if change == "facts":
                facts = EnterpriseFact.objects.filter(enterprise=unit)
                first = facts.order_by("id").first()
                if first is not None:
                    first.delete()
                    if facts.filter(key=first.key).exists():
                        _choose_current(unit, first.key)
                Enterprise.objects.filter(pk=unit.pk).update(employees=unit.employees + 60)
            elif change == "move":
                Enterprise.objects.filter(pk=unit.pk).update(region_id=OTHER_COUNTY)
            elif change == "merge":
                Enterprise.objects.filter(pk=unit.pk).update(merged_into=keeper)
        with transaction.atomic():
            by_sql = _run(policy, sql=True), _snapshot(policy)
            transaction.set_rollback(True)
        by_python = _run(policy, sql=False), _snapshot(policy)
        assert by_sql == by_python, conditions
    finally:
        clear_world()
