"""The places part of the demo province (``places.demo.seed_places``, ``sibao seed-demo``) and
the simulated daily scans of ``sibao simulate`` (EPI-05, EPI-06, EPI-13)."""

import datetime
import io
import zoneinfo

import pytest
from django.core.management import call_command

from sibao.core.models import AuditLog
from sibao.core.testing import make_enterprise, make_staff
from sibao.epidemic.models import FeedBatch, PersonStatus, SentinelAlert
from sibao.places import coding_rules
from sibao.places.demo import seed_places
from sibao.places.models import (
    Badge,
    DormitoryRoom,
    PlaceCode,
    Scan,
    Shift,
    Space,
    SpaceKind,
    Team,
    Zone,
)

LOCAL = zoneinfo.ZoneInfo("Asia/Shanghai")
# a Wednesday afternoon: the window holds a whole working day
NOW = datetime.datetime(2026, 11, 25, 21, 0, tzinfo=LOCAL)


@pytest.fixture
def units(db):
    """A factory with a canteen and dormitories, a hotel, and a unit without a roster."""
    factory = make_enterprise(
        name="郑州华瑞重型机械有限公司", employees=400, has_canteen=True, has_dormitory=True
    )
    hotel = make_enterprise(
        industry="culture_tourism", sub_type="酒店", name="河南嘉合大酒店有限公司", employees=80
    )
    bare = make_enterprise(name="无花名册单位有限公司")
    for n in range(12):
        make_staff(
            factory,
            team=["一班", "二班", "三班", "四班"][n % 4],
            zone=["生产区", "仓储区", "办公区", "装卸区"][n % 4],
            dormitory=f"{1 + n % 2}号楼" if n < 8 else "",
        )
    for _n in range(4):
        make_staff(hotel, team="一班", zone="生产区")
    return factory, hotel, bare


def simulate(*args) -> str:
    out = io.StringIO()
    call_command(
        "simulate", "--days", "1", "--now", NOW.isoformat(), "--seed", "7", *args, stdout=out
    )
    return out.getvalue()


@pytest.mark.req("EPI-05")
@pytest.mark.req("EPI-13")
def test_the_demo_gives_each_roster_unit_a_coded_space_tree_with_zones_and_teams(units):
    factory, hotel, bare = units
    counts = seed_places([factory.pk, hotel.pk, bare.pk], factory)
    assert counts["units"] == 2
    assert not Space.objects.filter(enterprise=bare).exists()

    rules = coding_rules.current()
    for unit, venue in ((factory, "industrial"), (hotel, "hotel")):
        site = Space.objects.get(enterprise=unit, parent=None)
        assert site.venue_type == venue
        spaces = list(Space.objects.filter(enterprise=unit))
        coded = set(
            PlaceCode.objects.filter(enterprise=unit, revoked_at__isnull=True).values_list(
                "space_id", flat=True
            )
        )
        needing = {s.pk for s in spaces if coding_rules.needs_code(s, rules)}
        # every space the rule set asks a code for has one, and only those
        assert needing and needing == coded
        assert all(s.path.startswith(f"{site.pk}/") for s in spaces)
    names = set(Space.objects.filter(enterprise=factory).values_list("name", flat=True))
    assert {"东大门", "一车间", "三车间", "职工食堂", "1号楼", "1号楼入口"} <= names
    assert Space.objects.filter(enterprise=hotel, kind=SpaceKind.FLOOR).exists()

    # zones, teams, shifts and rooms use the roster's names
    assert {"生产区", "仓储区", "办公区", "装卸区", "公共区域", "生活区"} == set(
        Zone.objects.filter(enterprise=factory).values_list("name", flat=True)
    )
    assert set(Team.objects.filter(enterprise=factory).values_list("name", flat=True)) == {
        "一班",
        "二班",
        "三班",
        "四班",
    }
    shifts = {s.team.name: s for s in Shift.objects.filter(enterprise=factory)}
    assert shifts["一班"].zone.name == shifts["二班"].zone.name == "生产区"
    assert shifts["一班"].ends <= shifts["二班"].starts  # no overlap in one zone
    rooms = DormitoryRoom.objects.filter(enterprise=factory)
    assert {r.name for r in rooms} == {"1号楼", "2号楼"} and all(r.team for r in rooms)
    assert Team.objects.get(enterprise=factory, name="一班").bubble is not None
    assert Badge.objects.filter(enterprise=factory).count() == 2
    # through the actions: audited like a unit admin's entries
    assert AuditLog.objects.filter(action="place.code.issue").count() == PlaceCode.objects.count()


