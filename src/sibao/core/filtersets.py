import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.core.models import AuditLog


class AuditLogFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    action = django_filters.CharFilter(lookup_expr="startswith", label=_("操作"))
    region_code = django_filters.CharFilter(lookup_expr="startswith", label=_("区划代码"))
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte", label=_("起"))
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt", label=_("止"))

    class Meta:
        model = AuditLog
        fields = ["q", "action", "region_code", "object_type", "object_id", "since", "until"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(actor_name__icontains=value)
            | Q(object_repr__icontains=value)
            | Q(note__icontains=value)
        )
