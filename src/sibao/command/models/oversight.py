"""INC-03, CMD-04, CMD-05: shutdown requests decided jointly by the provincial epidemic HQ and the
provincial dispatch HQ (and restrictions imposed without one, which are violations), inspection
control, and rewards and penalties."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


def _user(verbose):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose,
    )


class ShutdownRequest(models.Model):
    """INC-03: a request to shut a whitelisted unit down (停产停工停运), in principle for at most
    ``shutdown_max_days``; approved only when both provincial bodies approve; either refusal
    refuses it. The clock runs from ``starts_at`` to ``ends_at``."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待省级联合决定")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")
        WITHDRAWN = "withdrawn", _("已撤回")
        ENDED = "ended", _("已结束")

    class Decision(models.TextChoices):
        PENDING = "", _("待决定")
        APPROVE = "approve", _("同意")
        REJECT = "reject", _("不同意")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="shutdown_requests",
        verbose_name=_("单位"),
    )
    incident = models.ForeignKey(
        "command.Incident",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("关联事件"),
    )
    reason = models.TextField(_("申请理由"))
    days = models.PositiveSmallIntegerField(_("申请天数"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    requested_at = models.DateTimeField(_("申请时间"))
    requested_by = _user(_("申请人"))
    epidemic_decision = models.CharField(
        _("省疫情防控指挥部意见"), max_length=8, choices=Decision.choices, blank=True
    )
    epidemic_decided_by = _user(_("省疫情防控指挥部决定人"))
    epidemic_note = models.TextField(_("省疫情防控指挥部说明"), blank=True)
    dispatch_decision = models.CharField(
        _("省经济运行调度指挥部意见"), max_length=8, choices=Decision.choices, blank=True
    )
    dispatch_decided_by = _user(_("省经济运行调度指挥部决定人"))
    dispatch_note = models.TextField(_("省经济运行调度指挥部说明"), blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    starts_at = models.DateTimeField(_("停产开始"), null=True, blank=True)
    ends_at = models.DateTimeField(_("停产结束"), null=True, blank=True)
    expiry_alerted_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)
    rule_version = models.PositiveIntegerField(_("规则版本"), null=True, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("停产停工停运申请")
        verbose_name_plural = _("停产停工停运申请")

    def __str__(self):
        return f"{self.enterprise} {self.days}d #{self.pk}"


class Restriction(models.Model):
    """A restriction actually imposed on a whitelisted unit (shutdown, sealing, stopped
    deliveries …), as found or reported; without an approved shutdown request covering it, it is a
    violation (shown on the dashboard)."""

    class Kind(models.TextChoices):
        SHUTDOWN = "shutdown", _("停产停工停运")
        SEALED = "sealed", _("封控（封门）")
        TRAFFIC = "traffic", _("阻断通行")
        OTHER = "other", _("其他限制措施")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="restrictions",
        verbose_name=_("单位"),
    )
    kind = models.CharField(_("限制措施"), max_length=16, choices=Kind.choices)
    imposed_by = models.CharField(_("实施单位"), max_length=128)
    description = models.TextField(_("情况"))
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    request = models.ForeignKey(
        ShutdownRequest,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="restrictions",
        verbose_name=_("依据的批准申请"),
    )
    is_violation = models.BooleanField(_("违规限制"), default=False)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    recorded_by = _user(_("登记人"))
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["region_code", "is_violation"], name="restriction_flag")]
        verbose_name = _("限制措施")
        verbose_name_plural = _("限制措施")

    def __str__(self):
        return f"{self.enterprise} {self.get_kind_display()}"


class InspectionPurpose(models.TextChoices):
    """D1 六(三): the first three need no approval; the others need the city dispatch HQ's."""

    EPIDEMIC = "epidemic", _("疫情防控")
    WORK_SAFETY = "work_safety", _("安全生产")
    QUARANTINE = "quarantine", _("出入境检疫")
    PRODUCT_QUALITY = "product_quality", _("产品质量")
    ENVIRONMENT = "environment", _("环保")
    CAPACITY = "capacity", _("产能")
    ENFORCEMENT = "enforcement", _("行业执法")
    OTHER = "other", _("其他")


class ProtectedInspection(models.Model):
    """A department's list of inspections that whitelisted units are protected from without the
    city dispatch HQ's prior approval (免检清单)."""

    department = models.ForeignKey(
        "regions.Department",
        models.CASCADE,
        related_name="protected_inspections",
        verbose_name=_("部门"),
    )
    purpose = models.CharField(_("检查类别"), max_length=16, choices=InspectionPurpose.choices)
    items = models.TextField(_("检查事项"))
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code")

    class Meta:
        ordering = ["department_id", "purpose"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "purpose"], name="protected_inspection_once"
            )
        ]
        verbose_name = _("涉企检查事项清单")
        verbose_name_plural = _("涉企检查事项清单")

    def __str__(self):
        return f"{self.department} {self.get_purpose_display()}"


class InspectionRequest(models.Model):
    class Status(models.TextChoices):
        NOT_REQUIRED = "not_required", _("无需审批")
        PENDING = "pending", _("待市级调度指挥部审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")
        DONE = "done", _("已检查")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="inspection_requests",
        verbose_name=_("单位"),
    )
    department = models.ForeignKey(
        "regions.Department", models.PROTECT, related_name="+", verbose_name=_("检查部门")
    )
    purpose = models.CharField(_("检查类别"), max_length=16, choices=InspectionPurpose.choices)
    matters = models.TextField(_("检查事项"))
    planned_on = models.DateField(_("计划日期"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    requested_at = models.DateTimeField(_("申请时间"))
    requested_by = _user(_("申请人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_by = _user(_("审批人"))
    decision_note = models.TextField(_("审批意见"), blank=True)
    inspected_on = models.DateField(_("检查日期"), null=True, blank=True)
    findings = models.TextField(_("检查结果"), blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("涉企检查")
        verbose_name_plural = _("涉企检查")

    def __str__(self):
        return f"{self.enterprise} {self.get_purpose_display()}"


class RewardPenalty(models.Model):
    """CMD-05: a commendation, a duty-fulfilled exemption (尽职免责) for a compliant unit with an
    outbreak, or a talk / notice for "one-size-fits-all" measures or failures — about a unit or a
    region."""

    class Kind(models.TextChoices):
        COMMENDATION = "commendation", _("表扬激励")
        DUTY_EXEMPTION = "duty_exemption", _("尽职免责")
        TALK = "talk", _("约谈")
        NOTICE = "notice", _("通报")

    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="rewards_penalties",
        verbose_name=_("单位"),
    )
    region = models.ForeignKey(
        "regions.Region", models.PROTECT, related_name="+", verbose_name=_("区划")
    )
    reason = models.TextField(_("事由"))
    incident = models.ForeignKey(
        "command.Incident",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("关联事件"),
    )
    decided_on = models.DateField(_("决定日期"))
    decided_by = _user(_("决定人"))
    document = models.CharField(_("文号"), max_length=128, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("奖惩记录")
        verbose_name_plural = _("奖惩记录")

    def __str__(self):
        return f"{self.get_kind_display()} {self.enterprise or self.region}"
