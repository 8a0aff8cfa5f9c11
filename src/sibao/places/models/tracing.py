"""EPI-07: contact-tracing jobs and their results. A job is run by a health-office user, states
its reason and case, and is audited; its contacts are stored so the list can be read, grouped and
exported later without reading the scan log again."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


class Widen(models.TextChoices):
    CODE = "code", _("同一场所码")
    PARENT = "parent", _("同一上级空间")
    ZONE = "zone", _("同一区域（划小单元）")


class TracingJob(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("流调人员"),
    )
    reason = models.TextField(_("流调事由"))
    case_ref = models.CharField(_("病例（事件）编号"), max_length=64)
    # the cases' person keys and their masked ID numbers (never the numbers themselves)
    case_keys = models.JSONField(_("病例人员标识"), default=list)
    case_labels = models.JSONField(_("病例"), default=list)
    period_from = models.DateTimeField(_("起始时间"))
    period_to = models.DateTimeField(_("截止时间"))
    window_minutes = models.PositiveIntegerField(_("时间窗口（分钟）"))
    widen = models.CharField(_("判定范围"), max_length=8, choices=Widen.choices, default=Widen.CODE)
    include_secondary = models.BooleanField(_("包含次密接"), default=True)
    close_count = models.PositiveIntegerField(_("密接人数"), default=0)
    secondary_count = models.PositiveIntegerField(_("次密接人数"), default=0)
    took_ms = models.PositiveIntegerField(_("用时（毫秒）"), default=0)
    # the requester's jurisdiction: who else may read the job
    region_code = models.CharField(_("区划代码"), max_length=12)
    # set when a positive result opened the job (the sentinel's follow-up)
    alert = models.ForeignKey(
        "epidemic.SentinelAlert",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("来源预警"),
    )

    objects = ScopedManager()
    scope = Scope(region="region_code")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("流调任务")
        verbose_name_plural = _("流调任务")

    def __str__(self):
        return f"{self.case_ref} #{self.pk}"


class TracingContact(models.Model):
    class Level(models.TextChoices):
        CLOSE = "close", _("密接")
        SECONDARY = "secondary", _("次密接")

    id = models.BigAutoField(primary_key=True)
    job = models.ForeignKey(
        TracingJob, models.CASCADE, related_name="contacts", verbose_name=_("流调任务")
    )
    person_key = models.CharField(_("人员标识"), max_length=64)
    level = models.CharField(_("判定"), max_length=16, choices=Level.choices)
    # whom they met (a case for a close contact, a close contact for a secondary one)
    via_person_key = models.CharField(_("接触对象标识"), max_length=64)
    place_code_id = models.BigIntegerField(_("场所码"))
    space_id = models.BigIntegerField(_("空间"))
    enterprise_id = models.BigIntegerField(_("单位"))
    region_code = models.CharField(_("区划代码"), max_length=12)
    # the first (earliest) overlap found for this person: when, and for how long in total
    overlap_from = models.DateTimeField(_("接触开始"))
    overlap_to = models.DateTimeField(_("接触结束"))
    overlap_seconds = models.PositiveIntegerField(_("累计接触时长（秒）"))
    contacts = models.PositiveIntegerField(_("接触次数"), default=1)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["job_id", "level", "enterprise_id", "overlap_from"]
        constraints = [
            models.UniqueConstraint(fields=["job", "person_key"], name="contact_once_per_job")
        ]
        verbose_name = _("密接（次密接）人员")
        verbose_name_plural = _("密接（次密接）人员")

    def __str__(self):
        return f"{self.get_level_display()} {self.person_key[:8]}"
