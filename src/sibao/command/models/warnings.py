"""MON-02: early warnings across the seven dimensions of D1 一(三)3.

A warning rule (``command.monitoring``) is named, parameterised in the rule set and evaluated on a
schedule and on events; each firing is one ``EarlyWarning`` row, raised once per ``key`` (rule ×
subject × period), carrying the figures that fired it and the rule-set version, with an owner, a
response deadline and an outcome ("一键响应": acknowledge, assign, open a work order or a joint
consultation, resolve). A warning whose condition no longer holds is cleared, not deleted.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager
from sibao.core.workflow import Transition, Workflow


class WarningDimension(models.TextChoices):
    PREVENTION = "prevention", _("疫情防控动态")
    STAFF_CODES = "staff_codes", _("员工两码一证")
    EPIDEMIC_RISK = "epidemic_risk", _("涉疫风险管控")
    PRODUCTION = "production", _("生产经营状况")
    POLICY = "policy", _("纾困政策落实")
    DEMAND = "demand", _("企业诉求响应")
    LIAISON = "liaison", _("包保责任")


class WarningLevel(models.TextChoices):
    NOTICE = "notice", _("提示")
    WARNING = "warning", _("预警")
    SEVERE = "severe", _("严重")


class WarningStatus(models.TextChoices):
    OPEN = "open", _("待响应")
    ACKNOWLEDGED = "acknowledged", _("已确认")
    ASSIGNED = "assigned", _("已交办")
    RESOLVED = "resolved", _("已处置")
    DISMISSED = "dismissed", _("已排除")
    CLEARED = "cleared", _("已消除")


ACTIVE_WARNING_STATUSES = (
    WarningStatus.OPEN,
    WarningStatus.ACKNOWLEDGED,
    WarningStatus.ASSIGNED,
)
RESPONDERS = frozenset({"hq_leader", "hq_office", "department_staff", "health_office"})

WARNING_WORKFLOW = Workflow(
    Transition(WarningStatus.OPEN, "acknowledge", WarningStatus.ACKNOWLEDGED, RESPONDERS),
    Transition(
        (WarningStatus.OPEN, WarningStatus.ACKNOWLEDGED, WarningStatus.ASSIGNED),
        "assign",
        WarningStatus.ASSIGNED,
        RESPONDERS,
    ),
    Transition(ACTIVE_WARNING_STATUSES, "resolve", WarningStatus.RESOLVED, RESPONDERS),
    Transition(ACTIVE_WARNING_STATUSES, "dismiss", WarningStatus.DISMISSED, RESPONDERS),
    # the rule no longer fires (the evaluator, no actor)
    Transition(ACTIVE_WARNING_STATUSES, "clear", WarningStatus.CLEARED),
    # the condition came back before anyone closed it
    Transition(WarningStatus.CLEARED, "reopen", WarningStatus.OPEN),
    labels=WarningStatus,
)


def _user(verbose):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose,
    )


class EarlyWarning(models.Model):
    """One firing of a warning rule about one subject (a unit, a region, a demand, an incident,
    a cadre's assignment), raised once per ``key`` and kept up to date by the evaluator
    (``command.actions.warnings.evaluate_warnings``); ``facts`` holds the parameter values and
    figures it was last seen with, ``rule_set_version`` the version they came from."""

    id = models.BigAutoField(primary_key=True)
    rule = models.CharField(_("预警规则"), max_length=64)
    dimension = models.CharField(_("监测维度"), max_length=16, choices=WarningDimension.choices)
    level = models.CharField(
        _("预警等级"), max_length=8, choices=WarningLevel.choices, default=WarningLevel.WARNING
    )
    # rule × subject × period: the same condition raises one warning, however often it is seen
    key = models.CharField(_("去重键"), max_length=200, unique=True)
    title = models.CharField(_("预警事项"), max_length=200)
    detail = models.TextField(_("预警情况"), blank=True)
    # the figures that fired the rule and the parameters it read (traceability)
    facts = models.JSONField(_("触发数据"), default=dict, blank=True)
    rule_set_version = models.PositiveIntegerField(_("规则版本"))
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="early_warnings",
        verbose_name=_("单位"),
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    industry = models.ForeignKey(
        "regions.IndustryDomain",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("行业领域"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=WarningStatus.choices, default=WarningStatus.OPEN
    )
    raised_at = models.DateTimeField(_("预警时间"))
    last_seen_at = models.DateTimeField(_("最近一次触发"))
    cleared_at = models.DateTimeField(_("消除时间"), null=True, blank=True)
    deadline = models.DateTimeField(_("响应时限"), null=True, blank=True)
    owner = _user(_("责任人"))
    owner_department = models.ForeignKey(
        "regions.Department",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任部门"),
    )
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = _user(_("确认人"))
    outcome = models.TextField(_("处置结果"), blank=True)
    resolved_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    resolved_by = _user(_("处置人"))
    demand = models.ForeignKey(
        "workorders.Demand",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("转办诉求"),
    )
    consultation = models.ForeignKey(
        "command.Consultation",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("联合会商"),
    )

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id", industry="industry_id")
    workflow = WARNING_WORKFLOW

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            # the warning list and the dashboard: active warnings of a region subtree
            models.Index(fields=["status", "region_code"], name="warning_status_region"),
            # the evaluator: the active warnings of one rule (to clear what no longer fires)
            models.Index(fields=["rule", "status"], name="warning_rule_status"),
        ]
        verbose_name = _("监测预警")
        verbose_name_plural = _("监测预警")

    def __str__(self):
        return self.title
