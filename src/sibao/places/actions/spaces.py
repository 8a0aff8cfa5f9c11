"""EPI-05: a unit's space tree, the place codes on it, and personal badges (EPI-06).

Every write here checks the actor's grant on the unit (``covers``; actor None = the platform
itself), validates with Chinese messages and is audited. A space's ``path`` lists the ids from
its site down to itself (``12/40/41/``); moving a space rewrites the paths of its whole subtree in
one statement. A space has at most one valid code at a time; issuing again ("renew") revokes the
old one first. Deactivating a space revokes the valid codes of the space and of everything under
it, so that no printed sheet of a closed space still admits a scan.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import covers
from sibao.core import audit, rules
from sibao.places.models import Badge, PlaceCode, Space, SpaceKind, VenueType

__all__ = [
    "create_space",
    "update_space",
    "move_space",
    "deactivate_space",
    "reactivate_space",
    "issue_code",
    "issue_missing_codes",
    "revoke_code",
    "issue_badge",
    "revoke_badge",
]

_UNSET = object()


def _check_unit(actor, enterprise, model, action: str, message: str) -> None:
    if actor is not None and not covers(
        actor, model, action, region_code=enterprise.region_id, enterprise_id=enterprise.pk
    ):
        raise PermissionDenied(message)
    if enterprise.merged_into_id:
        raise ValidationError(_("该单位记录已合并，请在保留记录上管理。"))


def _check_space(actor, space, action: str = "change") -> None:
    _check_unit(actor, space.enterprise, Space, action, _("您无权管理该单位的场所。"))


def _path(space: Space) -> str:
    parent_path = space.parent.path if space.parent_id else ""
    return f"{parent_path}{space.pk}/"


def _subtree(space: Space):
    """The space and everything under it (its path is a prefix of theirs)."""
    return Space.objects.filter(enterprise_id=space.enterprise_id, path__startswith=space.path)


def _check_zone(zone, enterprise, errors: dict) -> None:
    if zone is not None and zone.enterprise_id != enterprise.pk:
        errors["zone"] = _("区域不属于该单位。")


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
        elif not parent.is_active:
            errors["parent"] = _("上级空间已停用，不能在其下添加空间。")
        if kind == SpaceKind.SITE:
            errors["kind"] = _("厂区（场所）只能是最上级空间。")
        venue_type = ""
    _check_zone(zone, enterprise, errors)
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
def update_space(space, *, actor, name=None, kind=None, venue_type=None, zone=_UNSET) -> Space:
    """Rename a space, change its kind (not to or from a site), its zone, or a site's venue
    type (which changes what its whole tree needs, ``places.coding_rules``). Omitted: kept."""
    _check_space(actor, space)
    space = (
        Space.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=space.pk)
    )
    before = audit.snapshot(space, ["name", "kind", "venue_type", "zone"])
    errors = {}
    if name is not None:
        name = name.strip()
        if not name:
            errors["name"] = _("请填写名称。")
        else:
            space.name = name
    if kind is not None and kind != space.kind:
        if kind not in SpaceKind.values:
            errors["kind"] = _("空间类型无效。")
        elif SpaceKind.SITE in (kind, space.kind):
            errors["kind"] = _("厂区（场所）只能是最上级空间，不能与其他空间类型互换。")
        else:
            space.kind = kind
    if venue_type is not None and venue_type != space.venue_type:
        if space.parent_id:
            errors["venue_type"] = _("场所类型只能在厂区（场所）上设置。")
        elif venue_type not in VenueType.values:
            errors["venue_type"] = _("请选择场所类型。")
        else:
            space.venue_type = venue_type
    if zone is not _UNSET:
        _check_zone(zone, space.enterprise, errors)
        space.zone = zone
    if errors:
        raise ValidationError(errors)
    space.save(update_fields=["name", "kind", "venue_type", "zone"])
    changes = audit.diff(before, audit.snapshot(space, ["name", "kind", "venue_type", "zone"]))
    if changes:
        audit.record("place.space.update", actor=actor, obj=space, changes=changes)
    return space


@transaction.atomic
def move_space(space, *, actor, parent) -> Space:
    """Put a space (with everything under it) under another parent of the same unit; the paths
    of the whole subtree are rewritten. A site stays a root; a space cannot go under itself or
    under one of its own descendants."""
    _check_space(actor, space)
    space = (
        Space.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=space.pk)
    )
    if parent is None:
        raise ValidationError({"parent": _("请选择新的上级空间。")})
    parent = Space.objects.select_for_update().get(pk=parent.pk)
    if space.kind == SpaceKind.SITE:
        raise ValidationError({"parent": _("厂区（场所）是最上级空间，不能移动。")})
    if parent.enterprise_id != space.enterprise_id:
        raise ValidationError({"parent": _("只能在本单位的空间之间移动。")})
    if parent.path.startswith(space.path):
        raise ValidationError({"parent": _("不能移动到该空间自身或其下级空间之下。")})
    if not parent.is_active:
        raise ValidationError({"parent": _("新的上级空间已停用。")})
    if parent.pk == space.parent_id:
        return space
    old_path, new_path = space.path, f"{parent.path}{space.pk}/"
    old_parent = space.parent_id
    moved = _subtree(space).update(path=Concat(Value(new_path), Substr("path", len(old_path) + 1)))
    Space.objects.filter(pk=space.pk).update(parent=parent)
    space.refresh_from_db()
    audit.record(
        "place.space.move",
        actor=actor,
        obj=space,
        changes={"parent": [old_parent, parent.pk], "path": [old_path, new_path]},
        note=_("连同下级共 %(n)d 个空间") % {"n": moved},
    )
    return space


def _revoke(codes, at, reason: str) -> list[int]:
    ids = list(codes.values_list("pk", flat=True))
    PlaceCode.objects.filter(pk__in=ids).update(revoked_at=at, revoked_reason=reason[:128])
    return ids


@transaction.atomic
def deactivate_space(space, *, actor, reason: str = "", now=None) -> Space:
    """Close a space and everything under it; their valid codes are revoked at once."""
    _check_space(actor, space)
    space = (
        Space.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=space.pk)
    )
    now = now or timezone.now()
    subtree = _subtree(space)
    closed = list(subtree.filter(is_active=True).values_list("pk", flat=True))
    if not closed:
        return space
    subtree.filter(pk__in=closed).update(is_active=False)
    revoked = _revoke(
        PlaceCode.objects.select_for_update().filter(space_id__in=closed, revoked_at__isnull=True),
        now,
        _("空间已停用"),
    )
    space.refresh_from_db()
    audit.record(
        "place.space.deactivate",
        actor=actor,
        obj=space,
        changes={"is_active": [True, False], "spaces": closed, "codes_revoked": revoked},
        note=(reason or "").strip(),
    )
    return space


@transaction.atomic
def reactivate_space(space, *, actor) -> Space:
    """Open a closed space again (itself only; its parent must be open). Its codes stay revoked:
    a new one is issued."""
    _check_space(actor, space)
    space = (
        Space.objects.select_for_update(of=("self",))
        .select_related("enterprise", "parent")
        .get(pk=space.pk)
    )
    if space.is_active:
        return space
    if space.parent_id and not space.parent.is_active:
        raise ValidationError(_("上级空间已停用，请先启用上级空间。"))
    space.is_active = True
    space.save(update_fields=["is_active"])
    audit.record(
        "place.space.reactivate", actor=actor, obj=space, changes={"is_active": [False, True]}
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


def issue_missing_codes(enterprise, *, actor, now=None) -> list[PlaceCode]:
    """A code for every active space of the unit that needs one under the rule set and has no
    valid code (the coverage check's gaps), each issued by ``issue_code``."""
    from sibao.places import queries_spaces

    _check_unit(actor, enterprise, PlaceCode, "add", _("您无权为该单位生成场所码。"))
    with transaction.atomic():
        gaps = queries_spaces.unit_coverage(enterprise, now=now).gaps
        return [issue_code(space, actor=actor, now=now) for space in gaps]


@transaction.atomic
def revoke_code(code, *, actor, reason, now=None) -> PlaceCode:
    """Revoke a place code before its expiry (lost, damaged, misused sheet): the unit's admin,
    or the health office of its region (permission "revoke" on place codes). A scan of it is
    refused from then on."""
    if actor is not None and not covers(
        actor, PlaceCode, "revoke", region_code=code.region_code, enterprise_id=code.enterprise_id
    ):
        raise PermissionDenied(_("您无权作废该场所码。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写作废原因。")})
    code = PlaceCode.objects.select_for_update().get(pk=code.pk)
    if code.revoked_at is not None:
        raise ValidationError(_("该场所码已作废。"))
    code.revoked_at = now or timezone.now()
    code.revoked_reason = reason[:128]
    code.save(update_fields=["revoked_at", "revoked_reason"])
    audit.record(
        "place.code.revoke",
        actor=actor,
        obj=code,
        changes={"revoked_at": [None, code.revoked_at.isoformat()]},
        note=code.revoked_reason,
    )
    return code


