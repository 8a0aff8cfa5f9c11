"""Filters of the follow-up pages (DEM-05): the visit queue."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.workorders.models import DemandCategory, OrderRole, WorkOrder


class VisitQueueFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("工单、诉求或企业"))
    category = django_filters.ChoiceFilter(
        choices=DemandCategory.choices, label=_("类别"), empty_label=_("全部")
    )
    role = django_filters.ChoiceFilter(
        choices=OrderRole.choices, label=_("主办/协办"), empty_label=_("全部")
    )

    class Meta:
        model = WorkOrder
        fields = ["q", "category", "role"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(demand__title__icontains=value)
            | Q(enterprise__name__icontains=value)
        )
