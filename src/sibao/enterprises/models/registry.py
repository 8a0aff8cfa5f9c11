from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

from sibao.core.scoping import Scope, ScopedManager, ScopedQuerySet


def validate_credit_code(value: str) -> None:
    if not uscc.is_valid(value):
        raise ValidationError(_("统一社会信用代码无效（18 位，末位校验码不符或含非法字符）。"))


class EnterpriseKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    PROJECT = "project", _("项目")
    PARK = "park", _("园区")
    BONDED_ZONE = "bonded_zone", _("综合保税区等海关特殊监管区域")


# Parks and bonded zones are whitelisted as one unit covering their members (WL-02).
PARK_KINDS = (EnterpriseKind.PARK, EnterpriseKind.BONDED_ZONE)


class EnterpriseQuerySet(ScopedQuerySet):
    def active(self):
        """Records in use: not merged into another record."""
        return self.filter(merged_into__isnull=True)


class Enterprise(models.Model):
    """A registered unit (WL-01): an enterprise, a project that reports investment, or a park or
    bonded zone whitelisted as one unit for its members (WL-02).

    ``region`` holds the county code itself (the region's primary key), so the jurisdiction scope
    is a prefix match on this table's own column. The credit code is not unique in the table: a
    unit registered twice stays findable until someone merges the records (``merged_into``);
    the registry actions refuse a second active record of the same kind.
    """

    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, db_index=True, validators=[validate_credit_code]
    )
    name = models.CharField(_("名称"), max_length=128, db_index=True)
    kind = models.CharField(
        _("类型"), max_length=16, choices=EnterpriseKind.choices, default=EnterpriseKind.ENTERPRISE
    )
    region = models.ForeignKey(
        "regions.Region",
        models.PROTECT,
        related_name="enterprises",
        db_column="region_code",
        verbose_name=_("所在区划"),
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    industry = models.ForeignKey(
        "regions.IndustryDomain",
        models.PROTECT,
        related_name="enterprises",
        verbose_name=_("行业领域"),
    )
    sub_type = models.CharField(_("细分类型"), max_length=64, blank=True)
    is_city_operation = models.BooleanField(
        _("城市运行保障"), default=False, help_text=_("水、电、气、暖及生活必需品保供企业")
    )
    output_value = models.DecimalField(
        _("年总产值（万元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    investment = models.DecimalField(
        _("项目投资额（万元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    employees = models.PositiveIntegerField(_("从业人数"), default=0)
    has_dormitory = models.BooleanField(_("有集体宿舍"), default=False)
    has_canteen = models.BooleanField(_("有食堂"), default=False)
    park = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        limit_choices_to={"kind__in": PARK_KINDS},
        verbose_name=_("所属园区（保税区）"),
    )
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    merged_into = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_duplicates",
        verbose_name=_("已合并至"),
        help_text=_("重复登记的记录合并后保留为历史，指向保留的记录。"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = models.Manager.from_queryset(EnterpriseQuerySet)()
    scope = Scope(region="region__code", enterprise="id", industry="industry__code")

    class Meta:
        ordering = ["region_id", "name"]
        indexes = [
            # scoped lists: jurisdiction prefix, then industry filter
            models.Index(fields=["region", "industry"], name="enterprise_region_industry"),
        ]
        verbose_name = _("企业（项目）")
        verbose_name_plural = _("企业（项目）")

    def __str__(self):
        return self.name

    def clean(self):
        if self.park_id is not None:
            if self.kind in PARK_KINDS:
                raise ValidationError({"park": _("园区不能隶属于另一个园区。")})
            if self.park.kind not in PARK_KINDS:
                raise ValidationError({"park": _("所属单位不是园区或保税区。")})
        if self.kind == EnterpriseKind.PROJECT and self.investment is None:
            raise ValidationError({"investment": _("项目须填写投资额。")})
        if self.kind == EnterpriseKind.ENTERPRISE and self.output_value is None:
            raise ValidationError({"output_value": _("企业须填写年总产值。")})

    @property
    def is_park(self) -> bool:
        return self.kind in PARK_KINDS

    @property
    def scale_value(self):
        """Output value for enterprises, investment for projects (the coverage measure)."""
        return self.investment if self.kind == EnterpriseKind.PROJECT else self.output_value


class FactSource(models.TextChoices):
    """Where a fact about an enterprise comes from. Every source but the enterprise's own
    declaration is authoritative: a criterion met only by declared facts needs a reviewer."""

    SELF_DECLARED = "self_declared", _("企业自报")
    REGISTRY = "registry", _("部门登记")
    MARKET_REGULATION = "market_regulation", _("市场监管")
    TAX = "tax", _("税务")
    STATISTICS = "statistics", _("统计")
    SOCIAL_INSURANCE = "social_insurance", _("人社（社保）")
    INDUSTRY_DEPARTMENT = "industry_department", _("行业主管部门")
    PLATFORM = "platform", _("平台数据")

    @classmethod
    def authoritative(cls) -> set[str]:
        return {s.value for s in cls} - {cls.SELF_DECLARED.value}


class EnterpriseFact(models.Model):
    """One sourced value of one attribute of an enterprise (the catalogue is
    ``enterprises.facts``). Several sources may report the same attribute; the one marked
    ``is_current`` is what rules read: an authoritative source over a declaration, then the newest.

    The value is kept in a typed column so that criteria compile to plain indexed comparisons.
    """

    enterprise = models.ForeignKey(
        Enterprise, models.CASCADE, related_name="facts", verbose_name=_("企业")
    )
    key = models.CharField(_("属性"), max_length=64)
    number_value = models.DecimalField(
        _("数值"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    text_value = models.CharField(_("文本值"), max_length=255, null=True, blank=True)
    bool_value = models.BooleanField(_("是否"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=32, choices=FactSource.choices)
    as_of = models.DateField(_("数据日期"))
    is_current = models.BooleanField(_("当前采用"), default=False)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        "accounts.User",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    # copied from the enterprise so that scoping facts is one prefix match (core.scoping)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["enterprise_id", "key", "-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "key", "source"], name="fact_one_per_source"
            ),
        ]
        indexes = [
            # criteria compiled to SQL: "the current value of key k for this enterprise"
            models.Index(fields=["key", "is_current", "enterprise"], name="fact_current_by_key"),
        ]
        verbose_name = _("企业数据")
        verbose_name_plural = _("企业数据")

    def __str__(self):
        return f"{self.key}={self.value}"

    @property
    def value(self):
        if self.bool_value is not None:
            return self.bool_value
        if self.number_value is not None:
            return self.number_value
        return self.text_value

    @property
    def is_authoritative(self) -> bool:
        return self.source in FactSource.authoritative()