@pytest.mark.req("EPI-06")
def test_simulate_sends_daily_gateway_scans_and_a_rerun_changes_nothing(units):
    factory, hotel, _bare = units
    seed_places([factory.pk, hotel.pk], factory)
    output = simulate()
    assert "scan:" in output
    batches = FeedBatch.objects.filter(kind="scan")
    assert batches.exists()
    assert sum(b.rejected for b in batches) == 0
    stored = Scan.objects.count()
    assert stored > 16 * 5  # every roster member scans several places

    scans = list(Scan.objects.all())
    assert {s.device.split(":")[0] for s in scans} == {"scan-gw"}
    assert {s.source for s in scans} == {"gateway", "badge"}
    by_space = dict(Space.objects.values_list("pk", "name"))
    places = {by_space[s.space_id] for s in scans}
    assert {"东大门", "职工食堂", "1号楼入口"} <= places
    # canteen peaks at noon and in the evening, local time
    canteen_hours = {
        s.entered_at.astimezone(LOCAL).hour for s in scans if by_space[s.space_id] == "职工食堂"
    }
    assert canteen_hours <= {11, 12, 17, 18} and canteen_hours & {11, 12}
    # gate lanes and work stays end with a gateway exit within the automatic check-out
    exits = [s for s in scans if s.left_at is not None]
    assert exits and all(s.exit_kind == "gateway" for s in exits)
    assert all(
        s.entered_at <= s.left_at <= s.entered_at + datetime.timedelta(hours=4) for s in exits
    )
    # every scan lies within the simulated window
    assert all(NOW - datetime.timedelta(days=1) <= s.entered_at <= NOW for s in scans)

    # the same arguments again: all duplicates, nothing new
    before = set(Scan.objects.values_list("device", "event_id", "entered_at", "left_at"))
    simulate()
    assert set(Scan.objects.values_list("device", "event_id", "entered_at", "left_at")) == before
    last = FeedBatch.objects.filter(kind="scan").order_by("-id").first()
    assert last.accepted == 0 and last.rejected == 0 and last.duplicates > 0


@pytest.mark.req("EPI-06")
def test_the_simulations_red_and_yellow_code_workers_raise_risk_alerts_when_they_scan(units):
    factory, hotel, _bare = units
    seed_places([factory.pk, hotel.pk], factory)
    simulate()
    # the simulation gives at least one person a red and one a yellow code in the window
    coloured = dict(
        PersonStatus.objects.filter(health_code__in=["red", "yellow"]).values_list(
            "person_key", "health_code"
        )
    )
    scans = Scan.objects.filter(person_key__in=list(coloured))
    assert scans.exists()
    assert all(scan.risk == coloured[scan.person_key] for scan in scans)
    alerts = SentinelAlert.objects.filter(kind="risk_scan")
    assert set(coloured) & set(alerts.values_list("person_key", flat=True))
    assert Scan.objects.exclude(risk="").count() < Scan.objects.count()


@pytest.mark.req("EPI-06")
def test_scan_days_zero_sends_no_scans(units):
    factory, hotel, _bare = units
    seed_places([factory.pk, hotel.pk], factory)
    simulate("--scan-days", "0")
    assert not Scan.objects.exists()
