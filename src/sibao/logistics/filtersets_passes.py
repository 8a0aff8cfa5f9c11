"""Filters of the pass pages and API (LOG-02)."""

import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import prefix_range
from sibao.logistics.models import PassStatus, VehiclePass


class VehiclePassFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("编号、车牌或单位"))
    status = django_filters.ChoiceFilter(
        choices=PassStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(method="in_region", label=_("起讫地区划代码"))
    valid_on = django_filters.DateFilter(method="valid_on_day", label=_("有效日期"))
    company = django_filters.NumberFilter(field_name="company_id", label=_("申请企业编号"))

    class Meta:
        model = VehiclePass
        fields = ["q", "status", "region", "valid_on", "company"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(vehicle__plate__icontains=value.upper())
            | Q(company__name__icontains=value)
            | Q(served_unit__name__icontains=value)
        )

    def in_region(self, queryset, name, value):
        value = (value or "").strip()
        if not value.isdigit():
            return queryset
        return queryset.filter(
            prefix_range("origin_region_code", value)
            | prefix_range("destination_region_code", value)
        )

    def valid_on_day(self, queryset, name, value):
        if value is None:
            return queryset
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(value, datetime.time.min, tzinfo=tz)
        end = start + datetime.timedelta(days=1)
        return queryset.filter(valid_from__lt=end, valid_until__gte=start)
