"""Warning rules of the health side: prevention status (疫情防控动态), staff 两码一证 (员工两码一证) and
epidemic risk control (涉疫风险管控). Each check is a few set-based queries over the whitelisted
units (never a loop over the province's units); see ``command.monitoring``."""

import datetime

from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.command.models import Incident, WarningDimension, WarningLevel
from sibao.command.monitoring import Firing, register
from sibao.command.monitoring.units import (
    UNIT_FIELDS,
    day_start,
    iso,
    listed_entries,
    listed_ids,
    local_text,
    narrowed,
    province_today,
    unit_subject,
)
from sibao.epidemic import compliance
from sibao.epidemic.models import (
    DailyReport,
    PersonStatus,
    Preparedness,
    SentinelAlert,
    StaffMember,
)
from sibao.epidemic.models.sentinel import AlertStatus
from sibao.epidemic.queries_units import deadline_passed

D = WarningDimension
L = WarningLevel

# --- prevention (疫情防控动态) --------------------------------------------------------------------


def last_due_day(now, rules) -> datetime.date:
    """The latest day whose daily report is past its deadline (due the next morning)."""
    day = province_today(now) - datetime.timedelta(days=1)
    if not deadline_passed(day, now=now, rules=rules):
        day -= datetime.timedelta(days=1)
    return day


@register(
    "daily_report_missing",
    name=gettext_lazy("健康日报连续未报"),
    dimension=D.PREVENTION,
    level=L.WARNING,
    parameters=("warning_daily_report_missing_days", "daily_report_deadline"),
    explanation=gettext_lazy(
        "白名单单位连续若干天（截至已过填报时限的最近一天）没有报送员工健康日报（含零报告）。"
        "单位补报后预警自动消除；再次连续未报时重新预警。"
    ),
    events=("epidemic.dailyreport",),
)
def daily_report_missing(rules, now, units):
    days = rules["warning_daily_report_missing_days"]
    last = last_due_day(now, rules)
    first = last - datetime.timedelta(days=days - 1)
    filed = DailyReport.objects.filter(
        enterprise_id=OuterRef("enterprise_id"), report_date__range=(first, last)
    )
    last_filed = (
        DailyReport.objects.filter(enterprise_id=OuterRef("enterprise_id"), report_date__lte=last)
        .order_by("-report_date")
        .values("report_date")[:1]
    )
    rows = (
        listed_entries(units, listed_before=day_start(first))
        .filter(~Exists(filed))
        .annotate(last_filed=Subquery(last_filed))
        .values(*UNIT_FIELDS, "last_filed")
    )
    for row in rows:
        last_filed_on = row["last_filed"]
        yield Firing(
            subject=unit_subject(row["enterprise_id"]),
            episode=f"since-{iso(last_filed_on) or 'never'}",
            region_code=row["region_code"],
            enterprise_id=row["enterprise_id"],
            industry_id=row["industry_id"],
            title=_("%(unit)s连续 %(days)s 天未报健康日报")
            % {"unit": row["enterprise__name"], "days": days},
            detail=_("%(first)s 至 %(last)s 没有健康日报；最近一次报送：%(filed)s。")
            % {
                "first": first.isoformat(),
                "last": last.isoformat(),
                "filed": iso(last_filed_on) or _("从未报送"),
            },
            facts={
                "window_first": first.isoformat(),
                "window_last": last.isoformat(),
                "last_filed": iso(last_filed_on),
            },
        )


PREPAREDNESS_ITEMS = {
    "record": gettext_lazy("常态常备登记"),
    "leader": gettext_lazy("防疫专班负责人"),
    "prevention_plan": gettext_lazy("疫情防控方案"),
    "contingency_plan": gettext_lazy("应急处置预案"),
}


