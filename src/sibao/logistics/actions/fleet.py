"""Writes of the fleet area (LOG-01): vehicles and drivers serving whitelisted units, and the
transport whitelist their drivers join (D1 六(二); D2 三(五)).

Who registers what:

- a logistics company's account (a ``logistics_company`` grant naming the company) registers the
  company's own vehicles (``logistics``: optionally naming the whitelisted unit it regularly
  serves) and vehicles it runs for one unit under a fixed contract (``outsourced``: the served
  unit is required);
- a whitelisted unit's admin (an ``enterprise_admin`` grant naming the unit) registers the unit's
  own vehicles (``own``) and its fixed outsourced ones (``outsourced``, serving the unit itself);
- both register their drivers: the ID number is validated and kept as a person key plus an
  encrypted copy and a masked one (``core.personal``); one person once per owner.

A driver joins the transport whitelist only when the owner's vehicles serve a whitelisted unit
(the owner is one, or an active vehicle of the owner names one); joining and leaving are audited.
``actor=None`` is the platform itself (the demo seed, imports) and skips the permission checks.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from sibao.accounts.access import allowing_grants
from sibao.accounts.roles import Role
from sibao.command import recipients
from sibao.core import audit
from sibao.core.notifications import notify
from sibao.core.personal import protect_id_number, protect_phone
from sibao.enterprises.models import Enterprise
from sibao.enterprises.queries import is_whitelisted
from sibao.logistics.models import Driver, Vehicle, VehicleKind, VehicleRelation
from sibao.logistics.plates import normalise_plate
from sibao.workorders.actions.base import now_or

__all__ = [
    "LICENCE_CLASSES",
    "add_to_whitelist",
    "deactivate_vehicle",
    "is_whitelisted_unit",
    "may_register",
    "record_fleet_export",
    "register_driver",
    "register_vehicle",
    "relations_for",
    "remove_from_whitelist",
    "serves_whitelisted_unit",
]

# 准驾车型 (GA/T 1056 and the driving-licence rules): the classes a freight driver may hold
LICENCE_CLASSES = ("A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C5", "C6")
# the relations each role's grant may register
_ROLE_RELATIONS = {
    Role.LOGISTICS_COMPANY: (VehicleRelation.LOGISTICS, VehicleRelation.OUTSOURCED),
    Role.ENTERPRISE_ADMIN: (VehicleRelation.OWN, VehicleRelation.OUTSOURCED),
}
MAX_TONNES = Decimal("99999.99")


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def is_whitelisted_unit(enterprise) -> bool:
    """Whether ``enterprise`` is an active unit on the whitelist (its own entry or its park's)."""
    if enterprise is None:
        return False
    return Enterprise.objects.active().filter(pk=enterprise.pk).filter(is_whitelisted()).exists()


def serves_whitelisted_unit(owner) -> bool:
    """Whether the owner's freight serves a whitelisted unit: the owner is one, or one of its
    active vehicles regularly serves one."""
    if is_whitelisted_unit(owner):
        return True
    served = Vehicle.objects.filter(owner=owner, is_active=True, served_unit__isnull=False)
    return (
        Enterprise.objects.active()
        .filter(pk__in=served.values("served_unit_id"))
        .filter(is_whitelisted())
        .exists()
    )


def _owner_roles(actor, model, action, owner) -> set[str]:
    """The roles of the actor's grants that allow ``action`` on ``owner``'s rows: only grants
    naming the owner (a company's or a unit's own accounts), never a region-wide one."""
    return {
        grant.role
        for grant in allowing_grants(actor, model._meta.label_lower, action)
        if grant.enterprise_id == owner.pk
    }


def relations_for(actor, owner) -> list[str]:
    """The vehicle relations ``actor`` may register for ``owner`` (all of them for the platform)."""
    if actor is None:
        return list(VehicleRelation.values)
    found = []
    for role in _owner_roles(actor, Vehicle, "add", owner):
        for relation in _ROLE_RELATIONS.get(role, ()):
            if relation not in found:
                found.append(relation)
    return [r for r in VehicleRelation.values if r in found]


def may_register(actor, model, owner) -> bool:
    """Whether ``actor`` may register vehicles or drivers (``model``) of ``owner``."""
    return actor is None or bool(_owner_roles(actor, model, "add", owner))


def _require_owner(actor, model, owner, action="add") -> None:
    if actor is None:
        return
    roles = _owner_roles(actor, model, action, owner)
    if not roles:
        raise PermissionDenied(
            _("只有物流企业账户或白名单单位防疫专班可以登记和管理本单位的车辆和驾驶员。")
        )
    if Role.LOGISTICS_COMPANY not in roles and not is_whitelisted_unit(owner):
        raise ValidationError(_("本单位不在白名单内，不能登记保通车辆和驾驶员。"))


# --- vehicles ---


def _clean_tonnes(value):
    if value in (None, ""):
        return None
    try:
        tonnes = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"load_tonnes": _("核定载质量应为数字（吨）。")}) from None
    if tonnes <= 0 or tonnes > MAX_TONNES:
        raise ValidationError({"load_tonnes": _("核定载质量应大于 0 且不超过 99999.99 吨。")})
    return tonnes


