"""Filters of the arrival and risk-area lists (EPI-08, EPI-09); each drives both the HTML list and
the API."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.epidemic.models import ArrivalReport, ArrivalStatus, CodingDecision, RiskArea, RiskLevel

DATE = forms.DateInput(attrs={"type": "date"})
YES_NO = [("true", _("是")), ("false", _("否"))]
WHEN = [
    ("today", _("今天到达")),
    ("tomorrow", _("明天到达")),
    ("upcoming", _("今后到达")),
    ("past", _("已过到达日期")),
]


class ArrivalReportFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    when = django_filters.ChoiceFilter(
        choices=WHEN, method="by_when", label=_("到达"), empty_label=_("全部")
    )
    status = django_filters.ChoiceFilter(
        choices=ArrivalStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    decision = django_filters.ChoiceFilter(
        choices=CodingDecision.choices, label=_("赋码结论"), empty_label=_("全部")
    )
    is_supplementary = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_supplementary", label=_("补录"), empty_label=_("全部")
    )
    arrival_from = django_filters.DateFilter(
        field_name="expected_arrival", lookup_expr="gte", label=_("到达日期起"), widget=DATE
    )
    arrival_to = django_filters.DateFilter(
        field_name="expected_arrival", lookup_expr="lte", label=_("到达日期止"), widget=DATE
    )
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位 ID"))

    class Meta:
        model = ArrivalReport
        fields = [
            "q",
            "when",
            "status",
            "decision",
            "is_supplementary",
            "arrival_from",
            "arrival_to",
            "region",
            "enterprise",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(name__icontains=value)
            | Q(report_no__iexact=value)
            | Q(enterprise__name__icontains=value)
            | Q(origin_name__icontains=value)
        )

    def by_supplementary(self, queryset, name, value):
        return queryset.filter(is_supplementary=value == "true")

    def by_when(self, queryset, name, value):
        today = timezone.localdate()
        if value == "today":
            return queryset.filter(expected_arrival=today)
        if value == "tomorrow":
            return queryset.filter(expected_arrival=today + datetime.timedelta(days=1))
        if value == "upcoming":
            return queryset.filter(expected_arrival__gte=today)
        if value == "past":
            return queryset.filter(expected_arrival__lt=today)
        return queryset


class RiskAreaFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    level = django_filters.ChoiceFilter(
        choices=RiskLevel.choices, label=_("等级"), empty_label=_("全部")
    )
    in_force = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_in_force", label=_("今日有效"), empty_label=_("全部")
    )

    class Meta:
        model = RiskArea
        fields = ["q", "level", "in_force"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(name__icontains=value)
            | Q(region_name__icontains=value)
            | Q(region_code__startswith=value)
        )

    def by_in_force(self, queryset, name, value):
        today = timezone.localdate()
        in_force = Q(valid_from__lte=today) & (Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        return queryset.filter(in_force) if value == "true" else queryset.exclude(in_force)
