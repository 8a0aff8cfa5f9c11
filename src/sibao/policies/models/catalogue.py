"""POL-01: the policy catalogue. A policy is versioned like a criteria set: ``series`` names the
policy across versions, a new version starts as a draft copy of the published one, publishing it
supersedes the old one, and a published version is never edited again (every match can always be
re-explained against the version that produced it). Eligibility is the conjunction of the
policy's conditions, each an eligibility tree (``core.eligibility`` over the enterprise attribute
catalogue ``enterprises.facts``) citing its clause."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


class PolicyCategory(models.TextChoices):
    """The ten kinds of support of D1 六(一)."""

    VAT_REFUND = "vat_refund", _("留抵退税")
    TAX_RELIEF = "tax_relief", _("税费减免")
    FISCAL_AWARD = "fiscal_award", _("财政奖补")
    CREDIT = "credit", _("金融信贷")
    SUPPLY_PRICE = "supply_price", _("保供稳价")
    SOCIAL_INSURANCE = "social_insurance", _("社会保险")
    JOB_RETENTION = "job_retention", _("援企稳岗")
    EMPLOYMENT = "employment", _("就业创业")
    LABOUR = "labour", _("用工保障")
    UTILITIES = "utilities", _("用电用水用气")


class ApplicationRoute(models.TextChoices):
    NO_APPLICATION = "no_application", _("免申即享")
    QUICK = "quick", _("快申快享")
    STANDARD = "standard", _("依申请办理")


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被新版本替代")
    WITHDRAWN = "withdrawn", _("已废止")


class Policy(models.Model):
    series = models.CharField(_("政策编号"), max_length=32)
    version = models.PositiveIntegerField(_("版本"), default=1)
    title = models.CharField(_("政策名称"), max_length=200)
    department = models.ForeignKey(
        "regions.Department", models.PROTECT, related_name="policies", verbose_name=_("发布部门")
    )
    category = models.CharField(_("政策类别"), max_length=24, choices=PolicyCategory.choices)
    document = models.CharField(_("政策文件"), max_length=200, blank=True)
    summary = models.TextField(_("政策内容"), blank=True)
    benefit = models.CharField(_("支持标准"), max_length=255)
    # the expected amount per eligible enterprise when the policy pays one (for "by amount" rates)
    benefit_amount = models.DecimalField(
        _("预计享受金额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    route = models.CharField(
        _("兑现方式"),
        max_length=16,
        choices=ApplicationRoute.choices,
        default=ApplicationRoute.STANDARD,
    )
    how_to_apply = models.TextField(_("申报渠道和流程"), blank=True)
    materials = models.TextField(_("申报材料"), blank=True)
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    # the reserve entry it came from (POL-05), if any
    draft = models.ForeignKey(
        "policies.PolicyDraft",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="policies",
        verbose_name=_("政策储备"),
    )
    # the issuing department's region: a county's policy applies to its county's enterprises
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code")

    class Meta:
        ordering = ["series", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["series", "version"], name="policy_version_unique"),
            models.UniqueConstraint(
                fields=["series"],
                condition=models.Q(status="published"),
                name="one_published_version_per_policy",
            ),
        ]
        indexes = [models.Index(fields=["status", "valid_to"], name="policy_active")]
        verbose_name = _("惠企政策")
        verbose_name_plural = _("惠企政策")

    def __str__(self):
        return f"{self.title}（v{self.version}）"


class PolicyCondition(models.Model):
    """One condition of a policy: an eligibility tree and the clause of the policy text it
    implements."""

    policy = models.ForeignKey(
        Policy, models.CASCADE, related_name="conditions", verbose_name=_("政策")
    )
    title = models.CharField(_("条件"), max_length=200)
    clause = models.CharField(_("政策依据（条款）"), max_length=200)
    expression = models.JSONField(_("判定规则"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["policy_id", "order", "id"]
        verbose_name = _("享受条件")
        verbose_name_plural = _("享受条件")

    def __str__(self):
        return self.title