def _clean_plate(plate) -> str:
    try:
        text = normalise_plate(plate)
    except ValueError as exc:
        raise ValidationError({"plate": str(exc)}) from None
    if Vehicle.objects.filter(plate=text).exists():
        raise ValidationError(
            {"plate": _("车牌号 %(plate)s 已登记，不能重复登记。") % {"plate": text}}
        )
    return text


def _clean_served(owner, relation, served_unit):
    """The served whitelisted unit: the owner itself for its own vehicles, required for
    outsourced ones (a unit's admin outsources for its own unit), optional for a company's."""
    if relation == VehicleRelation.OWN:
        if served_unit is not None and served_unit.pk != owner.pk:
            raise ValidationError({"served_unit": _("自有车辆服务的单位就是所属单位本身。")})
        if not is_whitelisted_unit(owner):
            raise ValidationError(
                {"relation": _("只有白名单单位可以登记自有车辆；请先申报纳入白名单。")}
            )
        return owner
    if relation == VehicleRelation.OUTSOURCED and served_unit is None:
        if not is_whitelisted_unit(owner):
            raise ValidationError({"served_unit": _("固定外包车辆须注明所服务的白名单单位。")})
        served_unit = owner
    if served_unit is not None and not is_whitelisted_unit(served_unit):
        raise ValidationError(
            {"served_unit": _("“%(name)s”不是白名单单位。") % {"name": served_unit.name}}
        )
    return served_unit


def _check_relation(actor, owner, relation) -> None:
    if relation not in VehicleRelation.values:
        raise ValidationError({"relation": _("请选择车辆性质。")})
    if relation not in relations_for(actor, owner):
        raise ValidationError(
            {
                "relation": _("您的账户不能登记“%(label)s”。")
                % {"label": VehicleRelation(relation).label}
            }
        )


def register_vehicle(
    owner,
    *,
    actor,
    plate,
    kind,
    relation,
    served_unit=None,
    load_tonnes=None,
    now=None,
) -> Vehicle:
    """LOG-01: register a vehicle of ``owner`` (its plate validated and normalised)."""
    now = now_or(now)
    _require_owner(actor, Vehicle, owner)
    if kind not in VehicleKind.values:
        raise ValidationError({"kind": _("请选择车辆类型。")})
    _check_relation(actor, owner, relation)
    plate = _clean_plate(plate)
    served_unit = _clean_served(owner, relation, served_unit)
    tonnes = _clean_tonnes(load_tonnes)
    try:
        with transaction.atomic():
            vehicle = Vehicle.objects.create(
                owner=owner,
                plate=plate,
                kind=kind,
                relation=relation,
                served_unit=served_unit,
                load_tonnes=tonnes,
                created_at=now,
                created_by=_user(actor),
                region_code=owner.region_id,
            )
            audit.record(
                "vehicle.register",
                actor=_user(actor),
                obj=vehicle,
                changes={
                    "plate": [None, plate],
                    "relation": [None, relation],
                    "served_unit": [None, served_unit.pk if served_unit else None],
                },
                enterprise_id=owner.pk,
            )
    except IntegrityError:
        raise ValidationError(
            {"plate": _("车牌号 %(plate)s 已登记，不能重复登记。") % {"plate": plate}}
        ) from None
    if served_unit is not None and served_unit.pk != owner.pk:
        notify(
            recipients.unit_admins(served_unit),
            _("%(owner)s登记了服务贵单位的车辆 %(plate)s") % {"owner": owner.name, "plate": plate},
            body=_("车辆性质：%(relation)s。如非贵单位的固定运输车辆，请联系所属企业。")
            % {"relation": vehicle.get_relation_display()},
            url=reverse("logistics:vehicle_detail", args=[vehicle.pk]),
        )
    return vehicle


