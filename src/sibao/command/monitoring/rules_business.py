"""Warning rules of the business side: production and operation (生产经营状况), relief-policy
implementation (纾困政策落实), demand response (企业诉求响应) and liaison responsibility (包保责任).
Each check is a few set-based queries; see ``command.monitoring``."""

import datetime
from collections import defaultdict

from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.accounts.models import RoleGrant
from sibao.accounts.roles import Role
from sibao.command.models import WarningDimension, WarningLevel
from sibao.command.monitoring import Firing, register
from sibao.command.monitoring.units import (
    UNIT_FIELDS,
    iso,
    listed_entries,
    listed_ids,
    local_text,
    narrowed,
    province_today,
    unit_subject,
)
from sibao.enterprises.models import ProductionReport
from sibao.enterprises.models.production import ProductionState
from sibao.policies.models import MatchResult, PolicyMatch, UptakeStatus
from sibao.regions.models import Region
from sibao.workorders.models import Demand, Visit, WorkOrder
from sibao.workorders.models.demands import OPEN_STATUSES
from sibao.workorders.models.orders import HANDLING_STATUSES

D = WarningDimension
L = WarningLevel


def _region_names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))


# --- production (生产经营状况) ---------------------------------------------------------------------


def latest_report_days(rules, now, units) -> dict[datetime.date, list[int]]:
    """The day of each listed unit's latest production report, if it is recent (within
    ``production_stale_days``): ``{day: [enterprise ids]}`` — one grouped query."""
    today = province_today(now)
    since = today - datetime.timedelta(days=rules["production_stale_days"])
    rows = (
        ProductionReport.objects.filter(
            enterprise_id__in=listed_ids(units), reported_on__gte=since, reported_on__lte=today
        )
        .values("enterprise_id")
        .annotate(latest=Max("reported_on"))
        .order_by()
    )
    found = defaultdict(list)
    for row in rows:
        found[row["latest"]].append(row["enterprise_id"])
    return found


def _low_q(rules) -> Q:
    return Q(state=ProductionState.SUSPENDED) | Q(
        capacity_percent__lt=rules["warning_capacity_low_pct"]
    )


@register(
    "production_low",
    name=gettext_lazy("产能偏低或停产"),
    dimension=D.PRODUCTION,
    level=L.WARNING,
    parameters=("warning_capacity_low_pct", "warning_capacity_low_days", "production_stale_days"),
    explanation=gettext_lazy(
        "白名单单位最近连续若干天的生产经营状况报告都是停产或产能利用率低于预警线（以最近一次报告"
        "为止，报告须在有效期内）；最近一天停产为严重。恢复后预警自动消除。"
    ),
    events=("enterprises.productionreport",),
)
def production_low(rules, now, units):
    days = rules["warning_capacity_low_days"]
    low = _low_q(rules)
    for latest, ids in sorted(latest_report_days(rules, now, units).items()):
        first = latest - datetime.timedelta(days=days - 1)
        rows = (
            ProductionReport.objects.filter(
                enterprise_id__in=ids, reported_on__range=(first, latest)
            )
            .values("enterprise_id", "enterprise__name", "region_code", "industry_id")
            .annotate(
                low_days=Count("pk", filter=low),
                suspended_days=Count("pk", filter=Q(state=ProductionState.SUSPENDED)),
                lowest=Min("capacity_percent"),
                suspended_last=Count(
                    "pk", filter=Q(reported_on=latest, state=ProductionState.SUSPENDED)
                ),
            )
            .filter(low_days__gte=days)
            .order_by()
        )
        for row in rows:
            suspended = bool(row["suspended_last"])
            yield Firing(
                subject=unit_subject(row["enterprise_id"]),
                region_code=row["region_code"],
                enterprise_id=row["enterprise_id"],
                industry_id=row["industry_id"],
                level=L.SEVERE if suspended else None,
                title=(_("%(unit)s停产") if suspended else _("%(unit)s连续 %(days)s 天产能偏低"))
                % {"unit": row["enterprise__name"], "days": days},
                detail=_(
                    "%(first)s 至 %(last)s 每天的报告均为停产或产能低于 %(pct)s%%"
                    "（其中停产 %(suspended)s 天，最低产能 %(lowest)s%%）。"
                )
                % {
                    "first": first.isoformat(),
                    "last": latest.isoformat(),
                    "pct": rules["warning_capacity_low_pct"],
                    "suspended": row["suspended_days"],
                    "lowest": row["lowest"],
                },
                facts={
                    "window_first": first.isoformat(),
                    "window_last": latest.isoformat(),
                    "low_days": row["low_days"],
                    "suspended_days": row["suspended_days"],
                    "lowest_capacity_pct": row["lowest"],
                },
            )