@transaction.atomic
def issue_badge(staff, *, actor) -> Badge:
    """A personal badge QR for a worker without a smartphone (a gate device scans it). One
    valid badge per person: a lost one is revoked first."""
    enterprise = staff.enterprise
    _check_unit(actor, enterprise, Badge, "add", _("您无权为该单位发放工牌码。"))
    if not staff.is_active:
        raise ValidationError(_("该人员已停用，不能发放工牌码。"))
    if Badge.objects.select_for_update().filter(staff=staff, revoked_at__isnull=True).exists():
        raise ValidationError(_("该人员已有有效的工牌码；如已遗失，请先作废再重新发放。"))
    badge = Badge.objects.create(
        staff=staff, enterprise_id=staff.enterprise_id, region_code=staff.region_code
    )
    audit.record("place.badge.issue", actor=actor, obj=badge, changes={"staff": [None, staff.pk]})
    return badge


@transaction.atomic
def revoke_badge(badge, *, actor, reason, now=None) -> Badge:
    """Revoke a badge (lost, left the unit); gate devices refuse it from then on."""
    if actor is not None and not covers(
        actor, Badge, "revoke", region_code=badge.region_code, enterprise_id=badge.enterprise_id
    ):
        raise PermissionDenied(_("您无权作废该工牌码。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写作废原因。")})
    badge = Badge.objects.select_for_update().get(pk=badge.pk)
    if badge.revoked_at is not None:
        raise ValidationError(_("该工牌码已作废。"))
    badge.revoked_at = now or timezone.now()
    badge.save(update_fields=["revoked_at"])
    audit.record(
        "place.badge.revoke",
        actor=actor,
        obj=badge,
        changes={"revoked_at": [None, badge.revoked_at.isoformat()]},
        note=reason[:255],
    )
    return badge
