from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager, ScopedQuerySet
from sibao.core.workflow import Transition, Workflow


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
    # the hash chain (core.auditchain): set once by the sealer after the row is committed; null
    # while the row is not sealed yet
    seq = models.PositiveBigIntegerField(_("链序号"), null=True, blank=True, unique=True)
    digest = models.CharField(_("链摘要"), max_length=64, blank=True)

    objects = AuditLogQuerySet.as_manager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # the object's history on its detail page
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_history"),
            # the sealer's work list: rows not chained yet, in id order
            models.Index(
                fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed"
            ),
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


class AuditChainHead(models.Model):
    """The end of the audit hash chain: one row (pk 1), locked by every seal run so that sealers
    take turns. Holds the last sealed ``seq`` and its ``digest``."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(_("链序号"), default=0)
    digest = models.CharField(_("链摘要"), max_length=64, blank=True)
    sealed_at = models.DateTimeField(_("封存时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self):
        return f"#{self.seq}"


class AuditCheckpointKind(models.TextChoices):
    SEAL = "seal", _("封存")
    PURGE = "purge", _("清理锚点")


class AuditCheckpoint(models.Model):
    """A point of the audit chain written down: after each seal run the last sealed row's seq and
    digest (``seal``), before a purge the last purged row's (``purge``: the anchor the chain is
    verified from afterwards). ``mac`` authenticates the checkpoint itself with the chain key, so
    a checkpoint cannot be forged without the application key. Append-only."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("类型"), max_length=8, choices=AuditCheckpointKind.choices)
    seq = models.PositiveBigIntegerField(_("链序号"))
    digest = models.CharField(_("链摘要"), max_length=64)
    at = models.DateTimeField(_("时间"))
    mac = models.CharField(_("校验码"), max_length=64)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            # the latest checkpoint, the latest purge anchor
            models.Index(fields=["seq"], name="audit_checkpoint_seq"),
            models.Index(fields=["kind", "seq"], name="audit_checkpoint_kind_seq"),
        ]
        verbose_name = _("审计链检查点")
        verbose_name_plural = _("审计链检查点")

    def __str__(self):
        return f"{self.kind} #{self.seq}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit checkpoints cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit checkpoints cannot be deleted")


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


# --- outbox: messages to phones and other channels (MON-05) ---


class OutboxChannel(models.TextChoices):
    SMS = "sms", _("短信")
    WECOM = "wecom", _("政务微信")
    EMAIL = "email", _("邮件")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    CANCELLED = "cancelled", _("已取消")


class OutboxMessage(models.Model):
    """A message leaving the platform through a channel (SMS, 政务微信, e-mail) and its delivery
    state. ``core.outbox`` queues and sends them with the sender configured per channel; a
    failure is retried with a growing delay until the rule set's maximum, then the message is
    failed. The recipient is either a phone number (stored encrypted and masked, e.g. a roster
    phone) or a platform user, whose address the sender reads at the last moment. The body never
    contains an ID number or a phone number in clear.

    ``region_code`` and ``enterprise_id`` are copied from what the message is about, so that the
    outbox is scoped like the data it speaks of (one prefix match, no join).
    """

    id = models.BigAutoField(primary_key=True)
    channel = models.CharField(
        _("渠道"), max_length=8, choices=OutboxChannel.choices, default=OutboxChannel.SMS
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("接收用户"),
    )
    person_key = models.CharField(_("人员标识"), max_length=64, blank=True)
    phone_encrypted = models.TextField(_("手机号码（加密）"), blank=True)
    phone_masked = models.CharField(_("手机号码"), max_length=11, blank=True)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.CharField(_("内容"), max_length=500)
    dedupe_key = models.CharField(_("去重键"), max_length=160, unique=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    # pending: due from this time; sending: the claim lapses at this time (then it is queued again)
    next_attempt_at = models.DateTimeField(
        _("下次发送时间"), null=True, blank=True, default=timezone.now
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=255, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    enterprise_id = models.BigIntegerField(_("单位"), null=True, blank=True)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")
    # what people do to a message; the sender's own moves (pending → sending → sent, a retry
    # scheduled, given up) are conditional bulk updates in ``core.outbox``, counted in
    # ``attempts`` and ``last_error`` rather than in the history
    workflow = Workflow(
        Transition(OutboxStatus.FAILED, "retry", OutboxStatus.PENDING),
        Transition(OutboxStatus.PENDING, "cancel", OutboxStatus.CANCELLED),
        labels=OutboxStatus,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the sender's claim: due pending messages and lapsed claims, oldest first
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            # the outbox page of a region, newest first
            models.Index(fields=["region_code", "-created_at"], name="outbox_by_region"),
        ]
        verbose_name = _("外发消息")
        verbose_name_plural = _("外发消息")

    def __str__(self):
        return f"{self.get_channel_display()} {self.recipient_label} {self.body[:20]}"

    @property
    def recipient_label(self) -> str:
        """Who the message goes to, masked: the phone, else the user."""
        if self.phone_masked:
            return self.phone_masked
        if self.recipient_id is not None:
            return str(self.recipient)
        return ""

    def can_retry(self) -> bool:
        return self.status == OutboxStatus.FAILED

    def can_cancel(self) -> bool:
        return self.status == OutboxStatus.PENDING
