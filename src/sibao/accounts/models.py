import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.accounts.roles import REQUIRED_TARGET, REQUIRES_TWO_FACTOR, Role
from sibao.core.masking import mask_phone
from sibao.core.personal import decrypt, encrypt
from sibao.core.scoping import Scope, ScopedQuerySet
from sibao.regions.models import IndustryDomain


class UserManager(DjangoUserManager.from_queryset(ScopedQuerySet)):
    """Django's user manager (create_user …) over the scoped query set."""


class User(AbstractUser):
    """A person who signs in: an official, an enterprise's prevention task force, an operator.

    ``region`` is the user's home jurisdiction, used to scope who may see the account; what the
    user may see is decided by their role grants, not by this field.
    """

    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    # PLAT-03: the phone is kept encrypted (``core.personal.encrypt``); screens show the mask. The
    # ``phone`` property reads and writes the clear value, so callers never touch ciphertext.
    phone_encrypted = models.TextField(_("手机号（加密）"), blank=True)
    phone_masked = models.CharField(_("手机号"), max_length=20, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("所属区划"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("所属企业"),
    )
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    objects = UserManager()
    scope = Scope(region="region__code", enterprise="enterprise_id")

    class Meta:
        ordering = ["username"]
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.full_name or self.username

    @property
    def phone(self) -> str:
        return decrypt(self.phone_encrypted)

    @phone.setter
    def phone(self, value: str) -> None:
        text = (value or "").strip()
        self.phone_encrypted = encrypt(text)
        self.phone_masked = mask_phone(text)

    def is_locked(self, now=None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())

    def active_grants(self) -> list["RoleGrant"]:
        """The user's grants, loaded once per user object (one request)."""
        cached = getattr(self, "_active_grants", None)
        if cached is None:
            if not self.pk or not self.is_active:
                cached = []
            else:
                cached = list(
                    self.grants.filter(is_active=True).select_related(
                        "region", "department", "enterprise", "industry"
                    )
                )
            self._active_grants = cached
        return cached

    def roles(self) -> set[str]:
        return {grant.role for grant in self.active_grants()}

    @property
    def requires_two_factor(self) -> bool:
        return bool(self.roles() & REQUIRES_TWO_FACTOR)


class RoleGrant(models.Model):
    """One role over a region subtree, optionally narrowed to an industry, department or enterprise."""

    user = models.ForeignKey(User, models.CASCADE, related_name="grants", verbose_name=_("用户"))
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region", models.PROTECT, related_name="+", verbose_name=_("辖区")
    )
    industry = models.ForeignKey(
        "regions.IndustryDomain",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("行业领域"),
    )
    department = models.ForeignKey(
        "regions.Department",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("部门"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("企业"),
    )
    is_active = models.BooleanField(_("有效"), default=True)
    granted_by = models.ForeignKey(
        User, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("授权人")
    )
    granted_at = models.DateTimeField(_("授权时间"), default=timezone.now)

    scope = Scope(region="region__code", enterprise="enterprise_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["user_id", "role"]
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")

    def __str__(self):
        target = self.enterprise or self.department or self.industry or ""
        return f"{self.get_role_display()} · {self.region}{(' · ' + str(target)) if target else ''}"

    def clean(self):
        required = REQUIRED_TARGET.get(self.role)
        if required and not getattr(self, f"{required}_id"):
            label = {"department": _("部门"), "enterprise": _("企业")}[required]
            raise ValidationError({required: _("该角色必须指定%(target)s。") % {"target": label}})
        for field in ("department", "enterprise"):
            target = getattr(self, field)
            if target is not None and not target.region_id.startswith(self.region_id):
                raise ValidationError({field: _("所选对象不在授权辖区内。")})

    def industry_codes(self):
        """Industries this grant is narrowed to (codes, or a subquery of them), or None for all."""
        if self.industry_id:
            return [self.industry_id]
        if self.department_id:
            # a subquery: scoping a department grant costs no extra round trip
            return IndustryDomain.objects.filter(competent_department=self.department.kind).values(
                "code"
            )
        return None


class ApiToken(models.Model):
    """A bearer token for a system or device; only a hash of the key is stored."""

    user = models.ForeignKey(
        User, models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("用途"), max_length=64)
    prefix = models.CharField(_("前缀"), max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最后使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "sb_" + secrets.token_urlsafe(32)

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