@register(
    "preparedness_incomplete",
    name=gettext_lazy("常态常备未落实"),
    dimension=D.PREVENTION,
    level=L.NOTICE,
    parameters=("warning_preparedness_grace_days",),
    explanation=gettext_lazy(
        "纳入白名单超过宽限天数的单位，尚未登记常态常备，或缺少防疫专班负责人、疫情防控方案、"
        "应急处置预案之一（D1 一(三)1“常态常备制度”）。"
    ),
    events=("epidemic.preparedness",),
)
def preparedness_incomplete(rules, now, units):
    grace = rules["warning_preparedness_grace_days"]
    record = Preparedness.objects.filter(enterprise_id=OuterRef("enterprise_id"))
    rows = (
        listed_entries(units, listed_before=now - datetime.timedelta(days=grace))
        .annotate(
            has_record=Exists(record),
            has_leader=Exists(record.exclude(task_force_leader="")),
            has_prevention_plan=Exists(record.filter(has_prevention_plan=True)),
            has_contingency_plan=Exists(record.filter(has_contingency_plan=True)),
        )
        .filter(
            Q(has_record=False)
            | Q(has_leader=False)
            | Q(has_prevention_plan=False)
            | Q(has_contingency_plan=False)
        )
        .values(
            *UNIT_FIELDS,
            "has_record",
            "has_leader",
            "has_prevention_plan",
            "has_contingency_plan",
        )
    )
    for row in rows:
        if not row["has_record"]:
            missing = ["record"]
        else:
            missing = [
                item
                for item, present in (
                    ("leader", row["has_leader"]),
                    ("prevention_plan", row["has_prevention_plan"]),
                    ("contingency_plan", row["has_contingency_plan"]),
                )
                if not present
            ]
        yield Firing(
            subject=unit_subject(row["enterprise_id"]),
            region_code=row["region_code"],
            enterprise_id=row["enterprise_id"],
            industry_id=row["industry_id"],
            title=_("%(unit)s常态常备未落实") % {"unit": row["enterprise__name"]},
            detail=_("缺少：%(items)s。")
            % {"items": "、".join(str(PREPAREDNESS_ITEMS[item]) for item in missing)},
            facts={"missing": missing},
        )


# --- staff 两码一证 (员工两码一证) ------------------------------------------------------------------


def _roster(units):
    return StaffMember.objects.filter(is_active=True, enterprise_id__in=listed_ids(units))


STAFF_FIELDS = ("enterprise_id", "enterprise__name", "region_code", "enterprise__industry_id")


@register(
    "staff_overdue_share",
    name=gettext_lazy("员工核酸超时未检比例偏高"),
    dimension=D.STAFF_CODES,
    level=L.WARNING,
    parameters=(
        "warning_staff_overdue_pct",
        "warning_staff_overdue_min",
        "nat_interval_hours",
        "nat_interval_hours_mobile_post",
        "nat_interval_hours_emergency",
    ),
    explanation=gettext_lazy(
        "白名单单位在岗员工中，超过核酸检测间隔（按岗位和应急状态确定）没有阴性结果的人数"
        "达到下限，且占在岗员工的比例达到预警线。"
    ),
    events=("epidemic.staffmember",),
)
def staff_overdue_share(rules, now, units):
    pct, minimum = rules["warning_staff_overdue_pct"], rules["warning_staff_overdue_min"]
    scope = compliance.emergency_scope()
    rows = (
        _roster(units)
        .values(*STAFF_FIELDS)
        .annotate(
            staff=Count("pk"),
            overdue=Count("pk", filter=compliance.overdue_q(now, rules, scope)),
        )
        .filter(overdue__gte=minimum)
        .order_by()
    )
    for row in rows:
        if row["overdue"] * 100 < pct * row["staff"]:
            continue
        share = round(100 * row["overdue"] / row["staff"], 1)
        yield Firing(
            subject=unit_subject(row["enterprise_id"]),
            region_code=row["region_code"],
            enterprise_id=row["enterprise_id"],
            industry_id=row["enterprise__industry_id"],
            title=_("%(unit)s员工核酸超时未检 %(overdue)s 人（%(share)s%%）")
            % {"unit": row["enterprise__name"], "overdue": row["overdue"], "share": share},
            detail=_("在岗 %(staff)s 人，超时未检 %(overdue)s 人，占 %(share)s%%。")
            % {"staff": row["staff"], "overdue": row["overdue"], "share": share},
            facts={
                "staff": row["staff"],
                "overdue": row["overdue"],
                "overdue_pct": share,
                "in_emergency": scope.covers(row["region_code"], row["enterprise_id"]),
            },
        )


def _code(colour):
    return Exists(
        PersonStatus.objects.filter(person_key=OuterRef("person_key"), health_code=colour)
    )


