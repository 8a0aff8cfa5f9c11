"""What a unit files and keeps: daily reports, preparedness, drills, sampling houses and goods
traceability (EPI-11, EPI-14, EPI-15, EPI-16)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


class UnitRecord(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.CASCADE, related_name="+", verbose_name=_("单位")
    )
    # copied from the unit: scoping is one prefix match (core.scoping)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        abstract = True


class DailyReport(UnitRecord):
    """EPI-11: a unit's health report for one day; a zero report (零报告) when nothing happened."""

    report_date = models.DateField(_("报告日期"))
    staff_on_site = models.PositiveIntegerField(_("在岗人数"))
    symptomatic = models.PositiveIntegerField(_("有发热、咳嗽等症状人数"), default=0)
    sent_to_clinic = models.PositiveIntegerField(_("就医人数"), default=0)
    tests_done = models.PositiveIntegerField(_("当日核酸检测人数"), default=0)
    is_zero_report = models.BooleanField(_("零报告"), default=False)
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

    class Meta:
        ordering = ["-report_date", "enterprise_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "report_date"], name="daily_report_once_per_day"
            )
        ]
        indexes = [
            # missing reports: which units of a region filed for a date
            models.Index(fields=["report_date", "region_code"], name="daily_report_by_date"),
        ]
        verbose_name = _("健康日报")
        verbose_name_plural = _("健康日报")

    def __str__(self):
        return f"{self.enterprise} {self.report_date}"


class Preparedness(UnitRecord):
    """EPI-14: a unit's standing preparedness (常态常备): task force and its leader, plans,
    patrol posts, observation rooms and the stockpile of seven materials; the readiness score is
    computed against the rule set's per-staff norms (``epidemic.readiness``)."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="preparedness",
        verbose_name=_("单位"),
    )
    task_force_leader = models.CharField(_("防疫专班负责人（班子成员）"), max_length=64, blank=True)
    task_force_members = models.PositiveSmallIntegerField(_("专班人数"), default=0)
    has_prevention_plan = models.BooleanField(_("已制定疫情防控方案"), default=False)
    has_contingency_plan = models.BooleanField(_("已制定应急处置预案"), default=False)
    plan_updated_on = models.DateField(_("预案更新日期"), null=True, blank=True)
    patrol_posts = models.PositiveSmallIntegerField(_("流动哨数量"), default=0)
    observation_rooms = models.PositiveSmallIntegerField(_("临时留观点（观察宿舍）间数"), default=0)
    masks = models.PositiveIntegerField(_("口罩（只）"), default=0)
    protective_suits = models.PositiveIntegerField(_("防护服（套）"), default=0)
    gloves = models.PositiveIntegerField(_("乳胶手套（副）"), default=0)
    disinfectant_litres = models.PositiveIntegerField(_("消毒液（升）"), default=0)
    sanitizer_bottles = models.PositiveIntegerField(_("免洗手消毒液（瓶）"), default=0)
    thermometers = models.PositiveIntegerField(_("测温设备（台）"), default=0)
    antigen_kits = models.PositiveIntegerField(_("抗原检测试剂（人份）"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("常态常备")
        verbose_name_plural = _("常态常备")

    def __str__(self):
        return f"{self.enterprise}"


class Drill(UnitRecord):
    """EPI-14: an emergency drill (应急演练) or stress test (压力测试) a unit held."""

    held_on = models.DateField(_("日期"))
    kind = models.CharField(
        _("类型"), max_length=16, choices=[("drill", _("应急演练")), ("stress_test", _("压力测试"))]
    )
    participants = models.PositiveIntegerField(_("参加人数"), default=0)
    findings = models.TextField(_("发现问题及改进"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("演练记录")
        verbose_name_plural = _("演练记录")

    def __str__(self):
        return f"{self.enterprise} {self.held_on}"


class SamplingHouse(UnitRecord):
    """EPI-15: a NAT sampling house a unit bought; the subsidy (50 %, province : city/county 7 : 3)
    is computed from the price with the rule set in force when it was recorded."""

    site = models.CharField(_("设置地点"), max_length=200)
    purchased_on = models.DateField(_("购置日期"))
    price = models.DecimalField(_("购置价格（元）"), max_digits=12, decimal_places=2)
    deployed_on = models.DateField(_("投入使用日期"), null=True, blank=True)
    subsidy_total = models.DecimalField(_("补贴合计（元）"), max_digits=12, decimal_places=2)
    subsidy_province = models.DecimalField(_("省级补贴（元）"), max_digits=12, decimal_places=2)
    subsidy_local = models.DecimalField(_("市、县级补贴（元）"), max_digits=12, decimal_places=2)
    subsidy_paid_on = models.DateField(_("补贴拨付日期"), null=True, blank=True)
    rule_version = models.PositiveIntegerField(_("规则版本"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["-purchased_on", "-id"]
        verbose_name = _("核酸采样屋")
        verbose_name_plural = _("核酸采样屋")

    def __str__(self):
        return f"{self.enterprise} {self.site}"


class GoodsLot(UnitRecord):
    """EPI-16: a lot of goods entering or leaving the unit, traced by its QR code."""

    code = models.CharField(_("追溯码"), max_length=64, unique=True)
    direction = models.CharField(
        _("方向"), max_length=8, choices=[("in", _("进入")), ("out", _("出去"))]
    )
    description = models.CharField(_("物料"), max_length=200)
    quantity = models.CharField(_("数量"), max_length=64, blank=True)
    origin = models.CharField(_("来源地（去向）"), max_length=200, blank=True)
    origin_region = models.CharField(_("来源地区划代码"), max_length=12, blank=True)
    disinfected = models.BooleanField(_("已消杀"), default=False)
    moved_at = models.DateTimeField(_("时间"))
    handled_by = models.CharField(_("交接人"), max_length=64, blank=True)

    class Meta:
        ordering = ["-moved_at", "-id"]
        verbose_name = _("物料追溯")
        verbose_name_plural = _("物料追溯")

    def __str__(self):
        return f"{self.code} {self.description}"
