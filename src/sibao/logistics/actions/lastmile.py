"""Writes of the lastmile area (LOG-05, LOG-06): units' contactless receiving points, county
delivery plans with their capacity reserve, city supply stations activated in an emergency, and
road-closure requests that only the province decides.

``actor=None`` is the platform itself (commands, the demo seed, the emergency switch's hook) and
skips the permission checks. Every action takes ``now=None`` (default ``timezone.now()``).

Who may do what (D1 五(二)(三)(五); D2 三(五)):

- a unit's admin keeps its own receiving points (``add``/``change`` through its enterprise grant);
- delivery plans are kept for a county, stations for a city or one of its counties, by the HQ
  office or the transport department covering the region (other departments only read them);
- stations are activated and deactivated by the HQ office covering them; the command module's
  switch into emergency activates the region's stations (``activate_for_emergency``);
- a city or county HQ office requests the closure of a road in its region; only a province-wide
  grant decides it (D1 五(三) "关闭高速公路、普通公路…须报省指挥部批准"); the requesting region's
  office or the province lifts an approved closure. Decisions go through the guarded transition
  (version check, history, audit).
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import allowing_grants, can, covers, prefix_range
from sibao.accounts.models import RoleGrant, User
from sibao.accounts.roles import Role
from sibao.command import queries_emergency
from sibao.core import audit
from sibao.core.i18n import stored
from sibao.core.notifications import notify
from sibao.logistics.models import (
    DeliveryPlan,
    ReceivingPoint,
    RoadClosureRequest,
    RoadKind,
    StationKind,
    SupplyStation,
)
from sibao.regions.models import DepartmentKind, Region, RegionLevel
from sibao.workorders.actions.base import transition

__all__ = [
    "activate_for_emergency",
    "activate_station",
    "add_delivery_plan",
    "add_receiving_point",
    "add_station",
    "change_delivery_plan",
    "change_receiving_point",
    "change_station",
    "deactivate_station",
    "decide_closure",
    "lift_closure",
    "may_decide_closure",
    "may_keep",
    "may_lift_closure",
    "may_switch_station",
    "request_closure",
]

KEEPER_LEVELS = (RegionLevel.CITY, RegionLevel.COUNTY)


def _now(now):
    return now or timezone.now()


def _person(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _url(name, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # pragma: no cover - the area's pages are always installed
        return ""


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _region(region) -> Region:
    if isinstance(region, Region):
        return region
    found = Region.objects.filter(code=str(region or "")).first()
    if found is None:
        raise ValidationError({"region": _("区划不存在。")})
    return found


# --- input cleaning ---


def _text(errors, name, value, label, limit, *, required=True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = _("请填写%(label)s。") % {"label": label}
    elif len(value) > limit:
        errors[name] = _("%(label)s过长（最多 %(n)s 字）。") % {"label": label, "n": limit}
    return value


def _tonnes(errors, name, value, label, *, required=False):
    if value in (None, ""):
        if required:
            errors[name] = _("请填写%(label)s。") % {"label": label}
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[name] = _("%(label)s应为数字。") % {"label": label}
        return None
    if not number.is_finite() or number < 0:
        errors[name] = _("%(label)s不能为负数。") % {"label": label}
        return None
    if number >= Decimal("10000000"):
        errors[name] = _("%(label)s过大。") % {"label": label}
        return None
    return number.quantize(Decimal("0.01"))


def _count(errors, name, value, label) -> int:
    try:
        number = int(value if value not in (None, "") else 0)
    except (TypeError, ValueError):
        errors[name] = _("%(label)s应为整数。") % {"label": label}
        return 0
    if number < 0:
        errors[name] = _("%(label)s不能为负数。") % {"label": label}
    elif number > 1_000_000:
        errors[name] = _("%(label)s过大。") % {"label": label}
    return number


def _date(errors, name, value, label):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or ""))
    except ValueError:
        errors[name] = _("%(label)s格式应为 YYYY-MM-DD。") % {"label": label}
        return None


def _moment(errors, name, value, label):
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            errors[name] = _("%(label)s格式不正确。") % {"label": label}
            return None
    if not isinstance(value, datetime.datetime):
        errors[name] = _("请填写%(label)s。") % {"label": label}
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _raise(errors):
    if errors:
        raise ValidationError(errors)


# --- who may ---


def may_keep(actor, model, action: str, region_code: str) -> bool:
    """The HQ office or the transport department covering ``region_code`` (grants allowing
    ``action`` on ``model``); another department's staff only read delivery plans and stations."""
    if actor is None:
        return True
    for grant in allowing_grants(actor, model._meta.label_lower, action):
        if grant.enterprise_id or not region_code.startswith(grant.region_id):
            continue
        if grant.role == Role.DEPARTMENT_STAFF and (
            grant.department is None or grant.department.kind != DepartmentKind.TRANSPORT
        ):
            continue
        return True
    return False


