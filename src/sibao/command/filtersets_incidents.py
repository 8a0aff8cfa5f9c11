"""Filters of the incident list (INC-01): drive both the HTML list and the API."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.command.models import Incident, IncidentStep, SilentPeriod, StepKind
from sibao.command.queries_incidents import ACTIVE

YES_NO = [("true", _("是")), ("false", _("否"))]


class IncidentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("单位、描述"))
    status = django_filters.ChoiceFilter(
        choices=Incident.Status.choices, label=_("状态"), empty_label=_("全部")
    )
    kind = django_filters.ChoiceFilter(
        choices=Incident.Kind.choices, label=_("类型"), empty_label=_("全部")
    )
    overdue = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_overdue", label=_("有超时环节"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位 ID"))
    since = django_filters.DateFilter(
        field_name="opened_at", lookup_expr="date__gte", label=_("发现日期起")
    )
    active = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_active", label=_("处置中（未恢复生产）"), empty_label=_("全部")
    )

    class Meta:
        model = Incident
        fields = ["q", "status", "kind", "overdue", "region", "enterprise", "since", "active"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(enterprise__name__icontains=value)
            | Q(description__icontains=value)
            | Q(observation_room__icontains=value)
        )

    def by_active(self, queryset, name, value):
        """Incidents not closed (not yet resumed): the board's "open incidents" figure."""
        if value == "true":
            return queryset.filter(status__in=ACTIVE)
        return queryset.exclude(status__in=ACTIVE)

    def by_overdue(self, queryset, name, value):
        late = IncidentStep.objects.filter(
            incident=OuterRef("pk"), done_at__isnull=True, due_at__lt=timezone.now()
        )
        if value == "true":
            return queryset.filter(Exists(late)).exclude(status=Incident.Status.RESUMED)
        return queryset.exclude(Q(Exists(late)) & ~Q(status=Incident.Status.RESUMED))


class IncidentStepFilterSet(django_filters.FilterSet):
    incident = django_filters.NumberFilter(field_name="incident_id", label=_("事件"))
    kind = django_filters.ChoiceFilter(
        choices=StepKind.choices, label=_("处置环节"), empty_label=_("全部")
    )
    done = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_done", label=_("已办结"), empty_label=_("全部")
    )

    class Meta:
        model = IncidentStep
        fields = ["incident", "kind", "done"]

    def by_done(self, queryset, name, value):
        return queryset.filter(done_at__isnull=(value != "true"))


class SilentPeriodFilterSet(django_filters.FilterSet):
    incident = django_filters.NumberFilter(field_name="incident_id", label=_("事件"))
    running = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_running", label=_("静默中"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )

    class Meta:
        model = SilentPeriod
        fields = ["incident", "running", "region"]

    def by_running(self, queryset, name, value):
        return queryset.filter(returned_at__isnull=(value == "true"))
