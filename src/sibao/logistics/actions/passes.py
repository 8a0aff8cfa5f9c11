"""Writes of the passes area (LOG-02): the vehicle's company applies for a pass (通行证) for a
vehicle serving a whitelisted unit; the logistics group approves it — the pass is then signed
(``logistics.signing``) and its token stored for the QR — or refuses it with a reason, and may
revoke an approved pass with a reason; the applicant may withdraw a pending application.

Who decides (D2 三(五)): the logistics group, i.e. the staff of the transport department
(``department_staff`` whose grant names a 交通运输 department) or the HQ office, with a grant on
the origin's or the destination's region or above. ``actor=None`` is the platform itself and skips
the permission checks. Every state change goes through the guarded transition of the work-orders
app (row lock, the version the user saw, history, audit): two officials deciding at once leave one
winner and a ``Conflict`` for the other."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from sibao.accounts.access import allowing_grants, covers
from sibao.accounts.models import RoleGrant, User
from sibao.accounts.roles import Role
from sibao.command.recipients import covering_codes
from sibao.core import audit, rules
from sibao.core.notifications import notify
from sibao.logistics import signing
from sibao.logistics.actions.fleet import is_whitelisted_unit
from sibao.logistics.models import PassStatus, VehiclePass, VehicleRelation
from sibao.regions.models import DepartmentKind, Region
from sibao.workorders.actions.base import next_number, now_or, stored, transition

__all__ = [
    "apply_for_pass",
    "approve_pass",
    "deciders",
    "may_apply",
    "may_decide",
    "may_withdraw",
    "record_pass_export",
    "refuse_pass",
    "revoke_pass",
    "withdraw_pass",
]

MODEL = VehiclePass._meta.label_lower
DECIDER_ROLES = frozenset({Role.DEPARTMENT_STAFF, Role.HQ_OFFICE})


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _text(value) -> str:
    return (value or "").strip()


# --- who may ---


def _is_logistics_group(grant) -> bool:
    if grant.role == Role.HQ_OFFICE:
        return True
    return (
        grant.role == Role.DEPARTMENT_STAFF
        and grant.department_id is not None
        and grant.department.kind == DepartmentKind.TRANSPORT
    )


def may_decide(user, vehicle_pass) -> bool:
    """A logistics-group grant (transport department staff, HQ office) on the origin's or the
    destination's region or above."""
    codes = (vehicle_pass.origin_region_code, vehicle_pass.destination_region_code)
    for grant in allowing_grants(user, MODEL, "decide"):
        if grant.enterprise_id or not _is_logistics_group(grant):
            continue
        if any(code.startswith(grant.region_id) for code in codes):
            return True
    return False


def may_apply(user, vehicle) -> bool:
    """The vehicle's own company (its ``apply`` grant names the owner)."""
    return covers(
        user, VehiclePass, "apply", region_code=vehicle.region_code, enterprise_id=vehicle.owner_id
    )


def may_withdraw(user, vehicle_pass) -> bool:
    return vehicle_pass.status == PassStatus.APPLIED and may_apply(user, vehicle_pass.vehicle)


def deciders(vehicle_pass) -> list:
    """The logistics group over the origin and the destination: HQ offices and transport
    department staff at those regions or above (for the new-application notice)."""
    codes = set(covering_codes(vehicle_pass.origin_region_code)) | set(
        covering_codes(vehicle_pass.destination_region_code)
    )
    group = Q(role=Role.HQ_OFFICE) | Q(
        role=Role.DEPARTMENT_STAFF, department__kind=DepartmentKind.TRANSPORT
    )
    grants = RoleGrant.objects.filter(
        group,
        region_id__in=codes,
        is_active=True,
        user__is_active=True,
        enterprise__isnull=True,
    )
    return list(User.objects.filter(pk__in=grants.values("user_id")).order_by("pk"))


def _check_decider(actor, vehicle_pass) -> None:
    if actor is not None and not may_decide(actor, vehicle_pass):
        raise PermissionDenied(
            _("只有起讫地交通运输部门或指挥部办公室（物流保通组）可以审批通行证。")
        )


