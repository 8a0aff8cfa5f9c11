"""EPI-05: a unit's space tree and the place codes on it."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import covers
from sibao.core import audit, rules
from sibao.places.models import PlaceCode, Space, SpaceKind, VenueType

__all__ = ["create_space", "issue_code"]


def _check_unit(actor, enterprise, model, action: str, message: str) -> None:
    if actor is not None and not covers(
        actor, model, action, region_code=enterprise.region_id, enterprise_id=enterprise.pk
    ):
        raise PermissionDenied(message)
    if enterprise.merged_into_id:
        raise ValidationError(_("该单位记录已合并，请在保留记录上管理。"))


def _path(space: Space) -> str:
    parent_path = space.parent.path if space.parent_id else ""
    return f"{parent_path}{space.pk}/"


@transaction.atomic
def create_space(enterprise, *, actor, kind, name, parent=None, venue_type="", zone=None) -> Space:
    """Add a space to a unit's tree: a site (a root, with its venue type) or a space under a
    parent of the same unit."""
    _check_unit(actor, enterprise, Space, "add", _("您无权管理该单位的场所。"))
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("请填写名称。")
    if kind not in SpaceKind.values:
        errors["kind"] = _("空间类型无效。")
    if parent is None:
        if kind != SpaceKind.SITE:
            errors["parent"] = _("除厂区（场所）外，空间须有上级空间。")
        if venue_type not in VenueType.values:
            errors["venue_type"] = _("请选择场所类型。")
    else:
        if parent.enterprise_id != enterprise.pk:
            errors["parent"] = _("上级空间不属于该单位。")
        if kind == SpaceKind.SITE:
            errors["kind"] = _("厂区（场所）只能是最上级空间。")
        venue_type = ""
    if zone is not None and zone.enterprise_id != enterprise.pk:
        errors["zone"] = _("区域不属于该单位。")
    if errors:
        raise ValidationError(errors)
    space = Space.objects.create(
        enterprise=enterprise,
        parent=parent,
        kind=kind,
        venue_type=venue_type,
        name=name,
        zone=zone,
        region_code=enterprise.region_id,
    )
    space.path = _path(space)
    space.save(update_fields=["path"])
    audit.record(
        "place.space.create",
        actor=actor,
        obj=space,
        changes={"name": [None, space.name], "kind": [None, kind], "path": [None, space.path]},
    )
    return space


@transaction.atomic
def issue_code(space, *, actor, now=None) -> PlaceCode:
    """A new place code for a space; a valid code it already has is revoked ("renewed") first,
    so that a space has one valid code at a time. Valid ``place_code_valid_days`` (rule set)."""
    _check_unit(actor, space.enterprise, PlaceCode, "add", _("您无权为该单位生成场所码。"))
    if not space.is_active:
        raise ValidationError(_("该空间已停用，不能生成场所码。"))
    now = now or timezone.now()
    ruleset = rules.current()
    for old in PlaceCode.objects.select_for_update().filter(space=space, revoked_at__isnull=True):
        old.revoked_at = now
        old.revoked_reason = _("已重新生成")
        old.save(update_fields=["revoked_at", "revoked_reason"])
    code = PlaceCode.objects.create(
        space=space,
        enterprise_id=space.enterprise_id,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_on=timezone.localdate(now)
        + datetime.timedelta(days=ruleset["place_code_valid_days"]),
        region_code=space.region_code,
    )
    audit.record(
        "place.code.issue",
        actor=actor,
        obj=code,
        changes={"space": [None, space.pk], "expires_on": [None, code.expires_on.isoformat()]},
        rule_version=ruleset.version,
    )
    return code
