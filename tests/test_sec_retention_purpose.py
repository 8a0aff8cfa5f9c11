"""PLAT-03: when the epidemic-control purpose of a region ends, ``sibao purpose-ended`` removes
the personal event data of the region (and only of it) and leaves a signed tombstone that
``sibao verify-tombstone`` checks."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from sibao.core.models import AuditLog
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_arrival,
    make_enterprise,
    make_place_code,
    make_scan,
    make_site,
)
from sibao.epidemic.models import ArrivalReport, DataSource, HealthCodeChange
from sibao.epidemic.models import TestResult as NatResult
from sibao.places.models import Scan

NOW = timezone.now().replace(microsecond=0)
EARLIER = NOW - datetime.timedelta(days=10)


def seed_region(region, source, n):
    enterprise = make_enterprise(region)
    code = make_place_code(make_site(enterprise))
    make_scan(code, f"{region}-p", EARLIER)
    make_arrival(enterprise)
    NatResult.objects.create(
        person_key=f"{region}-p",
        source=source,
        received_at=EARLIER,
        region_code=region,
        lab="lab",
        sample_no=f"S{n}",
        sampled_at=EARLIER,
        result="negative",
    )
    HealthCodeChange.objects.create(
        person_key=f"{region}-p",
        source=source,
        received_at=EARLIER,
        region_code=region,
        colour="green",
        changed_at=EARLIER,
    )


@pytest.fixture
def two_regions(db):
    source = DataSource.objects.create(code="lab-purpose", name="目的终止测试检测机构")
    seed_region(OWN_COUNTY, source, 1)
    seed_region(OTHER_COUNTY, source, 2)


def counts(region):
    return [
        model.objects.filter(region_code=region).count()
        for model in (Scan, ArrivalReport, NatResult, HealthCodeChange)
    ]


@pytest.mark.req("PLAT-03")
def test_refuses_without_confirm(two_regions, tmp_path):
    with pytest.raises(CommandError, match="--confirm"):
        call_command("purpose-ended", "--region", OWN_COUNTY, "--out-dir", str(tmp_path))
    assert counts(OWN_COUNTY) == [1, 1, 1, 1]


@pytest.mark.req("PLAT-03")
def test_removes_the_regions_personal_rows_and_signs_a_tombstone(two_regions, tmp_path):
    out = io.StringIO()
    call_command(
        "purpose-ended",
        "--region",
        "4101",  # the city: its counties go with it
        "--confirm",
        "--by",
        "省指挥部办公室",
        "--out-dir",
        str(tmp_path),
        "--batch-size",
        "1",
        stdout=out,
    )
    assert counts(OWN_COUNTY) == [0, 0, 0, 0]
    assert counts(OTHER_COUNTY) == [1, 1, 1, 1]

    (path,) = tmp_path.iterdir()
    document = json.loads(path.read_text())
    report = document["report"]
    assert report["region"] == "4101" and report["by"] == "省指挥部办公室"
    assert report["removed"]["places.Scan"] == 1
    assert report["removed"]["epidemic.TestResult"] == 1
    assert report["removed"]["epidemic.ArrivalReport"] == 1
    row = AuditLog.objects.get(action="retention.purpose_ended")
    assert row.changes["tombstone"] == str(path) and row.region_code == "4101"

    verified = io.StringIO()
    call_command("verify-tombstone", str(path), stdout=verified)
    assert "valid" in verified.getvalue()

    report["removed"]["places.Scan"] = 0  # a tampered report
    path.write_text(json.dumps(document, ensure_ascii=False))
    with pytest.raises(CommandError, match="signature"):
        call_command("verify-tombstone", str(path))


@pytest.mark.req("PLAT-03")
def test_before_keeps_later_rows(two_regions, tmp_path):
    call_command(
        "purpose-ended",
        "--region",
        OWN_COUNTY,
        "--before",
        (EARLIER - datetime.timedelta(days=1)).date().isoformat(),
        "--confirm",
        "--out-dir",
        str(tmp_path),
        stdout=io.StringIO(),
    )
    # scans, results and code changes are later than the date: kept
    assert counts(OWN_COUNTY)[0] == 1
    assert counts(OWN_COUNTY)[2:] == [1, 1]
