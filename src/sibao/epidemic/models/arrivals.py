from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager
from sibao.core.workflow import Transition, Workflow


class RiskLevel(models.TextChoices):
    MEDIUM = "medium", _("中风险地区")
    HIGH = "high", _("高风险地区")
    STATIC = "static", _("静态管理区域")


class RiskArea(models.Model):
    """A medium/high-risk area or a static-management area, as data the health office keeps.
    ``region_code`` is the county it lies in: arrivals from that county are coded by it
    (D2 二(四): "中高风险地区所在县（市、区）")."""

    region_code = models.CharField(_("所在县级区划代码"), max_length=12, db_index=True)
    region_name = models.CharField(_("所在地"), max_length=128)
    name = models.CharField(_("风险区域"), max_length=200)
    level = models.CharField(_("等级"), max_length=8, choices=RiskLevel.choices)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("解除日期"), null=True, blank=True)
    declared_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        ordering = ["-valid_from", "region_code"]
        verbose_name = _("风险区域")
        verbose_name_plural = _("风险区域")

    def __str__(self):
        return f"{self.region_name}{self.name}（{self.get_level_display()}）"


class ArrivalStatus(models.TextChoices):
    REPORTED = "reported", _("已报备")
    CODED = "coded", _("已赋码")
    ARRIVED = "arrived", _("已到达")
    CLOSED = "closed", _("已结束")


class CodingDecision(models.TextChoices):
    """D2 二(四): the three outcomes of differentiated coding."""

    CONTROL = "control", _("报属地疫情防控机构，就地赋码管控隔离")
    RED_ISOLATION = "red_isolation", _("赋红码，7天集中隔离")
    NAT_ON_ARRIVAL = "nat_on_arrival", _("落地24小时内核酸检测，此后48小时常态化检测")


ARRIVAL_WORKFLOW = Workflow(
    Transition("reported", "code", "coded"),
    Transition("coded", "arrive", "arrived"),
    Transition(("reported", "coded", "arrived"), "close", "closed"),
    labels=ArrivalStatus,
)


class ArrivalReport(models.Model):
    """EPI-08, EPI-09: a visitor's or returnee's report to the destination unit before arrival
    (public page, or the 豫事办 feed), the unit's verification, and the coding decision with its
    rule, inputs and rule-set version. ``is_supplementary``: registered after the fact because the
    feeds saw an arrival without a report."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="arrivals",
        verbose_name=_("目的地单位"),
    )
    person_key = models.CharField(_("人员标识"), max_length=64, db_index=True)
    id_encrypted = models.TextField(_("身份证号码（加密）"))
    id_masked = models.CharField(_("身份证号码"), max_length=18)
    name = models.CharField(_("姓名"), max_length=64)
    phone_encrypted = models.TextField(_("手机号码（加密）"))
    phone_masked = models.CharField(_("手机号码"), max_length=11)
    origin_region = models.CharField(_("出发地县级区划代码"), max_length=12)
    origin_name = models.CharField(_("出发地"), max_length=128, blank=True)
    travel_history = models.TextField(_("14天旅居史"), blank=True)
    expected_arrival = models.DateField(_("预计到达日期"))
    purpose = models.CharField(
        _("事由"),
        max_length=16,
        choices=[("visit", _("来访")), ("return", _("返岗")), ("other", _("其他"))],
        default="visit",
    )
    has_symptoms = models.BooleanField(_("有发热、咳嗽等症状"), default=False)
    en_route_status = models.CharField(
        _("途中判定"),
        max_length=16,
        blank=True,
        choices=[
            ("", _("无")),
            ("infected", _("感染者")),
            ("close", _("密接")),
            ("secondary", _("次密接")),
        ],
    )
    last_test_on = models.DateField(_("最近核酸检测日期"), null=True, blank=True)
    source = models.CharField(
        _("报备渠道"),
        max_length=16,
        choices=[("public", _("平台报备页")), ("feed", _("豫事办")), ("unit", _("单位补录"))],
        default="public",
    )
    report_no = models.CharField(_("报备编号"), max_length=64, unique=True)
    is_supplementary = models.BooleanField(_("补录"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=ArrivalStatus.choices, default=ArrivalStatus.REPORTED
    )
    decision = models.CharField(
        _("赋码结论"), max_length=16, choices=CodingDecision.choices, blank=True
    )
    decision_inputs = models.JSONField(_("判定依据"), default=dict, blank=True)
    rule_version = models.PositiveIntegerField(_("规则版本"), null=True, blank=True)
    test_due_at = models.DateTimeField(_("落地核酸截止时间"), null=True, blank=True)
    isolation_until = models.DateField(_("集中隔离至"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核查人"),
    )
    verification_note = models.TextField(_("核查情况"), blank=True)
    reported_at = models.DateTimeField(_("报备时间"), auto_now_add=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")
    workflow = ARRIVAL_WORKFLOW

    class Meta:
        ordering = ["-reported_at", "-id"]
        indexes = [
            # a unit's arrivals by expected date (the unit's verification list)
            models.Index(fields=["enterprise", "expected_arrival"], name="arrival_by_unit_date"),
        ]
        verbose_name = _("来（返）豫报备")
        verbose_name_plural = _("来（返）豫报备")

    def __str__(self):
        return f"{self.name}（{self.id_masked}）→ {self.enterprise}"
