"""Filters of the feed-batch list (EPI-02); the same FilterSet drives the API list."""

import django_filters
from django.utils.translation import gettext_lazy as _

from sibao.epidemic.models import DataSource, FeedBatch, FeedKind


class FeedBatchFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=FeedKind.choices, label=_("数据类型"), empty_label=_("全部")
    )
    source = django_filters.ModelChoiceFilter(
        queryset=DataSource.objects.all(), label=_("来源"), empty_label=_("全部")
    )
    via = django_filters.ChoiceFilter(
        choices=FeedBatch._meta.get_field("via").choices, label=_("方式"), empty_label=_("全部")
    )
    has_rejected = django_filters.BooleanFilter(method="filter_rejected", label=_("有拒收记录"))
    received_after = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__gte", label=_("接收日期起")
    )
    received_before = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__lte", label=_("接收日期止")
    )

    class Meta:
        model = FeedBatch
        fields = ["kind", "source", "via", "has_rejected", "received_after", "received_before"]

    def filter_rejected(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(rejected__gt=0) if value else queryset.filter(rejected=0)
