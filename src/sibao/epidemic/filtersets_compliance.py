"""Filters of the overdue-staff and alert lists (EPI-04, EPI-10); each drives both the
HTML list and the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.epidemic.models import (
    AlertKind,
    AlertStatus,
    PostClass,
    SentinelAlert,
    StaffCategory,
    StaffMember,
)

YES_NO = [("true", _("是")), ("false", _("否"))]


class OverdueStaffFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("姓名、班组"))
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位 ID"))
    post_class = django_filters.ChoiceFilter(
        choices=PostClass.choices, label=_("岗位类别"), empty_label=_("全部")
    )
    category = django_filters.ChoiceFilter(
        choices=StaffCategory.choices, label=_("人员类别"), empty_label=_("全部")
    )
    never_tested = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_never_tested", label=_("无阴性记录"), empty_label=_("全部")
    )

    class Meta:
        model = StaffMember
        fields = ["q", "region", "enterprise", "post_class", "category", "never_tested"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(team__icontains=value))

    def by_never_tested(self, queryset, name, value):
        return queryset.filter(last_negative_at__isnull=(value == "true"))


class SentinelAlertFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    kind = django_filters.ChoiceFilter(
        choices=AlertKind.choices, label=_("预警类型"), empty_label=_("全部")
    )
    status = django_filters.ChoiceFilter(
        choices=AlertStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    overdue = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_overdue", label=_("超过处置时限"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位 ID"))

    class Meta:
        model = SentinelAlert
        fields = ["q", "kind", "status", "overdue", "region", "enterprise"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(detail__icontains=value)
            | Q(staff__name__icontains=value)
            | Q(enterprise__name__icontains=value)
        )

    def by_overdue(self, queryset, name, value):
        late = Q(status=AlertStatus.OPEN, due_at__lt=timezone.now())
        return queryset.filter(late) if value == "true" else queryset.exclude(late)
