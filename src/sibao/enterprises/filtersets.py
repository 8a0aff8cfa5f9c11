import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.enterprises.models import Enterprise, EnterpriseKind
from sibao.regions.models import IndustryDomain


class EnterpriseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    region = django_filters.CharFilter(
        field_name="region__code", lookup_expr="startswith", label=_("区划代码")
    )
    industry = django_filters.ModelChoiceFilter(
        queryset=IndustryDomain.objects.all(), label=_("行业领域"), empty_label=_("全部")
    )
    kind = django_filters.ChoiceFilter(
        choices=EnterpriseKind.choices, label=_("类型"), empty_label=_("全部")
    )
    is_city_operation = django_filters.ChoiceFilter(
        choices=[("true", _("是")), ("false", _("否"))],
        method="by_city_operation",
        label=_("城市运行保障"),
        empty_label=_("全部"),
    )

    class Meta:
        model = Enterprise
        fields = ["q", "region", "industry", "kind", "is_city_operation"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__startswith=value.upper()))

    def by_city_operation(self, queryset, name, value):
        return queryset.filter(is_city_operation=value == "true")
