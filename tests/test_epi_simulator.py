"""EPI-02: ``sibao simulate`` — registers the data sources with their interface accounts and
produces every kind of feed for the people on the rosters through ``ingest()``, with overdue
people, positives and arrivals from other provinces; the same seed and time give the same
records, so a second run changes nothing."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from sibao.accounts.roles import Role
from sibao.core.testing import make_enterprise, make_staff
from sibao.epidemic.models import (
    ArrivalReport,
    DataSource,
    DrugPurchase,
    FeedBatch,
    HealthCodeChange,
    ItineraryChange,
    PersonStatus,
    PostClass,
    RiskArea,
    StaffMember,
)
from sibao.epidemic.models import TestResult as NatResult

NOW = "2022-05-20T12:00:00+08:00"
SOURCES = {"lab-zz1", "lab-zz2", "lab-ly", "hcp", "itinerary", "yushiban", "pharmacy"}
TABLES = (NatResult, HealthCodeChange, ItineraryChange, DrugPurchase, ArrivalReport)


def simulate(*args):
    out = io.StringIO()
    call_command("simulate", *args, stdout=out)
    return out.getvalue()


def natural_keys():
    return {
        "tests": set(NatResult.objects.values_list("lab", "sample_no", "person_key", "result")),
        "codes": set(HealthCodeChange.objects.values_list("person_key", "changed_at", "colour")),
        "itineraries": set(
            ItineraryChange.objects.values_list("person_key", "changed_at", "origin_region")
        ),
        "purchases": set(DrugPurchase.objects.values_list("record_no", "drug_class")),
        "arrivals": set(ArrivalReport.objects.values_list("report_no", "origin_region")),
    }


@pytest.fixture
def rosters(db):
    units = [make_enterprise(region=code) for code in ("410102", "410105", "410202")]
    for n in range(240):
        make_staff(units[n % 3], post_class=PostClass.MOBILE if n % 5 == 0 else PostClass.ORDINARY)
    RiskArea.objects.create(
        region_code="310115",
        region_name="上海市浦东新区",
        name="某小区",
        level="high",
        valid_from=datetime.date(2022, 5, 1),
    )
    return units


@pytest.mark.req("EPI-02")
def test_the_simulator_registers_the_sources_and_feeds_every_kind(rosters):
    out = simulate("--days", "3", "--now", NOW, "--seed", "5")
    assert "240 people" in out
    assert set(DataSource.objects.values_list("code", flat=True)) == SOURCES
    for source in DataSource.objects.select_related("user"):
        assert {g.role for g in source.user.active_grants()} == {Role.DATA_FEED}
    for model in TABLES:
        assert model.objects.exists(), model.__name__
    assert not FeedBatch.objects.filter(rejected__gt=0).exists()
    assert ArrivalReport.objects.filter(source="feed").count() == ArrivalReport.objects.count()
    # pooled and single samples, positives, yellow or red codes, returns from other provinces
    assert NatResult.objects.filter(is_pooled=True).exists()
    assert NatResult.objects.filter(is_pooled=False).exists()
    assert NatResult.objects.filter(result="positive").exists()
    assert HealthCodeChange.objects.exclude(colour="green").exists()
    assert (
        ItineraryChange.objects.exclude(origin_region="")
        .exclude(origin_region__startswith="41")
        .exists()
    )
    # the rhythm: every sample inside the window, and some people left overdue
    end = datetime.datetime.fromisoformat(NOW)
    times = NatResult.objects.values_list("sampled_at", flat=True)
    assert all(end - datetime.timedelta(days=3) <= t <= end for t in times)
    cutoff = end - datetime.timedelta(hours=48)
    overdue = StaffMember.objects.exclude(last_negative_at__gte=cutoff).count()
    assert 0 < overdue < 240 // 2
    assert PersonStatus.objects.count() >= 240


@pytest.mark.req("EPI-02")
def test_the_same_seed_gives_the_same_feeds_and_a_rerun_changes_nothing(rosters):
    simulate("--days", "2", "--now", NOW, "--seed", "11")
    first = natural_keys()
    out = simulate("--days", "2", "--now", NOW, "--seed", "11")
    assert " 0 accepted" in out and "accepted, 0 duplicates" not in out
    assert natural_keys() == first
    for model in TABLES:
        model.objects.all().delete()
    PersonStatus.objects.all().delete()
    simulate("--days", "2", "--now", NOW, "--seed", "11")
    assert natural_keys() == first
    simulate("--days", "2", "--now", NOW, "--seed", "12")
    assert natural_keys()["codes"] != first["codes"]
    assert all(first[name] <= keys for name, keys in natural_keys().items())
    assert ZoneInfo("Asia/Shanghai")  # times are local in the records sent