@register(
    "raw_material_low",
    name=gettext_lazy("原材料告急"),
    dimension=D.PRODUCTION,
    level=L.WARNING,
    parameters=("production_raw_material_days_low", "production_stale_days"),
    explanation=gettext_lazy(
        "白名单单位最近一次（有效期内的）生产经营状况报告中，原材料可用天数低于告急线。"
    ),
    events=("enterprises.productionreport",),
)
def raw_material_low(rules, now, units):
    threshold = rules["production_raw_material_days_low"]
    latest = latest_report_days(rules, now, units)
    if not latest:
        return
    pairs = Q(pk__in=[])
    for day, ids in latest.items():
        pairs |= Q(reported_on=day, enterprise_id__in=ids)
    rows = (
        ProductionReport.objects.filter(pairs, raw_material_days__lt=threshold)
        .values(
            "enterprise_id",
            "enterprise__name",
            "region_code",
            "industry_id",
            "reported_on",
            "raw_material_days",
        )
        .order_by()
    )
    for row in rows:
        left = row["raw_material_days"]
        yield Firing(
            subject=unit_subject(row["enterprise_id"]),
            region_code=row["region_code"],
            enterprise_id=row["enterprise_id"],
            industry_id=row["industry_id"],
            level=L.SEVERE if left <= 1 else None,
            title=_("%(unit)s原材料仅够 %(days)s 天")
            % {"unit": row["enterprise__name"], "days": f"{left:g}"},
            detail=_("%(day)s 报告原材料可用 %(days)s 天，低于 %(threshold)s 天。")
            % {"day": row["reported_on"].isoformat(), "days": f"{left:g}", "threshold": threshold},
            facts={"reported_on": row["reported_on"].isoformat(), "raw_material_days": str(left)},
        )


# --- relief policies (纾困政策落实) -----------------------------------------------------------------

NOT_REDEEMED = [
    UptakeStatus.MATCHED,
    UptakeStatus.NOTIFIED,
    UptakeStatus.READ,
    UptakeStatus.APPLIED,
]


@register(
    "policy_unredeemed",
    name=gettext_lazy("应享政策超期未兑现"),
    dimension=D.POLICY,
    level=L.NOTICE,
    parameters=("warning_policy_unapplied_days",),
    explanation=gettext_lazy(
        "白名单单位符合条件的政策推送已超过若干天，仍未申请或未获批（应享未享）。"
        "批准、拨付、确认到账或不予批准后预警自动消除。"
    ),
    events=("policies.policymatch",),
)
def policy_unredeemed(rules, now, units):
    days = rules["warning_policy_unapplied_days"]
    rows = (
        PolicyMatch.objects.filter(
            enterprise_id__in=listed_ids(units),
            result=MatchResult.ELIGIBLE,
            uptake__in=NOT_REDEEMED,
            notified_at__lt=now - datetime.timedelta(days=days),
        )
        .values("enterprise_id", "enterprise__name", "region_code", "enterprise__industry_id")
        .annotate(
            policies=Count("pk"),
            applied=Count("pk", filter=Q(uptake=UptakeStatus.APPLIED)),
            oldest=Min("notified_at"),
        )
        .order_by()
    )
    for row in rows:
        yield Firing(
            subject=unit_subject(row["enterprise_id"]),
            region_code=row["region_code"],
            enterprise_id=row["enterprise_id"],
            industry_id=row["enterprise__industry_id"],
            title=_("%(unit)s有 %(n)s 项应享政策超过 %(days)s 天未兑现")
            % {"unit": row["enterprise__name"], "n": row["policies"], "days": days},
            detail=_("其中已申请待批准 %(applied)s 项；最早一项推送于 %(at)s。")
            % {"applied": row["applied"], "at": local_text(row["oldest"])},
            facts={
                "policies": row["policies"],
                "applied": row["applied"],
                "oldest_notified": iso(row["oldest"]),
            },
        )


