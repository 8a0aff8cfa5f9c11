"""Filters of the demand list and API (DEM-01): status, category, urgency, region, period, and a
search over the number, the title and the unit."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import prefix_range
from sibao.workorders.models import Demand, DemandCategory, DemandChannel, DemandStatus, Urgency
from sibao.workorders.models.demands import OPEN_STATUSES


class DemandFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("编号、标题或单位"))
    status = django_filters.ChoiceFilter(
        choices=DemandStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    category = django_filters.ChoiceFilter(
        choices=DemandCategory.choices, label=_("类别"), empty_label=_("全部")
    )
    urgency = django_filters.ChoiceFilter(
        choices=Urgency.choices, label=_("紧急程度"), empty_label=_("全部")
    )
    channel = django_filters.ChoiceFilter(
        choices=DemandChannel.choices, label=_("来源渠道"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(method="in_region", label=_("区划代码"))
    # the demands not yet settled (submitted, accepted or in handling): the board's open figure
    open = django_filters.BooleanFilter(method="by_open", label=_("未办结"))
    submitted_from = django_filters.DateFilter(
        field_name="submitted_at__date", lookup_expr="gte", label=_("提交日期从")
    )
    submitted_to = django_filters.DateFilter(
        field_name="submitted_at__date", lookup_expr="lte", label=_("至")
    )

    class Meta:
        model = Demand
        fields = [
            "q",
            "status",
            "category",
            "urgency",
            "channel",
            "region",
            "open",
            "submitted_from",
            "submitted_to",
        ]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(title__icontains=value)
            | Q(enterprise__name__icontains=value)
            | Q(enterprise__credit_code__iexact=value)
        )

    def by_open(self, queryset, name, value):
        if value is None:
            return queryset
        is_open = Q(status__in=OPEN_STATUSES)
        return queryset.filter(is_open) if value else queryset.exclude(is_open)

    def in_region(self, queryset, name, value):
        value = (value or "").strip()
        if not value.isdigit():
            return queryset
        return queryset.filter(prefix_range("region_code", value))
