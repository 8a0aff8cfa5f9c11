"""Filters of the escalation pages and API (CMD-03)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import prefix_range
from sibao.command.models import Consultation, ConsultationTask, Problem
from sibao.command.queries_escalation import overdue_q, user_departments
from sibao.regions.models import RegionLevel


def _region(queryset, path, value):
    value = (value or "").strip()
    if not value.isdigit():
        return queryset
    return queryset.filter(prefix_range(path, value))


class ProblemFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("问题或单位"))
    status = django_filters.ChoiceFilter(
        choices=Problem.Status.choices, label=_("状态"), empty_label=_("全部")
    )
    level = django_filters.ChoiceFilter(
        choices=RegionLevel.choices,
        field_name="headquarters__region__level",
        label=_("当前协调层级"),
        empty_label=_("全部"),
    )
    escalated = django_filters.BooleanFilter(method="was_escalated", label=_("已提级"))
    region = django_filters.CharFilter(method="in_region", label=_("提出地区代码"))
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))

    class Meta:
        model = Problem
        fields = ["q", "status", "level", "escalated", "region", "enterprise"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(enterprise__name__icontains=value)
        )

    def was_escalated(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(escalations__isnull=not value).distinct()

    def in_region(self, queryset, name, value):
        return _region(queryset, "origin_region_code", value)


class ConsultationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("主题或议题"))
    held_from = django_filters.DateFilter(
        field_name="held_at__date", lookup_expr="gte", label=_("会商日期从")
    )
    held_to = django_filters.DateFilter(
        field_name="held_at__date", lookup_expr="lte", label=_("至")
    )
    region = django_filters.CharFilter(method="in_region", label=_("区划代码"))

    class Meta:
        model = Consultation
        fields = ["q", "held_from", "held_to", "region"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(items__title__icontains=value)
            | Q(items__decision__icontains=value)
        ).distinct()

    def in_region(self, queryset, name, value):
        return _region(queryset, "region_code", value)


class ConsultationTaskFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("任务或会商"))
    status = django_filters.ChoiceFilter(
        choices=ConsultationTask.Status.choices, label=_("状态"), empty_label=_("全部")
    )
    overdue = django_filters.BooleanFilter(method="is_overdue", label=_("已逾期"))
    mine = django_filters.BooleanFilter(method="of_my_departments", label=_("本部门任务"))
    department = django_filters.NumberFilter(field_name="department_id", label=_("部门编号"))
    consultation = django_filters.NumberFilter(
        field_name="item__consultation_id", label=_("会商编号")
    )

    class Meta:
        model = ConsultationTask
        fields = ["q", "status", "overdue", "mine", "department", "consultation"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(task__icontains=value)
            | Q(item__title__icontains=value)
            | Q(item__consultation__title__icontains=value)
        )

    def is_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

    def of_my_departments(self, queryset, name, value):
        if not value:
            return queryset
        user = getattr(self.request, "user", None)
        return queryset.filter(department__in=user_departments(user))
