"""CMD-03: problems escalated from one level's HQ upward (county → city → province), keeping their
history, and joint consultations (联合会商) whose agenda items link to what they discuss and whose
decisions create tasks."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


def _user(verbose):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose,
    )


class Problem(models.Model):
    """A problem beyond a level's authority; ``headquarters`` is the HQ that holds it now
    (its region is the row's scope, so the province sees everything escalated to it)."""

    class Status(models.TextChoices):
        OPEN = "open", _("协调中")
        RESOLVED = "resolved", _("已解决")

    title = models.CharField(_("问题"), max_length=200)
    description = models.TextField(_("情况"))
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("涉及单位"),
    )
    # what it came from (a demand, an incident, a warning …), with a label kept in case it goes
    source_type = models.ForeignKey(
        ContentType, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_id = models.CharField(_("来源编号"), max_length=64, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    source_label = models.CharField(_("来源"), max_length=200, blank=True)
    headquarters = models.ForeignKey(
        "regions.Headquarters", models.PROTECT, related_name="+", verbose_name=_("当前协调指挥部")
    )
    origin_region_code = models.CharField(_("提出地区"), max_length=12)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(_("解决情况"), blank=True)
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    created_by = _user(_("提出人"))
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    # the current HQ's region (moves up on escalation; the origin keeps seeing it by origin)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region=("region_code", "origin_region_code"))

    class Meta:
        ordering = ["status", "-created_at", "-id"]
        verbose_name = _("协调事项")
        verbose_name_plural = _("协调事项")

    def __str__(self):
        return self.title


class Escalation(models.Model):
    problem = models.ForeignKey(
        Problem, models.CASCADE, related_name="escalations", verbose_name=_("协调事项")
    )
    from_hq = models.ForeignKey(
        "regions.Headquarters", models.PROTECT, related_name="+", verbose_name=_("提交方")
    )
    to_hq = models.ForeignKey(
        "regions.Headquarters", models.PROTECT, related_name="+", verbose_name=_("接收方")
    )
    reason = models.TextField(_("提级理由"))
    at = models.DateTimeField(_("提级时间"))
    by = _user(_("操作人"))

    class Meta:
        ordering = ["problem_id", "at", "id"]
        verbose_name = _("提级记录")
        verbose_name_plural = _("提级记录")

    def __str__(self):
        return f"{self.from_hq_id} → {self.to_hq_id}"


class Consultation(models.Model):
    title = models.CharField(_("会商主题"), max_length=200)
    headquarters = models.ForeignKey(
        "regions.Headquarters", models.PROTECT, related_name="+", verbose_name=_("召集指挥部")
    )
    held_at = models.DateTimeField(_("会商时间"))
    participants = models.ManyToManyField(
        "regions.Department", blank=True, related_name="+", verbose_name=_("参会部门")
    )
    other_participants = models.CharField(_("其他参会单位"), max_length=255, blank=True)
    minutes = models.TextField(_("会商纪要"), blank=True)
    created_by = _user(_("记录人"))
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code")

    class Meta:
        ordering = ["-held_at", "-id"]
        verbose_name = _("联合会商")
        verbose_name_plural = _("联合会商")

    def __str__(self):
        return self.title


class AgendaItem(models.Model):
    consultation = models.ForeignKey(
        Consultation, models.CASCADE, related_name="items", verbose_name=_("会商")
    )
    title = models.CharField(_("议题"), max_length=200)
    # what it is about: a problem, a demand, an incident, a region …
    subject_type = models.ForeignKey(
        ContentType, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_label = models.CharField(_("议题对象"), max_length=200, blank=True)
    decision = models.TextField(_("会商决定"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["consultation_id", "order", "id"]
        verbose_name = _("会商议题")
        verbose_name_plural = _("会商议题")

    def __str__(self):
        return self.title


class ConsultationTask(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("办理中")
        DONE = "done", _("已办结")

    item = models.ForeignKey(
        AgendaItem, models.CASCADE, related_name="tasks", verbose_name=_("议题")
    )
    department = models.ForeignKey(
        "regions.Department", models.PROTECT, related_name="+", verbose_name=_("承办部门")
    )
    task = models.TextField(_("任务"))
    due_on = models.DateField(_("完成时限"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(_("办理结果"), blank=True)
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code")

    class Meta:
        ordering = ["status", "due_on", "id"]
        verbose_name = _("会商任务")
        verbose_name_plural = _("会商任务")

    def __str__(self):
        return self.task[:40]
