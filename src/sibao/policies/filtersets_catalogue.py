"""FilterSets of the catalogue area; each drives both the HTML list and the API list."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.policies.models import (
    ApplicationRoute,
    DraftStatus,
    Policy,
    PolicyCategory,
    PolicyDraft,
    PolicyStatus,
)
from sibao.policies.queries_catalogue import is_active_q, readable_policies
from sibao.regions.models import Department


class PolicyFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    category = django_filters.ChoiceFilter(
        choices=PolicyCategory.choices, label=_("政策类别"), empty_label=_("全部")
    )
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.none(), label=_("发布部门"), empty_label=_("全部")
    )
    status = django_filters.ChoiceFilter(
        choices=PolicyStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    route = django_filters.ChoiceFilter(
        choices=ApplicationRoute.choices, label=_("兑现方式"), empty_label=_("全部")
    )
    valid_now = django_filters.BooleanFilter(
        method="filter_valid_now",
        label=_("现行有效"),
        widget=django_filters.widgets.BooleanWidget(),
    )
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )

    class Meta:
        model = Policy
        fields = ["q", "category", "department", "status", "route", "valid_now", "region"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        # the departments whose policies the user reads
        self.filters["department"].queryset = (
            Department.objects.filter(policies__in=readable_policies(user))
            .distinct()
            .select_related("region")
            .order_by("region_id", "kind")
        )

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value)
            | Q(document__icontains=value)
            | Q(series__icontains=value)
            | Q(department__name__icontains=value)
        )

    def filter_valid_now(self, queryset, name, value):
        if value is None:
            return queryset
        active = is_active_q(timezone.localdate())
        return queryset.filter(active) if value else queryset.exclude(active)


class PolicyDraftFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    status = django_filters.ChoiceFilter(
        choices=DraftStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    category = django_filters.ChoiceFilter(
        choices=PolicyCategory.choices, label=_("政策类别"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )

    class Meta:
        model = PolicyDraft
        fields = ["q", "status", "category", "region"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value)
            | Q(problem__icontains=value)
            | Q(source_label__icontains=value)
            | Q(department__name__icontains=value)
        )
