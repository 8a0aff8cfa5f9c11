"""Filters of the chain, pairing, spot-check and responsibility lists (WL-08 … WL-10, ORG-06);
each drives both the HTML list and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.enterprises.models import (
    InclusionProposal,
    Pairing,
    PairingStatus,
    Responsibility,
    ResponsibilityParty,
    SpotCheck,
    SpotCheckResult,
    SupplyLink,
    SupplyLinkKind,
)
from sibao.enterprises.models.whitelist import ProposalStatus
from sibao.regions.models import IndustryDomain

YES_NO = [("true", _("是")), ("false", _("否"))]


def _name_or_code(prefix: str, value: str) -> Q:
    """A unit (through ``prefix``) whose name contains, or credit code starts with, ``value``."""
    value = value.strip()
    return Q(**{f"{prefix}name__icontains": value}) | Q(
        **{f"{prefix}credit_code__startswith": value.upper()}
    )


class SupplyLinkFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    kind = django_filters.ChoiceFilter(
        choices=SupplyLinkKind.choices, label=_("关系"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(method="by_region", label=_("区划代码"))
    enterprise = django_filters.NumberFilter(method="by_enterprise", label=_("单位 ID"))

    class Meta:
        model = SupplyLink
        fields = ["q", "kind", "region", "enterprise"]

    def search(self, queryset, name, value):
        return queryset.filter(
            _name_or_code("enterprise__", value)
            | _name_or_code("partner__", value)
            | Q(products__icontains=value.strip())
        )

    def by_region(self, queryset, name, value):
        return queryset.filter(
            Q(region_code__startswith=value) | Q(partner_region_code__startswith=value)
        )

    def by_enterprise(self, queryset, name, value):
        return queryset.filter(Q(enterprise_id=value) | Q(partner_id=value))


class InclusionProposalFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    status = django_filters.ChoiceFilter(
        choices=ProposalStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )
    industry = django_filters.ModelChoiceFilter(
        queryset=IndustryDomain.objects.all(), label=_("行业领域"), empty_label=_("全部")
    )

    class Meta:
        model = InclusionProposal
        fields = ["q", "status", "region", "industry"]

    def search(self, queryset, name, value):
        return queryset.filter(
            _name_or_code("enterprise__", value) | _name_or_code("because_of__", value)
        )


class PairingFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    status = django_filters.ChoiceFilter(
        choices=PairingStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(method="by_region", label=_("区划代码"))
    industry = django_filters.ModelChoiceFilter(
        field_name="unit__industry",
        queryset=IndustryDomain.objects.filter(
            code__in=["industry", "culture_tourism", "key_project"]
        ),
        label=_("生产单位行业"),
        empty_label=_("全部"),
    )

    class Meta:
        model = Pairing
        fields = ["q", "status", "region", "industry"]

    def search(self, queryset, name, value):
        return queryset.filter(_name_or_code("unit__", value) | _name_or_code("partner__", value))

    def by_region(self, queryset, name, value):
        return queryset.filter(
            Q(region_code__startswith=value) | Q(partner_region_code__startswith=value)
        )


class SpotCheckFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    result = django_filters.ChoiceFilter(
        choices=SpotCheckResult.choices, label=_("结论"), empty_label=_("全部")
    )
    caused_spread = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_spread", label=_("导致疫情输入或扩散"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )
    industry = django_filters.ModelChoiceFilter(
        queryset=IndustryDomain.objects.all(), label=_("行业领域"), empty_label=_("全部")
    )
    since = django_filters.DateFilter(
        field_name="checked_on", lookup_expr="gte", label=_("抽查日期起")
    )
    until = django_filters.DateFilter(
        field_name="checked_on", lookup_expr="lte", label=_("抽查日期止")
    )
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位 ID"))

    class Meta:
        model = SpotCheck
        fields = ["q", "result", "caused_spread", "region", "industry", "since", "until"]

    def search(self, queryset, name, value):
        return queryset.filter(
            _name_or_code("enterprise__", value)
            | Q(inspectors__icontains=value.strip())
            | Q(findings__icontains=value.strip())
        )

    def by_spread(self, queryset, name, value):
        return queryset.filter(caused_spread=value == "true")


class ResponsibilityFilterSet(django_filters.FilterSet):
    party = django_filters.ChoiceFilter(
        choices=ResponsibilityParty.choices, label=_("责任方"), empty_label=_("全部")
    )
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位 ID"))
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )

    class Meta:
        model = Responsibility
        fields = ["party", "enterprise", "region"]