def deactivate_vehicle(vehicle, *, actor, reason="", now=None) -> Vehicle:
    """LOG-01: take a vehicle out of use (sold, scrapped, contract ended); its history stays."""
    now = now_or(now)
    _require_owner(actor, Vehicle, vehicle.owner, "change")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明停用原因。")})
    with transaction.atomic():
        locked = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
        if not locked.is_active:
            raise ValidationError(_("该车辆已停用。"))
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        audit.record(
            "vehicle.deactivate",
            actor=_user(actor),
            obj=locked,
            changes={"is_active": [True, False], "at": [None, now.isoformat()]},
            note=reason,
            enterprise_id=locked.owner_id,
        )
    return locked


# --- drivers ---


def _clean_person(id_number, phone) -> dict:
    errors, values = {}, {}
    try:
        values.update(protect_id_number(id_number))
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    if (phone or "").strip():
        try:
            values.update(protect_phone(phone))
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return values


def _clean_licence(value) -> str:
    text = (value or "").strip().upper()
    if text and text not in LICENCE_CLASSES:
        raise ValidationError(
            {
                "licence_class": _("准驾车型应为 %(list)s 之一。")
                % {"list": "、".join(LICENCE_CLASSES)}
            }
        )
    return text


def register_driver(
    owner, *, actor, name, id_number, phone="", licence_class="", now=None
) -> Driver:
    """LOG-01: register a driver of ``owner``; the ID number and phone are stored protected, and
    the same person is registered once per owner."""
    now = now_or(now)
    _require_owner(actor, Driver, owner)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写驾驶员姓名。")})
    if len(name) > 64:
        raise ValidationError({"name": _("姓名不能超过 64 个字。")})
    values = _clean_person(id_number, phone)
    licence = _clean_licence(licence_class)
    duplicate = _("该驾驶员（身份证号 %(id)s）已在本单位登记。") % {"id": values["id_masked"]}
    if Driver.objects.filter(owner=owner, person_key=values["person_key"]).exists():
        raise ValidationError({"id_number": duplicate})
    try:
        with transaction.atomic():
            driver = Driver.objects.create(
                owner=owner,
                name=name,
                licence_class=licence,
                created_at=now,
                created_by=_user(actor),
                region_code=owner.region_id,
                **values,
            )
            audit.record(
                "driver.register",
                actor=_user(actor),
                obj=driver,
                changes={"name": [None, name], "id_masked": [None, values["id_masked"]]},
                enterprise_id=owner.pk,
            )
    except IntegrityError:
        raise ValidationError({"id_number": duplicate}) from None
    return driver


def _whitelist_change(driver, *, actor, on: bool, reason: str, now) -> Driver:
    _require_owner(actor, Driver, driver.owner, "change")
    with transaction.atomic():
        locked = Driver.objects.select_for_update().select_related("owner").get(pk=driver.pk)
        if locked.on_whitelist == on:
            raise ValidationError(
                _("该驾驶员已在运输白名单中。") if on else _("该驾驶员不在运输白名单中。")
            )
        if on and not locked.is_active:
            raise ValidationError(_("驾驶员已离职，不能纳入运输白名单。"))
        if on and not serves_whitelisted_unit(locked.owner):
            raise ValidationError(
                _(
                    "只有服务白名单单位的车辆的驾驶员可以纳入运输白名单：请先登记服务白名单单位的车辆。"
                )
            )
        before = locked.whitelisted_at
        locked.on_whitelist = on
        locked.whitelisted_at = now if on else None
        locked.save(update_fields=["on_whitelist", "whitelisted_at"])
        audit.record(
            "driver.whitelist_add" if on else "driver.whitelist_remove",
            actor=_user(actor),
            obj=locked,
            changes={
                "on_whitelist": [not on, on],
                "whitelisted_at": [
                    before.isoformat() if before else None,
                    now.isoformat() if on else None,
                ],
            },
            note=reason,
            enterprise_id=locked.owner_id,
        )
    return locked


def add_to_whitelist(driver, *, actor, now=None) -> Driver:
    """LOG-01: the driver joins the transport whitelist (D2 三(五))."""
    return _whitelist_change(driver, actor=actor, on=True, reason="", now=now_or(now))


def remove_from_whitelist(driver, *, actor, reason="", now=None) -> Driver:
    """LOG-01: the driver leaves the transport whitelist (left the company, contract ended …)."""
    return _whitelist_change(
        driver, actor=actor, on=False, reason=(reason or "").strip(), now=now_or(now)
    )


def record_fleet_export(*, actor, what: str, rows: int, filters: str = "") -> None:
    """An export of the vehicle or driver list is audited (who took which list)."""
    audit.record(
        f"fleet.export.{what}",
        actor=_user(actor),
        changes={"rows": rows, "filters": filters},
        region_code="",
    )
