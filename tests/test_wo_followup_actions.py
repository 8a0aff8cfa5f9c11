"""DEM-05 actions: review, rework (clock and supervision), visits, the enterprise's separate
verdict, closure (an unsatisfied one needs an approved reason), appeals within the window and
their decision (reopen restarts handling), and the whole history in time order."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core import rules
from sibao.core.models import Notification
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.workorders import clocks
from sibao.workorders.actions import followup
from sibao.workorders.actions.base import Conflict, transition
from sibao.workorders.models import Appeal, OrderRole, Visit
from sibao.workorders.queries_history import history
from tests.wo_followup_state import filed_demand, replied_order

pytestmark = pytest.mark.req("DEM-05")

# a Wednesday morning in an ordinary working week
T0 = timezone.make_aware(datetime.datetime(2024, 3, 13, 9, 0), clocks.TZ)


@pytest.fixture
def people(personas, own_enterprise):
    return {
        **personas,
        "cadre": make_user(
            Role.LIAISON_CADRE, OWN_COUNTY, enterprise=own_enterprise, username="fu_cadre"
        ),
        "staff": make_user(
            Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="transport", username="fu_staff"
        ),
        "leader": make_user(Role.HQ_LEADER, OWN_COUNTY, username="fu_leader"),
    }


@pytest.fixture
def demand(people, own_enterprise):
    return filed_demand(own_enterprise, by=people["enterprise_admin"], at=T0)


@pytest.fixture
def order(demand):
    return replied_order(demand, at=T0 + datetime.timedelta(days=1))


def at(hours):
    return T0 + datetime.timedelta(days=1, hours=hours)


def visited(order, office, *, resolution="resolved", satisfaction="satisfied"):
    order = followup.review(order, actor=office, now=at(1))
    followup.record_visit(
        order,
        actor=office,
        method="phone",
        resolution=resolution,
        satisfaction=satisfaction,
        now=at(2),
    )
    order.refresh_from_db()
    return order


def closed(order, office, **kwargs):
    order = visited(order, office, **kwargs)
    return followup.close_order(order, actor=office, now=at(3))


def test_the_office_reviews_and_the_enterprise_is_asked_to_confirm(people, order):
    with pytest.raises(PermissionDenied):
        followup.review(order, actor=people["staff"], now=at(1))
    with pytest.raises(PermissionDenied):
        followup.review(order, actor=people["other_county"], now=at(1))
    with pytest.raises(PermissionDenied):
        followup.review(order, actor=people["enterprise_admin"], now=at(1))
    reviewed = followup.review(order, actor=people["own_county"], note="答复属实", now=at(1))
    assert reviewed.status == "reviewed" and reviewed.reviewed_at == at(1)
    assert reviewed.review_note == "答复属实"
    told = Notification.objects.filter(recipient=people["enterprise_admin"])
    assert told.filter(title__contains="请确认办理结果").exists()


def test_a_stale_version_is_a_conflict(people, order):
    seen = order.version
    followup.review(order, actor=people["own_county"], version=seen, now=at(1))
    with pytest.raises(Conflict) as caught:
        followup.rework(order, actor=people["own_county"], reason="不全", version=seen, now=at(2))
    assert "已审核" in str(caught.value)


def test_rework_pauses_the_reply_time_and_moves_the_deadline(people, order):
    office = people["own_county"]
    with pytest.raises(ValidationError):
        followup.rework(order, actor=office, reason=" ", now=at(2))
    order.refresh_from_db()
    assert order.status == "replied" and order.rework_count == 0
    due_before = order.due_at
    # the reply waited with the office from 09:00 to 11:00 of a working morning: 120 minutes
    reworked = followup.rework(order, actor=office, reason="未附通行证明", now=at(2))
    assert reworked.status == "in_progress" and reworked.rework_count == 1
    assert reworked.paused_minutes == 120
    assert reworked.due_at == clocks.due_at(reworked) and reworked.due_at > due_before
    assert not reworked.supervised
    staff = Notification.objects.filter(recipient=people["staff"], title__contains="重办")
    assert staff.exists()


def test_past_the_rework_limit_the_order_is_supervised_and_the_city_told(people, order):

    city = make_user(Role.HQ_OFFICE, "4101", username="fu_city")
    limit = rules.current()["workorder_rework_max"]
    office = people["own_county"]
    for n in range(limit + 1):
        order = followup.rework(order, actor=office, reason=f"第{n + 1}次重办", now=at(2 + n))
        assert order.supervised == (n + 1 > limit)
        order = transition(
            order, "reply", actor=None, now=at(2.5 + n), fields={"replied_at": at(2.5 + n)}
        )
    assert order.rework_count == limit + 1
    assert Notification.objects.filter(recipient=city, title__contains="重点督办").count() == 1


def test_visit_by_the_office_or_the_units_cadre_records_the_verdict_apart(
    people, order, demand, other_enterprise
):
    followup.review(order, actor=people["own_county"], now=at(1))
    order.refresh_from_db()
    other_cadre = make_user(
        Role.LIAISON_CADRE, "410202", enterprise=other_enterprise, username="fu_cadre2"
    )
    for stranger in (people["staff"], people["enterprise_admin"], other_cadre):
        with pytest.raises(PermissionDenied):
            followup.record_visit(
                order, actor=stranger, method="phone", resolution="resolved",
                satisfaction="satisfied", now=at(2),
            )  # fmt: skip
    with pytest.raises(ValidationError):
        followup.record_visit(
            order, actor=people["cadre"], method="phone", resolution="maybe",
            satisfaction="satisfied", now=at(2),
        )  # fmt: skip
    visit = followup.record_visit(
        order,
        actor=people["cadre"],
        method="onsite",
        resolution="partly",
        satisfaction="satisfied",
        note="通道已开通，但仅限白天",
        now=at(2),
    )
    assert (visit.resolution, visit.satisfaction, visit.by) == (
        "partly",
        "satisfied",
        people["cadre"],
    )
    order.refresh_from_db()
    demand.refresh_from_db()
    assert order.status == "visited"
    # copied to the demand as its rating (resolution and satisfaction apart)
    assert (demand.resolution, demand.satisfaction, demand.rated_at) == (
        "partly",
        "satisfied",
        None,
    )


def test_the_enterprises_own_rating_is_not_overwritten_by_a_visit(people, order, demand):
    admin = people["enterprise_admin"]
    rated = followup.rate_demand(
        demand, actor=admin, resolution="unresolved", satisfaction="basic", feedback="只解决一半",
        now=at(0.5),
    )  # fmt: skip
    assert (rated.resolution, rated.satisfaction, rated.rated_at) == (
        "unresolved",
        "basic",
        at(0.5),
    )
    assert Notification.objects.filter(
        recipient=people["own_county"], title__contains="企业已评价"
    ).exists()
    visited(order, people["own_county"], resolution="resolved", satisfaction="satisfied")
    demand.refresh_from_db()
    assert (demand.resolution, demand.satisfaction) == ("unresolved", "basic")
    assert Visit.objects.get(order=order).resolution == "resolved"


def test_rating_waits_for_the_reply_and_belongs_to_the_enterprise(people, demand, own_enterprise):
    from tests.wo_followup_state import dispatched_order

    dispatched_order(demand, at=T0)
    with pytest.raises(ValidationError):
        followup.rate_demand(
            demand, actor=people["enterprise_admin"], resolution="resolved",
            satisfaction="satisfied", now=at(1),
        )  # fmt: skip
    for stranger in (people["own_county"], people["staff"]):
        with pytest.raises(PermissionDenied):
            followup.rate_demand(
                demand, actor=stranger, resolution="resolved", satisfaction="satisfied", now=at(1)
            )


def test_a_satisfied_closure_closes_the_demand(people, order, demand):
    office = people["own_county"]
    order = visited(order, office)
    with pytest.raises(PermissionDenied):
        followup.close_order(order, actor=people["staff"], now=at(3))
    closed_order = followup.close_order(order, actor=office, now=at(3))
    demand.refresh_from_db()
    assert closed_order.status == "closed" and closed_order.closed_at == at(3)
    assert demand.status == "closed" and demand.closed_at == at(3)
    assert demand.unsatisfied_reason == "" and demand.unsatisfied_approved_by is None
    told = Notification.objects.filter(recipient=people["enterprise_admin"], title__contains="销号")
    assert told.exists()


def test_an_unsatisfied_closure_needs_a_reason_approved_by_a_decider(people, order, demand):
    from sibao.accounts.models import RoleGrant

    office = people["own_county"]
    order = visited(order, office, resolution="unresolved", satisfaction="unsatisfied")
    with pytest.raises(ValidationError) as caught:
        followup.close_order(order, actor=office, now=at(3))
    assert "unsatisfied_reason" in caught.value.message_dict
    # an office user whose role lost "decide" (a reviewer without approval power) is refused
    reviewer = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="fu_reviewer")
    grant = RoleGrant.objects.get(user=reviewer)
    from unittest import mock

    from sibao.accounts import roles

    table = {**roles.PERMISSIONS[Role.HQ_OFFICE]}
    table["workorders.workorder"] = table["workorders.workorder"] - {"decide"}
    with mock.patch.dict(roles.PERMISSIONS, {Role.HQ_OFFICE: table}):
        assert grant.role == Role.HQ_OFFICE
        with pytest.raises(PermissionDenied):
            followup.close_order(
                order, actor=reviewer, unsatisfied_reason="企业诉求超出政策范围", now=at(3)
            )
    order.refresh_from_db()
    demand.refresh_from_db()
    assert order.status == "visited" and demand.status == "handling"
    followup.close_order(order, actor=office, unsatisfied_reason="企业诉求超出政策范围", now=at(3))
    demand.refresh_from_db()
    assert demand.status == "closed"
    assert demand.unsatisfied_reason == "企业诉求超出政策范围"
    assert demand.unsatisfied_approved_by == office


def test_assist_orders_close_after_review_and_must_end_before_the_lead(people, order, demand):
    office = people["own_county"]
    assist = replied_order(demand, at=at(0), role=OrderRole.ASSIST)
    order = visited(order, office)
    with pytest.raises(ValidationError):
        followup.close_order(order, actor=office, now=at(3))
    with pytest.raises(ValidationError):  # not reviewed yet
        followup.close_order(assist, actor=office, now=at(3))
    assist = followup.review(assist, actor=office, now=at(3))
    assist = followup.close_order(assist, actor=office, now=at(3))
    demand.refresh_from_db()
    assert assist.status == "closed" and demand.status == "handling"
    followup.close_order(order, actor=office, now=at(4))
    demand.refresh_from_db()
    assert demand.status == "closed"


def test_appeal_within_the_window_once_at_a_time(people, order, demand):
    closed(order, people["own_county"])
    days = rules.current()["demand_appeal_days"]
    admin = people["enterprise_admin"]
    for stranger in (people["own_county"], people["staff"]):
        with pytest.raises(PermissionDenied):
            followup.appeal(demand, actor=stranger, reason="不服", now=at(4))
    with pytest.raises(ValidationError):
        followup.appeal(demand, actor=admin, reason="", now=at(4))
    late = at(3) + datetime.timedelta(days=days, minutes=1)
    with pytest.raises(ValidationError) as caught:
        followup.appeal(demand, actor=admin, reason="通道又被关闭", now=late)
    assert "申诉期限" in caught.value.messages[0]
    row = followup.appeal(demand, actor=admin, reason="通道又被关闭", now=at(4))
    assert row.outcome == "pending" and row.by == admin
    with pytest.raises(ValidationError):
        followup.appeal(demand, actor=people["cadre"], reason="再次申诉", now=at(5))
    assert Notification.objects.filter(
        recipient=people["own_county"], title__contains="申诉"
    ).exists()


def test_an_open_demand_cannot_be_appealed(people, order, demand):
    with pytest.raises(ValidationError):
        followup.appeal(demand, actor=people["enterprise_admin"], reason="太慢", now=at(4))


def test_reopen_restarts_handling_with_the_closed_period_paused(people, order, demand):
    office = people["own_county"]
    closed(order, office)
    order.refresh_from_db()
    paused_before = order.paused_minutes
    row = followup.appeal(demand, actor=people["enterprise_admin"], reason="问题复发", now=at(4))
    with pytest.raises(PermissionDenied):
        followup.decide_appeal(row, actor=people["other_county"], reopen=True, now=at(5))
    with pytest.raises(PermissionDenied):
        followup.decide_appeal(row, actor=people["enterprise_admin"], reopen=True, now=at(5))
    decided = followup.decide_appeal(row, actor=office, reopen=True, note="重新办理", now=at(6))
    assert decided.outcome == "reopened" and decided.decided_by == office
    demand.refresh_from_db()
    order.refresh_from_db()
    assert demand.status == "handling" and demand.reopen_count == 1 and demand.closed_at is None
    assert demand.resolution == "" and demand.rated_at is None
    assert order.status == "in_progress" and order.closed_at is None
    # closed 12:00 → reopened 15:00 of the same working day: only office hours count
    closed_for = clocks.WorkCalendar.from_rules().between(at(3), at(6))
    assert closed_for == 60 and order.paused_minutes == paused_before + 60
    assert order.due_at == clocks.due_at(order)
    with pytest.raises(ValidationError):
        followup.decide_appeal(decided, actor=office, reopen=False, note="x", now=at(6))
    assert Notification.objects.filter(
        recipient=people["staff"], title__contains="重新办理"
    ).exists()


def test_dismiss_needs_a_note_and_keeps_the_closure(people, order, demand):
    office = people["own_county"]
    closed(order, office)
    row = followup.appeal(demand, actor=people["enterprise_admin"], reason="不服", now=at(4))
    with pytest.raises(ValidationError):
        followup.decide_appeal(row, actor=office, reopen=False, now=at(5))
    followup.decide_appeal(row, actor=office, reopen=False, note="已按政策答复", now=at(5))
    row.refresh_from_db()
    demand.refresh_from_db()
    assert row.outcome == Appeal.Outcome.DISMISSED and demand.status == "closed"
    # another appeal may follow within the window
    assert followup.appeal(demand, actor=people["enterprise_admin"], reason="再申诉", now=at(6))


def test_history_lists_every_step_in_time_order(people, order, demand):
    office = people["own_county"]
    order = followup.rework(order, actor=office, reason="补充证明", now=at(0.2))
    transition(
        order, "reply", actor=None, note="已补充", now=at(0.5), fields={"replied_at": at(0.5)}
    )
    order.refresh_from_db()
    followup.rate_demand(
        demand, actor=people["enterprise_admin"], resolution="resolved", satisfaction="basic",
        now=at(0.7),
    )  # fmt: skip
    closed(order, office)
    row = followup.appeal(demand, actor=people["enterprise_admin"], reason="复发", now=at(4))
    followup.decide_appeal(row, actor=office, reopen=True, note="重办", now=at(5))
    demand.refresh_from_db()
    events = history(demand)
    kinds = [e.kind for e in events]
    assert kinds == [
        "demand-submitted",
        "demand-accept",
        "order-dispatch",
        "order-sign",
        "order-start",
        "order-reply",
        "order-rework",
        "order-reply",
        "rating",
        "order-review",
        "visit",
        "order-close",
        "demand-close",
        "appeal",
        "appeal-decision",
        "demand-reopen",
        "order-reopen",
    ]
    assert [e.at for e in events] == sorted(e.at for e in events)
    rework = events[kinds.index("order-rework")]
    assert (
        rework.actor == str(office) and rework.note == "补充证明" and rework.order == order.number
    )
    assert "电话回访" in events[kinds.index("visit")].what
