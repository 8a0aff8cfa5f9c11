from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


class SpotCheckResult(models.TextChoices):
    PASSED = "passed", _("合格")
    RECTIFY = "rectify", _("限期整改")
    FAILED = "failed", _("严重不合格")


class SpotCheck(models.Model):
    """WL-10: a department's (with the HQ office) spot check of a unit's prevention measures."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="spot_checks",
        verbose_name=_("单位"),
    )
    checked_on = models.DateField(_("抽查日期"))
    inspectors = models.CharField(_("检查人员"), max_length=200)
    findings = models.TextField(_("发现问题"), blank=True)
    result = models.CharField(_("结论"), max_length=16, choices=SpotCheckResult.choices)
    rectify_by = models.DateField(_("整改期限"), null=True, blank=True)
    caused_spread = models.BooleanField(
        _("导致疫情输入或扩散"),
        default=False,
        help_text=_("经流调确认，因单位防控措施落实不到位导致疫情输入或扩散。"),
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    industry = models.ForeignKey(
        "regions.IndustryDomain", models.PROTECT, related_name="+", verbose_name=_("行业领域")
    )

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id", industry="industry_id")

    class Meta:
        ordering = ["-checked_on", "-id"]
        verbose_name = _("防控抽查")
        verbose_name_plural = _("防控抽查")

    def __str__(self):
        return f"{self.enterprise} {self.checked_on}"


class ResponsibilityParty(models.TextChoices):
    LOCAL_GOVERNMENT = "local_government", _("属地政府")
    DEPARTMENT = "department", _("行业主管部门")
    ENTERPRISE = "enterprise", _("企业（防疫分管负责人）")
    INDIVIDUAL = "individual", _("个人（岗位职责）")


class Responsibility(models.Model):
    """ORG-06: one of the four parties' named responsible persons for a unit (四方责任); the
    individual party lists duty rules rather than one person."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="responsibilities",
        verbose_name=_("单位"),
    )
    party = models.CharField(_("责任方"), max_length=32, choices=ResponsibilityParty.choices)
    name = models.CharField(_("责任人"), max_length=64, blank=True)
    position = models.CharField(_("单位及职务"), max_length=128, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    duties = models.TextField(_("责任内容"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["enterprise_id", "party", "id"]
        constraints = [
            # one row per party: set_responsibility updates it rather than adding another
            models.UniqueConstraint(
                fields=["enterprise", "party"], name="responsibility_once_per_party"
            ),
        ]
        verbose_name = _("四方责任")
        verbose_name_plural = _("四方责任")

    def __str__(self):
        return f"{self.get_party_display()} {self.name}"
