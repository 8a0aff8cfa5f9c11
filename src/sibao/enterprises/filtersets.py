import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.enterprises.models import Enterprise
from sibao.regions.models import IndustryDomain


class EnterpriseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    region = django_filters.CharFilter(
        field_name="region__code", lookup_expr="startswith", label=_("区划代码")
    )
    industry = django_filters.ModelChoiceFilter(
        queryset=IndustryDomain.objects.all(), label=_("行业领域")
    )

    class Meta:
        model = Enterprise
        fields = ["q", "region", "industry", "kind", "is_city_operation"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__startswith=value.upper()))
