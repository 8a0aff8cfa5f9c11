"""Filters of the checkpoint pages and API (LOG-03)."""

import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import prefix_range
from sibao.logistics.models import Check, Checkpoint, CheckpointKind, CheckResult


class CheckpointFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("名称或道路"))
    kind = django_filters.ChoiceFilter(
        choices=CheckpointKind.choices, label=_("类型"), empty_label=_("全部")
    )
    is_active = django_filters.BooleanFilter(label=_("启用"))
    region = django_filters.CharFilter(method="in_region", label=_("区划代码"))

    class Meta:
        model = Checkpoint
        fields = ["q", "kind", "is_active", "region"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(road__icontains=value))

    def in_region(self, queryset, name, value):
        value = (value or "").strip()
        return queryset.filter(prefix_range("region_code", value)) if value.isdigit() else queryset


class CheckFilterSet(django_filters.FilterSet):
    checkpoint = django_filters.ModelChoiceFilter(
        queryset=Checkpoint.objects.none(), label=_("检查站"), empty_label=_("全部")
    )
    result = django_filters.ChoiceFilter(
        choices=CheckResult.choices, label=_("核验结果"), empty_label=_("全部")
    )
    day = django_filters.DateFilter(method="on_day", label=_("日期"))
    q = django_filters.CharFilter(method="search", label=_("车牌或通行证号"))

    class Meta:
        model = Check
        fields = ["checkpoint", "result", "day", "q"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        self.filters["checkpoint"].queryset = Checkpoint.objects.visible_to(user, "view")

    def on_day(self, queryset, name, value):
        # the local day as a range of instants (an index range on ``at``)
        start = timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))
        return queryset.filter(at__gte=start, at__lt=start + datetime.timedelta(days=1))

    def search(self, queryset, name, value):
        value = value.strip().upper()
        if not value:
            return queryset
        return queryset.filter(Q(plate__icontains=value) | Q(pass_number__icontains=value))
