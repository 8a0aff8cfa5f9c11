"""Filters of the matching API: matches by policy, result, region, industry, enterprise and
uptake progress."""

import django_filters
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import prefix_range
from sibao.policies.models import MatchResult, PolicyMatch, UptakeStatus


class PolicyMatchFilterSet(django_filters.FilterSet):
    policy = django_filters.NumberFilter(field_name="policy_id", label=_("政策"))
    series = django_filters.CharFilter(field_name="policy__series", label=_("政策编号"))
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("企业"))
    result = django_filters.MultipleChoiceFilter(choices=MatchResult.choices, label=_("匹配结果"))
    uptake = django_filters.MultipleChoiceFilter(choices=UptakeStatus.choices, label=_("兑现进度"))
    region = django_filters.CharFilter(method="in_region", label=_("区划代码"))
    industry = django_filters.CharFilter(field_name="industry_id", label=_("行业领域"))
    active = django_filters.BooleanFilter(method="only_active", label=_("现行有效政策"))

    class Meta:
        model = PolicyMatch
        fields = ["policy", "series", "enterprise", "result", "uptake", "region", "industry"]

    def in_region(self, queryset, name, value):
        value = value.strip()
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(prefix_range("region_code", value))

    def only_active(self, queryset, name, value):
        from sibao.policies.matching import active_policies

        active = active_policies().values("pk")
        return queryset.filter(policy__in=active) if value else queryset.exclude(policy__in=active)