# --- applying ---


def _check_vehicle(vehicle, served_unit) -> None:
    if not vehicle.is_active:
        raise ValidationError({"vehicle": _("该车辆已停用，不能申请通行证。")})
    if served_unit is None:
        raise ValidationError({"served_unit": _("请选择服务的白名单单位。")})
    if vehicle.relation == VehicleRelation.OWN and served_unit.pk != vehicle.owner_id:
        raise ValidationError({"served_unit": _("单位自有车辆只能为本单位申请通行证。")})
    if (
        vehicle.relation == VehicleRelation.OUTSOURCED
        and vehicle.served_unit_id
        and served_unit.pk != vehicle.served_unit_id
    ):
        raise ValidationError({"served_unit": _("固定外包车辆只能为其服务的单位申请通行证。")})
    if not is_whitelisted_unit(served_unit):
        raise ValidationError(
            {"served_unit": _("%(unit)s 不在白名单内，不能申请通行证。") % {"unit": served_unit}}
        )


def _check_route(origin, origin_code, destination, destination_code) -> None:
    errors = {}
    if not origin:
        errors["origin"] = _("请填写起点。")
    if not destination:
        errors["destination"] = _("请填写终点。")
    found = set(
        Region.objects.filter(code__in=[origin_code, destination_code]).values_list(
            "code", flat=True
        )
    )
    if origin_code not in found:
        errors["origin_region_code"] = _("起点区划代码无效。")
    if destination_code not in found:
        errors["destination_region_code"] = _("终点区划代码无效。")
    if errors:
        raise ValidationError(errors)


def _minute(value: datetime.datetime) -> datetime.datetime:
    return value.replace(second=0, microsecond=0)


def _check_validity(valid_from, valid_until, now) -> None:
    if valid_from is None or valid_until is None:
        raise ValidationError({"valid_until": _("请填写有效期。")})
    if valid_until <= valid_from:
        raise ValidationError({"valid_until": _("有效期止应晚于有效期起。")})
    if valid_until <= now:
        raise ValidationError({"valid_until": _("有效期止已过，请重新填写。")})
    days = rules.current()["pass_max_validity_days"]
    if valid_until - valid_from > datetime.timedelta(days=days):
        raise ValidationError({"valid_until": _("通行证有效期最长 %(days)s 天。") % {"days": days}})


def _check_drivers(vehicle, drivers) -> list:
    drivers = list(drivers)
    for driver in drivers:
        if driver.owner_id != vehicle.owner_id:
            raise ValidationError(
                {"drivers": _("驾驶员 %(name)s 不属于申请企业。") % {"name": driver.name}}
            )
        if not driver.is_active:
            raise ValidationError(
                {"drivers": _("驾驶员 %(name)s 已离职。") % {"name": driver.name}}
            )
    return drivers


def _create(fields: dict) -> VehiclePass:
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return VehiclePass.objects.create(number=next_number(VehiclePass, "TX"), **fields)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def apply_for_pass(
    vehicle,
    *,
    actor,
    served_unit,
    origin,
    origin_region_code,
    destination,
    destination_region_code,
    valid_from,
    valid_until,
    drivers=(),
    cargo="",
    now=None,
) -> VehiclePass:
    """LOG-02: the vehicle's company applies; the logistics group of the route is told."""
    now = now_or(now)
    if actor is not None and not may_apply(actor, vehicle):
        raise PermissionDenied(_("只有车辆所属企业可以为该车辆申请通行证。"))
    origin, destination = _text(origin), _text(destination)
    origin_region_code = _text(origin_region_code)
    destination_region_code = _text(destination_region_code)
    _check_vehicle(vehicle, served_unit)
    _check_route(origin, origin_region_code, destination, destination_region_code)
    valid_from, valid_until = _minute(valid_from), _minute(valid_until)
    _check_validity(valid_from, valid_until, now)
    drivers = _check_drivers(vehicle, drivers)
    with transaction.atomic():
        vehicle_pass = _create(
            {
                "vehicle": vehicle,
                "company_id": vehicle.owner_id,
                "served_unit": served_unit,
                "origin": origin[:120],
                "origin_region_code": origin_region_code,
                "destination": destination[:120],
                "destination_region_code": destination_region_code,
                "cargo": _text(cargo)[:120],
                "valid_from": valid_from,
                "valid_until": valid_until,
                "applied_at": now,
                "applied_by": _user(actor),
                "region_code": origin_region_code,
            }
        )
        vehicle_pass.drivers.set(drivers)
        audit.record("vehiclepass.apply", actor=actor, obj=vehicle_pass)
    notify(
        deciders(vehicle_pass),
        stored(
            "通行证申请待审批：%(number)s %(plate)s",
            number=vehicle_pass.number,
            plate=vehicle.plate,
        ),
        body=f"{origin} → {destination}",
        url=_url(vehicle_pass),
    )
    return vehicle_pass


