import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from sibao.accounts.access import allowing_grants, can
from sibao.accounts.models import ApiToken, RoleGrant, User
from sibao.accounts.roles import EXCLUSIVE_ROLES, Role
from sibao.core import audit, rules


def _manages(actor, model_label: str, action: str, region) -> bool:
    """An account manager acts only inside the region subtree of their own grant."""
    code = region.code if region is not None else ""
    return any(code.startswith(g.region_id) for g in allowing_grants(actor, model_label, action))


def record_login_failure(username: str) -> User | None:
    """Count a failed password; lock the account when the rule set's threshold is reached.

    Returns the user if the name exists, so the caller can say when the lock ends.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            # platform-level event: filed under the province so that system admins see it
            audit.record(
                "auth.login_failed", note=f"unknown user name: {username[:64]}", region_code="41"
            )
            return None
        ruleset = rules.current()
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        changes = {"failed_logins": [user.failed_logins - 1, user.failed_logins]}
        if user.failed_logins >= ruleset["login_max_failures"]:
            user.locked_until = timezone.now() + datetime.timedelta(
                minutes=ruleset["login_lockout_minutes"]
            )
            user.failed_logins = 0
            user.save(update_fields=["locked_until", "failed_logins"])
            audit.record(
                "auth.locked", actor=None, obj=user, changes=changes, rule_version=ruleset.version
            )
        else:
            audit.record(
                "auth.login_failed", obj=user, changes=changes, rule_version=ruleset.version
            )
        return user


def record_login_success(user: User) -> None:
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["failed_logins", "locked_until"])
    audit.record("auth.login", actor=user, obj=user)


def pending_totp_device(user: User) -> TOTPDevice:
    """The unconfirmed TOTP device a user is setting up (made on first need)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
    return device


@transaction.atomic
def pass_second_factor(user: User, token: str) -> TOTPDevice | None:
    """Check a TOTP code against the user's devices; a first good code confirms a new device.

    Returns the device that accepted the code (audited), or None.
    """
    device = match_token(user, token)
    if device is None:
        pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if pending is not None and pending.verify_token(token):
            pending.confirmed = True
            pending.save(update_fields=["confirmed"])
            audit.record("auth.two_factor_enrolled", actor=user, obj=user)
            device = pending
    if device is not None:
        audit.record("auth.two_factor", actor=user, obj=user)
    return device


def record_logout(user: User) -> None:
    audit.record("auth.logout", actor=user, obj=user)


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str,
    actor,
    full_name: str = "",
    phone: str = "",
    region=None,
    enterprise=None,
) -> User:
    """Create an account. Passwords go through the validators: no weak or default passwords."""
    if actor is not None and not _manages(actor, "accounts.user", "add", region):
        raise PermissionDenied(_("无权在该辖区创建用户。"))
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("该用户名已存在。")})
    user = User(
        username=username, full_name=full_name, phone=phone, region=region, enterprise=enterprise
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(
        "accounts.create_user", actor=actor, obj=user, changes={"username": [None, username]}
    )
    return user


@transaction.atomic
def grant_role(
    user: User, *, role: str, region, actor, industry=None, department=None, enterprise=None
) -> RoleGrant:
    if actor is not None and not _manages(actor, "accounts.rolegrant", "add", region):
        raise PermissionDenied(_("无权授予角色：目标辖区超出您的管理范围。"))
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied(_("不能给自己授予角色。"))
    held = set(user.grants.filter(is_active=True).values_list("role", flat=True))
    for exclusive in EXCLUSIVE_ROLES:
        if role in exclusive and held & (exclusive - {role}):
            raise ValidationError(
                {
                    "role": _(
                        "系统管理员与安全审计员须由不同人员担任（三员分立），该用户已有%(held)s角色。"
                    )
                    % {"held": "、".join(str(Role(r).label) for r in sorted(held & exclusive))}
                }
            )
    grant = RoleGrant(
        user=user,
        role=role,
        region=region,
        industry=industry,
        department=department,
        enterprise=enterprise,
        granted_by=actor,
    )
    grant.full_clean()
    grant.save()
    user._active_grants = None
    audit.record(
        "accounts.grant_role",
        actor=actor,
        obj=grant,
        changes={"role": [None, role]},
        region_code=region.code,
    )
    return grant


@transaction.atomic
def revoke_grant(grant: RoleGrant, *, actor) -> None:
    if not can(actor, RoleGrant, "change", grant):
        raise PermissionDenied(_("无权撤销该授权。"))
    grant.is_active = False
    grant.save(update_fields=["is_active"])
    audit.record(
        "accounts.revoke_grant",
        actor=actor,
        obj=grant,
        changes={"is_active": [True, False]},
        region_code=grant.region_id,
    )


@transaction.atomic
def change_password(user: User, *, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("原密码不正确。")})
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record("auth.change_password", actor=user, obj=user)


@transaction.atomic
def create_api_token(
    user: User, *, name: str, actor, days: int | None = None
) -> tuple[ApiToken, str]:
    """A token for a system or device acting as ``user``. The key is shown once and not stored."""
    if actor != user and not can(actor, User, "change", user):
        raise PermissionDenied(_("无权为该用户创建令牌。"))
    if not name.strip():
        raise ValidationError({"name": _("请填写令牌用途。")})
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=key[3:11],
        key_hash=ApiToken.hash_key(key),
        expires_at=timezone.now() + datetime.timedelta(days=days) if days else None,
    )
    audit.record("accounts.create_token", actor=actor, obj=user, note=token.name)
    return token, key


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor) -> None:
    if actor != token.user and not can(actor, User, "change", token.user):
        raise PermissionDenied(_("无权吊销该令牌。"))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record("accounts.revoke_token", actor=actor, obj=token.user, note=token.name)


def reveal_phone(user: User, *, actor) -> str:
    """PLAT-03: the phone number in the clear, for one who may unmask it; the read is audited."""
    if not can(actor, User, "unmask", user):
        raise PermissionDenied(_("无权查看完整手机号。"))
    audit.record("personal_data.read", actor=actor, obj=user, note="phone")
    return user.phone
