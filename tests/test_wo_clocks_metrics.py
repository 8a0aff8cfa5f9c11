"""DEM-03: handling metrics against hand-computed values.

The fixture (normal urgency: sign within 1 working day, reply within 5; office hours 08:30–12:00,
14:00–17:30), March 2026, no holiday; "now" is Fri 20 Mar 10:00. County industry department A:

- O1 dispatched Mon 2 Mar 08:30, signed 09:00 (in time), replied Wed 4 08:30 (in time; 840 min),
  visited: resolved, satisfied; closed — closed on time.
- O2 dispatched Mon 2 Mar 08:30, signed Tue 3 09:00 (late: due Mon 17:30), replied Mon 9 08:30
  (late: due Fri 6 17:30; 2100 min), visited: partly resolved, basically satisfied; closed late.
- O3 dispatched Mon 2 Mar 08:30, signed 10:00, extended by 1 day (due Mon 9 17:30), never
  replied — OPEN OVERDUE.
- O4 co-handling order dispatched Mon 9 Mar 08:30, signed 10:00, replied Tue 10 08:30, sent back
  for rework at 10:00 (90 min paused), replied again 14:00 (630 − 90 = 540 min), reviewed and
  closed — on time, and the demand is never rated (an unrated closure).
- O5 dispatched Mon 2 Mar 08:30, return requested 10:00, approved — not held against A; the demand
  is dispatched again Thu 19 Mar 08:30 to department B (commerce), which signs at 09:00.
- O6 dispatched Wed 18 Mar 08:30, unsigned (sign deadline Wed 17:30 passed), not overdue.
- O7 dispatched Fri 20 Mar 09:00, unsigned, sign deadline not reached.

Department B: the re-dispatched order, and the lead order of O4's demand (dispatched Mon 9 Mar
08:30, signed 09:00, replied Tue 10 08:30 in time — 420 min — and not reviewed yet).

A: orders 7, held 6 (O5 returned). Sign: on time O1 O3 O4 of due O1 O2 O3 O4 O6 → 3/5 = 60.0 %.
Close: on time O1 O4 ÷ (closed O1 O2 O4 + open overdue O3) = 2/4 = 50.0 %. Resolution: O1 of the
rated O1 O2 → 50.0 %; satisfaction: O1 + O2 (basic) of 2 → 100.0 %. Return O5, rework O4,
extension O3: each 1/7 = 14.3 %. Median of 14.0, 35.0, 9.0 working hours = 14.0.
B: orders 2, sign 2/2 = 100.0 %, close — (nothing closed or overdue), median 7.0.
"""

import datetime

import pytest

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.regions.models import Department
from sibao.workorders import metrics
from sibao.workorders.actions import followup, orders
from sibao.workorders.models import WorkOrder
from tests.routes.wo_clocks import dispatched_order

pytestmark = pytest.mark.req("DEM-03")

TZ = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2026, 3, 20, 10, 0, tzinfo=TZ)


def at(m, d, hh, mm=0):
    return datetime.datetime(2026, m, d, hh, mm, tzinfo=TZ)


def _close(order, *, resolution, satisfaction, now):
    order = followup.review(order, actor=None, now=now)
    followup.record_visit(
        order,
        actor=None,
        method="phone",
        resolution=resolution,
        satisfaction=satisfaction,
        now=now,
    )
    return followup.close_order(WorkOrder.objects.get(pk=order.pk), actor=None, now=now)


