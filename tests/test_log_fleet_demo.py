"""LOG-01: the logistics demo data — the company, checkpoints, 20 vehicles with whitelisted drivers,
passes in every state, checks and a trip with a pending sample — made through the actions, and
removed again for a reset."""

import pytest

from sibao.core.testing import ensure_departments, make_enterprise, make_listed
from sibao.enterprises.models import Enterprise
from sibao.logistics.demo import demo_company, reset_logistics, seed_logistics
from sibao.logistics.models import (
    Check,
    Checkpoint,
    Driver,
    PassStatus,
    SampleResult,
    Trip,
    TripSample,
    Vehicle,
    VehiclePass,
)

pytestmark = pytest.mark.req("LOG-01")


@pytest.fixture
def units(db):
    ensure_departments("41", "4101", "410102")
    found = []
    for region in ("410102", "410105", "410122", "410202"):
        unit = make_enterprise(region=region, address=f"{region} 工业路 1 号")
        make_listed(unit)
        found.append(unit)
    return found


def test_the_demo_company_is_found_or_made(units):
    company, made = demo_company([u.pk for u in units])
    assert made and company.region_id == "410102" and company.sub_type == "物流"
    again, made_again = demo_company([u.pk for u in units] + [company.pk])
    assert again == company and not made_again


def test_the_logistics_demo_covers_every_state(units):
    company, _made = demo_company([u.pk for u in units])
    ids = [u.pk for u in units] + [company.pk]
    summary = seed_logistics(ids, seed=7)
    assert summary["vehicles"] == Vehicle.objects.count() == 20
    assert Vehicle.objects.filter(owner=company).count() == 12
    assert {c.kind for c in Checkpoint.objects.all()} >= {
        "border",
        "highway_exit",
        "airport",
        "rail",
    }
    assert Driver.objects.count() == summary["drivers"] >= 20
    assert Driver.objects.filter(on_whitelist=True).count() == summary["whitelisted_drivers"] > 0
    assert set(VehiclePass.objects.values_list("status", flat=True)) == set(PassStatus.values)
    assert all(p.token for p in VehiclePass.objects.filter(status=PassStatus.APPROVED))
    assert Check.objects.count() == summary["checks"] >= 7
    reasons = [r for row in Check.objects.values_list("reasons", flat=True) for r in row]
    assert "pass_revoked" in reasons and "pass_invalid" in reasons
    assert Trip.objects.count() == 1
    assert TripSample.objects.filter(result=SampleResult.PENDING).count() >= 1
    reset_logistics(ids, summary["checkpoint_ids"])
    assert not Vehicle.objects.exists() and not Checkpoint.objects.exists()
    assert not Driver.objects.exists() and not VehiclePass.objects.exists()
    Enterprise.objects.filter(pk__in=ids).delete()  # nothing protects the units any more