@register(
    "redemption_rate_low",
    name=gettext_lazy("地区政策兑现率偏低"),
    dimension=D.POLICY,
    level=L.WARNING,
    parameters=(
        "warning_redemption_rate_pct",
        "warning_redemption_min_eligible",
        "warning_policy_unapplied_days",
    ),
    explanation=gettext_lazy(
        "县（市、区）的政策兑现率（企业确认到账 ÷ 符合条件，按件数）低于预警线。只计推送已超过"
        "兑现期限天数的符合条件记录（刚推送的政策还来不及兑现），且记录数达到下限才计算。"
    ),
    unit_level=False,
)
def redemption_rate_low(rules, now, units):
    pct, minimum = rules["warning_redemption_rate_pct"], rules["warning_redemption_min_eligible"]
    matured = now - datetime.timedelta(days=rules["warning_policy_unapplied_days"])
    rows = (
        PolicyMatch.objects.filter(result=MatchResult.ELIGIBLE, notified_at__lt=matured)
        .values("region_code")
        .annotate(
            eligible=Count("pk"), received=Count("pk", filter=Q(uptake=UptakeStatus.RECEIVED))
        )
        .filter(eligible__gte=minimum)
        .order_by()
    )
    low = [r for r in rows if r["received"] * 100 < pct * r["eligible"]]
    names = _region_names(r["region_code"] for r in low)
    for row in low:
        rate = round(100 * row["received"] / row["eligible"], 1)
        name = names.get(row["region_code"], row["region_code"])
        yield Firing(
            subject=f"region:{row['region_code']}",
            region_code=row["region_code"],
            title=_("%(region)s政策兑现率 %(rate)s%%，低于 %(pct)s%%")
            % {"region": name, "rate": rate, "pct": pct},
            detail=_("符合条件 %(eligible)s 件，企业确认到账 %(received)s 件。")
            % {"eligible": row["eligible"], "received": row["received"]},
            facts={
                "eligible": row["eligible"],
                "received": row["received"],
                "rate_pct": rate,
            },
        )


# --- demand response (企业诉求响应) ----------------------------------------------------------------


@register(
    "orders_overdue_region",
    name=gettext_lazy("工单超期积压"),
    dimension=D.DEMAND,
    level=L.WARNING,
    parameters=("warning_overdue_orders_region",),
    explanation=gettext_lazy(
        "一个承办地区（县、市或省级部门）超过办理时限仍未答复的工单件数达到预警值"
        "（已提级的工单计入现在承办的一级）。"
    ),
    unit_level=False,
)
def orders_overdue_region(rules, now, units):
    minimum = rules["warning_overdue_orders_region"]
    rows = (
        WorkOrder.objects.filter(status__in=HANDLING_STATUSES, due_at__lt=now)
        .values("region_code")
        .annotate(
            overdue=Count("pk"), oldest=Min("due_at"), units=Count("enterprise", distinct=True)
        )
        .filter(overdue__gte=minimum)
        .order_by()
    )
    rows = list(rows)
    names = _region_names(r["region_code"] for r in rows)
    for row in rows:
        name = names.get(row["region_code"], row["region_code"])
        yield Firing(
            subject=f"region:{row['region_code']}",
            region_code=row["region_code"],
            title=_("%(region)s有 %(n)s 件工单超期未办结") % {"region": name, "n": row["overdue"]},
            detail=_("涉及 %(units)s 家单位；最早一件的办理时限：%(due)s。")
            % {"units": row["units"], "due": local_text(row["oldest"])},
            facts={
                "overdue_orders": row["overdue"],
                "units": row["units"],
                "oldest_due": iso(row["oldest"]),
            },
        )


@register(
    "demand_unresolved",
    name=gettext_lazy("企业诉求久拖未决"),
    dimension=D.DEMAND,
    level=L.WARNING,
    parameters=("warning_demand_unresolved_days",),
    explanation=gettext_lazy(
        "企业诉求提交后超过若干天仍未销号（待受理、已受理或办理中）。销号、不予受理、合并或撤回后"
        "预警自动消除。"
    ),
    events=("workorders.demand",),
)
def demand_unresolved(rules, now, units):
    days = rules["warning_demand_unresolved_days"]
    rows = narrowed(
        Demand.objects.filter(
            status__in=OPEN_STATUSES, submitted_at__lt=now - datetime.timedelta(days=days)
        ),
        units,
    ).values(
        "pk",
        "number",
        "title",
        "status",
        "submitted_at",
        "enterprise_id",
        "enterprise__name",
        "region_code",
        "industry_code",
    )
    for row in rows:
        waited = (now - row["submitted_at"]).days
        yield Firing(
            subject=f"demand:{row['pk']}",
            region_code=row["region_code"],
            enterprise_id=row["enterprise_id"],
            industry_id=row["industry_code"] or None,
            title=_("%(unit)s的诉求 %(number)s 已 %(days)s 天未解决")
            % {"unit": row["enterprise__name"], "number": row["number"], "days": waited},
            detail=_("“%(title)s”，%(at)s 提交。")
            % {"title": row["title"], "at": local_text(row["submitted_at"])},
            facts={
                "demand": row["pk"],
                "number": row["number"],
                "status": row["status"],
                "days_open": waited,
            },
        )


