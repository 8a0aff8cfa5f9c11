"""Writes of the cadres area (DEM-06): liaison cadres (包保干部) assigned to whitelisted units.

An assignment is a ``liaison_cadre`` role grant naming the unit (``accounts.RoleGrant``): that
grant is what lets the cadre see, file and rate the unit's demands, so "who is the unit's cadre"
and "what the cadre may see" can never disagree.

Who may assign: ``accounts.actions.grant_role`` lets only holders of ``accounts.rolegrant``
"add" (the system administrator) grant roles; an HQ office cannot. In 万人助万企 practice the
office of the unit's level names the cadres, so this area checks at its own level — the system
administrator over the unit's region (the accounts rule), or the HQ office (``hq_office``) of the
unit's region or above (``workorders.access.is_office_of``) — and then writes the grant through
``grant_role`` as the platform, recording the real actor as ``granted_by`` and in the audit row.

``actor=None`` is the platform itself (the demo seed) and skips the permission check.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from sibao.accounts import actions as account_actions
from sibao.accounts.access import allowing_grants, can
from sibao.accounts.models import RoleGrant, User
from sibao.accounts.roles import Role
from sibao.core import audit
from sibao.core.notifications import notify
from sibao.enterprises.models import WhitelistEntry, WhitelistStatus
from sibao.workorders.access import is_office_of, office_grants
from sibao.workorders.actions.base import now_or, stored

__all__ = [
    "assign_cadre",
    "may_assign",
    "may_manage_cadres",
    "record_cadre_export",
    "unassign_cadre",
]


def may_assign(user, enterprise) -> bool:
    """Whether ``user`` may name or remove the liaison cadres of ``enterprise``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    code = enterprise.region_id
    if any(
        code.startswith(g.region_id) for g in allowing_grants(user, "accounts.rolegrant", "add")
    ):
        return True
    return is_office_of(user, code, "dispatch")


def may_manage_cadres(user) -> bool:
    """Whether ``user`` may assign cadres anywhere at all: an HQ office (the dispatch right) or a
    system administrator (the right to grant roles)."""
    return bool(
        office_grants(user, "dispatch") or allowing_grants(user, "accounts.rolegrant", "add")
    )


def _check(actor, enterprise) -> None:
    if actor is not None and not may_assign(actor, enterprise):
        raise PermissionDenied(_("只有该企业所在辖区的指挥部办公室或系统管理员可以指定包保干部。"))


def _validate(enterprise, user, *, actor) -> None:
    if not user.is_active:
        raise ValidationError({"user": _("该账户已停用，不能担任包保干部。")})
    if user.enterprise_id or any(g.role == Role.ENTERPRISE_ADMIN for g in user.active_grants()):
        raise ValidationError({"user": _("企业账户不能担任包保干部，请选择政府工作人员的账户。")})
    if actor is not None and not can(actor, User, "view", user):
        raise ValidationError({"user": _("该用户不在您的管辖范围内。")})
    listed = WhitelistEntry.objects.filter(
        enterprise=enterprise, status=WhitelistStatus.LISTED
    ).exists()
    if not listed:
        raise ValidationError(
            {
                "enterprise": _("“%(name)s”不在白名单内，包保干部只联系白名单单位。")
                % {"name": enterprise.name}
            }
        )
    taken = RoleGrant.objects.filter(
        user=user, role=Role.LIAISON_CADRE, enterprise=enterprise, is_active=True
    ).exists()
    if taken:
        raise ValidationError(
            {"user": _("%(who)s 已是该企业的包保干部。") % {"who": user.full_name or user.username}}
        )


def assign_cadre(enterprise, user, *, actor, now=None) -> RoleGrant:
    """Name ``user`` a liaison cadre of ``enterprise`` (a whitelisted unit): a ``liaison_cadre``
    grant over the unit's region naming the unit. The cadre is notified."""
    _check(actor, enterprise)
    _validate(enterprise, user, actor=actor)
    now = now_or(now)
    with transaction.atomic():
        grant = account_actions.grant_role(
            user,
            role=Role.LIAISON_CADRE,
            region=enterprise.region,
            actor=None,
            enterprise=enterprise,
        )
        grant.granted_by = actor if getattr(actor, "is_authenticated", False) else None
        grant.granted_at = now
        grant.save(update_fields=["granted_by", "granted_at"])
        audit.record(
            "workorders.assign_cadre",
            actor=actor,
            obj=grant,
            changes={"cadre": [None, user.username]},
            note=enterprise.name,
            region_code=enterprise.region_id,
            enterprise_id=enterprise.pk,
        )
    notify(
        [user],
        stored("您已被指定为“%(name)s”的包保干部", name=enterprise.name),
        body=stored("请在“我的包保企业”中查看该企业的诉求办理情况。"),
        url=reverse("workorders:my_units"),
    )
    return grant


def unassign_cadre(grant, *, actor, now=None) -> None:
    """End a liaison cadre's assignment to its unit (the grant is deactivated, kept for history)."""
    if grant.role != Role.LIAISON_CADRE or grant.enterprise_id is None:
        raise ValidationError(_("该授权不是包保干部授权。"))
    enterprise = grant.enterprise
    _check(actor, enterprise)
    if not grant.is_active:
        raise ValidationError(_("该包保关系已解除。"))
    with transaction.atomic():
        # accounts.revoke_grant refuses every actor but a system admin (and the platform): the
        # check was made above, so the grant is deactivated here, as revoke_grant does
        grant.is_active = False
        grant.save(update_fields=["is_active"])
        audit.record(
            "workorders.unassign_cadre",
            actor=actor,
            obj=grant,
            changes={"cadre": [grant.user.username, None], "is_active": [True, False]},
            note=enterprise.name,
            region_code=enterprise.region_id,
            enterprise_id=enterprise.pk,
        )
    grant.user._active_grants = None
    notify(
        [grant.user],
        stored("您与“%(name)s”的包保关系已解除", name=enterprise.name),
        url=reverse("workorders:my_units"),
    )


def record_cadre_export(*, actor, rows: int, filters: str = "") -> None:
    """An export of the assignments is audited (who took which list)."""
    audit.record(
        "workorders.export_cadres", actor=actor, changes={"rows": rows, "filters": filters}
    )
