"""LOG-04: closed-loop point-to-point freight (即采即走即追): a trip from origin by road to the
destination unit, and the samples taken at checkpoints on the way — the truck goes on at once and
a positive result found later alerts the destination unit and the trip's checkpoints."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager
from sibao.logistics.models.fleet import _user


class TripStatus(models.TextChoices):
    EN_ROUTE = "en_route", _("在途")
    ARRIVED = "arrived", _("已到达")
    CLOSED = "closed", _("已闭环")


class Trip(models.Model):
    vehicle_pass = models.ForeignKey(
        "logistics.VehiclePass", models.PROTECT, related_name="trips", verbose_name=_("通行证")
    )
    vehicle = models.ForeignKey(
        "logistics.Vehicle", models.PROTECT, related_name="trips", verbose_name=_("车辆")
    )
    destination_unit = models.ForeignKey(
        "enterprises.Enterprise", models.PROTECT, related_name="+", verbose_name=_("目的地单位")
    )
    origin = models.CharField(_("起点"), max_length=120)
    route = models.CharField(_("途经道路"), max_length=200, blank=True)
    destination = models.CharField(_("终点"), max_length=120)
    departed_at = models.DateTimeField(_("出发时间"))
    arrived_at = models.DateTimeField(_("到达时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=TripStatus.choices, default=TripStatus.EN_ROUTE
    )
    occupant_keys = models.JSONField(_("随车人员标识"), default=list, blank=True)
    created_by = _user(_("登记人"))
    region_code = models.CharField(_("目的地区划"), max_length=12)
    origin_region_code = models.CharField(_("起点区划"), max_length=12)

    objects = ScopedManager()
    scope = Scope(
        region=("region_code", "origin_region_code"),
        enterprise=("destination_unit_id", "vehicle__owner_id"),
    )

    class Meta:
        ordering = ["-departed_at", "-id"]
        verbose_name = _("闭环运输行程")
        verbose_name_plural = _("闭环运输行程")

    def __str__(self):
        return f"{self.vehicle_id} {self.departed_at:%Y-%m-%d}"


class SampleResult(models.TextChoices):
    PENDING = "pending", _("待出结果")
    NEGATIVE = "negative", _("阴性")
    POSITIVE = "positive", _("阳性")


class TripSample(models.Model):
    """A sample taken at a checkpoint from one occupant (即采): the result arrives later through the
    NAT feed (matched by person key and sample time); a positive alerts once."""

    id = models.BigAutoField(primary_key=True)
    trip = models.ForeignKey(
        Trip, models.CASCADE, null=True, blank=True, related_name="samples", verbose_name=_("行程")
    )
    checkpoint_check = models.ForeignKey(
        "logistics.Check", models.PROTECT, related_name="samples", verbose_name=_("核验记录")
    )
    person_key = models.CharField(_("人员标识"), max_length=64)
    tube_code = models.CharField(_("采样管编码"), max_length=40, blank=True)
    sampled_at = models.DateTimeField(_("采样时间"))
    result = models.CharField(
        _("检测结果"), max_length=10, choices=SampleResult.choices, default=SampleResult.PENDING
    )
    result_at = models.DateTimeField(_("结果时间"), null=True, blank=True)
    alerted_at = models.DateTimeField(_("阳性预警时间"), null=True, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)
    enterprise_id = models.BigIntegerField(null=True, blank=True)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-sampled_at", "-id"]
        indexes = [
            # the NAT feed's lookup of pending samples of one person
            models.Index(fields=["person_key", "result"], name="tripsample_pending"),
        ]
        verbose_name = _("即采即走采样")
        verbose_name_plural = _("即采即走采样")

    def __str__(self):
        return f"{self.person_key[:8]} {self.sampled_at:%Y-%m-%d %H:%M}"
