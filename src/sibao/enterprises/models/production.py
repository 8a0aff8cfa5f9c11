"""MON-03: a unit's production and operation status, reported by the unit (one report a day; the
latest is the unit's current status), read as trends per unit and per region."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


class ProductionState(models.TextChoices):
    OPERATING = "operating", _("正常生产")
    PARTIAL = "partial", _("部分生产")
    SUSPENDED = "suspended", _("停产")


class ProductionReport(models.Model):
    """One unit's production and operation status on one day (正常生产 / 部分生产 / 停产, capacity,
    staff on site, raw material left). Reporting the same day again corrects the row; the row of
    the latest day is flagged ``is_current`` and is the unit's status on lists and the board."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="production_reports",
        verbose_name=_("单位"),
    )
    reported_on = models.DateField(_("报告日期"))
    state = models.CharField(_("生产状态"), max_length=12, choices=ProductionState.choices)
    capacity_percent = models.PositiveSmallIntegerField(
        _("产能利用率（%）"), validators=[MaxValueValidator(100)]
    )
    staff_on_site = models.PositiveIntegerField(_("在岗人数"))
    raw_material_days = models.DecimalField(
        _("原材料可用天数"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("现有原材料可维持生产的天数；不涉及原材料的单位留空。"),
    )
    note = models.CharField(_("情况说明"), max_length=500, blank=True)
    # The unit's latest report (its status now): kept by the reporting actions, so that "each
    # unit's current status" is a join on one indexed flag instead of a "latest row" subquery.
    is_current = models.BooleanField(_("当前状态"), default=False, editable=False)
    reported_at = models.DateTimeField(_("填报时间"), auto_now=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("填报人"),
    )
    # the unit's county code and industry at the time of the report, copied onto the row so that
    # scoping and the region trends are one indexed predicate on this table, without a join
    region_code = models.CharField(_("区划代码"), max_length=12)
    industry = models.ForeignKey(
        "regions.IndustryDomain", models.PROTECT, related_name="+", verbose_name=_("行业领域")
    )

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id", industry="industry_id")

    class Meta:
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "reported_on"], name="production_one_report_a_day"
            ),
            # also the index of the lists' and the board's join from a unit to its status
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(is_current=True),
                name="production_one_current_per_unit",
            ),
        ]
        indexes = [
            # region trends of a county: a prefix range on the region over a date range
            models.Index(fields=["region_code", "reported_on"], name="production_region_day"),
            # region trends of a province or city, where the region matches most rows: the date
            # range first
            models.Index(fields=["reported_on", "region_code"], name="production_day_region"),
        ]
        verbose_name = _("生产经营状况")
        verbose_name_plural = _("生产经营状况")

    def __str__(self):
        return f"{self.enterprise_id} {self.reported_on} {self.get_state_display()}"
