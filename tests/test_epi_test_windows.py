"""EPI-04: the NAT window of each person — 48 h for ordinary posts, 24 h for mobile/contact
posts, 24 h for everyone in a unit in closed loop or a region in emergency — with the boundary
exactly at the window: a sample taken exactly one window ago still counts."""

import datetime

import pytest
from django.utils import timezone

from sibao.core import rules
from sibao.core.testing import make_enterprise, make_staff
from sibao.epidemic import compliance
from sibao.epidemic.compliance import EmergencyScope
from sibao.epidemic.models import PostClass, StaffMember

NOW = timezone.make_aware(datetime.datetime(2022, 5, 20, 9, 0))
SECOND = datetime.timedelta(seconds=1)
HOUR = datetime.timedelta(hours=1)


def overdue_ids(scope=compliance.NO_EMERGENCY, ruleset=None):
    ruleset = ruleset or rules.current()
    q = compliance.overdue_q(NOW, ruleset, scope)
    return set(StaffMember.objects.filter(q).values_list("pk", flat=True))


def staff_tested(unit, hours_ago, post_class=PostClass.ORDINARY, extra=datetime.timedelta(0)):
    return make_staff(unit, post_class=post_class, last_negative_at=NOW - hours_ago * HOUR - extra)


@pytest.fixture
def unit(db):
    return make_enterprise(region="410102")


@pytest.mark.req("EPI-04")
@pytest.mark.parametrize(
    ("post_class", "hours"), [(PostClass.ORDINARY, 48), (PostClass.MOBILE, 24)]
)
def test_a_sample_exactly_one_window_ago_still_counts_and_one_second_more_is_overdue(
    unit, post_class, hours
):
    on_time = staff_tested(unit, hours, post_class)
    late = staff_tested(unit, hours, post_class, extra=SECOND)
    ruleset = rules.current()

    assert overdue_ids() == {late.pk}
    assert compliance.certificate_valid(on_time, NOW, ruleset, compliance.NO_EMERGENCY)
    assert not compliance.certificate_valid(late, NOW, ruleset, compliance.NO_EMERGENCY)


@pytest.mark.req("EPI-04")
def test_an_ordinary_post_tested_30_hours_ago_is_on_time_but_a_mobile_post_is_not(unit):
    ordinary = staff_tested(unit, 30, PostClass.ORDINARY)
    mobile = staff_tested(unit, 30, PostClass.MOBILE)

    assert overdue_ids() == {mobile.pk}
    ruleset = rules.current()
    assert compliance.window_for(ordinary, ruleset, compliance.NO_EMERGENCY) == 48
    assert compliance.window_for(mobile, ruleset, compliance.NO_EMERGENCY) == 24


@pytest.mark.req("EPI-04")
def test_in_a_region_in_emergency_every_post_has_the_24_hour_window(unit):
    elsewhere = make_enterprise(region="410202")
    inside = staff_tested(unit, 30, PostClass.ORDINARY)
    inside_on_boundary = staff_tested(unit, 24, PostClass.ORDINARY)
    outside = staff_tested(elsewhere, 30, PostClass.ORDINARY)
    scope = EmergencyScope(region_codes=frozenset({"4101"}))

    assert overdue_ids(scope) == {inside.pk}
    assert overdue_ids() == set()
    ruleset = rules.current()
    assert compliance.window_for(inside, ruleset, scope) == 24
    assert compliance.window_for(outside, ruleset, scope) == 48
    assert compliance.certificate_valid(inside_on_boundary, NOW, ruleset, scope)


@pytest.mark.req("EPI-04")
def test_in_a_unit_in_closed_loop_every_post_has_the_24_hour_window(unit):
    neighbour = make_enterprise(region="410102")
    looped = staff_tested(unit, 25, PostClass.ORDINARY)
    free = staff_tested(neighbour, 25, PostClass.ORDINARY)
    scope = EmergencyScope(enterprise_ids=frozenset({unit.pk}))

    assert overdue_ids(scope) == {looped.pk}
    assert not compliance.is_overdue(free, NOW, rules.current(), scope)


@pytest.mark.req("EPI-04")
def test_people_never_tested_are_overdue_and_inactive_ones_are_not_listed(unit):
    never = make_staff(unit, last_negative_at=None)
    make_staff(unit, last_negative_at=None, is_active=False)

    assert overdue_ids() == {never.pk}
    assert compliance.deadline_for(never, rules.current(), compliance.NO_EMERGENCY) is None


@pytest.mark.req("EPI-04")
def test_the_windows_are_rule_set_parameters(unit):
    tested = staff_tested(unit, 30, PostClass.ORDINARY)
    stricter = rules.RuleSet(
        99, {**rules.defaults(), "nat_interval_hours": 24, "nat_interval_hours_emergency": 12}
    )

    assert overdue_ids(ruleset=stricter) == {tested.pk}
    assert overdue_ids() == set()


@pytest.mark.req("EPI-04")
def test_an_emergency_never_widens_a_window(unit):
    mobile = staff_tested(unit, 30, PostClass.MOBILE)
    lenient = rules.RuleSet(99, {**rules.defaults(), "nat_interval_hours_emergency": 72})
    scope = EmergencyScope(region_codes=frozenset({"41"}))

    assert overdue_ids(scope, lenient) == {mobile.pk}


def test_the_current_emergency_scope_is_empty_until_the_command_module_fills_it(db):
    scope = compliance.emergency_scope()

    assert not scope
    assert not scope.covers("410102", 1)
