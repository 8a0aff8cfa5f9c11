"""FilterSets of the criteria area; each drives both the HTML list and the API list."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.enterprises.models import (
    ApplicationStatus,
    CriteriaSet,
    CriteriaStatus,
    EnterpriseFact,
    FactSource,
    SelfAssessment,
    WhitelistApplication,
)
from sibao.regions.models import IndustryDomain


class CriteriaSetFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    industry = django_filters.ModelChoiceFilter(
        queryset=IndustryDomain.objects.all(), label=_("行业领域"), empty_label=_("全部")
    )
    status = django_filters.ChoiceFilter(
        choices=CriteriaStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )

    class Meta:
        model = CriteriaSet
        fields = ["q", "industry", "status", "region"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(department__name__icontains=value))


class WhitelistApplicationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    status = django_filters.ChoiceFilter(
        choices=ApplicationStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    industry = django_filters.ModelChoiceFilter(
        queryset=IndustryDomain.objects.all(), label=_("行业领域"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))

    class Meta:
        model = WhitelistApplication
        fields = ["q", "status", "industry", "region", "enterprise"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(enterprise__name__icontains=value)
            | Q(enterprise__credit_code__startswith=value.upper())
        )


class EnterpriseFactFilterSet(django_filters.FilterSet):
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))
    key = django_filters.CharFilter(label=_("属性"))
    source = django_filters.ChoiceFilter(
        choices=FactSource.choices, label=_("来源"), empty_label=_("全部")
    )
    is_current = django_filters.BooleanFilter(label=_("当前采用"))

    class Meta:
        model = EnterpriseFact
        fields = ["enterprise", "key", "source", "is_current"]


class SelfAssessmentFilterSet(django_filters.FilterSet):
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))
    passed = django_filters.BooleanFilter(label=_("全部必查项达标"))

    class Meta:
        model = SelfAssessment
        fields = ["enterprise", "passed"]
