from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedQuerySet


class AppendOnlyError(Exception):
    """Raised when code tries to rewrite or delete an append-only record."""


class AuditLogQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit log rows cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit log rows cannot be deleted")


class AuditLog(models.Model):
    """One action or one read of personal data: who, in which role, what, on which object, when,
    from where, with the changed fields before and after.

    ``region_code`` and ``enterprise_id`` are copied from the object so that scoping the log is a
    prefix match on one column instead of a join per object type.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    actor_roles = models.CharField(_("角色"), max_length=255, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=255, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    note = models.TextField(_("说明"), blank=True)
    client_address = models.GenericIPAddressField(_("客户端地址"), null=True, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True, db_index=True)
    enterprise_id = models.BigIntegerField(null=True, blank=True)
    rule_version = models.PositiveIntegerField(_("规则版本"), null=True, blank=True)

    objects = AuditLogQuerySet.as_manager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # the object's history on its detail page
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_history"),
        ]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit log rows cannot be updated")
        super().save(*args, **kwargs)

    @property
    def change_list(self) -> list[tuple]:
        """(field, before, after) per changed field, for display. A field recorded as a single
        value (not an [old, new] pair) is shown as set from nothing; any key name is safe (a
        template's ``changes.items`` would read a field called "items" instead)."""
        rows = []
        for field, value in (self.changes or {}).items():
            if isinstance(value, list | tuple) and len(value) == 2:
                rows.append((field, value[0], value[1]))
            else:
                rows.append((field, None, value))
        return rows

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit log rows cannot be deleted")


class RuleSetVersion(models.Model):
    """One version of the rule set: the full value of every policy parameter at that version.

    A new version is written for every change; old versions are never edited, so a decision that
    records its version can always be re-explained.
    """

    number = models.PositiveIntegerField(_("版本号"), unique=True)
    values = models.JSONField(_("参数值"), default=dict)
    changed_key = models.CharField(_("变更参数"), max_length=64, blank=True)
    reason = models.TextField(_("变更理由"), blank=True)
    created_at = models.DateTimeField(_("生效时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("变更人"),
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = _("规则集版本")
        verbose_name_plural = _("规则集版本")

    def __str__(self):
        return f"v{self.number}"


class TransitionRecord(models.Model):
    """One step of a lifecycle (core.workflow): which object, from which state by which action to
    which state, who did it and why. Append-only, like the audit log, and scoped the same way."""

    id = models.BigAutoField(primary_key=True)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64)
    action = models.CharField(_("操作"), max_length=64)
    source = models.CharField(_("原状态"), max_length=32, blank=True)
    target = models.CharField(_("新状态"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    note = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    enterprise_id = models.BigIntegerField(null=True, blank=True)

    objects = AuditLogQuerySet.as_manager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # the history panel of one object
            models.Index(fields=["object_type", "object_id", "at"], name="transition_history"),
        ]
        verbose_name = _("状态流转记录")
        verbose_name_plural = _("状态流转记录")

    def __str__(self):
        return f"{self.object_type}#{self.object_id} {self.source}→{self.target}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("transition records cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("transition records cannot be deleted")


class Notification(models.Model):
    """A message in one user's inbox (the platform's own channel; SMS goes through an outbox
    later). ``url`` leads to the object the message is about."""

    id = models.BigAutoField(primary_key=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the unread badge and the inbox of one user
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox"),
        ]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self):
        return self.title
