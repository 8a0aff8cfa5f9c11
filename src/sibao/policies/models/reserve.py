"""POL-05: the policy reserve (政策预研储备): draft policies prompted by common issues of the
demands module, incident findings or any other record, with their status."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager
from sibao.policies.models.catalogue import PolicyCategory


class DraftStatus(models.TextChoices):
    RESEARCHING = "researching", _("研究中")
    DRAFTED = "drafted", _("已起草")
    ISSUED = "issued", _("已出台")
    DROPPED = "dropped", _("不再推进")


class PolicyDraft(models.Model):
    title = models.CharField(_("标题"), max_length=200)
    category = models.CharField(
        _("政策类别"), max_length=24, choices=PolicyCategory.choices, blank=True
    )
    problem = models.TextField(_("问题与诉求"))
    proposal = models.TextField(_("政策建议"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=DraftStatus.choices, default=DraftStatus.RESEARCHING
    )
    department = models.ForeignKey(
        "regions.Department",
        models.PROTECT,
        related_name="policy_drafts",
        verbose_name=_("牵头部门"),
    )
    # what prompted it: a common issue, an incident, a warning … (any record), with a label kept
    # in case the record goes away
    source_type = models.ForeignKey(
        ContentType, models.SET_NULL, null=True, blank=True, verbose_name=_("来源类型")
    )
    source_id = models.CharField(_("来源编号"), max_length=64, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    source_label = models.CharField(_("来源"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code")

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("政策储备")
        verbose_name_plural = _("政策储备")

    def __str__(self):
        return self.title
