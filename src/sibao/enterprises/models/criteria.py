from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


class CriteriaStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被新版本替代")


class CriteriaSet(models.Model):
    """WL-03, WL-11: one version of an industry department's whitelist selection standards, with
    the industry prevention guide and its self-assessment checklist.

    A new version starts as a draft copy of the published one; publishing it supersedes the old
    one. Published versions are public (no login) and never edited again: applications evaluated
    against a version can always be re-explained.
    """

    industry = models.ForeignKey(
        "regions.IndustryDomain",
        models.PROTECT,
        related_name="criteria_sets",
        verbose_name=_("行业领域"),
    )
    department = models.ForeignKey(
        "regions.Department",
        models.PROTECT,
        related_name="criteria_sets",
        verbose_name=_("制定部门"),
    )
    version = models.PositiveIntegerField(_("版本"))
    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("说明"), blank=True)
    guide = models.TextField(
        _("行业防控指南"),
        blank=True,
        help_text=_("场所设置、设施配备、流程管理、人员管理、生活保障等要求。"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=CriteriaStatus.choices, default=CriteriaStatus.DRAFT
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
    # copied from the department so that scoping is one prefix match (core.scoping)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", industry="industry_id")

    class Meta:
        ordering = ["industry__sort_order", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "industry", "version"], name="criteria_version_unique"
            ),
        ]
        verbose_name = _("入选标准")
        verbose_name_plural = _("入选标准")

    def __str__(self):
        return f"{self.title}（第 {self.version} 版）"

    @property
    def is_editable(self) -> bool:
        return self.status == CriteriaStatus.DRAFT


class Criterion(models.Model):
    """One selection criterion. ``expression`` is an eligibility tree (core.eligibility) over the
    enterprise attribute catalogue; a criterion without one needs a reviewer's judgement.

    ``tier`` empty: a basic requirement for every tier; otherwise the criterion must hold for that
    service tier (alternatives inside one criterion are an ``or`` in its tree)."""

    criteria_set = models.ForeignKey(
        CriteriaSet, models.CASCADE, related_name="criteria", verbose_name=_("入选标准")
    )
    code = models.CharField(_("编号"), max_length=16)
    title = models.CharField(_("条件"), max_length=200)
    tier = models.CharField(
        _("适用层级"),
        max_length=16,
        blank=True,
        choices=[("province", _("省级")), ("city", _("市级")), ("county", _("县级"))],
        help_text=_("留空表示各层级均须满足的基本条件。"),
    )
    expression = models.JSONField(_("判定规则"), null=True, blank=True)
    needs_review = models.BooleanField(
        _("需人工审核"), default=False, help_text=_("无法由数据自动判定，由部门审核人判断。")
    )
    clause = models.CharField(_("依据"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["criteria_set_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "code"], name="criterion_code_unique"),
        ]
        verbose_name = _("入选条件")
        verbose_name_plural = _("入选条件")

    def __str__(self):
        return f"{self.code} {self.title}"


class ChecklistSection(models.TextChoices):
    SITE = "site", _("场所设置")
    FACILITIES = "facilities", _("设施配备")
    PROCESS = "process", _("流程管理")
    STAFF = "staff", _("人员管理")
    LIVING = "living", _("生活保障")


class ChecklistItem(models.Model):
    """WL-11: one item of the prevention guide's self-assessment checklist."""

    criteria_set = models.ForeignKey(
        CriteriaSet, models.CASCADE, related_name="checklist", verbose_name=_("入选标准")
    )
    section = models.CharField(_("类别"), max_length=16, choices=ChecklistSection.choices)
    text = models.CharField(_("检查内容"), max_length=300)
    is_mandatory = models.BooleanField(_("必须满足"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["criteria_set_id", "order", "id"]
        verbose_name = _("自查项")
        verbose_name_plural = _("自查项")

    def __str__(self):
        return self.text


class SelfAssessment(models.Model):
    """WL-11: an enterprise's answers to one checklist (``answers``: item id -> yes/no/na + note).
    ``passed``: every mandatory item answered yes."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="self_assessments",
        verbose_name=_("企业"),
    )
    criteria_set = models.ForeignKey(
        CriteriaSet, models.PROTECT, related_name="self_assessments", verbose_name=_("入选标准")
    )
    answers = models.JSONField(_("自查结果"), default=dict)
    passed = models.BooleanField(_("全部必查项达标"), default=False)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("防控自查")
        verbose_name_plural = _("防控自查")

    def __str__(self):
        return f"{self.enterprise} {self.submitted_at:%Y-%m-%d}"
