"""Filters of the emergency area's lists (CMD-01, CMD-02, CMD-06), shared by pages and API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.command.models import (
    CitySupplyAssignment,
    EmergencySwitch,
    LoopMode,
    LoopPlan,
    LoopReport,
    LoopStatus,
    RegionState,
    RegionStatus,
)
from sibao.command.queries_emergency import in_loop_q

YES_NO = [("true", _("是")), ("false", _("否"))]


def _flag(value) -> bool | None:
    return {"true": True, "false": False}.get(str(value).lower())


class _Region(django_filters.FilterSet):
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )


class _Unit(_Region):
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))


class RegionStateFilterSet(_Region):
    status = django_filters.CharFilter(
        method="by_status", label=_("状态（normal、pending、emergency）")
    )

    class Meta:
        model = RegionState
        fields = ["region", "status"]

    def by_status(self, queryset, name, value):
        now = timezone.now()
        if value not in RegionStatus.values:
            return queryset
        if value == RegionStatus.NORMAL:
            return queryset.filter(status=RegionStatus.NORMAL)
        switched = queryset.exclude(status=RegionStatus.NORMAL)
        if value == RegionStatus.PENDING:
            return switched.filter(effective_at__gt=now)
        return switched.filter(Q(effective_at__isnull=True) | Q(effective_at__lte=now))


class EmergencySwitchFilterSet(_Region):
    to_status = django_filters.ChoiceFilter(
        choices=[(RegionStatus.EMERGENCY, _("应急状态")), (RegionStatus.NORMAL, _("常态"))],
        label=_("切换为"),
        empty_label=_("全部"),
    )
    since = django_filters.DateFilter(
        field_name="announced_at", lookup_expr="date__gte", label=_("起始日期")
    )
    until = django_filters.DateFilter(
        field_name="announced_at", lookup_expr="date__lte", label=_("截止日期")
    )

    class Meta:
        model = EmergencySwitch
        fields = ["region", "to_status", "since", "until"]


class LoopStatusFilterSet(_Unit):
    q = django_filters.CharFilter(method="search", label=_("搜索单位"))
    mode = django_filters.ChoiceFilter(
        choices=LoopMode.choices, label=_("闭环模式"), empty_label=_("全部")
    )
    open = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_open", label=_("未解除闭环"), empty_label=_("全部")
    )
    reported_today = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_reported", label=_("今日已报"), empty_label=_("全部")
    )
    running = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_running", label=_("闭环进行中"), empty_label=_("全部")
    )

    class Meta:
        model = LoopStatus
        fields = ["q", "region", "mode", "open", "reported_today", "running", "enterprise"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(enterprise__name__icontains=value) | Q(enterprise__credit_code__icontains=value)
        )

    def by_open(self, queryset, name, value):
        flag = _flag(value)
        if flag is None:
            return queryset
        return queryset.filter(ended_at__isnull=flag)

    def by_running(self, queryset, name, value):
        """Loops begun and not ended now (announced ones start later): the board's figure."""
        flag = _flag(value)
        if flag is None:
            return queryset
        running = in_loop_q(timezone.now())
        return queryset.filter(running) if flag else queryset.exclude(running)

    def by_reported(self, queryset, name, value):
        flag = _flag(value)
        if flag is None:
            return queryset
        today = timezone.localdate()
        reported = LoopReport.objects.filter(report_date=today).values("enterprise_id")
        if flag:
            return queryset.filter(enterprise_id__in=reported)
        return queryset.exclude(enterprise_id__in=reported)


class LoopPlanFilterSet(_Unit):
    mode = django_filters.ChoiceFilter(
        choices=LoopMode.choices, label=_("闭环模式"), empty_label=_("全部")
    )

    class Meta:
        model = LoopPlan
        fields = ["region", "enterprise", "mode"]


class LoopReportFilterSet(_Unit):
    date = django_filters.DateFilter(field_name="report_date", label=_("报告日期"))
    date_after = django_filters.DateFilter(
        field_name="report_date", lookup_expr="gte", label=_("起始日期")
    )
    date_before = django_filters.DateFilter(
        field_name="report_date", lookup_expr="lte", label=_("截止日期")
    )
    abnormal = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_abnormal", label=_("异常（脱环或停产）"), empty_label=_("全部")
    )

    class Meta:
        model = LoopReport
        fields = ["region", "enterprise", "date", "date_after", "date_before"]

    def by_abnormal(self, queryset, name, value):
        flag = _flag(value)
        if flag is None:
            return queryset
        abnormal = Q(breaches__gt=0) | Q(producing=False)
        return queryset.filter(abnormal) if flag else queryset.exclude(abnormal)


class CitySupplyFilterSet(_Unit):
    service = django_filters.ChoiceFilter(
        choices=CitySupplyAssignment._meta.get_field("service").choices,
        label=_("保供类别"),
        empty_label=_("全部"),
    )

    class Meta:
        model = CitySupplyAssignment
        fields = ["region", "enterprise", "service"]
