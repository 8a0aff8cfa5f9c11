from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


class AlertKind(models.TextChoices):
    OVERDUE_TEST = "overdue_test", _("超时未检测核酸")
    UNREPORTED_ARRIVAL = "unreported_arrival", _("省外来（返）豫未报备")
    DRUG_PURCHASE = "drug_purchase", _("购买“四类药品”")
    POSITIVE = "positive", _("核酸检测阳性")
    RISK_SCAN = "risk_scan", _("红黄码或超时未检人员扫码")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("待处置")
    CLOSED = "closed", _("已处置")


class SentinelAlert(models.Model):
    """EPI-10: one electronic-sentinel signal about one person, with an owner, a deadline and
    the outcome it was closed with. ``dedupe_key`` makes raising idempotent: the same signal
    (kind, person, day or record) is raised once however often the sweep or the feed repeats."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("预警类型"), max_length=24, choices=AlertKind.choices)
    dedupe_key = models.CharField(_("去重键"), max_length=160, unique=True)
    person_key = models.CharField(_("人员标识"), max_length=64)
    staff = models.ForeignKey(
        "epidemic.StaffMember",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("人员"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="sentinel_alerts",
        verbose_name=_("单位"),
    )
    detail = models.CharField(_("预警内容"), max_length=255)
    raised_at = models.DateTimeField(_("预警时间"))
    due_at = models.DateTimeField(_("处置时限"))
    status = models.CharField(
        _("状态"), max_length=8, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任人"),
    )
    outcome = models.TextField(_("处置结果"), blank=True)
    closed_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处置人"),
    )
    # the unit's region when the person is on a roster, else the place the signal came from
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            # open alerts of a region, oldest deadline first; counts per region and kind
            models.Index(fields=["status", "region_code", "due_at"], name="alert_open_by_region"),
            # a unit's open alerts (its page panel and list)
            models.Index(fields=["enterprise", "status", "due_at"], name="alert_open_by_unit"),
        ]
        verbose_name = _("电子哨预警")
        verbose_name_plural = _("电子哨预警")

    def __str__(self):
        return f"{self.get_kind_display()} {self.detail}"
