import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.regions.models import Department, Headquarters, Region


class RegionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    parent = django_filters.CharFilter(field_name="parent_id", label=_("上级区划代码"))

    class Meta:
        model = Region
        fields = ["q", "level", "parent", "is_statistical_zone"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))


class HeadquartersFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("搜索"))
    region = django_filters.CharFilter(
        field_name="region_id", lookup_expr="startswith", label=_("区划代码")
    )
    level = django_filters.CharFilter(field_name="region__level", label=_("层级"))

    class Meta:
        model = Headquarters
        fields = ["q", "region", "level"]


class DepartmentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("搜索"))
    region = django_filters.CharFilter(
        field_name="region_id", lookup_expr="startswith", label=_("区划代码")
    )

    class Meta:
        model = Department
        fields = ["q", "region", "kind"]
