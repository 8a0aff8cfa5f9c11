"""Filters of the lastmile pages and API (LOG-05, LOG-06): one FilterSet per list serves both."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import prefix_range
from sibao.logistics.models import (
    Checkpoint,
    ClosureStatus,
    DeliveryPlan,
    ReceivingPoint,
    RoadClosureRequest,
    RoadKind,
    StationKind,
    SupplyStation,
    VehiclePass,
)


class _RegionFilterSet(django_filters.FilterSet):
    """A free-text search over ``search_fields`` and a region code (its subtree)."""

    search_fields: tuple = ()
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    region = django_filters.CharFilter(method="in_region", label=_("区划代码"))

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        q = Q(pk__in=[])
        for field in self.search_fields:
            q |= Q(**{f"{field}__icontains": value})
        return queryset.filter(q)

    def in_region(self, queryset, name, value):
        value = (value or "").strip()
        if not value.isdigit():
            return queryset
        return queryset.filter(prefix_range("region_code", value))


class ReceivingPointFilterSet(_RegionFilterSet):
    search_fields = ("name", "address", "enterprise__name")
    contactless = django_filters.BooleanFilter(label=_("无接触交接"))
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = ReceivingPoint
        fields = ["q", "region", "contactless", "is_active"]


class DeliveryPlanFilterSet(_RegionFilterSet):
    search_fields = ("title", "notes")
    valid_on = django_filters.DateFilter(method="valid_on_day", label=_("有效日期"))

    class Meta:
        model = DeliveryPlan
        fields = ["q", "region", "valid_on"]

    def valid_on_day(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(valid_from__lte=value, valid_until__gte=value)


class SupplyStationFilterSet(_RegionFilterSet):
    search_fields = ("name", "address")
    kind = django_filters.ChoiceFilter(
        choices=StationKind.choices, label=_("类型"), empty_label=_("全部")
    )
    active = django_filters.BooleanFilter(label=_("已启用"))

    class Meta:
        model = SupplyStation
        fields = ["q", "region", "kind", "active"]


class RoadClosureFilterSet(_RegionFilterSet):
    search_fields = ("road", "reason")
    status = django_filters.ChoiceFilter(
        choices=ClosureStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    road_kind = django_filters.ChoiceFilter(
        choices=RoadKind.choices, label=_("道路类型"), empty_label=_("全部")
    )

    class Meta:
        model = RoadClosureRequest
        fields = ["q", "region", "status", "road_kind"]


class GreenChannelFilterSet(_RegionFilterSet):
    search_fields = ("name", "road")

    class Meta:
        model = Checkpoint
        fields = ["q", "region", "kind"]


class TollDiscountFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("车牌、通行证或单位"))

    class Meta:
        model = VehiclePass
        fields = ["q"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(vehicle__plate__icontains=value.upper())
            | Q(company__name__icontains=value)
            | Q(served_unit__name__icontains=value)
        )