# --- liaison responsibility (包保责任) -------------------------------------------------------------


def _cadre_grants():
    return RoleGrant.objects.filter(
        role=Role.LIAISON_CADRE, is_active=True, user__is_active=True, enterprise__isnull=False
    )


@register(
    "unit_without_cadre",
    name=gettext_lazy("白名单单位未落实包保干部"),
    dimension=D.LIAISON,
    level=L.NOTICE,
    parameters=("warning_cadre_assign_days",),
    explanation=gettext_lazy(
        "纳入白名单超过宽限天数的单位没有在岗的包保干部（D1 九(二)“落实包保干部责任”）。"
        "指派包保干部后预警自动消除。"
    ),
    events=("accounts.rolegrant",),
)
def unit_without_cadre(rules, now, units):
    grace = rules["warning_cadre_assign_days"]
    assigned = _cadre_grants().filter(enterprise_id=OuterRef("enterprise_id"))
    rows = (
        listed_entries(units, listed_before=now - datetime.timedelta(days=grace))
        .filter(~Exists(assigned))
        .values(*UNIT_FIELDS, "listed_at")
    )
    for row in rows:
        yield Firing(
            subject=unit_subject(row["enterprise_id"]),
            region_code=row["region_code"],
            enterprise_id=row["enterprise_id"],
            industry_id=row["industry_id"],
            title=_("%(unit)s尚未落实包保干部") % {"unit": row["enterprise__name"]},
            detail=_("%(at)s 纳入白名单，至今没有在岗的包保干部。")
            % {"at": local_text(row["listed_at"])},
            facts={"listed_at": iso(row["listed_at"])},
        )


@register(
    "cadre_idle",
    name=gettext_lazy("包保干部长期未走访"),
    dimension=D.LIAISON,
    level=L.NOTICE,
    parameters=("warning_cadre_idle_days",),
    explanation=gettext_lazy(
        "包保干部在若干天内既没有对所包保单位的工单做过回访，也没有代单位报送（或导入走访收集的）"
        "诉求。干部再次走访或代报后预警自动消除。"
    ),
    events=("workorders.visit", "workorders.demand"),
)
def cadre_idle(rules, now, units):
    days = rules["warning_cadre_idle_days"]
    since = now - datetime.timedelta(days=days)
    visited = Visit.objects.filter(
        by_id=OuterRef("user_id"), order__enterprise_id=OuterRef("enterprise_id"), at__gte=since
    )
    filed = Demand.objects.filter(
        submitted_by_id=OuterRef("user_id"),
        enterprise_id=OuterRef("enterprise_id"),
        submitted_at__gte=since,
    )
    rows = (
        narrowed(_cadre_grants(), units)
        .filter(
            granted_at__lt=since,
            enterprise_id__in=listed_ids(units),
        )
        .filter(~Exists(visited), ~Exists(filed))
        .values(
            "pk",
            "user_id",
            "user__username",
            "user__full_name",
            "enterprise_id",
            "enterprise__name",
            "enterprise__region_id",
            "enterprise__industry_id",
        )
    )
    for row in rows:
        cadre = row["user__full_name"] or row["user__username"]
        yield Firing(
            subject=f"grant:{row['pk']}",
            region_code=row["enterprise__region_id"],
            enterprise_id=row["enterprise_id"],
            industry_id=row["enterprise__industry_id"],
            title=_("包保干部%(cadre)s超过 %(days)s 天未走访%(unit)s")
            % {"cadre": cadre, "days": days, "unit": row["enterprise__name"]},
            detail=_("%(since)s 以来没有回访记录，也没有代报诉求。") % {"since": local_text(since)},
            facts={"cadre": row["user_id"], "cadre_name": cadre, "since": iso(since)},
        )
