"""Filters of the cadres pages and API (DEM-06)."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from sibao.accounts.models import RoleGrant
from sibao.accounts.roles import Role
from sibao.enterprises.models import Enterprise, ServiceTier


def _cadre_grants():
    return RoleGrant.objects.filter(
        role=Role.LIAISON_CADRE, is_active=True, enterprise=OuterRef("pk"), user__is_active=True
    )


class UnitCadreFilterSet(django_filters.FilterSet):
    """Whitelisted units of the office's jurisdiction, by name, credit code or cadre."""

    q = django_filters.CharFilter(method="search", label=_("企业、信用代码或干部"))
    tier = django_filters.ChoiceFilter(
        choices=ServiceTier.choices,
        field_name="whitelist_entry__tier",
        label=_("服务层级"),
        empty_label=_("全部"),
    )
    has_cadre = django_filters.BooleanFilter(method="with_cadre", label=_("已有包保干部"))

    class Meta:
        model = Enterprise
        fields = ["q", "tier", "has_cadre"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        cadres = _cadre_grants().filter(
            Q(user__full_name__icontains=value) | Q(user__username__icontains=value)
        )
        return queryset.filter(
            Q(name__icontains=value) | Q(credit_code__icontains=value) | Exists(cadres)
        )

    def with_cadre(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(Exists(_cadre_grants()))
            if value
            else queryset.exclude(Exists(_cadre_grants()))
        )


class AssignmentFilterSet(django_filters.FilterSet):
    """API: liaison-cadre assignments by unit or cadre."""

    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("企业编号"))
    user = django_filters.NumberFilter(field_name="user_id", label=_("干部编号"))

    class Meta:
        model = RoleGrant
        fields = ["enterprise", "user"]
