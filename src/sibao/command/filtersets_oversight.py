"""Filters of the oversight pages and API (INC-03, CMD-04, CMD-05)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import prefix_range
from sibao.command.models import (
    InspectionPurpose,
    InspectionRequest,
    ProtectedInspection,
    Restriction,
    RewardPenalty,
    ShutdownRequest,
)
from sibao.command.queries_oversight import in_force_q


class _UnitSearch(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("单位名称或信用代码"))
    region = django_filters.CharFilter(method="in_region", label=_("区划代码"))

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(enterprise__name__icontains=value) | Q(enterprise__credit_code__iexact=value)
        )

    def in_region(self, queryset, name, value):
        value = value.strip()
        if not value.isdigit():
            return queryset
        return queryset.filter(prefix_range("region_code", value))


class ShutdownRequestFilterSet(_UnitSearch):
    status = django_filters.ChoiceFilter(
        choices=ShutdownRequest.Status.choices, label=_("状态"), empty_label=_("全部")
    )
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))
    in_force = django_filters.BooleanFilter(method="by_in_force", label=_("停产中"))

    class Meta:
        model = ShutdownRequest
        fields = ["q", "status", "region", "enterprise", "in_force"]

    def by_in_force(self, queryset, name, value):
        """Approved shutdowns whose period holds now: the board's "shut down" figure."""
        if value is None:
            return queryset
        running = in_force_q()
        return queryset.filter(running) if value else queryset.exclude(running)


class RestrictionFilterSet(_UnitSearch):
    kind = django_filters.ChoiceFilter(
        choices=Restriction.Kind.choices, label=_("限制措施"), empty_label=_("全部")
    )
    is_violation = django_filters.BooleanFilter(label=_("违规限制"))
    open = django_filters.BooleanFilter(
        field_name="ended_at", lookup_expr="isnull", label=_("未解除")
    )
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))

    class Meta:
        model = Restriction
        fields = ["q", "kind", "is_violation", "open", "region", "enterprise"]


class InspectionRequestFilterSet(_UnitSearch):
    status = django_filters.ChoiceFilter(
        choices=InspectionRequest.Status.choices, label=_("状态"), empty_label=_("全部")
    )
    purpose = django_filters.ChoiceFilter(
        choices=InspectionPurpose.choices, label=_("检查类别"), empty_label=_("全部")
    )
    unapproved = django_filters.BooleanFilter(method="flagged", label=_("未经批准已检查"))
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))

    class Meta:
        model = InspectionRequest
        fields = ["q", "status", "purpose", "unapproved", "region", "enterprise"]

    def flagged(self, queryset, name, value):
        flag = Q(
            inspected_on__isnull=False,
            status__in=[InspectionRequest.Status.PENDING, InspectionRequest.Status.REJECTED],
        )
        if value is None:
            return queryset
        return queryset.filter(flag) if value else queryset.exclude(flag)


class ProtectedInspectionFilterSet(django_filters.FilterSet):
    purpose = django_filters.ChoiceFilter(
        choices=InspectionPurpose.choices, label=_("检查类别"), empty_label=_("全部")
    )
    q = django_filters.CharFilter(method="search", label=_("部门或事项"))

    class Meta:
        model = ProtectedInspection
        fields = ["q", "purpose"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(department__name__icontains=value) | Q(items__icontains=value))


class RewardPenaltyFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=RewardPenalty.Kind.choices, label=_("类别"), empty_label=_("全部")
    )
    q = django_filters.CharFilter(method="search", label=_("单位、事由或文号"))
    region = django_filters.CharFilter(method="in_region", label=_("区划代码"))
    decided_after = django_filters.DateFilter(
        field_name="decided_on", lookup_expr="gte", label=_("决定日期起")
    )
    decided_before = django_filters.DateFilter(
        field_name="decided_on", lookup_expr="lte", label=_("决定日期止")
    )

    class Meta:
        model = RewardPenalty
        fields = ["q", "kind", "region", "decided_after", "decided_before"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(enterprise__name__icontains=value)
            | Q(reason__icontains=value)
            | Q(document__icontains=value)
            | Q(region__name__icontains=value)
        )

    def in_region(self, queryset, name, value):
        value = value.strip()
        if not value.isdigit():
            return queryset
        return queryset.filter(prefix_range("region_code", value))
