import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.accounts.models import User
from sibao.accounts.roles import Role


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    region = django_filters.CharFilter(
        field_name="region__code", lookup_expr="startswith", label=_("区划代码")
    )
    role = django_filters.ChoiceFilter(choices=Role.choices, method="by_role", label=_("角色"))

    class Meta:
        model = User
        fields = ["q", "region", "role", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(username__icontains=value) | Q(full_name__icontains=value))

    def by_role(self, queryset, name, value):
        return queryset.filter(grants__role=value, grants__is_active=True).distinct()
