"""Filters of production status (MON-03): the status list (units with their current report; the
page, its export and the board's links) and the reports (the API, a unit's history)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import prefix_range
from sibao.enterprises import queries_production as queries
from sibao.enterprises.models import ProductionReport, ProductionState
from sibao.regions.models import IndustryDomain

STATE_CHOICES = [*ProductionState.choices, (queries.NOT_REPORTED, _("未填报"))]


class ProductionStatusFilterSet(django_filters.FilterSet):
    """Units and their current status (``queries.status_units``). Every board figure of the
    production panel is one of these filters, so its number equals the list's count."""

    q = django_filters.CharFilter(method="search", label=_("单位名称或信用代码"))
    region = django_filters.CharFilter(
        method="in_region",
        label=_("区划代码"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "4101"}),
    )
    industry = django_filters.ModelChoiceFilter(
        queryset=IndustryDomain.objects.all(), label=_("行业领域"), empty_label=_("全部")
    )
    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES, method="in_state", label=_("生产状态"), empty_label=_("全部")
    )
    stale = django_filters.NumberFilter(
        method="not_reported_for",
        label=_("连续未报天数 ≥"),
        min_value=1,
        max_value=366,
        help_text=_("1 表示今天未报"),
    )
    raw_below = django_filters.NumberFilter(
        method="raw_material_below", label=_("原材料可用天数 <"), min_value=0, max_value=99999
    )

    class Meta:
        model = ProductionReport
        fields = ["q", "region", "industry", "state", "stale", "raw_below"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__startswith=value.upper()))

    def in_region(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queries.in_region(queryset, value)

    def in_state(self, queryset, name, value):
        return queryset.filter(queries.state_q(value))

    def not_reported_for(self, queryset, name, value):
        return queryset.filter(queries.stale_q(queries.province_today(), int(value)))

    def raw_material_below(self, queryset, name, value):
        return queryset.filter(queries.raw_low_q(value))


class ProductionReportFilterSet(django_filters.FilterSet):
    """The reports themselves (the API): by unit, state, region, day, current only."""

    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))
    state = django_filters.ChoiceFilter(
        choices=ProductionState.choices, label=_("生产状态"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(method="in_region", label=_("区划代码"))
    reported_from = django_filters.DateFilter(
        field_name="reported_on", lookup_expr="gte", label=_("报告日期起")
    )
    reported_until = django_filters.DateFilter(
        field_name="reported_on", lookup_expr="lte", label=_("报告日期止")
    )
    current = django_filters.BooleanFilter(field_name="is_current", label=_("仅当前状态"))

    class Meta:
        model = ProductionReport
        fields = ["enterprise", "state", "region", "reported_from", "reported_until", "current"]

    def in_region(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(prefix_range("region_code", value))
