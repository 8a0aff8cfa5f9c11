"""Filters of the whitelist list and the batch list; the same FilterSets drive the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.command.queries_emergency import emergency_q
from sibao.enterprises.models import (
    ServiceTier,
    WhitelistBatch,
    WhitelistEntry,
    WhitelistStatus,
)
from sibao.regions.models import IndustryDomain


class WhitelistEntryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("名称/信用代码"))
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )
    industry = django_filters.ModelChoiceFilter(
        queryset=IndustryDomain.objects.all(), label=_("行业领域"), empty_label=_("全部")
    )
    tier = django_filters.ChoiceFilter(
        choices=ServiceTier.choices, label=_("服务层级"), empty_label=_("全部")
    )
    status = django_filters.ChoiceFilter(
        choices=WhitelistStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    emergency = django_filters.ChoiceFilter(
        choices=[("true", _("是")), ("false", _("否"))],
        method="by_emergency",
        label=_("所在区域处于应急状态"),
        empty_label=_("全部"),
    )

    class Meta:
        model = WhitelistEntry
        fields = ["q", "region", "industry", "tier", "status", "emergency"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(enterprise__name__icontains=value)
            | Q(enterprise__credit_code__startswith=value.upper())
        )

    def by_emergency(self, queryset, name, value):
        """Units whose county or city is in emergency now (the board's figure, MON-01)."""
        in_emergency = emergency_q("region_code")
        return queryset.filter(in_emergency) if value == "true" else queryset.exclude(in_emergency)


class WhitelistBatchFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(
        field_name="region__code", lookup_expr="startswith", label=_("区划代码")
    )
    industry = django_filters.ModelChoiceFilter(
        queryset=IndustryDomain.objects.all(), label=_("行业领域"), empty_label=_("全部")
    )

    class Meta:
        model = WhitelistBatch
        fields = ["region", "industry"]
