"""Filters of the orders pages and API (DEM-02)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.workorders.models import (
    DemandCategory,
    Level,
    OrderStatus,
    RoutingRule,
    Urgency,
    WorkOrder,
)
from sibao.workorders.queries_orders import overdue_q


class WorkOrderFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("编号、标题或企业"))
    status = django_filters.ChoiceFilter(
        choices=OrderStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    category = django_filters.ChoiceFilter(
        choices=DemandCategory.choices, label=_("类别"), empty_label=_("全部")
    )
    urgency = django_filters.ChoiceFilter(
        choices=Urgency.choices, label=_("紧急程度"), empty_label=_("全部")
    )
    level = django_filters.ChoiceFilter(
        choices=Level.choices, label=_("层级"), empty_label=_("全部")
    )
    overdue = django_filters.BooleanFilter(method="is_overdue", label=_("已超期"))

    class Meta:
        model = WorkOrder
        fields = ["q", "status", "category", "urgency", "level", "overdue"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(demand__title__icontains=value)
            | Q(demand__number__icontains=value)
            | Q(enterprise__name__icontains=value)
        )

    def is_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())


class RoutingRuleFilterSet(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(
        choices=DemandCategory.choices, label=_("诉求类别"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )

    class Meta:
        model = RoutingRule
        fields = ["category", "region"]
