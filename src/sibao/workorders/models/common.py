"""DEM-04: "点办理、批处理" — similar demands from many units, found by Chinese text similarity
(``workorders.similarity``) and clustered periodically per category × region with a hotness score;
an official promotes a cluster to a common issue, handles it as one batch and may send it to the
policy reserve (``policies.PolicyDraft``) as a proposed adjustment."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager
from sibao.core.workflow import Transition, Workflow
from sibao.workorders.models.demands import _user


class IssueStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    HANDLING = "handling", _("批量办理中")
    RESOLVED = "resolved", _("已解决")


ISSUE_WORKFLOW = Workflow(
    Transition(IssueStatus.OPEN, "start", IssueStatus.HANDLING),
    Transition((IssueStatus.OPEN, IssueStatus.HANDLING), "resolve", IssueStatus.RESOLVED),
    labels=IssueStatus,
)


class CommonIssue(models.Model):
    title = models.CharField(_("共性问题"), max_length=120)
    category = models.CharField(_("类别"), max_length=16)
    summary = models.TextField(_("问题概述"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=IssueStatus.choices, default=IssueStatus.OPEN
    )
    department = models.ForeignKey(
        "regions.Department",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("牵头单位"),
    )
    hotness = models.FloatField(_("热度"), default=0)
    created_at = models.DateTimeField(_("创建时间"))
    created_by = _user(_("创建人"))
    resolution = models.TextField(_("批量办理结果"), blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    policy_draft = models.ForeignKey(
        "policies.PolicyDraft",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("政策储备"),
    )
    # the level that handles it (a county, a city or the province)
    region_code = models.CharField(_("区划代码"), max_length=12)
    version = models.PositiveIntegerField(default=0, editable=False)

    objects = ScopedManager()
    scope = Scope(region="region_code")
    workflow = ISSUE_WORKFLOW

    class Meta:
        ordering = ["status", "-hotness", "-id"]
        verbose_name = _("共性问题")
        verbose_name_plural = _("共性问题")

    def __str__(self):
        return self.title


class ClusterRun(models.Model):
    """One periodic clustering pass (``sibao cluster-demands``)."""

    at = models.DateTimeField(_("运行时间"))
    demand_count = models.PositiveIntegerField(_("参与诉求数"), default=0)
    cluster_count = models.PositiveIntegerField(_("聚类数"), default=0)
    rule_version = models.PositiveIntegerField(_("规则版本"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("聚类批次")
        verbose_name_plural = _("聚类批次")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M}"


class DemandCluster(models.Model):
    run = models.ForeignKey(ClusterRun, models.CASCADE, related_name="clusters")
    category = models.CharField(_("类别"), max_length=16)
    region_code = models.CharField(_("区划代码"), max_length=12)
    label = models.CharField(_("关键词"), max_length=200)
    size = models.PositiveIntegerField(_("诉求数"))
    unit_count = models.PositiveIntegerField(_("涉及企业数"))
    hotness = models.FloatField(_("热度"))
    demands = models.ManyToManyField("workorders.Demand", related_name="clusters")
    promoted_to = models.ForeignKey(
        CommonIssue,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="clusters",
        verbose_name=_("已转为共性问题"),
    )

    objects = ScopedManager()
    scope = Scope(region="region_code")

    class Meta:
        ordering = ["-hotness", "-id"]
        verbose_name = _("相似诉求聚类")
        verbose_name_plural = _("相似诉求聚类")

    def __str__(self):
        return self.label
