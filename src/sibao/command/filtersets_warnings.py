"""Filters of the warning list and API (MON-02): dimension, level, status (``active`` = open,
acknowledged or assigned), region (a code prefix), rule, unit, overdue, and a search box."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import prefix_range
from sibao.command import monitoring
from sibao.command.models import EarlyWarning, WarningDimension, WarningLevel, WarningStatus
from sibao.command.queries_warnings import ACTIVE, active_q, overdue_q

STATUS_CHOICES = [(ACTIVE, _("未办结（待响应、已确认、已交办）")), *WarningStatus.choices]


class EarlyWarningFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("预警事项或单位"))
    dimension = django_filters.ChoiceFilter(
        choices=WarningDimension.choices, label=_("监测维度"), empty_label=_("全部")
    )
    level = django_filters.ChoiceFilter(
        choices=WarningLevel.choices, label=_("预警等级"), empty_label=_("全部")
    )
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="in_status", label=_("状态"), empty_label=_("全部")
    )
    rule = django_filters.ChoiceFilter(
        choices=monitoring.choices, label=_("预警规则"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(method="in_region", label=_("区划代码"))
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))
    overdue = django_filters.ChoiceFilter(
        choices=[("true", _("是")), ("false", _("否"))],
        method="is_overdue",
        label=_("已超响应时限"),
        empty_label=_("全部"),
    )

    class Meta:
        model = EarlyWarning
        fields = ["q", "dimension", "level", "status", "rule", "region", "enterprise", "overdue"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(detail__icontains=value)
            | Q(enterprise__name__icontains=value)
        )

    def in_status(self, queryset, name, value):
        if value == ACTIVE:
            return queryset.filter(active_q())
        return queryset.filter(status=value)

    def in_region(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if not value.isdigit() or len(value) > 12:
            return queryset.none()
        return queryset.filter(prefix_range("region_code", value))

    def is_overdue(self, queryset, name, value):
        if value == "true":
            return queryset.filter(overdue_q())
        if value == "false":
            return queryset.exclude(overdue_q())
        return queryset
