"""POL-02 / POL-04: the matching engine — three-valued results with their explanation, sourced
facts (authoritative over declared), re-matching when facts change, and what withdrawal,
supersession and expiry do to the rows (started uptakes are never lost)."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_enterprise,
    make_policy,
    make_published_policy,
    make_user,
)
from sibao.enterprises import actions as enterprise_actions
from sibao.enterprises.models import FactSource
from sibao.policies import actions, matching
from sibao.policies.models import MatchResult, PolicyMatch, PolicyStatus, UptakeStatus

REVENUE = {">=": [{"var": "annual_revenue"}, 5000]}
STAFF = {">=": [{"var": "employees"}, 50]}
GRADE = {"in": [{"var": "tax_credit_grade"}, ["A", "B"]]}


def fact(unit, key, value, source=FactSource.TAX, as_of=None):
    enterprise_actions.record_fact(unit, key, value, source=source, actor=None, as_of=as_of)


def official():
    return make_user(Role.HQ_OFFICE, "41")


def rows(policy) -> dict:
    return {m.enterprise_id: m for m in PolicyMatch.objects.filter(policy=policy)}


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_three_valued_results_and_an_unknown_fact_never_makes_a_unit_eligible():
    eligible = make_enterprise(employees=100)
    fact(eligible, "annual_revenue", 8000)
    fact(eligible, "tax_credit_grade", "A")
    possible = make_enterprise(employees=100)  # revenue unknown
    fact(possible, "tax_credit_grade", "B")
    failing = make_enterprise(employees=100)
    fact(failing, "annual_revenue", 1000)
    unknown_but_failing = make_enterprise(employees=10)  # small, revenue and grade unknown
    elsewhere = make_enterprise(region=OTHER_COUNTY, employees=100)
    fact(elsewhere, "annual_revenue", 8000)
    fact(elsewhere, "tax_credit_grade", "A")

    policy = make_published_policy([REVENUE, STAFF, GRADE], region="4101", match=False)
    counts = matching.match_policy(policy)

    found = rows(policy)
    assert counts["eligible"] == 1 and counts["possible"] == 1
    assert set(found) == {eligible.pk, possible.pk}
    assert found[eligible.pk].result == MatchResult.ELIGIBLE
    assert found[eligible.pk].missing == []
    assert found[possible.pk].result == MatchResult.POSSIBLE
    assert found[possible.pk].missing == ["annual_revenue"]
    assert found[possible.pk].region_code == OWN_COUNTY
    assert found[possible.pk].industry_id == "industry"
    assert found[possible.pk].uptake == UptakeStatus.MATCHED
    assert counts["newly_eligible"] == 1
    for unit in (failing, unknown_but_failing):
        assert matching.explain(policy, unit)["result"] == MatchResult.INELIGIBLE
    # nothing known at all: "possibly", never "eligible"
    blank = make_enterprise(employees=100)
    assert matching.explain(policy, blank)["result"] == MatchResult.POSSIBLE
    assert {m["key"] for m in matching.explain(policy, blank)["missing"]} == {
        "annual_revenue",
        "tax_credit_grade",
    }
    # a negated unknown stays unknown
    negated = make_published_policy([{"!": REVENUE}], region="4101")
    assert rows(negated)[blank.pk].result == MatchResult.POSSIBLE


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_stored_explanation_lists_each_condition_and_the_facts_it_read():
    unit = make_enterprise(employees=100)
    fact(unit, "annual_revenue", 8000, as_of=datetime.date(2022, 3, 31))
    policy = make_published_policy([REVENUE, STAFF, GRADE], region="41")
    match = rows(policy)[unit.pk]
    conditions = list(policy.conditions.order_by("order"))
    assert [e["condition"] for e in match.explanation] == [c.pk for c in conditions]
    assert [e["result"] for e in match.explanation] == [True, True, None]
    assert match.explanation[0]["facts"] == [
        {"key": "annual_revenue", "value": "8000", "source": "tax", "as_of": "2022-03-31"}
    ]
    assert match.explanation[1]["facts"][0]["source"] == "registry"
    assert match.explanation[2]["facts"] == [
        {"key": "tax_credit_grade", "value": None, "source": "", "as_of": ""}
    ]
    assert match.missing == ["tax_credit_grade"]


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_missing_lists_only_the_unknowns_that_matter():
    unit = make_enterprise(employees=100)
    fact(unit, "is_listed", True)
    either = {"or": [{"==": [{"var": "is_listed"}, True]}, REVENUE]}
    both = {"and": [STAFF, {"or": [{"==": [{"var": "is_neeq"}, True]}, REVENUE]}]}
    policy = make_published_policy([either, both], region="41")
    match = rows(policy)[unit.pk]
    assert match.result == MatchResult.POSSIBLE
    # revenue matters only in the second condition: the first is already true
    assert match.missing == ["annual_revenue", "is_neeq"]
    explained = matching.explain(policy, unit)
    assert explained["conditions"][0]["result"] is True
    assert explained["conditions"][0]["missing"] == []
    assert explained["conditions"][1]["missing"] == ["annual_revenue", "is_neeq"]


@pytest.mark.django_db
@pytest.mark.req("POL-04")
def test_authoritative_facts_win_over_declared_ones_and_the_source_is_shown():
    unit = make_enterprise(employees=100)
    fact(unit, "annual_revenue", 9000, source=FactSource.SELF_DECLARED)
    policy = make_published_policy([REVENUE], region="41")
    # a declaration alone counts for policies (unlike whitelist auto-admission) …
    assert rows(policy)[unit.pk].result == MatchResult.ELIGIBLE
    explained = matching.explain(policy, unit)
    shown = explained["conditions"][0]["facts"][0]
    assert shown["source"] == "self_declared"
    assert shown["source_label"] == "企业自报"
    assert shown["authoritative"] is False
    assert explained["authoritative"] is False
    # … until the tax office says otherwise: its figure wins, the unit stops matching
    fact(unit, "annual_revenue", 3000, source=FactSource.TAX, as_of=datetime.date(2022, 6, 30))
    assert unit.pk not in rows(policy)
    explained = matching.explain(policy, unit)
    assert explained["result"] == MatchResult.INELIGIBLE
    shown = explained["conditions"][0]["facts"][0]
    assert (shown["source"], shown["as_of"], shown["shown"]) == ("tax", "2022-06-30", "3000 万元")
    assert explained["conditions"][0]["failing"] == ["年营业收入 ≥ 5000 万元"]
    # a newer declaration does not outrank the tax office
    fact(unit, "annual_revenue", 12000, source=FactSource.SELF_DECLARED)
    assert unit.pk not in rows(policy)


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_a_fact_change_re_matches_the_unit_and_pushes_the_newly_eligible():
    unit = make_enterprise(employees=100)
    policy = make_policy("41", conditions=[REVENUE, STAFF])
    match = rows(policy)[unit.pk]
    assert match.result == MatchResult.POSSIBLE
    assert match.uptake == UptakeStatus.NOTIFIED  # pushed on publishing

    other = make_enterprise(employees=100)
    fact(other, "annual_revenue", 1000)
    assert other.pk not in rows(policy)
    fact(other, "annual_revenue", 6000, source=FactSource.STATISTICS)  # now eligible …
    pushed = rows(policy)[other.pk]
    assert pushed.result == MatchResult.ELIGIBLE
    assert pushed.uptake == UptakeStatus.NOTIFIED  # … and pushed by the hook
    assert pushed.explanation[0]["facts"][0]["source"] == "statistics"

    # the possible one supplies its revenue: eligible, and the row already pushed stays as is
    fact(unit, "annual_revenue", 7000)
    match.refresh_from_db()
    assert (match.result, match.missing, match.uptake) == (
        MatchResult.ELIGIBLE,
        [],
        UptakeStatus.NOTIFIED,
    )


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_registry_changes_re_match_and_moving_out_of_the_region_drops_the_row():
    unit = make_enterprise(employees=10)
    fact(unit, "annual_revenue", 8000)
    policy = make_published_policy([REVENUE, STAFF], region="4101")
    assert unit.pk not in rows(policy)
    enterprise_actions.update_enterprise(unit, actor=official(), employees=80)
    assert rows(policy)[unit.pk].result == MatchResult.ELIGIBLE
    assert rows(policy)[unit.pk].uptake == UptakeStatus.NOTIFIED
    # started uptake: kept, but no longer eligible once the unit is in another city
    enterprise_actions.update_enterprise(unit, actor=official(), region=OTHER_COUNTY)
    kept = rows(policy)[unit.pk]
    assert kept.result == MatchResult.INELIGIBLE
    assert kept.uptake == UptakeStatus.NOTIFIED


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_rows_whose_uptake_started_are_kept_when_the_pair_stops_matching():
    untouched, started = make_enterprise(employees=100), make_enterprise(employees=100)
    policy = make_published_policy([STAFF], region="41")
    PolicyMatch.objects.filter(policy=policy, enterprise=started).update(
        uptake=UptakeStatus.APPLIED, applied_at=timezone.now()
    )
    for unit in (untouched, started):
        enterprise_actions.update_enterprise(unit, actor=official(), employees=5)
    found = rows(policy)
    assert untouched.pk not in found
    assert found[started.pk].result == MatchResult.INELIGIBLE
    assert found[started.pk].uptake == UptakeStatus.APPLIED
    assert found[started.pk].explanation[0]["result"] is False
    assert found[started.pk].missing == []
    # matching again changes nothing
    counts = matching.match_policy(policy)
    assert counts["created"] == counts["updated"] == counts["deleted"] == 0
    # and it becomes eligible again with its history
    enterprise_actions.update_enterprise(started, actor=official(), employees=500)
    again = rows(policy)[started.pk]
    assert (again.result, again.uptake) == (MatchResult.ELIGIBLE, UptakeStatus.APPLIED)


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_matching_again_writes_nothing_when_nothing_changed():
    for employees in (10, 60, 200):
        make_enterprise(employees=employees)
    policy = make_published_policy([STAFF, REVENUE], region="41", match=False)
    first = matching.match_policy(policy)
    assert first["created"] == 2 and first["possible"] == 2
    stamps = dict(PolicyMatch.objects.values_list("id", "matched_at"))
    second = matching.match_policy(policy)
    assert second["unchanged"] == 2
    assert second["created"] == second["updated"] == second["newly_eligible"] == 0
    assert dict(PolicyMatch.objects.values_list("id", "matched_at")) == stamps


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_withdrawal_drops_untouched_matches_and_keeps_started_ones():
    a, b = make_enterprise(employees=100), make_enterprise(employees=100)
    policy = make_published_policy([STAFF], region="41")
    PolicyMatch.objects.filter(policy=policy, enterprise=b).update(uptake=UptakeStatus.NOTIFIED)
    actions.withdraw_policy(policy, actor=None, reason="政策调整")
    found = rows(policy)
    assert a.pk not in found
    assert found[b.pk].uptake == UptakeStatus.NOTIFIED
    # a withdrawn policy matches nobody any more
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.WITHDRAWN
    assert matching.match_policy(policy)["eligible"] == 0
    fact(a, "annual_revenue", 1)
    assert a.pk not in rows(policy)


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_a_new_version_supersedes_the_old_ones_matches():
    small = make_enterprise(employees=30)
    big = make_enterprise(employees=300)
    first = make_policy("41", conditions=[{">=": [{"var": "employees"}, 20]}])
    assert set(rows(first)) >= {small.pk, big.pk}
    PolicyMatch.objects.filter(policy=first).update(uptake=UptakeStatus.MATCHED)
    PolicyMatch.objects.filter(policy=first, enterprise=big).update(uptake=UptakeStatus.READ)
    draft = actions.new_policy_version(first, actor=None)
    condition = draft.conditions.get()
    actions.update_condition(
        condition,
        actor=None,
        title="从业人数",
        clause="第二条",
        expression={">=": [{"var": "employees"}, 100]},
    )
    second = actions.publish_policy(draft, actor=None)
    first.refresh_from_db()
    assert first.status == PolicyStatus.SUPERSEDED
    assert set(rows(first)) == {big.pk}  # the read one keeps its history
    assert small.pk not in rows(second) and big.pk in rows(second)


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_expired_policies_stop_matching_in_the_daily_run():
    unit = make_enterprise(employees=100)
    today = timezone.localdate()
    live = make_published_policy([STAFF], region="41")
    ending = make_published_policy([STAFF], region="41", valid_to=today)
    started = make_enterprise(employees=100)
    matching.match_policy(ending)
    PolicyMatch.objects.filter(policy=ending, enterprise=started).update(
        uptake=UptakeStatus.NOTIFIED
    )
    assert {unit.pk, started.pk} <= set(rows(ending))
    future = make_published_policy([STAFF], region="41", valid_from=today + datetime.timedelta(1))
    assert rows(future) == {}

    totals = matching.match_all(on=today + datetime.timedelta(days=1))
    assert totals["dropped"] >= 1
    assert set(rows(ending)) == {started.pk}
    assert unit.pk in rows(live)
    # the command runs the same daily pass (today: the ending policy is still valid) and
    # pushes what was not pushed yet
    call_command("match-policies")
    assert rows(ending)[unit.pk].uptake == UptakeStatus.NOTIFIED
    # once expired, a new unit is never matched with it, and the pushed rows stay
    ending.valid_to = today - datetime.timedelta(days=1)
    ending.save()
    late = make_enterprise(employees=100)
    matching.rematch_enterprise(late)
    matching.match_all()
    assert set(rows(ending)) == {unit.pk, started.pk}
    assert late.pk in rows(live)


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_merging_a_duplicate_drops_its_untouched_matches():
    survivor = make_enterprise(employees=100)
    duplicate = make_enterprise(employees=100, credit_code=survivor.credit_code, name="重复登记")
    policy = make_published_policy([STAFF], region="41")
    assert {survivor.pk, duplicate.pk} <= set(rows(policy))
    enterprise_actions.merge_enterprises(survivor, duplicate, actor=official(), reason="重复登记")
    assert duplicate.pk not in rows(policy)
    assert survivor.pk in rows(policy)


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_rematch_returns_the_newly_eligible_rows_and_the_bulk_agrees_with_it():
    unit = make_enterprise(employees=100)
    policies = [
        make_published_policy([REVENUE], region="41"),
        make_published_policy([STAFF, GRADE], region="4101"),
        make_published_policy([STAFF], region=OTHER_COUNTY[:4]),
    ]
    PolicyMatch.objects.all().delete()
    newly = matching.rematch_enterprise(unit)
    assert newly == []  # the two possibles are not "eligible"
    snapshot = sorted(PolicyMatch.objects.values_list("policy_id", "result", "missing"))
    assert snapshot == [
        (policies[0].pk, "possible", ["annual_revenue"]),
        (policies[1].pk, "possible", ["tax_credit_grade"]),
    ]
    # the bulk run finds exactly the same rows and writes nothing
    for policy in policies:
        counts = matching.match_policy(policy)
        assert counts["created"] == counts["updated"] == counts["deleted"] == 0
    PolicyMatch.objects.update(uptake=UptakeStatus.NOTIFIED)
    fact(unit, "tax_credit_grade", "A")
    newly = matching.rematch_enterprise(unit)
    assert newly == []  # already eligible: the hook of record_fact did it
    assert rows(policies[1])[unit.pk].result == MatchResult.ELIGIBLE


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_the_bulk_write_path_stores_the_same_rows_as_one_by_one(monkeypatch):
    """On PostgreSQL large upserts go through COPY; forced here for every size."""
    monkeypatch.setattr(matching, "COPY_THRESHOLD", 0)
    units = [make_enterprise(employees=40 + 10 * n) for n in range(6)]
    for n, unit in enumerate(units[:3]):
        fact(unit, "annual_revenue", 4000 + 1000 * n, as_of=datetime.date(2022, 5, n + 1))
    policy = make_published_policy([STAFF, REVENUE], region="41", match=False)
    counts = matching.match_policy(policy)
    assert (counts["eligible"], counts["possible"], counts["created"]) == (2, 3, 5)
    before = sorted(
        PolicyMatch.objects.values_list(
            "enterprise_id", "result", "missing", "explanation", "uptake", "region_code"
        )
    )
    assert before[0][3][1]["facts"][0]["as_of"] == "2022-05-02"
    for unit in units:
        matching.rematch_enterprise(unit)
    assert matching.match_policy(policy)["unchanged"] == 5
    after = sorted(
        PolicyMatch.objects.values_list(
            "enterprise_id", "result", "missing", "explanation", "uptake", "region_code"
        )
    )
    assert after == before
    # an update through the same path
    fact(units[3], "annual_revenue", 9000)
    PolicyMatch.objects.filter(enterprise=units[3]).update(result="possible", missing=["x"])
    assert matching.match_policy(policy)["updated"] == 1
    assert PolicyMatch.objects.get(enterprise=units[3]).result == MatchResult.ELIGIBLE


@pytest.mark.req("POL-02")
def test_a_condition_with_a_known_id_but_new_wording_is_compiled_again():
    """The compiled-condition cache never shows another condition's title or clause, even when an
    id comes back (SQLite hands out ids again after a rollback)."""
    from sibao.policies.matching import _compiled_conditions
    from sibao.policies.models import PolicyCondition

    tree = {">=": [{"var": "employees"}, 10]}
    first = PolicyCondition(pk=987654, title="从业人数", clause="第一条", expression=tree)
    second = PolicyCondition(pk=987654, title="用工规模", clause="第二条", expression=tree)
    assert _compiled_conditions([first])[0].clause == "第一条"
    (again,) = _compiled_conditions([second])
    assert (again.title, again.clause) == ("用工规模", "第二条")