@pytest.fixture
def fixture(own_enterprise, departments):
    a = Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")
    b = Department.objects.get(region_id=OWN_COUNTY, kind="commerce")
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, username="a_staff")

    def new(when, **kwargs):
        return dispatched_order(own_enterprise, now=when, department=a, **kwargs)

    o1 = orders.sign(new(at(3, 2, 8, 30)), actor=staff, now=at(3, 2, 9))
    o1 = orders.reply(o1, actor=staff, answer="已协调替代货源", now=at(3, 4, 8, 30))
    _close(o1, resolution="resolved", satisfaction="satisfied", now=at(3, 4, 15))

    o2 = orders.sign(new(at(3, 2, 8, 30)), actor=staff, now=at(3, 3, 9))
    o2 = orders.reply(o2, actor=staff, answer="部分货源已落实", now=at(3, 9, 8, 30))
    _close(o2, resolution="partly", satisfaction="basic", now=at(3, 9, 15))

    o3 = orders.sign(new(at(3, 2, 8, 30)), actor=staff, now=at(3, 2, 10))
    request = orders.request_extension(
        o3, actor=staff, working_days=1, reason="需跨部门协调", now=at(3, 3, 9)
    )
    orders.decide_extension(request, actor=None, approve=True, now=at(3, 3, 10))

    lead4 = dispatched_order(own_enterprise, now=at(3, 9, 8, 30), department=b)
    lead4 = orders.sign(lead4, actor=None, now=at(3, 9, 9))
    orders.reply(lead4, actor=None, answer="商务局已对接", now=at(3, 10, 8, 30))
    o4 = new(at(3, 9, 8, 30), role="assist", demand=lead4.demand)
    o4 = orders.sign(o4, actor=staff, now=at(3, 9, 10))
    o4 = orders.reply(o4, actor=staff, answer="工信局已协调", now=at(3, 10, 8, 30))
    o4 = followup.rework(o4, actor=None, reason="答复不完整", now=at(3, 10, 10))
    o4 = orders.reply(o4, actor=staff, answer="补充答复", now=at(3, 10, 14))
    o4 = followup.review(o4, actor=None, now=at(3, 10, 15))
    followup.close_order(o4, actor=None, now=at(3, 10, 16))

    o5 = new(at(3, 2, 8, 30))
    back = orders.request_return(o5, actor=staff, reason="不属于本部门职责", now=at(3, 2, 10))
    orders.decide_return(back, actor=None, approve=True, now=at(3, 2, 11))
    again = orders.dispatch(
        WorkOrder.objects.get(pk=o5.pk).demand, actor=None, department=b, now=at(3, 19, 8, 30)
    )
    orders.sign(again, actor=None, now=at(3, 19, 9))

    new(at(3, 18, 8, 30))
    new(at(3, 20, 9))
    return {"a": a, "b": b}


def test_metrics_per_unit_match_the_hand_computed_values(fixture):
    rows = {r.key: r for r in metrics.by("department", WorkOrder.objects.all(), now=NOW)}
    a = rows[fixture["a"].pk].metrics
    assert a.counts["orders"] == 7
    assert a.counts["held"] == 6 and a.counts["returned"] == 1
    assert (a.counts["signed_on_time"], a.counts["sign_due"], a.sign_rate) == (3, 5, 60.0)
    assert (a.counts["closed_on_time"], a.counts["closed"], a.counts["open_overdue"]) == (2, 3, 1)
    assert a.close_rate == 50.0
    assert (a.counts["resolved"], a.counts["rated_resolution"], a.resolution_rate) == (1, 2, 50.0)
    assert (a.counts["satisfied"], a.counts["rated_satisfaction"]) == (2, 2)
    assert a.satisfaction_rate == 100.0
    assert (a.return_rate, a.rework_rate, a.extension_rate) == (14.3, 14.3, 14.3)
    assert a.median_hours == 14.0

    b = rows[fixture["b"].pk].metrics
    assert (b.counts["orders"], b.sign_rate, b.close_rate, b.median_hours) == (2, 100.0, None, 7.0)
    assert b.return_rate == 0.0


def test_the_open_overdue_order_always_counts(fixture):
    """Were O3 not counted, A's on-time close rate would read 2/3 — it reads 2/4."""
    behind = metrics.orders_behind(
        "open_overdue", WorkOrder.objects.filter(department=fixture["a"]), now=NOW
    )
    assert [(o.status, o.extension_count) for o in behind] == [("signed", 1)]


def test_totals_and_other_dimensions(fixture):
    total = metrics.compute(WorkOrder.objects.all(), now=NOW)
    # 9 orders: A's 7 and B's 2; sign 5/7; close 2/4; median of 14, 35, 9, 7 = 11.5 hours
    assert (total.counts["orders"], total.sign_rate, total.close_rate) == (9, 71.4, 50.0)
    assert total.median_hours == 11.5
    levels = metrics.by("level", WorkOrder.objects.all(), now=NOW)
    assert [(r.key, r.metrics.counts["orders"]) for r in levels] == [("county", 9)]
    assert str(levels[0].label) == "县级"
