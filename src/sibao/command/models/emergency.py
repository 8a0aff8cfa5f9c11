"""CMD-01, CMD-02, CMD-06: the normal/emergency state of regions (平急转换), the whitelisted units'
closed loops, and the city-supply staff's arrangements.

A switch is one row of ``EmergencySwitch`` (the history); ``RegionState`` holds each switched
region's current state for fast reads (one row per region ever switched). A switch into emergency
is announced first and takes effect ``emergency_advance_notice_hours`` later (rule set), so staff
can return to the loop (D2 三(三)); ``RegionStatus.PENDING`` is that interval. When it takes effect,
every whitelisted unit of the region gets a ``LoopStatus`` row (its closed-loop period), all in one
transaction with the switch.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


class RegionStatus(models.TextChoices):
    NORMAL = "normal", _("常态")
    PENDING = "pending", _("即将进入应急状态")
    EMERGENCY = "emergency", _("应急状态")


class EmergencySwitch(models.Model):
    region = models.ForeignKey(
        "regions.Region", models.PROTECT, related_name="emergency_switches", verbose_name=_("区划")
    )
    to_status = models.CharField(
        _("切换为"),
        max_length=16,
        choices=[(RegionStatus.EMERGENCY, _("应急状态")), (RegionStatus.NORMAL, _("常态"))],
    )
    reason = models.TextField(_("事由"))
    announced_at = models.DateTimeField(_("发布时间"))
    effective_at = models.DateTimeField(_("生效时间"))
    switched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    headquarters = models.ForeignKey(
        "regions.Headquarters",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("决定指挥部"),
    )
    units_affected = models.PositiveIntegerField(_("涉及白名单单位数"), default=0)
    rule_version = models.PositiveIntegerField(_("规则版本"), null=True, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code")

    class Meta:
        ordering = ["-announced_at", "-id"]
        verbose_name = _("平急转换记录")
        verbose_name_plural = _("平急转换记录")

    def __str__(self):
        return f"{self.region_id} → {self.to_status}"


class RegionState(models.Model):
    region = models.OneToOneField(
        "regions.Region",
        models.PROTECT,
        primary_key=True,
        related_name="emergency_state",
        verbose_name=_("区划"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=RegionStatus.choices, default=RegionStatus.NORMAL
    )
    since = models.DateTimeField(_("状态起始"))
    effective_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    last_switch = models.ForeignKey(
        EmergencySwitch, models.PROTECT, related_name="+", verbose_name=_("最近一次切换")
    )
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code")

    class Meta:
        ordering = ["region_id"]
        verbose_name = _("区域应急状态")
        verbose_name_plural = _("区域应急状态")

    def __str__(self):
        return f"{self.region_id} {self.status}"


class LoopMode(models.TextChoices):
    """D1 四(一), D2 三(三)."""

    BUBBLE = "bubble", _("全闭环（气泡式）")
    TWO_POINTS = "two_points", _("两点一线")
    POINT_TO_POINT = "point_to_point", _("点对点上下班")


class LoopPlan(models.Model):
    """CMD-02: a unit's closed-loop arrangements, declared in advance."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="loop_plan",
        verbose_name=_("单位"),
    )
    mode = models.CharField(_("闭环模式"), max_length=16, choices=LoopMode.choices)
    dormitories = models.TextField(_("集体宿舍（住宿安排）"), blank=True)
    routes = models.TextField(_("通勤路线"), blank=True)
    headcount = models.PositiveIntegerField(_("闭环内人数"), default=0)
    note = models.TextField(_("说明"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("更新人"),
    )
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["enterprise_id"]
        verbose_name = _("闭环管理方案")
        verbose_name_plural = _("闭环管理方案")

    def __str__(self):
        return f"{self.enterprise} {self.get_mode_display()}"


class LoopStatus(models.Model):
    """One period of closed-loop production of one unit, opened by an emergency switch (or by
    the unit itself) and closed when its region returns to normal."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="loop_periods",
        verbose_name=_("单位"),
    )
    switch = models.ForeignKey(
        EmergencySwitch,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="loop_periods",
        verbose_name=_("平急转换"),
    )
    mode = models.CharField(_("闭环模式"), max_length=16, choices=LoopMode.choices)
    started_at = models.DateTimeField(_("进入闭环"))
    ended_at = models.DateTimeField(_("解除闭环"), null=True, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_loop_per_unit",
            )
        ]
        indexes = [models.Index(fields=["region_code", "ended_at"], name="loop_open_by_region")]
        verbose_name = _("闭环生产状态")
        verbose_name_plural = _("闭环生产状态")

    def __str__(self):
        return f"{self.enterprise_id} {self.started_at:%Y-%m-%d}"


class LoopReport(models.Model):
    """A unit's daily loop report while it is in closed loop."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.CASCADE, related_name="+", verbose_name=_("单位")
    )
    report_date = models.DateField(_("报告日期"))
    in_loop = models.PositiveIntegerField(_("闭环内人数"))
    outside = models.PositiveIntegerField(_("环外人数"), default=0)
    breaches = models.PositiveIntegerField(_("脱环（交叉接触）人次"), default=0)
    producing = models.BooleanField(_("正常生产"), default=True)
    note = models.TextField(_("情况说明"), blank=True)
    filed_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("填报人"),
    )
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-report_date", "enterprise_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "report_date"], name="one_loop_report_per_day"
            )
        ]
        verbose_name = _("闭环日报")
        verbose_name_plural = _("闭环日报")

    def __str__(self):
        return f"{self.enterprise_id} {self.report_date}"


class CitySupplyAssignment(models.Model):
    """CMD-06: where a city-supply worker (water, power, gas, heating, necessities delivery —
    roster category ``city_supply``) lodges, works and travels during an emergency."""

    staff = models.OneToOneField(
        "epidemic.StaffMember",
        models.CASCADE,
        related_name="city_supply",
        verbose_name=_("人员"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.CASCADE, related_name="+", verbose_name=_("单位")
    )
    service = models.CharField(
        _("保供类别"),
        max_length=16,
        choices=[
            ("water", _("供水")),
            ("power", _("供电")),
            ("gas", _("供气")),
            ("heating", _("供暖")),
            ("necessities", _("生活必需品配送")),
        ],
    )
    lodging = models.CharField(_("集中住宿地点"), max_length=200)
    work_area = models.CharField(_("固定工作区域"), max_length=200)
    route = models.CharField(_("点对点通行路线"), max_length=255)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["enterprise_id", "service"]
        verbose_name = _("城市保供人员安排")
        verbose_name_plural = _("城市保供人员安排")

    def __str__(self):
        return f"{self.staff} {self.get_service_display()}"
