"""Filters of the common-issue pages and API (DEM-04)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.workorders.models import CommonIssue, DemandCategory, DemandCluster, IssueStatus


class CommonIssueFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("名称或概述"))
    status = django_filters.ChoiceFilter(
        choices=IssueStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    category = django_filters.ChoiceFilter(
        choices=DemandCategory.choices, label=_("类别"), empty_label=_("全部")
    )
    in_reserve = django_filters.BooleanFilter(
        field_name="policy_draft", lookup_expr="isnull", exclude=True, label=_("已送政策储备")
    )

    class Meta:
        model = CommonIssue
        fields = ["q", "status", "category", "in_reserve"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(summary__icontains=value))


class DemandClusterFilterSet(django_filters.FilterSet):
    run = django_filters.NumberFilter(field_name="run_id", label=_("聚类批次"))
    category = django_filters.ChoiceFilter(
        choices=DemandCategory.choices, label=_("类别"), empty_label=_("全部")
    )
    promoted = django_filters.BooleanFilter(
        field_name="promoted_to", lookup_expr="isnull", exclude=True, label=_("已转为共性问题")
    )

    class Meta:
        model = DemandCluster
        fields = ["run", "category", "promoted"]
