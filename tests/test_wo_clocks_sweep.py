"""DEM-03: the sweep reminds at 50/80/100 % of the limit (each stage once, however often it runs),
reminds once when the sign deadline passed, and escalates an order overdue by the rule set's
working days (2) from the county to the city: a linked city order under supervision.

The order is a normal one (5 working days = 2100 working minutes, office hours 08:30–12:00 and
14:00–17:30) dispatched Mon 2 Mar 2026 08:30, a week with no holiday: 50 % is reached Wed 4 Mar
12:00, 80 % Thu 5 Mar 17:30, 100 % (the deadline) Fri 6 Mar 17:30, and two working days past it is
Tue 10 Mar 17:30."""

import datetime

import pytest
from django.core.management import call_command

from sibao.accounts.roles import Role
from sibao.core.models import Notification
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.workorders import sweeps
from sibao.workorders.actions import orders
from sibao.workorders.models import OrderStatus, Urging, WorkOrder
from tests.routes.wo_clocks import dispatched_order

pytestmark = pytest.mark.req("DEM-03")

TZ = datetime.timezone(datetime.timedelta(hours=8))
CITY = "4101"


def at(m, d, hh, mm=0):
    return datetime.datetime(2026, m, d, hh, mm, tzinfo=TZ)


@pytest.fixture
def people(departments):
    return {
        "staff": make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, username="county_staff"),
        "office": make_user(Role.HQ_OFFICE, OWN_COUNTY, username="county_office"),
        "city_office": make_user(Role.HQ_OFFICE, CITY, username="city_office"),
    }


@pytest.fixture
def order(own_enterprise, people):
    placed = dispatched_order(own_enterprise, now=at(3, 2, 8, 30))
    assert placed.due_at == at(3, 6, 17, 30)
    return orders.sign(placed, actor=people["staff"], now=at(3, 2, 9))


def reminders(order):
    return list(
        Urging.objects.filter(order=order, kind=Urging.Kind.REMINDER, percent__gt=0)
        .order_by("percent")
        .values_list("percent", flat=True)
    )


def inbox(user, word):
    return Notification.objects.filter(recipient=user, title__contains=word).count()


def test_reminders_at_50_80_and_100_percent_are_sent_once_each(order, people):
    assert sweeps.sweep(at(3, 4, 11, 59))["reminders"] == 0  # 49 %
    for moment, stage in ((at(3, 4, 12), 50), (at(3, 5, 17, 30), 80), (at(3, 6, 17, 30), 100)):
        assert sweeps.sweep(moment)["reminders"] == 1
        assert sweeps.sweep(moment)["reminders"] == 0  # run twice: nothing new
        order.refresh_from_db()
        assert order.reminded_percent == stage
    assert reminders(order) == [50, 80, 100]
    assert inbox(people["staff"], "时限提醒") == 2
    # at 100 % the reminder is an urging: the office is told too
    assert inbox(people["staff"], "超期督办") == 1
    assert inbox(people["office"], "超期督办") == 1
    assert inbox(people["office"], "时限提醒") == 0
    assert order.status == OrderStatus.SIGNED  # reminders change no state
    assert order.version == 1  # …and no version: nobody must reload for them


def test_a_late_sweep_sends_only_the_highest_stage_reached(order):
    assert sweeps.sweep(at(3, 6, 9))["reminders"] == 1  # 1680 + 30 of 2100 = 81 %
    assert reminders(order) == [80]
    assert sweeps.sweep(at(3, 6, 9, 30))["reminders"] == 0


def test_a_suspended_clock_stands_still(order, people):
    orders.suspend(order, actor=people["staff"], reason="等待企业补充材料", now=at(3, 3, 8, 30))
    assert sweeps.sweep(at(3, 20, 9)) == {
        "reminders": 0,  # 420 of 2100 used when it was suspended: 20 %
        "sign_reminders": 0,
        "escalated": 0,
        "escalation_failed": 0,
    }


def test_an_unsigned_order_is_reminded_once_after_the_sign_deadline(own_enterprise, people):
    placed = dispatched_order(own_enterprise, now=at(3, 2, 8, 30))
    assert placed.sign_due_at == at(3, 2, 17, 30)  # 1 working day
    assert sweeps.sweep(at(3, 2, 17, 30))["sign_reminders"] == 0  # exactly at it: in time
    assert sweeps.sweep(at(3, 2, 18))["sign_reminders"] == 1
    assert sweeps.sweep(at(3, 3, 9))["sign_reminders"] == 0
    assert inbox(people["staff"], "签收超时") == 1
    assert Urging.objects.filter(order=placed, percent=sweeps.SIGN_REMINDER).count() == 1


def test_an_order_overdue_by_two_working_days_escalates_to_the_city(order, people):
    assert sweeps.sweep(at(3, 10, 17, 29))["escalated"] == 0  # 839 working minutes overdue
    counts = sweeps.sweep(at(3, 10, 17, 30))
    assert counts["escalated"] == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.ESCALATED
    city = WorkOrder.objects.get(parent=order)
    assert (city.level, city.region_code, city.department.region_id) == ("city", CITY, CITY)
    assert city.department.kind == order.department.kind
    assert city.demand_id == order.demand_id and city.role == "lead"
    assert city.supervised
    assert city.dispatched_at == at(3, 10, 17, 30)  # a fresh clock at the city
    assert Urging.objects.filter(order=order, kind=Urging.Kind.AUTO_ESCALATION).count() == 1
    assert inbox(people["city_office"], "提级") == 1
    # idempotent: the county order is no longer open, the city one is not overdue
    assert sweeps.sweep(at(3, 10, 17, 30))["escalated"] == 0
    assert WorkOrder.objects.filter(demand=order.demand).count() == 2


def test_the_command_prints_the_counts(order, capsys):
    call_command("workorder-sweep", "--at", "2026-03-04T12:00:00+08:00")
    out = capsys.readouterr().out
    assert "reminders=1" in out and "escalated=0" in out
    call_command("workorder-sweep", "--at", "2026-03-04T12:00:00+08:00")
    assert "reminders=0" in capsys.readouterr().out