def may_switch_station(actor, station) -> bool:
    """Activating and deactivating a station belongs to the HQ office covering it."""
    if actor is None:
        return True
    return any(
        g.role == Role.HQ_OFFICE
        and not g.enterprise_id
        and station.region_code.startswith(g.region_id)
        for g in allowing_grants(actor, SupplyStation._meta.label_lower, "activate")
    )


def may_decide_closure(actor) -> bool:
    """D1 五(三): only the province decides a closure — a province-wide grant allowing ``decide``."""
    if actor is None:
        return True
    return any(
        g.region.parent_id is None and not g.enterprise_id
        for g in allowing_grants(actor, RoadClosureRequest._meta.label_lower, "decide")
    )


def may_lift_closure(actor, closure) -> bool:
    """The office of the requesting region (``add`` covering it) or the province lifts a closure."""
    if actor is None:
        return True
    return may_decide_closure(actor) or covers(
        actor, RoadClosureRequest, "add", region_code=closure.region_code
    )


def _check_level(region: Region, what: str) -> None:
    if region.level not in KEEPER_LEVELS:
        raise ValidationError({"region": _("%(what)s须落到市或县（市、区）。") % {"what": what}})


# --- recipients ---


def _grant_users(**filters) -> list:
    ids = RoleGrant.objects.filter(
        is_active=True, user__is_active=True, enterprise__isnull=True, **filters
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def _city_transport(region_code: str) -> list:
    """The transport department of the region's city (and of its county, when it is one)."""
    return _grant_users(
        role=Role.DEPARTMENT_STAFF,
        department__kind=DepartmentKind.TRANSPORT,
        department__region_id__in=list({region_code[:4], region_code}),
    )


def _province_deciders() -> list:
    return _grant_users(role__in=[Role.HQ_OFFICE, Role.HQ_LEADER], region__parent__isnull=True)


def _region_offices(region_code: str) -> list:
    """The HQ offices whose grant covers the region (its own, its city's, the province's)."""
    codes = [region_code[:n] for n in range(2, len(region_code) + 1)]
    return _grant_users(role=Role.HQ_OFFICE, region_id__in=codes)


def _unique(*groups) -> list:
    seen = {}
    for group in groups:
        for user in group:
            if user is not None:
                seen.setdefault(user.pk, user)
    return [seen[pk] for pk in sorted(seen)]


# --- receiving points (LOG-05) ---

POINT_FIELDS = ("name", "address", "contactless", "daily_capacity_tonnes", "is_active")


def _point_values(name, address, contactless, daily_capacity_tonnes, is_active) -> dict:
    errors = {}
    values = {
        "name": _text(errors, "name", name, _("接收点名称"), 120),
        "address": _text(errors, "address", address, _("位置"), 200),
        "contactless": bool(contactless),
        "daily_capacity_tonnes": _tonnes(
            errors, "daily_capacity_tonnes", daily_capacity_tonnes, _("日接收能力")
        ),
        "is_active": bool(is_active),
    }
    _raise(errors)
    return values


@transaction.atomic
def add_receiving_point(
    enterprise,
    *,
    actor,
    name,
    address,
    contactless=True,
    daily_capacity_tonnes=None,
    is_active=True,
    now=None,
) -> ReceivingPoint:
    """LOG-05: a unit fixes a (contactless) point where deliveries are handed over."""
    if actor is not None and not covers(
        actor,
        ReceivingPoint,
        "add",
        region_code=enterprise.region_id,
        enterprise_id=enterprise.pk,
    ):
        raise PermissionDenied(_("只有本单位的防疫专班可以设置本单位的接收点。"))
    values = _point_values(name, address, contactless, daily_capacity_tonnes, is_active)
    point = ReceivingPoint.objects.create(
        enterprise=enterprise, region_code=enterprise.region_id, **values
    )
    audit.record(
        "receiving_point.create",
        actor=actor,
        obj=point,
        changes=audit.diff({}, audit.snapshot(point, POINT_FIELDS)),
        enterprise_id=enterprise.pk,
    )
    return point


@transaction.atomic
def change_receiving_point(
    point,
    *,
    actor,
    name,
    address,
    contactless=True,
    daily_capacity_tonnes=None,
    is_active=True,
    now=None,
) -> ReceivingPoint:
    """LOG-05: the unit changes, opens or closes one of its receiving points."""
    if actor is not None and not can(actor, ReceivingPoint, "change", point):
        raise PermissionDenied(_("只有本单位的防疫专班可以修改本单位的接收点。"))
    values = _point_values(name, address, contactless, daily_capacity_tonnes, is_active)
    point = ReceivingPoint.objects.select_for_update().get(pk=point.pk)
    before = audit.snapshot(point, POINT_FIELDS)
    for key, value in values.items():
        setattr(point, key, value)
    point.save(update_fields=list(values))
    audit.record(
        "receiving_point.change",
        actor=actor,
        obj=point,
        changes=audit.diff(before, audit.snapshot(point, POINT_FIELDS)),
        enterprise_id=point.enterprise_id,
    )
    return point


# --- delivery plans (LOG-05) ---

PLAN_FIELDS = (
    "title",
    "valid_from",
    "valid_until",
    "daily_capacity_tonnes",
    "reserve_vehicles",
    "reserve_drivers",
    "notes",
)


def _plan_values(title, valid_from, valid_until, daily_capacity_tonnes, vehicles, drivers, notes):
    errors = {}
    values = {
        "title": _text(errors, "title", title, _("方案名称"), 120),
        "valid_from": _date(errors, "valid_from", valid_from, _("起始日期")),
        "valid_until": _date(errors, "valid_until", valid_until, _("截止日期")),
        "daily_capacity_tonnes": _tonnes(
            errors, "daily_capacity_tonnes", daily_capacity_tonnes, _("日配送能力"), required=True
        ),
        "reserve_vehicles": _count(errors, "reserve_vehicles", vehicles, _("储备运力（车辆）")),
        "reserve_drivers": _count(errors, "reserve_drivers", drivers, _("储备驾驶员")),
        "notes": (notes or "").strip(),
    }
    start, end = values["valid_from"], values["valid_until"]
    if start and end and end < start:
        errors["valid_until"] = _("截止日期不能早于起始日期。")
    if values["reserve_drivers"] < values["reserve_vehicles"] and not errors.get("reserve_drivers"):
        errors["reserve_drivers"] = _("储备驾驶员不应少于储备车辆数（每车至少一名驾驶员）。")
    _raise(errors)
    return values


@transaction.atomic
def add_delivery_plan(
    region,
    *,
    actor,
    title,
    valid_from,
    valid_until,
    daily_capacity_tonnes,
    reserve_vehicles=0,
    reserve_drivers=0,
    notes="",
    now=None,
) -> DeliveryPlan:
    """LOG-05: a county's last-mile delivery plan with its capacity reserve (运力储备)."""
    region = _region(region)
    if region.level != RegionLevel.COUNTY:
        raise ValidationError({"region": _("末端配送方案以县（市、区）为单位制定。")})
    if not may_keep(actor, DeliveryPlan, "add", region.code):
        raise PermissionDenied(
            _("只有该县（市、区）的指挥部办公室或交通运输部门可以制定配送方案。")
        )
    values = _plan_values(
        title,
        valid_from,
        valid_until,
        daily_capacity_tonnes,
        reserve_vehicles,
        reserve_drivers,
        notes,
    )
    plan = DeliveryPlan.objects.create(region_code=region.code, updated_by=_person(actor), **values)
    audit.record(
        "delivery_plan.create",
        actor=actor,
        obj=plan,
        changes=audit.diff({}, audit.snapshot(plan, PLAN_FIELDS)),
    )
    return plan


@transaction.atomic
def change_delivery_plan(
    plan,
    *,
    actor,
    title,
    valid_from,
    valid_until,
    daily_capacity_tonnes,
    reserve_vehicles=0,
    reserve_drivers=0,
    notes="",
    now=None,
) -> DeliveryPlan:
    """LOG-05: the county keeps its plan and reserve up to date."""
    if not may_keep(actor, DeliveryPlan, "change", plan.region_code):
        raise PermissionDenied(
            _("只有该县（市、区）的指挥部办公室或交通运输部门可以修改配送方案。")
        )
    values = _plan_values(
        title,
        valid_from,
        valid_until,
        daily_capacity_tonnes,
        reserve_vehicles,
        reserve_drivers,
        notes,
    )
    plan = DeliveryPlan.objects.select_for_update().get(pk=plan.pk)
    before = audit.snapshot(plan, PLAN_FIELDS)
    for key, value in values.items():
        setattr(plan, key, value)
    plan.updated_by = _person(actor)
    plan.save(update_fields=[*values, "updated_by", "updated_at"])
    audit.record(
        "delivery_plan.change",
        actor=actor,
        obj=plan,
        changes=audit.diff(before, audit.snapshot(plan, PLAN_FIELDS)),
    )
    return plan


# --- supply stations (LOG-05) ---

STATION_FIELDS = ("name", "kind", "address", "daily_capacity_tonnes")


def _station_values(name, kind, address, daily_capacity_tonnes) -> dict:
    errors = {}
    if kind not in StationKind.values:
        errors["kind"] = _("请选择站点类型（中转站、接驳点或分拨场地）。")
    values = {
        "name": _text(errors, "name", name, _("站点名称"), 120),
        "kind": kind,
        "address": _text(errors, "address", address, _("位置"), 200),
        "daily_capacity_tonnes": _tonnes(
            errors, "daily_capacity_tonnes", daily_capacity_tonnes, _("日周转能力")
        ),
    }
    _raise(errors)
    return values


@transaction.atomic
def add_station(
    region, *, actor, name, kind, address, daily_capacity_tonnes=None, now=None
) -> SupplyStation:
    """LOG-05: a city (or one of its counties) sets up a transfer station, connection point or
    distribution site, kept ready (inactive) until an emergency (D1 五(五))."""
    region = _region(region)
    _check_level(region, _("中转接驳站点"))
    if not may_keep(actor, SupplyStation, "add", region.code):
        raise PermissionDenied(_("只有该地的指挥部办公室或交通运输部门可以设置中转接驳站点。"))
    values = _station_values(name, kind, address, daily_capacity_tonnes)
    station = SupplyStation.objects.create(region_code=region.code, **values)
    audit.record(
        "supply_station.create",
        actor=actor,
        obj=station,
        changes=audit.diff({}, audit.snapshot(station, STATION_FIELDS)),
    )
    return station


@transaction.atomic
def change_station(
    station, *, actor, name, kind, address, daily_capacity_tonnes=None, now=None
) -> SupplyStation:
    if not may_keep(actor, SupplyStation, "change", station.region_code):
        raise PermissionDenied(_("只有该地的指挥部办公室或交通运输部门可以修改中转接驳站点。"))
    values = _station_values(name, kind, address, daily_capacity_tonnes)
    station = SupplyStation.objects.select_for_update().get(pk=station.pk)
    before = audit.snapshot(station, STATION_FIELDS)
    for key, value in values.items():
        setattr(station, key, value)
    station.save(update_fields=list(values))
    audit.record(
        "supply_station.change",
        actor=actor,
        obj=station,
        changes=audit.diff(before, audit.snapshot(station, STATION_FIELDS)),
    )
    return station


def _notify_stations(stations, *, active: bool, region_code: str, reason: str) -> int:
    if not stations:
        return 0
    names = "、".join(s.name for s in stations)
    if active:
        title = stored("中转接驳站点已启用：%(names)s", names=names)
    else:
        title = stored("中转接驳站点已停用：%(names)s", names=names)
    body = stored("事由：%(reason)s", reason=reason) if reason else ""
    url = _url("logistics:station_list")
    return notify(_city_transport(region_code), title, body=body, url=url)


def _switch(station, *, actor, active: bool, reason: str, now) -> SupplyStation:
    station = SupplyStation.objects.select_for_update().get(pk=station.pk)
    if station.active == active:
        raise ValidationError(
            _("该站点已处于启用状态。") if active else _("该站点已处于停用状态。")
        )
    station.active = active
    field = "activated_at" if active else "deactivated_at"
    setattr(station, field, now)
    station.save(update_fields=["active", field])
    audit.record(
        "supply_station.activate" if active else "supply_station.deactivate",
        actor=actor,
        obj=station,
        changes={"active": [not active, active]},
        note=reason,
    )
    return station


def activate_station(station, *, actor, reason="", now=None) -> SupplyStation:
    """LOG-05: the HQ office opens a station; the city's transport department is told."""
    return _set_active(station, actor=actor, active=True, reason=reason, now=now)


def deactivate_station(station, *, actor, reason="", now=None) -> SupplyStation:
    """LOG-05: the HQ office stands a station down (back to reserve)."""
    return _set_active(station, actor=actor, active=False, reason=reason, now=now)


def _set_active(station, *, actor, active: bool, reason: str, now) -> SupplyStation:
    now = _now(now)
    if not may_switch_station(actor, station):
        raise PermissionDenied(_("只有指挥部办公室可以启用或停用中转接驳站点。"))
    reason = (reason or "").strip()
    with transaction.atomic():
        station = _switch(station, actor=actor, active=active, reason=reason, now=now)
        transaction.on_commit(
            lambda: _notify_stations(
                [station], active=active, region_code=station.region_code, reason=reason
            )
        )
    return station


def _emergency_stations_q(region_code: str) -> Q:
    """The stations of the region's subtree, and for a county also its city's own stations: the
    city's transfer stations supply every county of it."""
    q = prefix_range("region_code", region_code)
    if len(region_code) > 4:
        q |= Q(region_code=region_code[:4])
    return q


def activate_for_emergency(region_code: str, *, now=None) -> list[SupplyStation]:
    """LOG-05: called by the command module when a region is switched into emergency (announced
    or in force): every inactive station of the region (and its city's own) opens at once, so the
    stations are ready when the closed loops start; the city's transport department is told.
    A region in normal state opens nothing. Returns the stations opened."""
    now = _now(now)
    if queries_emergency.state_of(region_code, now) == "normal":
        return []
    reason = stored("%(region)s进入应急状态", region=_region(region_code).full_name)
    opened = []
    with transaction.atomic():
        waiting = SupplyStation.objects.filter(_emergency_stations_q(region_code), active=False)
        for station in waiting.order_by("pk"):
            opened.append(_switch(station, actor=None, active=True, reason=reason, now=now))
        if opened:
            transaction.on_commit(
                lambda: _notify_stations(
                    opened, active=True, region_code=region_code, reason=reason
                )
            )
    return opened


# --- road closures (LOG-06) ---


@transaction.atomic
def request_closure(
    region, *, actor, road, road_kind, reason, starts_at, ends_at, now=None
) -> RoadClosureRequest:
    """LOG-06: a city or county HQ office asks the province to close a road of its region."""
    now = _now(now)
    region = _region(region)
    _check_level(region, _("道路关闭申请"))
    if actor is not None and not covers(actor, RoadClosureRequest, "add", region_code=region.code):
        raise PermissionDenied(_("只有本地的指挥部办公室可以申请关闭本辖区内的道路。"))
    errors = {}
    road = _text(errors, "road", road, _("道路（路段、出入口、服务区）"), 200)
    if road_kind not in RoadKind.values:
        errors["road_kind"] = _("请选择道路类型。")
    reason = _text(errors, "reason", reason, _("申请理由"), 2000)
    starts_at = _moment(errors, "starts_at", starts_at, _("拟关闭开始"))
    ends_at = _moment(errors, "ends_at", ends_at, _("拟关闭结束"))
    if starts_at and ends_at:
        if ends_at <= starts_at:
            errors["ends_at"] = _("拟关闭结束时间须晚于开始时间。")
        elif ends_at <= now:
            errors["ends_at"] = _("拟关闭结束时间已过。")
    _raise(errors)
    closure = RoadClosureRequest.objects.create(
        road=road,
        road_kind=road_kind,
        reason=reason,
        starts_at=starts_at,
        ends_at=ends_at,
        requested_at=now,
        requested_by=_person(actor),
        region_code=region.code,
    )
    audit.record(
        "road_closure.request",
        actor=actor,
        obj=closure,
        changes={"status": [None, closure.status]},
        note=road,
    )
    title = stored("道路关闭申请待省级审批：%(region)s %(road)s", region=region.name, road=road)
    transaction.on_commit(
        lambda: notify(
            _province_deciders(),
            title,
            body=reason,
            url=_url("logistics:closure_detail", closure.pk),
        )
    )
    return closure


def _notify_requester(closure, title) -> None:
    people = _unique(
        [closure.requested_by] if closure.requested_by_id else [],
        _region_offices(closure.region_code),
    )
    transaction.on_commit(
        lambda: notify(
            people,
            title,
            body=closure.decision_note,
            url=_url("logistics:closure_detail", closure.pk),
        )
    )


def decide_closure(
    closure, *, actor, approve: bool, note="", version=None, now=None
) -> RoadClosureRequest:
    """LOG-06: the province approves or refuses a closure (a refusal says why). Any grant below
    the province is refused, whatever its role: D1 五(三) reserves the decision to the province."""
    now = _now(now)
    if not may_decide_closure(actor):
        raise PermissionDenied(
            _("关闭高速公路、普通公路须报省指挥部批准：只有省级指挥部可以审批。")
        )
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("不予批准时请填写理由。")})
    with transaction.atomic():
        closure = transition(
            closure,
            "approve" if approve else "refuse",
            actor=actor,
            version=version,
            note=note,
            now=now,
            fields={"decided_at": now, "decided_by": _person(actor), "decision_note": note},
            audit_action="road_closure.approve" if approve else "road_closure.refuse",
        )
        if approve:
            title = stored(
                "道路关闭已获省级批准：%(road)s（%(start)s 至 %(end)s）",
                road=closure.road,
                start=_local(closure.starts_at),
                end=_local(closure.ends_at),
            )
        else:
            title = stored("道路关闭申请未获批准：%(road)s", road=closure.road)
        _notify_requester(closure, title)
    return closure


def lift_closure(closure, *, actor, note="", version=None, now=None) -> RoadClosureRequest:
    """LOG-06: an approved closure ends (lifted by the requesting office or the province)."""
    now = _now(now)
    if not may_lift_closure(actor, closure):
        raise PermissionDenied(_("只有申请地的指挥部办公室或省级指挥部可以解除道路关闭。"))
    note = (note or "").strip()
    with transaction.atomic():
        closure = transition(
            closure,
            "lift",
            actor=actor,
            version=version,
            note=note,
            now=now,
            fields={"lifted_at": now},
            audit_action="road_closure.lift",
        )
        _notify_requester(closure, stored("道路关闭已解除：%(road)s", road=closure.road))
        transaction.on_commit(
            lambda: notify(
                _province_deciders(),
                stored("道路关闭已解除：%(road)s", road=closure.road),
                url=_url("logistics:closure_detail", closure.pk),
            )
        )
    return closure