# --- deciding ---


def _url(vehicle_pass) -> str:
    return reverse("logistics:pass_detail", args=[vehicle_pass.pk])


def _tell_applicant(vehicle_pass, title: str, body: str = "") -> None:
    notify([vehicle_pass.applied_by], title, body=body, url=_url(vehicle_pass))


def approve_pass(vehicle_pass, *, actor, note="", version=None, now=None) -> VehiclePass:
    """Approve and sign: the token and the key id are stored with the pass."""
    now = now_or(now)
    _check_decider(actor, vehicle_pass)
    if vehicle_pass.valid_until <= now:
        raise ValidationError(_("该申请的有效期已过，不能核发，请不予核发并让企业重新申请。"))
    _check_vehicle(vehicle_pass.vehicle, vehicle_pass.served_unit)
    token, key_id = signing.sign_pass(vehicle_pass)
    approved = transition(
        vehicle_pass,
        "approve",
        actor=actor,
        version=version,
        note=_text(note),
        now=now,
        fields={
            "decided_at": now,
            "decided_by": _user(actor),
            "decision_reason": _text(note),
            "token": token,
            "key_id": key_id,
        },
    )
    _tell_applicant(
        approved, stored("通行证已核发：%(number)s", number=approved.number), _text(note)
    )
    return approved


def _reason(reason, message) -> str:
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": message})
    return reason


def refuse_pass(vehicle_pass, *, actor, reason, version=None, now=None) -> VehiclePass:
    now = now_or(now)
    _check_decider(actor, vehicle_pass)
    reason = _reason(reason, _("不予核发须说明理由。"))
    refused = transition(
        vehicle_pass,
        "refuse",
        actor=actor,
        version=version,
        note=reason,
        now=now,
        fields={"decided_at": now, "decided_by": _user(actor), "decision_reason": reason},
    )
    _tell_applicant(refused, stored("通行证不予核发：%(number)s", number=refused.number), reason)
    return refused


def revoke_pass(vehicle_pass, *, actor, reason, version=None, now=None) -> VehiclePass:
    """An approved pass revoked: its number enters the revocation list while inside validity."""
    now = now_or(now)
    _check_decider(actor, vehicle_pass)
    reason = _reason(reason, _("吊销通行证须说明原因。"))
    revoked = transition(
        vehicle_pass,
        "revoke",
        actor=actor,
        version=version,
        note=reason,
        now=now,
        fields={"revoked_at": now, "revoke_reason": reason},
    )
    _tell_applicant(revoked, stored("通行证已吊销：%(number)s", number=revoked.number), reason)
    return revoked


def withdraw_pass(vehicle_pass, *, actor, reason="", version=None, now=None) -> VehiclePass:
    """The applicant withdraws a pending application."""
    now = now_or(now)
    if actor is not None and not may_apply(actor, vehicle_pass.vehicle):
        raise PermissionDenied(_("只有申请企业可以撤回通行证申请。"))
    return transition(
        vehicle_pass, "withdraw", actor=actor, version=version, note=_text(reason), now=now
    )


def record_pass_export(*, actor, rows: int, filters: str = "") -> None:
    """An export of the pass list, audited."""
    audit.record(
        "vehiclepass.export",
        actor=actor,
        changes={"rows": rows, "filters": filters},
        region_code="",
    )
