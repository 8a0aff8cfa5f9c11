"""Reads of the warnings area (MON-02): the warnings a user may see, the counts by dimension
(one grouped query), what a warning's rule checks with the parameter values and figures that
fired it, its history, and who it may be assigned to. Every read goes through ``visible_to``."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import prefix_range
from sibao.accounts.models import RoleGrant, User
from sibao.command import monitoring, recipients
from sibao.command.models import (
    ACTIVE_WARNING_STATUSES,
    WARNING_WORKFLOW,
    EarlyWarning,
    WarningDimension,
)
from sibao.command.models.warnings import RESPONDERS
from sibao.core import rules as rule_set
from sibao.regions.models import Department

__all__ = [
    "ACTIVE",
    "ACTIVE_STATUSES",
    "FIGURE_LABELS",
    "DimensionCount",
    "active_q",
    "assignable_departments",
    "assignable_owners",
    "dimension_counts",
    "history",
    "list_url",
    "overdue_q",
    "parameter_rows",
    "region_counts",
    "warnings_for",
]

ACTIVE = "active"  # the list's pseudo-status: open, acknowledged or assigned
ACTIVE_STATUSES = ACTIVE_WARNING_STATUSES


def warnings_for(user, action: str = "view"):
    return EarlyWarning.objects.visible_to(user, action).select_related(
        "enterprise", "owner", "owner_department", "demand", "consultation"
    )


def active_q() -> Q:
    return Q(status__in=ACTIVE_WARNING_STATUSES)


def overdue_q(now=None) -> Q:
    """Active warnings past their response deadline."""
    return active_q() & Q(deadline__lt=now or timezone.now())


def in_region(queryset, code: str):
    return queryset.filter(prefix_range("region_code", code))


def list_url(**params) -> str:
    """The warning list filtered by ``params`` (None values left out)."""
    query = {k: v for k, v in params.items() if v not in (None, "")}
    url = reverse("command:warning_list")
    return f"{url}?{urlencode(query)}" if query else url


@dataclass
class DimensionCount:
    key: str
    label: str
    active: int
    url: str


def dimension_counts(queryset, *, region: str | None = None, now=None) -> tuple[list, int]:
    """Active warnings of ``queryset`` per dimension (all seven, in order) and the overdue ones:
    one grouped query. Each count carries the list address that shows exactly its rows."""
    now = now or timezone.now()
    if region:
        queryset = in_region(queryset, region)
    rows = (
        queryset.filter(active_q())
        .values("dimension")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=now)))
        .order_by()
    )
    found = {row["dimension"]: row for row in rows}
    counts = [
        DimensionCount(
            key=d.value,
            label=d.label,
            active=found.get(d.value, {}).get("n", 0),
            url=list_url(dimension=d.value, status=ACTIVE, region=region),
        )
        for d in WarningDimension
    ]
    overdue = sum(row["overdue"] for row in found.values())
    return counts, overdue


def region_counts(queryset, region_code: str, children) -> dict[str, int]:
    """Active warnings of ``queryset`` per child of the region ``region_code`` (the map
    indicator): one grouped query by region code, added up per child prefix (child codes need
    not share a length: 济源 419001 sits beside the four-digit cities). ``children``: regions or
    codes."""
    codes = [getattr(child, "code", child) for child in children]
    totals = dict.fromkeys(codes, 0)
    if not codes:
        return totals
    rows = (
        in_region(queryset, region_code)
        .filter(active_q())
        .values("region_code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        for code in codes:
            if row["region_code"].startswith(code):
                totals[code] += row["n"]
                break
    return totals


FIGURE_LABELS = {
    "window_first": _("统计起日"),
    "window_last": _("统计止日"),
    "last_filed": _("最近一次报送"),
    "missing": _("缺少事项"),
    "staff": _("在岗人数"),
    "overdue": _("超时未检人数"),
    "overdue_pct": _("超时未检比例（%）"),
    "in_emergency": _("处于应急状态"),
    "red": _("红码人数"),
    "yellow": _("黄码人数"),
    "overdue_alerts": _("超期未处置哨点预警（条）"),
    "oldest_due": _("最早处置时限"),
    "incident": _("事件编号"),
    "kind": _("事件类型"),
    "status": _("状态"),
    "opened_at": _("发现时间"),
    "low_days": _("产能偏低或停产天数"),
    "suspended_days": _("停产天数"),
    "lowest_capacity_pct": _("最低产能利用率（%）"),
    "reported_on": _("报告日期"),
    "raw_material_days": _("原材料可用天数"),
    "policies": _("未兑现政策（项）"),
    "applied": _("已申请待批准（项）"),
    "oldest_notified": _("最早推送时间"),
    "eligible": _("符合条件（件）"),
    "received": _("确认到账（件）"),
    "rate_pct": _("兑现率（%）"),
    "overdue_orders": _("超期工单（件）"),
    "units": _("涉及单位（家）"),
    "demand": _("诉求编号"),
    "number": _("诉求编号"),
    "days_open": _("已持续天数"),
    "listed_at": _("纳入白名单时间"),
    "cadre": _("包保干部编号"),
    "cadre_name": _("包保干部"),
    "since": _("统计起始时间"),
}


@dataclass
class ParameterRow:
    key: str
    label: str
    value: object  # the value the warning was evaluated with
    unit: str
    source: str
    current: object  # the value in force now


def parameter_rows(warning) -> list[ParameterRow]:
    """The rule-set parameters the warning's rule read, with the values it was evaluated with
    (stored with the warning) beside the values in force now."""
    stored = (warning.facts or {}).get("parameters", {})
    current = rule_set.current()
    rows = []
    for key, value in stored.items():
        parameter = rule_set.BY_KEY.get(key)
        if parameter is None:
            rows.append(ParameterRow(key, key, value, "", "", None))
            continue
        rows.append(
            ParameterRow(
                key,
                str(parameter.label),
                value,
                str(parameter.unit),
                parameter.source,
                current[key],
            )
        )
    return rows


def _value_labels(rule: str) -> dict:
    """Labels of the coded values a rule stores among its figures."""
    from sibao.command.models import Incident
    from sibao.command.monitoring.rules_health import PREPAREDNESS_ITEMS
    from sibao.workorders.models import DemandStatus

    labels = {"missing": PREPAREDNESS_ITEMS, "kind": dict(Incident.Kind.choices)}
    if rule == "incident_open":
        labels["status"] = dict(Incident.Status.choices)
    elif rule == "demand_unresolved":
        labels["status"] = dict(DemandStatus.choices)
    return labels


def _shown(value, labels: dict | None):
    if isinstance(value, list):
        return "、".join(str(_shown(v, labels)) for v in value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if labels and value in labels:
        return labels[value]
    if isinstance(value, str) and "T" in value:
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return value


def figure_rows(warning) -> list[tuple[str, object]]:
    """The figures that fired the warning, labelled, coded values in words."""
    figures = (warning.facts or {}).get("figures", {})
    labels = _value_labels(warning.rule)
    return [
        (FIGURE_LABELS.get(key, key), _shown(value, labels.get(key)))
        for key, value in figures.items()
    ]


def region_name(code: str) -> str:
    from sibao.regions.models import Region

    return Region.objects.filter(code=code).values_list("name", flat=True).first() or code


def rule_of(warning):
    return monitoring.get(warning.rule)


ACTION_LABELS = {
    "acknowledge": _("确认"),
    "assign": _("交办"),
    "resolve": _("处置完毕"),
    "dismiss": _("排除"),
    "clear": _("条件消除，自动消除"),
    "reopen": _("条件再次出现，重新预警"),
}


def history(warning) -> list:
    """The warning's transitions, oldest first, each with ``label`` (the step in words)."""
    rows = list(WARNING_WORKFLOW.history(warning).order_by("at", "pk"))
    for row in rows:
        row.label = ACTION_LABELS.get(row.action, row.action)
    return rows


def assignable_owners(warning):
    """Officials who may respond to the warning: responder grants covering its region (not bound
    to an enterprise), narrowed to its industry when the grant is."""
    grants = RoleGrant.objects.filter(
        role__in=sorted(RESPONDERS),
        region_id__in=recipients.covering_codes(warning.region_code),
        enterprise__isnull=True,
        is_active=True,
        user__is_active=True,
    )
    users = User.objects.filter(pk__in=grants.values("user_id")).order_by("username")
    # the same test the assign action applies: the owner can see the warning to respond
    return [
        u
        for u in users
        if EarlyWarning.objects.visible_to(u, "respond").filter(pk=warning.pk).exists()
    ]


def assignable_departments(warning):
    """Departments of the warning's region and of the regions above it."""
    return (
        Department.objects.filter(region_id__in=recipients.covering_codes(warning.region_code))
        .select_related("region")
        .order_by("-region_id", "kind")
    )
