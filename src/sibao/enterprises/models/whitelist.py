from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager
from sibao.core.workflow import Transition, Workflow


class ServiceTier(models.TextChoices):
    """WL-06: the level that serves a whitelisted unit (分级保障服务)."""

    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


TIER_ORDER = [ServiceTier.PROVINCE, ServiceTier.CITY, ServiceTier.COUNTY]


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("退回补充材料")
    APPROVED = "approved", _("审核通过")
    AUTO_ADMITTED = "auto_admitted", _("达标自动纳入")
    REFUSED = "refused", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")


REVIEWERS = frozenset({"department_staff", "hq_office"})
APPLICANTS = frozenset({"enterprise_admin", "liaison_cadre", "department_staff"})

APPLICATION_WORKFLOW = Workflow(
    Transition("submitted", "auto_admit", "auto_admitted"),
    Transition("submitted", "approve", "approved", REVIEWERS),
    Transition("submitted", "refuse", "refused", REVIEWERS),
    Transition("submitted", "return", "returned", REVIEWERS),
    Transition("returned", "resubmit", "submitted", APPLICANTS),
    Transition(("submitted", "returned"), "withdraw", "withdrawn", APPLICANTS),
    labels=ApplicationStatus,
)


class WhitelistApplication(models.Model):
    """WL-04: a unit's application to the whitelist of its industry, evaluated at once against the
    published criteria; ``evaluation`` keeps the per-criterion result with the facts it read and
    ``rule_version`` the rule set in force, so the decision can be re-explained later.

    Review queues put city-operation-guarantee units first (``is_city_operation`` copied here).
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="applications",
        verbose_name=_("申报单位"),
    )
    criteria_set = models.ForeignKey(
        "enterprises.CriteriaSet",
        models.PROTECT,
        related_name="applications",
        verbose_name=_("适用标准"),
    )
    requested_tier = models.CharField(
        _("申请层级"), max_length=16, choices=ServiceTier.choices, blank=True
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    statement = models.TextField(_("申报说明"), blank=True)
    evaluation = models.JSONField(_("标准核验结果"), default=dict)
    qualified_tier = models.CharField(
        _("自动核验达标层级"), max_length=16, choices=ServiceTier.choices, blank=True
    )
    review = models.JSONField(_("逐项审核意见"), default=dict, blank=True)
    decision_reason = models.TextField(_("审核意见"), blank=True)
    granted_tier = models.CharField(
        _("核定层级"), max_length=16, choices=ServiceTier.choices, blank=True
    )
    rule_version = models.PositiveIntegerField(_("规则版本"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申报人"),
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    # copied from the enterprise: scoping (core.scoping) and the review queue's ordering
    region_code = models.CharField(_("区划代码"), max_length=12)
    industry = models.ForeignKey(
        "regions.IndustryDomain", models.PROTECT, related_name="+", verbose_name=_("行业领域")
    )
    is_city_operation = models.BooleanField(_("城市运行保障"), default=False)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id", industry="industry_id")
    workflow = APPLICATION_WORKFLOW

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            # the review queue: open applications, city-operation units first, oldest first
            models.Index(
                fields=["status", "-is_city_operation", "submitted_at"], name="application_queue"
            ),
        ]
        verbose_name = _("白名单申报")
        verbose_name_plural = _("白名单申报")

    def __str__(self):
        return f"{self.enterprise} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED)


class WhitelistStatus(models.TextChoices):
    LISTED = "listed", _("在册")
    REMOVED = "removed", _("已移出")


class WhitelistEntry(models.Model):
    """A unit's place on the whitelist of its industry: one row per unit, kept after removal so
    that re-admission continues the same history (``WhitelistChange``).

    ``tier`` is the service tier (WL-06). A park or bonded zone entry covers its members.
    """

    enterprise = models.OneToOneField(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="whitelist_entry",
        verbose_name=_("单位"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=WhitelistStatus.choices, default=WhitelistStatus.LISTED
    )
    tier = models.CharField(_("服务层级"), max_length=16, choices=ServiceTier.choices)
    listed_at = models.DateTimeField(_("纳入时间"))
    removed_at = models.DateTimeField(_("移出时间"), null=True, blank=True)
    application = models.ForeignKey(
        WhitelistApplication,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申报"),
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    industry = models.ForeignKey(
        "regions.IndustryDomain", models.PROTECT, related_name="+", verbose_name=_("行业领域")
    )

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id", industry="industry_id")

    class Meta:
        ordering = ["region_code", "enterprise_id"]
        indexes = [
            # coverage and lists: listed units of an industry under a region prefix
            models.Index(fields=["status", "industry", "region_code"], name="whitelist_coverage"),
        ]
        verbose_name = _("白名单单位")
        verbose_name_plural = _("白名单单位")

    def __str__(self):
        return f"{self.enterprise}（{self.get_tier_display()}）"

    @property
    def is_listed(self) -> bool:
        return self.status == WhitelistStatus.LISTED


class WhitelistBatch(models.Model):
    """WL-05: a published list (第一批, 第二批 …) of one department's region and industry: the
    units added and removed since the previous batch. Published batches are public."""

    region = models.ForeignKey(
        "regions.Region", models.PROTECT, related_name="+", verbose_name=_("发布区划")
    )
    industry = models.ForeignKey(
        "regions.IndustryDomain", models.PROTECT, related_name="+", verbose_name=_("行业领域")
    )
    number = models.PositiveIntegerField(_("批次"))
    title = models.CharField(_("标题"), max_length=200)
    note = models.TextField(_("说明"), blank=True)
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )

    objects = ScopedManager()
    # region__code, not region_id: a prefix lookup is not allowed on the foreign key itself, and
    # the code is the region's primary key, so this still reads the batch's own column
    scope = Scope(region="region__code", industry="industry_id")

    class Meta:
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "industry", "number"], name="batch_number_unique"
            ),
        ]
        verbose_name = _("白名单批次")
        verbose_name_plural = _("白名单批次")

    def __str__(self):
        return self.title


class WhitelistChangeKind(models.TextChoices):
    ADDED = "added", _("纳入")
    REMOVED = "removed", _("移出")
    TIER_CHANGED = "tier_changed", _("调整服务层级")
    FUSED = "fused", _("熔断移出")


class WhitelistChange(models.Model):
    """One change of a unit's whitelist status, with its reason: the unit's whitelist history.
    A change belongs to the first batch published after it (``batch`` empty until then)."""

    entry = models.ForeignKey(
        WhitelistEntry, models.CASCADE, related_name="changes", verbose_name=_("白名单单位")
    )
    kind = models.CharField(_("变更"), max_length=16, choices=WhitelistChangeKind.choices)
    tier = models.CharField(_("服务层级"), max_length=16, choices=ServiceTier.choices, blank=True)
    reason = models.TextField(_("理由"))
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    batch = models.ForeignKey(
        WhitelistBatch,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("批次"),
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    industry = models.ForeignKey(
        "regions.IndustryDomain", models.PROTECT, related_name="+", verbose_name=_("行业领域")
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.CASCADE, related_name="+", verbose_name=_("单位")
    )

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id", industry="industry_id")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # publishing a batch: the unpublished changes of an industry under a region prefix
            models.Index(fields=["industry", "batch", "region_code"], name="change_unpublished"),
        ]
        verbose_name = _("白名单变更")
        verbose_name_plural = _("白名单变更")

    def __str__(self):
        return f"{self.enterprise} {self.get_kind_display()}"


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    INVITED = "invited", _("已邀请申报")
    DISMISSED = "dismissed", _("不予纳入")


class InclusionProposal(models.Model):
    """WL-08: a non-whitelisted unit proposed to its department because a linked unit joined the
    whitelist (链式保障)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="inclusion_proposals",
        verbose_name=_("被推荐单位"),
    )
    because_of = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="+",
        verbose_name=_("关联的白名单单位"),
    )
    link = models.ForeignKey(
        "enterprises.SupplyLink",
        models.CASCADE,
        related_name="proposals",
        verbose_name=_("产业链关系"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    note = models.TextField(_("处理意见"), blank=True)
    created_at = models.DateTimeField(_("推荐时间"), auto_now_add=True)
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    industry = models.ForeignKey(
        "regions.IndustryDomain", models.PROTECT, related_name="+", verbose_name=_("行业领域")
    )

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id", industry="industry_id")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "link"], name="proposal_once_per_link"),
        ]
        verbose_name = _("链式推荐")
        verbose_name_plural = _("链式推荐")

    def __str__(self):
        return f"{self.enterprise} ← {self.because_of}"
