"""Filters of the spaces area's lists (EPI-05), shared by the pages and the API."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.places.models import PlaceCode, Space, SpaceKind, VenueType
from sibao.places.queries_spaces import valid_code_q

YES_NO = [("true", _("是")), ("false", _("否"))]


def _flag(value) -> bool | None:
    return {"true": True, "false": False, "1": True, "0": False}.get(str(value).lower())


class _UnitFilters(django_filters.FilterSet):
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )


class SpaceFilterSet(_UnitFilters):
    """Spaces by unit, region, kind, parent (``parent=0``: the sites), venue type, active, name."""

    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("名称"))
    kind = django_filters.ChoiceFilter(choices=SpaceKind.choices, label=_("空间类型"))
    venue_type = django_filters.ChoiceFilter(choices=VenueType.choices, label=_("场所类型"))
    parent = django_filters.NumberFilter(method="by_parent", label=_("上级空间编号"))
    active = django_filters.ChoiceFilter(
        method="by_active", choices=YES_NO, label=_("启用"), empty_label=_("全部")
    )
    under = django_filters.NumberFilter(method="by_under", label=_("某空间及其下级"))

    class Meta:
        model = Space
        fields = ["enterprise", "region", "q", "kind", "venue_type", "parent", "active", "under"]

    def by_parent(self, queryset, name, value):
        if value == 0:
            return queryset.filter(parent__isnull=True)
        return queryset.filter(parent_id=value)

    def by_active(self, queryset, name, value):
        flag = _flag(value)
        return queryset if flag is None else queryset.filter(is_active=flag)

    def by_under(self, queryset, name, value):
        root = Space.objects.filter(pk=value).values_list("enterprise_id", "path").first()
        if root is None:
            return queryset.none()
        return queryset.filter(enterprise_id=root[0], path__startswith=root[1])


class PlaceCodeFilterSet(_UnitFilters):
    """Place codes by unit, region, space and state (valid / expired / revoked)."""

    space = django_filters.NumberFilter(field_name="space_id", label=_("空间编号"))
    state = django_filters.ChoiceFilter(
        method="by_state",
        choices=[("valid", _("有效")), ("expired", _("已过期")), ("revoked", _("已作废"))],
        label=_("状态"),
        empty_label=_("全部"),
    )

    class Meta:
        model = PlaceCode
        fields = ["enterprise", "region", "space", "state"]

    def by_state(self, queryset, name, value):
        today = timezone.localdate()
        if value == "valid":
            return queryset.filter(valid_code_q(today))
        if value == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_on__lt=today)
        if value == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset
