from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

from sibao.core.scoping import Scope, ScopedManager


def validate_credit_code(value: str) -> None:
    if not uscc.is_valid(value):
        raise ValidationError(_("统一社会信用代码无效（18 位，末位校验码不符或含非法字符）。"))


class EnterpriseKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    PROJECT = "project", _("项目")


class Enterprise(models.Model):
    """A registered unit (WL-01): an enterprise, or a project that reports investment.

    ``region`` holds the county code itself (the region's primary key), so the jurisdiction scope
    is a prefix match on this table's own column.
    """

    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
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
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedManager()
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
        if self.kind == EnterpriseKind.PROJECT and self.investment is None:
            raise ValidationError({"investment": _("项目须填写投资额。")})
        if self.kind == EnterpriseKind.ENTERPRISE and self.output_value is None:
            raise ValidationError({"output_value": _("企业须填写年总产值。")})

    @property
    def scale_value(self):
        """Output value for enterprises, investment for projects (the coverage measure)."""
        return self.investment if self.kind == EnterpriseKind.PROJECT else self.output_value
