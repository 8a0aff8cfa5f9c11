"""Filters of the trips pages and API (LOG-04)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.logistics.models import Trip, TripSample, TripStatus
from sibao.logistics.queries_trips import SAMPLE_STATE_LABELS, filter_state


class TripFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("车牌、单位或地点"))
    status = django_filters.ChoiceFilter(
        choices=TripStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    positive = django_filters.BooleanFilter(method="is_positive", label=_("有阳性样本"))
    departed_from = django_filters.DateFilter(
        field_name="departed_at", lookup_expr="date__gte", label=_("出发日期起")
    )
    departed_until = django_filters.DateFilter(
        field_name="departed_at", lookup_expr="date__lte", label=_("出发日期止")
    )

    class Meta:
        model = Trip
        fields = ["q", "status", "positive", "departed_from", "departed_until"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(vehicle__plate__icontains=value.upper())
            | Q(destination_unit__name__icontains=value)
            | Q(origin__icontains=value)
            | Q(destination__icontains=value)
            | Q(vehicle_pass__number__icontains=value)
        )

    def is_positive(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(has_positive=value)


class TripSampleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("车牌、检查站或采样管"))
    status = django_filters.ChoiceFilter(
        choices=SAMPLE_STATE_LABELS, method="in_state", label=_("检测结果"), empty_label=_("全部")
    )
    sampled_from = django_filters.DateFilter(
        field_name="sampled_at", lookup_expr="date__gte", label=_("采样日期起")
    )
    sampled_until = django_filters.DateFilter(
        field_name="sampled_at", lookup_expr="date__lte", label=_("采样日期止")
    )

    class Meta:
        model = TripSample
        fields = ["q", "status", "sampled_from", "sampled_until"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(checkpoint_check__plate__icontains=value.upper())
            | Q(trip__vehicle__plate__icontains=value.upper())
            | Q(checkpoint_check__checkpoint__name__icontains=value)
            | Q(tube_code__icontains=value)
        )

    def in_state(self, queryset, name, value: str):
        return filter_state(queryset, value)
