"""Filters of the vehicle and driver lists, pages and API (LOG-01)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import prefix_range
from sibao.logistics.models import Driver, Vehicle, VehicleKind, VehicleRelation
from sibao.logistics.plates import normalise_plate


def _in_region(queryset, value):
    value = (value or "").strip()
    if not value.isdigit():
        return queryset
    return queryset.filter(prefix_range("region_code", value))


class VehicleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("车牌号或企业"))
    relation = django_filters.ChoiceFilter(
        choices=VehicleRelation.choices, label=_("车辆性质"), empty_label=_("全部")
    )
    kind = django_filters.ChoiceFilter(
        choices=VehicleKind.choices, label=_("车辆类型"), empty_label=_("全部")
    )
    is_active = django_filters.BooleanFilter(label=_("在用"))
    region = django_filters.CharFilter(method="by_region", label=_("区划代码"))
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("所属企业编号"))
    served_unit = django_filters.NumberFilter(field_name="served_unit_id", label=_("服务单位编号"))

    class Meta:
        model = Vehicle
        fields = ["q", "relation", "kind", "is_active", "region", "owner", "served_unit"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        try:
            plate = normalise_plate(value)
        except ValueError:
            plate = value.upper()
        return queryset.filter(
            Q(plate__icontains=plate)
            | Q(owner__name__icontains=value)
            | Q(served_unit__name__icontains=value)
        )

    def by_region(self, queryset, name, value):
        return _in_region(queryset, value)


class DriverFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("姓名或企业"))
    on_whitelist = django_filters.BooleanFilter(label=_("纳入运输白名单"))
    is_active = django_filters.BooleanFilter(label=_("在职"))
    region = django_filters.CharFilter(method="by_region", label=_("区划代码"))
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("所属企业编号"))

    class Meta:
        model = Driver
        fields = ["q", "on_whitelist", "is_active", "region", "owner"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(owner__name__icontains=value))

    def by_region(self, queryset, name, value):
        return _in_region(queryset, value)
