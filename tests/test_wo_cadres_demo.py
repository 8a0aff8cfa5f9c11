"""DEM-06 (demo data of the module): ``seed_workorders`` leaves demands in every state, through
the actions, with clocks in the past and a clustering run."""

import pytest

from sibao.workorders.demo import PLANS, seed_workorders
from sibao.workorders.models import (
    ClusterRun,
    Demand,
    ExtensionRequest,
    RequestStatus,
    ReturnRequest,
    WorkOrder,
)
from tests.wo_cadres_helpers import listed_unit

pytestmark = [pytest.mark.django_db, pytest.mark.req("DEM-06")]


def test_the_seed_makes_demands_in_every_state(departments):
    units = [listed_unit(name=f"演示单位{i}有限公司") for i in range(3)]
    result = seed_workorders([u.pk for u in units], seed=1)
    assert set(result["states"]) == set(PLANS)
    demands = Demand.objects.filter(pk__in=result["demand_ids"])
    assert set(demands.values_list("status", flat=True)) == {
        "submitted",
        "accepted",
        "rejected",
        "merged",
        "withdrawn",
        "handling",
        "closed",
    }
    order_states = set(WorkOrder.objects.values_list("status", flat=True))
    assert {
        "dispatched",
        "signed",
        "in_progress",
        "suspended",
        "replied",
        "reviewed",
        "visited",
        "closed",
        "returned",
        "escalated",
    } <= order_states
    # escalated to the city, returned and re-dispatched, extended
    assert WorkOrder.objects.filter(level="city", parent__isnull=False).exists()
    assert ReturnRequest.objects.filter(status=RequestStatus.APPROVED).exists()
    assert ExtensionRequest.objects.filter(status=RequestStatus.APPROVED).exists()
    # closures: rated, awaiting the rating, unsatisfied with an approved reason
    closed = demands.filter(status="closed")
    assert closed.filter(rated_at__isnull=False).exists()
    assert closed.filter(rated_at__isnull=True).exists()
    assert closed.filter(satisfaction="unsatisfied").exclude(unsatisfied_reason="").exists()
    # overdue orders, and nothing happened in the future
    from django.utils import timezone

    now = timezone.now()
    assert any(o.is_overdue(now) for o in WorkOrder.objects.filter(status="in_progress"))
    assert not demands.filter(submitted_at__gt=now).exists()
    assert ClusterRun.objects.exists()


def test_the_seed_is_deterministic(departments):
    units = [listed_unit() for _ in range(2)]
    first = seed_workorders([u.pk for u in units], seed=7)
    titles = list(
        Demand.objects.filter(pk__in=first["demand_ids"])
        .order_by("submitted_at")
        .values_list("enterprise_id", "title", "category", "urgency", "status")
    )
    Demand.objects.all().delete()
    second = seed_workorders([u.pk for u in units], seed=7)
    again = list(
        Demand.objects.filter(pk__in=second["demand_ids"])
        .order_by("submitted_at")
        .values_list("enterprise_id", "title", "category", "urgency", "status")
    )
    assert first["states"] == second["states"]
    assert titles == again