@register(
    "risk_code_on_site",
    name=gettext_lazy("红黄码员工在岗"),
    dimension=D.STAFF_CODES,
    level=L.SEVERE,
    explanation=gettext_lazy(
        "白名单单位在岗名册中有健康码为红码或黄码的员工（红码为严重，仅黄码为预警）。"
        "员工转绿码或调离在岗名册后预警自动消除。"
    ),
    events=("epidemic.staffmember",),
)
def risk_code_on_site(rules, now, units):
    coloured = PersonStatus.objects.filter(health_code__in=["red", "yellow"]).values("person_key")
    rows = (
        _roster(units)
        .filter(person_key__in=coloured)
        .values(*STAFF_FIELDS)
        .annotate(
            red=Count("pk", filter=Q(_code("red"))),
            yellow=Count("pk", filter=Q(_code("yellow"))),
        )
        .order_by()
    )
    for row in rows:
        yield Firing(
            subject=unit_subject(row["enterprise_id"]),
            region_code=row["region_code"],
            enterprise_id=row["enterprise_id"],
            industry_id=row["enterprise__industry_id"],
            level=L.SEVERE if row["red"] else L.WARNING,
            title=_("%(unit)s有红黄码员工在岗（红码 %(red)s 人，黄码 %(yellow)s 人）")
            % {"unit": row["enterprise__name"], "red": row["red"], "yellow": row["yellow"]},
            detail=_("请核实人员是否在岗，按规定落实管控措施。"),
            facts={"red": row["red"], "yellow": row["yellow"]},
        )


# --- epidemic risk control (涉疫风险管控) ----------------------------------------------------------


@register(
    "sentinel_alert_overdue",
    name=gettext_lazy("哨点预警超期未处置"),
    dimension=D.EPIDEMIC_RISK,
    level=L.WARNING,
    parameters=("warning_alert_overdue_min", "sentinel_alert_due_hours"),
    explanation=gettext_lazy(
        "白名单单位的电子哨点预警（超时未检、未报备、购药、阳性、红黄码扫码）超过处置时限仍未处置，"
        "条数达到预警值。处置完毕后预警自动消除。"
    ),
    events=("epidemic.sentinelalert",),
)
def sentinel_alert_overdue(rules, now, units):
    minimum = rules["warning_alert_overdue_min"]
    rows = (
        SentinelAlert.objects.filter(
            status=AlertStatus.OPEN, due_at__lt=now, enterprise_id__in=listed_ids(units)
        )
        .values(*STAFF_FIELDS)
        .annotate(alerts=Count("pk"), oldest_due=Min("due_at"))
        .filter(alerts__gte=minimum)
        .order_by()
    )
    for row in rows:
        yield Firing(
            subject=unit_subject(row["enterprise_id"]),
            region_code=row["region_code"],
            enterprise_id=row["enterprise_id"],
            industry_id=row["enterprise__industry_id"],
            title=_("%(unit)s有 %(n)s 条哨点预警超期未处置")
            % {"unit": row["enterprise__name"], "n": row["alerts"]},
            detail=_("最早一条的处置时限：%(due)s。") % {"due": local_text(row["oldest_due"])},
            facts={"overdue_alerts": row["alerts"], "oldest_due": iso(row["oldest_due"])},
        )


@register(
    "incident_open",
    name=gettext_lazy("单位发生涉疫事件"),
    dimension=D.EPIDEMIC_RISK,
    level=L.SEVERE,
    explanation=gettext_lazy(
        "单位有处置中的涉疫事件（可疑症状、初筛阳性、混检阳性，或已确诊）：初筛、混检阳性和确诊为"
        "严重，可疑症状为预警。事件排除或恢复生产后预警自动消除。"
    ),
    events=("command.incident",),
)
def incident_open(rules, now, units):
    open_statuses = [Incident.Status.OPEN, Incident.Status.CONFIRMED]
    rows = narrowed(Incident.objects.filter(status__in=open_statuses), units).values(
        "pk",
        "kind",
        "status",
        "opened_at",
        "enterprise_id",
        "enterprise__name",
        "region_code",
        "enterprise__industry_id",
    )
    kinds, statuses = dict(Incident.Kind.choices), dict(Incident.Status.choices)
    for row in rows:
        mild = row["kind"] == Incident.Kind.SYMPTOM and row["status"] == Incident.Status.OPEN
        yield Firing(
            subject=f"incident:{row['pk']}",
            region_code=row["region_code"],
            enterprise_id=row["enterprise_id"],
            industry_id=row["enterprise__industry_id"],
            level=L.WARNING if mild else L.SEVERE,
            title=_("%(unit)s发生涉疫事件：%(kind)s")
            % {"unit": row["enterprise__name"], "kind": kinds.get(row["kind"], row["kind"])},
            detail=_("事件 #%(pk)s，%(status)s，发现时间 %(at)s。")
            % {
                "pk": row["pk"],
                "status": statuses.get(row["status"], row["status"]),
                "at": local_text(row["opened_at"]),
            },
            facts={
                "incident": row["pk"],
                "kind": row["kind"],
                "status": row["status"],
                "opened_at": iso(row["opened_at"]),
            },
        )
