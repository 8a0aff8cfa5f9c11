"""INC-01, INC-02, INC-04: an incident at a unit — a suspected symptom or an initial-screening
positive — worked step by step (each with an owner, a deadline and a time done) until the unit
resumes, while its other zones keep producing; and the silent period of excluded suspects.

The steps follow D2 三(七); their deadlines come from the rule set (``pooled_retest_hours`` for the
single-tube retest of a pooled positive) and are recorded on the step, so a later rule change does
not move a running clock. The unit's contingency plan (一企一策, ``epidemic.Preparedness``) and its
observation-room capacity are read when the incident opens."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


class StepKind(models.TextChoices):
    OBSERVE = "observe", _("转移至临时留观点")
    REPORT = "report", _("报告属地疫情防控部门")
    RETEST = "retest", _("混检阳性单采复核")
    TRACE = "trace", _("流调溯源")
    TRANSFER = "transfer", _("密接、次密接隔离转运")
    TEST = "test", _("全员核酸检测")
    DISINFECT = "disinfect", _("场所消杀")
    RESUME = "resume", _("恢复生产")


class Incident(models.Model):
    class Kind(models.TextChoices):
        SYMPTOM = "symptom", _("发热、咳嗽等可疑症状")
        SCREENING_POSITIVE = "screening_positive", _("初筛阳性")
        POOLED_POSITIVE = "pooled_positive", _("混检阳性")

    class Status(models.TextChoices):
        OPEN = "open", _("处置中")
        EXCLUDED = "excluded", _("已排除（静默期）")
        CONFIRMED = "confirmed", _("已确诊（处置中）")
        RESUMED = "resumed", _("已恢复生产")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.CASCADE, related_name="incidents", verbose_name=_("单位")
    )
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    person_key = models.CharField(_("人员标识"), max_length=64, blank=True)
    staff = models.ForeignKey(
        "epidemic.StaffMember",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("涉及人员"),
    )
    description = models.TextField(_("情况描述"))
    # the part of the unit affected; the others keep producing (D2 三(七))
    zone = models.ForeignKey(
        "places.Zone",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("涉及区域"),
    )
    observation_room = models.CharField(_("留观房间"), max_length=64, blank=True)
    alert = models.ForeignKey(
        "epidemic.SentinelAlert",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("来源预警"),
    )
    tracing_job = models.ForeignKey(
        "places.TracingJob",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("流调任务"),
    )
    opened_at = models.DateTimeField(_("发现时间"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报告人"),
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    rule_version = models.PositiveIntegerField(_("规则版本"), null=True, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["region_code", "status"], name="incident_open_by_region")]
        verbose_name = _("应急处置事件")
        verbose_name_plural = _("应急处置事件")

    def __str__(self):
        return f"{self.enterprise} {self.get_kind_display()} #{self.pk}"


class IncidentStep(models.Model):
    incident = models.ForeignKey(
        Incident, models.CASCADE, related_name="steps", verbose_name=_("事件")
    )
    kind = models.CharField(_("处置环节"), max_length=16, choices=StepKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任人"),
    )
    owner_label = models.CharField(_("责任单位"), max_length=128, blank=True)
    due_at = models.DateTimeField(_("完成时限"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办理人"),
    )
    note = models.TextField(_("办理情况"), blank=True)
    # set when the deadline passed with the step not done and the alert went out
    overdue_alerted_at = models.DateTimeField(_("超时提醒时间"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["incident_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind"], name="one_step_per_kind")
        ]
        indexes = [models.Index(fields=["done_at", "due_at"], name="step_open_by_due")]
        verbose_name = _("处置环节")
        verbose_name_plural = _("处置环节")

    def __str__(self):
        return f"{self.incident_id} {self.get_kind_display()}"


class SilentPeriod(models.Model):
    """INC-02: an excluded suspect's silent period (静默期) in a single room with one test a day;
    at its end the person and their contacts return to their posts."""

    incident = models.ForeignKey(
        Incident, models.CASCADE, related_name="silent_periods", verbose_name=_("事件")
    )
    person_key = models.CharField(_("人员标识"), max_length=64)
    staff = models.ForeignKey(
        "epidemic.StaffMember",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("人员"),
    )
    room = models.CharField(_("单间"), max_length=64)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    tests_per_day = models.PositiveSmallIntegerField(_("每日检测次数"), default=1)
    # the contacts who return with the person (person keys)
    contact_keys = models.JSONField(_("一同返岗人员"), default=list, blank=True)
    returned_at = models.DateTimeField(_("返岗时间"), null=True, blank=True)
    enterprise_id = models.BigIntegerField(_("单位"))
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("静默期")
        verbose_name_plural = _("静默期")

    def __str__(self):
        return f"{self.person_key[:8]} {self.starts_on}–{self.ends_on}"
