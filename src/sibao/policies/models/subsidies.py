"""POL-06 and POL-03: subsidy calculations traceable to the rule-set version, and the follow-up
tasks that "应享未享" lists become for the granting department."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


class SubsidyCalculation(models.Model):
    """One run of a named calculator (``policies.calculators``) with its inputs, its result
    (amounts and their split) and the rule-set version it read."""

    calculator = models.CharField(_("测算项目"), max_length=32)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="subsidy_calculations",
        verbose_name=_("企业"),
    )
    inputs = models.JSONField(_("测算依据"), default=dict)
    result = models.JSONField(_("测算结果"), default=dict)
    total = models.DecimalField(_("补贴金额（元）"), max_digits=16, decimal_places=2)
    rule_version = models.PositiveIntegerField(_("规则版本"))
    calculated_at = models.DateTimeField(_("测算时间"), auto_now_add=True)
    calculated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("测算人"),
    )
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-calculated_at", "-id"]
        verbose_name = _("补贴测算")
        verbose_name_plural = _("补贴测算")

    def __str__(self):
        return f"{self.calculator} {self.total}"


class FollowUpTask(models.Model):
    """POL-03: an "应享未享" follow-up for the granting department: the eligible enterprises of
    one policy in one region that have not received the benefit, with an owner and a deadline.
    (Work orders of the demands module take these over when that module exists.)"""

    class Status(models.TextChoices):
        OPEN = "open", _("待跟进")
        DONE = "done", _("已完成")

    policy = models.ForeignKey(
        "policies.Policy", models.CASCADE, related_name="follow_ups", verbose_name=_("政策")
    )
    department = models.ForeignKey(
        "regions.Department", models.PROTECT, related_name="+", verbose_name=_("责任部门")
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    enterprise_count = models.PositiveIntegerField(_("应享未享企业数"))
    due_on = models.DateField(_("完成时限"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(_("跟进结果"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ScopedManager()
    scope = Scope(region="region_code")

    class Meta:
        ordering = ["status", "due_on", "id"]
        verbose_name = _("应享未享跟进任务")
        verbose_name_plural = _("应享未享跟进任务")

    def __str__(self):
        return f"{self.policy_id} {self.region_code}"
