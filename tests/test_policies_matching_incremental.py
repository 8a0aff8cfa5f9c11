"""POL-02 property (PostgreSQL): the daily bulk run evaluates only the enterprises whose facts
changed since the last run against the policies it ran with the same statement
(``matching_sql.Run``), and stores exactly what a full evaluation of every pair stores, with the
same totals — over random days of fact changes, moves, merges, new and deleted units, uptake,
one-by-one re-matches, edited conditions (one even edited, matched on its own and put back),
withdrawn and re-published policies."""

import pytest
from django.core.management import call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sibao.core.testing import OTHER_COUNTY, make_published_policy
from sibao.enterprises.models import Enterprise, EnterpriseFact
from sibao.policies import matching
from sibao.policies.models import (
    MatchInput,
    MatchState,
    Policy,
    PolicyMatch,
    PolicyStatus,
    UptakeStatus,
)
from tests.test_policies_matching_property import build, clear_world, trees, units

EVENTS = [
    "facts",
    "move",
    "merge",
    "new_unit",
    "delete_unit",
    "uptake",
    "rematch",
    "edit",
    "edit_match_revert",
    "withdraw",
    "republish",
    "nothing",
]


def _rows():
    return sorted(
        PolicyMatch.objects.values_list(
            "policy_id",
            "enterprise_id",
            "result",
            "missing",
            "explanation",
            "uptake",
            "region_code",
            "industry_id",
        )
    )


def _totals(totals):
    return {k: totals[k] for k in ("policies", "eligible", "possible")}


def _apply(event, n, enterprises, policies, spare_tree, spare_unit, matched_last):
    """Apply one event; returns the policies whose state the event must have dropped."""
    unit = enterprises[n % len(enterprises)]
    policy = policies[n % len(policies)]
    if event == "facts":
        fact = EnterpriseFact.objects.filter(enterprise=unit).order_by("id").first()
        if fact is not None:
            fact.delete()
        Enterprise.objects.filter(pk=unit.pk).update(employees=unit.employees + 60 * (n + 1))
    elif event == "move":
        Enterprise.objects.filter(pk=unit.pk).update(region_id=OTHER_COUNTY)
    elif event == "merge" and unit is not enterprises[0]:
        Enterprise.objects.filter(pk=unit.pk).update(merged_into=enterprises[0])
    elif event == "new_unit":
        enterprises.append(build(spare_unit))
    elif event == "delete_unit" and len(enterprises) > 2 and unit is not enterprises[0]:
        enterprises.remove(unit)
        Enterprise.objects.filter(merged_into=unit).update(merged_into=None)
        unit.delete()
    elif event == "uptake":
        PolicyMatch.objects.filter(enterprise=unit).update(uptake=UptakeStatus.NOTIFIED)
    elif event == "rematch":
        matching.rematch_enterprise(Enterprise.objects.get(pk=unit.pk))
    elif event == "edit":
        condition = policy.conditions.order_by("order").first()
        changed = condition.expression != spare_tree
        condition.expression = spare_tree
        condition.save()
        return {policy.pk} if changed else set()  # a new statement, unless the same rule
    elif event == "edit_match_revert":
        condition = policy.conditions.order_by("order").first()
        original = condition.expression
        condition.expression = spare_tree
        condition.save()
        matching.match_policy(policy)  # its rows now follow the edited condition …
        condition.expression = original
        condition.save()  # … and the statement is the last run's again
        return {policy.pk}
    elif event == "withdraw":
        # the next run drops its untouched rows and its state (unless it is back by then)
        Policy.objects.filter(pk=policy.pk).update(status=PolicyStatus.WITHDRAWN)
    elif event == "republish":
        Policy.objects.filter(pk=policy.pk).update(status=PolicyStatus.PUBLISHED)
        if policy.pk not in matched_last:
            return {policy.pk}
    return set()


@pytest.mark.django_db
@pytest.mark.req("POL-02")
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(units(), min_size=3, max_size=6),
    policy_trees=st.lists(st.lists(trees, min_size=1, max_size=2), min_size=2, max_size=3),
    regions=st.lists(st.sampled_from(["41", "4101", "410102"]), min_size=3, max_size=3),
    spare_tree=trees,
    spare_unit=units(),
    days=st.lists(st.lists(st.sampled_from(EVENTS), max_size=3), min_size=1, max_size=3),
)
def test_a_run_of_what_changed_stores_what_a_full_run_stores(
    specs, policy_trees, regions, spare_tree, spare_unit, days
):
    if connection.vendor != "postgresql":
        pytest.skip("the incremental run is the PostgreSQL path's")
    try:
        enterprises = [build(spec) for spec in specs]
        policies = [
            make_published_policy(tree_list, region=region, match=False)
            for tree_list, region in zip(policy_trees, regions, strict=False)
        ]
        first = matching.match_all()
        assert first["incremental"] == 0  # nothing to compare with: every pair evaluated
        assert MatchInput.objects.count() == len(enterprises)
        matched_last = set(MatchState.objects.values_list("policy_id", flat=True))
        assert matched_last == {p.pk for p in policies}
        for n, events in enumerate(days):
            dropped = set()
            for k, event in enumerate(events):
                dropped |= _apply(
                    event, n + k, enterprises, policies, spare_tree, spare_unit, matched_last
                )
            active = set(matching.active_policies().values_list("pk", flat=True))
            incremental = matching.match_all()
            assert incremental["incremental"] == len((matched_last - dropped) & active)
            stored = _rows()
            matched_last = set(MatchState.objects.values_list("policy_id", flat=True))
            assert matched_last == active
            # every pair evaluated again: nothing to write, the same totals
            full = matching.match_all(full=True)
            assert full["incremental"] == 0
            assert full["newly_eligible"] == full["dropped"] == 0
            assert _totals(full) == _totals(incremental), events
            assert _rows() == stored, events
    finally:
        clear_world()


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_the_command_runs_in_full_when_asked(capsys):
    """``sibao match-policies --full`` evaluates every policy with every enterprise; a plain run
    after it (PostgreSQL) evaluates only what changed."""
    make_published_policy([{">=": [{"var": "employees"}, 10]}], region="41", match=False)
    call_command("match-policies", "--full")
    assert "incremental=0" in capsys.readouterr().out
    call_command("match-policies")
    expected = 1 if connection.vendor == "postgresql" else 0
    assert f"incremental={expected}" in capsys.readouterr().out
