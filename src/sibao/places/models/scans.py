"""EPI-06: the scan log, the platform's largest table (tens of millions of rows a day).

Append-only apart from the exit time. No foreign keys (each would cost a lookup per row at
ingestion): the place code, space and unit are plain ids, denormalised at ingestion together with
the region, so that lists and tracing never join to find them. On PostgreSQL the table is
partitioned by day on ``entered_at`` (``places.partitions``): the retention purge drops whole
days, and the natural key (device, event id, entered_at) carries the partition key as PostgreSQL
requires. A stay without an exit ends ``auto_checkout_hours`` after entry (rule set); exits are
never later than that, so a stay is bounded and tracing's index ranges are too.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedQuerySet


class ScanSource(models.TextChoices):
    MOBILE = "mobile", _("手机扫码")
    GATEWAY = "gateway", _("闸机（扫码设备）")
    BADGE = "badge", _("工牌码")


class ExitKind(models.TextChoices):
    NONE = "", _("未离开")
    MANUAL = "manual", _("本人离开登记")
    OWNER = "owner", _("场所方统一离开登记")
    GATEWAY = "gateway", _("闸机离开")


class Scan(models.Model):
    id = models.BigAutoField(primary_key=True)
    person_key = models.CharField(_("人员标识"), max_length=64)
    place_code_id = models.BigIntegerField(_("场所码"))
    space_id = models.BigIntegerField(_("空间"))
    enterprise_id = models.BigIntegerField(_("单位"))
    region_code = models.CharField(_("区划代码"), max_length=12)
    entered_at = models.DateTimeField(_("进入时间"))
    left_at = models.DateTimeField(_("离开时间"), null=True, blank=True)
    exit_kind = models.CharField(
        _("离开方式"), max_length=8, choices=ExitKind.choices, blank=True, default=""
    )
    source = models.CharField(_("来源"), max_length=8, choices=ScanSource.choices)
    # the natural key: "m:<uuid>" for the mobile page, "<source>:<device>" for a gateway
    device = models.CharField(_("设备"), max_length=64)
    event_id = models.CharField(_("事件编号"), max_length=64)
    # "red" / "yellow" / "overdue" when the scan raised a risk alert
    risk = models.CharField(_("风险"), max_length=8, blank=True, default="")
    received_at = models.DateTimeField(_("接收时间"))
    batch_id = models.BigIntegerField(_("批次"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-entered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "event_id", "entered_at"], name="scan_natural_key"
            )
        ]
        indexes = [
            # tracing: who was at this place code around this time
            models.Index(fields=["place_code_id", "entered_at"], name="scan_by_place"),
            # tracing: where was this person (and the person's own history)
            models.Index(fields=["person_key", "entered_at"], name="scan_by_person"),
            # a unit's scan list, newest first
            models.Index(fields=["enterprise_id", "entered_at"], name="scan_by_unit"),
        ]
        verbose_name = _("扫码记录")
        verbose_name_plural = _("扫码记录")

    def __str__(self):
        return f"{self.place_code_id} {self.entered_at:%Y-%m-%d %H:%M}"
