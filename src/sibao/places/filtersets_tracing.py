"""Filters of the tracing pages (EPI-07): the job list and the contacts of one job."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.places.models import TracingContact, TracingJob, Widen


class TracingJobFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("病例编号或事由"))
    widen = django_filters.ChoiceFilter(
        choices=Widen.choices, label=_("判定范围"), empty_label=_("全部")
    )
    automatic = django_filters.BooleanFilter(
        field_name="alert", lookup_expr="isnull", exclude=True, label=_("阳性自动流调")
    )
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("创建日期起")
    )
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("创建日期止")
    )

    class Meta:
        model = TracingJob
        fields = ["q", "widen", "automatic", "created_after", "created_before"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(case_ref__icontains=value) | Q(reason__icontains=value))


class TracingContactFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(
        choices=TracingContact.Level.choices, label=_("判定"), empty_label=_("全部")
    )
    enterprise = django_filters.ChoiceFilter(
        field_name="enterprise_id", choices=[], label=_("单位"), empty_label=_("全部")
    )
    team = django_filters.CharFilter(field_name="team", label=_("班组"))

    class Meta:
        model = TracingContact
        fields = ["level", "enterprise", "team"]

    def __init__(self, *args, units=(), **kwargs):
        """``units``: (enterprise id, name) of the units the job's contacts are in."""
        super().__init__(*args, **kwargs)
        self.filters["enterprise"].extra["choices"] = [(str(pk), name) for pk, name in units]
