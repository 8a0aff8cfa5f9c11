"""LOG-05, LOG-06 through the actions: receiving points kept by the unit's own admin, county
delivery plans kept by the HQ office or the transport department, stations activated by the HQ
office and automatically when the region enters emergency (the city's transport department told),
road closures decided only by a province-wide grant, and toll-discount eligibility."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog, Notification, TransitionRecord
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_enterprise,
    make_listed,
    make_user,
    put_in_emergency,
)
from sibao.logistics.actions import lastmile
from sibao.logistics.models import (
    ClosureStatus,
    PassStatus,
    ReceivingPoint,
    RoadClosureRequest,
    SupplyStation,
    Vehicle,
    VehiclePass,
)
from sibao.logistics.queries_access import toll_discount_rows
from sibao.workorders.actions.base import Conflict

CITY = "4101"


def _plan(region=OWN_COUNTY, actor=None, **fields):
    today = timezone.localdate()
    values = {
        "title": "末端配送方案",
        "valid_from": today,
        "valid_until": today + datetime.timedelta(days=30),
        "daily_capacity_tonnes": "80",
        "reserve_vehicles": 5,
        "reserve_drivers": 6,
    }
    values.update(fields)
    return lastmile.add_delivery_plan(region, actor=actor, **values)


def _closure(region=OWN_COUNTY, actor=None, **fields):
    now = timezone.now()
    values = {
        "road": "京港澳高速郑州南出口",
        "road_kind": "highway",
        "reason": "出口周边发现聚集性疫情",
        "starts_at": now + datetime.timedelta(hours=1),
        "ends_at": now + datetime.timedelta(days=3),
    }
    values.update(fields)
    return lastmile.request_closure(region, actor=actor, **values)


# --- receiving points ---


@pytest.mark.req("LOG-05")
def test_a_units_admin_keeps_its_own_receiving_points_only(
    departments, own_enterprise, other_enterprise
):
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise)
    point = lastmile.add_receiving_point(
        own_enterprise,
        actor=admin,
        name="南门接收点",
        address="厂区南门外",
        daily_capacity_tonnes="12.5",
    )
    assert point.contactless and point.region_code == OWN_COUNTY
    assert str(point.daily_capacity_tonnes) == "12.50"
    with pytest.raises(PermissionDenied):
        lastmile.add_receiving_point(other_enterprise, actor=admin, name="x", address="y")
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    with pytest.raises(PermissionDenied):
        lastmile.change_receiving_point(point, actor=office, name="改名", address="厂区南门外")
    lastmile.change_receiving_point(
        point, actor=admin, name="南门接收点", address="厂区南门外", contactless=False
    )
    assert ReceivingPoint.objects.get(pk=point.pk).contactless is False
    assert AuditLog.objects.filter(action="receiving_point.change").count() == 1


@pytest.mark.req("LOG-05")
def test_bad_receiving_point_input_changes_nothing(departments, own_enterprise):
    with pytest.raises(ValidationError) as caught:
        lastmile.add_receiving_point(
            own_enterprise, actor=None, name=" ", address="北门", daily_capacity_tonnes="-1"
        )
    assert set(caught.value.message_dict) == {"name", "daily_capacity_tonnes"}
    assert not ReceivingPoint.objects.exists()


# --- delivery plans ---


@pytest.mark.req("LOG-05")
def test_a_county_plan_is_kept_by_its_office_or_transport_department(departments):
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    transport = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="transport")
    industry = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    other = make_user(Role.HQ_OFFICE, OTHER_COUNTY)
    plan = _plan(actor=office, reserve_vehicles=8, reserve_drivers=10)
    assert plan.region_code == OWN_COUNTY and plan.updated_by == office
    lastmile.change_delivery_plan(
        plan,
        actor=transport,
        title="末端配送方案（修订）",
        valid_from=plan.valid_from,
        valid_until=plan.valid_until,
        daily_capacity_tonnes="100",
        reserve_vehicles=12,
        reserve_drivers=15,
    )
    plan.refresh_from_db()
    assert plan.reserve_vehicles == 12 and plan.updated_by == transport
    for refused in (industry, other):
        with pytest.raises(PermissionDenied):
            _plan(actor=refused)


@pytest.mark.req("LOG-05")
def test_a_delivery_plan_is_for_a_county_with_a_consistent_reserve(departments):
    with pytest.raises(ValidationError):
        _plan(region=CITY)
    with pytest.raises(ValidationError) as caught:
        _plan(
            valid_until=timezone.localdate() - datetime.timedelta(days=1),
            reserve_vehicles=10,
            reserve_drivers=3,
        )
    assert {"valid_until", "reserve_drivers"} <= set(caught.value.message_dict)


# --- stations ---


@pytest.mark.req("LOG-05")
def test_only_the_hq_office_activates_a_station_and_the_city_transport_department_is_told(
    departments, django_capture_on_commit_callbacks
):
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    county_transport = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="transport")
    city_transport = make_user(Role.DEPARTMENT_STAFF, CITY, department_kind="transport")
    other_transport = make_user(Role.DEPARTMENT_STAFF, "4102", department_kind="transport")
    station = lastmile.add_station(
        OWN_COUNTY, actor=county_transport, name="西区中转站", kind="transfer", address="西四环"
    )
    assert station.active is False
    with pytest.raises(PermissionDenied):
        lastmile.activate_station(station, actor=county_transport)
    with pytest.raises(PermissionDenied):
        lastmile.activate_station(station, actor=make_user(Role.HQ_OFFICE, OTHER_COUNTY))
    with django_capture_on_commit_callbacks(execute=True):
        station = lastmile.activate_station(station, actor=office, reason="保供需要")
    assert station.active and station.activated_at is not None
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert {city_transport.pk, county_transport.pk} <= told
    assert other_transport.pk not in told
    with pytest.raises(ValidationError):
        lastmile.activate_station(station, actor=office)
    station = lastmile.deactivate_station(station, actor=office)
    assert not station.active and station.deactivated_at is not None


@pytest.mark.req("LOG-05")
def test_stations_open_when_the_city_enters_emergency(
    departments, django_capture_on_commit_callbacks
):
    city_transport = make_user(Role.DEPARTMENT_STAFF, CITY, department_kind="transport")
    in_city = lastmile.add_station(
        CITY, actor=None, name="郑州北物资中转站", kind="transfer", address="北四环"
    )
    in_county = lastmile.add_station(
        OWN_COUNTY, actor=None, name="中原接驳点", kind="connection", address="中原路"
    )
    elsewhere = lastmile.add_station(
        OTHER_COUNTY, actor=None, name="开封分拨场地", kind="distribution", address="龙亭"
    )
    with django_capture_on_commit_callbacks(execute=True):
        put_in_emergency(CITY)
    assert set(SupplyStation.objects.filter(active=True)) == {in_city, in_county}
    assert not SupplyStation.objects.get(pk=elsewhere.pk).active
    note = Notification.objects.get(recipient=city_transport)
    assert "郑州北物资中转站" in note.title and "中原接驳点" in note.title
    assert AuditLog.objects.filter(action="supply_station.activate").count() == 2
    # a second call (the city already in emergency) opens nothing more
    assert lastmile.activate_for_emergency(CITY) == []


@pytest.mark.req("LOG-05")
def test_a_region_in_normal_state_opens_no_station(departments):
    station = lastmile.add_station(
        OWN_COUNTY, actor=None, name="中原接驳点", kind="connection", address="中原路"
    )
    assert lastmile.activate_for_emergency(OWN_COUNTY) == []
    assert not SupplyStation.objects.get(pk=station.pk).active


# --- road closures ---


@pytest.mark.req("LOG-06")
def test_a_closure_is_requested_by_the_regions_office(departments):
    county = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    closure = _closure(actor=county)
    assert closure.status == ClosureStatus.PENDING and closure.requested_by == county
    with pytest.raises(PermissionDenied):
        _closure(region=OTHER_COUNTY, actor=county)
    with pytest.raises(PermissionDenied):
        _closure(actor=make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="transport"))
    with pytest.raises(ValidationError):
        _closure(actor=county, road_kind="river")
    with pytest.raises(ValidationError):
        _closure(actor=county, ends_at=timezone.now() - datetime.timedelta(hours=1))
    assert RoadClosureRequest.objects.count() == 1


@pytest.mark.req("LOG-06")
@pytest.mark.parametrize(
    ("role", "region", "department_kind", "allowed"),
    [
        (Role.HQ_OFFICE, OWN_COUNTY, None, False),
        (Role.HQ_OFFICE, CITY, None, False),
        (Role.HQ_LEADER, CITY, None, False),
        (Role.DEPARTMENT_STAFF, "41", "transport", False),
        (Role.HQ_OFFICE, "41", None, True),
        (Role.HQ_LEADER, "41", None, True),
    ],
)
def test_only_a_province_wide_grant_decides_a_closure(
    departments, role, region, department_kind, allowed
):
    closure = _closure(actor=make_user(Role.HQ_OFFICE, OWN_COUNTY))
    decider = make_user(role, region, department_kind=department_kind)
    if not allowed:
        with pytest.raises(PermissionDenied):
            lastmile.decide_closure(closure, actor=decider, approve=True)
        assert RoadClosureRequest.objects.get(pk=closure.pk).status == ClosureStatus.PENDING
        return
    decided = lastmile.decide_closure(closure, actor=decider, approve=True, version=0)
    assert decided.status == ClosureStatus.APPROVED and decided.decided_by == decider


@pytest.mark.req("LOG-06")
def test_a_refusal_needs_a_reason_and_a_stale_decision_conflicts(departments):
    province = make_user(Role.HQ_OFFICE, "41")
    closure = _closure()
    with pytest.raises(ValidationError):
        lastmile.decide_closure(closure, actor=province, approve=False, note=" ")
    lastmile.decide_closure(closure, actor=province, approve=False, note="可改为限流", version=0)
    with pytest.raises(Conflict):
        lastmile.decide_closure(closure, actor=province, approve=True, version=0)
    closure.refresh_from_db()
    assert closure.status == ClosureStatus.REFUSED and closure.decision_note == "可改为限流"
    with pytest.raises(ValidationError):
        lastmile.lift_closure(closure, actor=province)


@pytest.mark.req("LOG-06")
def test_an_approved_closure_is_lifted_with_its_history(
    departments, django_capture_on_commit_callbacks
):
    county = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    province = make_user(Role.HQ_LEADER, "41")
    with django_capture_on_commit_callbacks(execute=True):
        closure = _closure(actor=county)
    assert Notification.objects.filter(recipient=province).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        closure = lastmile.decide_closure(closure, actor=province, approve=True)
    assert Notification.objects.filter(recipient=county, title__contains="已获省级批准").exists()
    with pytest.raises(PermissionDenied):
        lastmile.lift_closure(closure, actor=make_user(Role.HQ_OFFICE, OTHER_COUNTY))
    closure = lastmile.lift_closure(closure, actor=county, note="疫情解除")
    assert closure.status == ClosureStatus.LIFTED and closure.lifted_at is not None
    steps = TransitionRecord.objects.filter(object_type="logistics.roadclosurerequest")
    assert list(steps.order_by("at", "id").values_list("action", flat=True)) == [
        "approve",
        "lift",
    ]


# --- toll discounts ---


def make_pass(company, served_unit, *, status=PassStatus.APPROVED, days=(-1, 5), plate=None):
    """An approved pass written directly (the passes area owns the lifecycle)."""
    now = timezone.now()
    vehicle = Vehicle.objects.create(
        owner=company,
        plate=plate or f"豫A{VehiclePass.objects.count() + 10000:05d}",
        kind="truck",
        relation="logistics",
        created_at=now,
        region_code=company.region_id,
    )
    return VehiclePass.objects.create(
        number=f"TX{VehiclePass.objects.count() + 1:06d}",
        vehicle=vehicle,
        company=company,
        served_unit=served_unit,
        origin="郑州",
        origin_region_code=company.region_id,
        destination="中原区",
        destination_region_code=served_unit.region_id,
        valid_from=now + datetime.timedelta(days=days[0]),
        valid_until=now + datetime.timedelta(days=days[1]),
        status=status,
        applied_at=now,
        region_code=company.region_id,
    )


@pytest.mark.req("LOG-06")
def test_toll_discount_covers_valid_approved_passes_of_whitelisted_units(
    departments, own_enterprise
):
    company = make_enterprise(region=OWN_COUNTY, industry="transport", name="中原物流有限公司")
    listed = make_enterprise(region=OWN_COUNTY, name="白名单单位")
    make_listed(listed)
    eligible = make_pass(company, listed)
    make_pass(company, own_enterprise)  # unit not on the whitelist
    make_pass(company, listed, status=PassStatus.REVOKED)
    make_pass(company, listed, days=(-10, -2))  # expired
    make_pass(company, listed, days=(3, 9))  # not yet valid
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    assert list(toll_discount_rows(office)) == [eligible]
    later = timezone.localdate() + datetime.timedelta(days=4)
    assert eligible in toll_discount_rows(office, on=later)
    assert list(toll_discount_rows(make_user(Role.HQ_OFFICE, OTHER_COUNTY))) == []
