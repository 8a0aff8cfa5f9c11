"""Filters of the clocks pages and API (DEM-03): the metrics' level, region, category and period
of dispatch (the same filters drive the page, its export, the orders behind a count and the
JSON), and the supervision views of the office."""

import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import prefix_range
from sibao.workorders.models import DemandCategory, Level, OrderStatus, WorkOrder
from sibao.workorders.models.orders import HANDLING_STATUSES, OPEN_ORDER_STATUSES


def _day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


class MetricsFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(
        choices=Level.choices, label=_("层级"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(method="in_region", label=_("承办区划代码"))
    category = django_filters.ChoiceFilter(
        choices=DemandCategory.choices, label=_("诉求类别"), empty_label=_("全部")
    )
    dispatched_from = django_filters.DateFilter(method="since", label=_("派单日期自"))
    dispatched_to = django_filters.DateFilter(method="until", label=_("派单日期至"))
    department = django_filters.NumberFilter(field_name="department_id", label=_("承办单位编号"))
    # orders not ended yet (in handling or replied and not closed): the board's open figure
    open = django_filters.BooleanFilter(method="by_open", label=_("未办结"))

    class Meta:
        model = WorkOrder
        fields = [
            "level",
            "region",
            "category",
            "dispatched_from",
            "dispatched_to",
            "department",
            "open",
        ]

    def in_region(self, queryset, name, value):
        value = (value or "").strip()
        return queryset.filter(prefix_range("region_code", value)) if value.isdigit() else queryset

    def by_open(self, queryset, name, value):
        if value is None:
            return queryset
        is_open = Q(status__in=OPEN_ORDER_STATUSES)
        return queryset.filter(is_open) if value else queryset.exclude(is_open)

    def since(self, queryset, name, value):
        return queryset.filter(dispatched_at__gte=_day_start(value)) if value else queryset

    def until(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(dispatched_at__lt=_day_start(value + datetime.timedelta(days=1)))


SUPERVISION_VIEWS = [
    ("overdue", _("已超期")),
    ("expiring", _("即将到期（2 个工作日内）")),
    ("supervised", _("重点督办")),
    ("escalated", _("提级办理")),
]


class SupervisionFilterSet(django_filters.FilterSet):
    """``view``: overdue (open and past the deadline), expiring (open, due within the next two
    working days — the view computes the moment), supervised, escalated (an order taken over
    from the level below, or one given up to the level above)."""

    q = django_filters.CharFilter(method="search", label=_("工单号、诉求或单位"))
    view = django_filters.ChoiceFilter(
        choices=SUPERVISION_VIEWS, method="pick", label=_("督办视图"), empty_label=_("全部")
    )
    level = django_filters.ChoiceFilter(
        choices=Level.choices, label=_("层级"), empty_label=_("全部")
    )
    category = django_filters.ChoiceFilter(
        choices=DemandCategory.choices, label=_("诉求类别"), empty_label=_("全部")
    )

    class Meta:
        model = WorkOrder
        fields = ["q", "view", "level", "category"]

    def __init__(self, *args, now=None, soon=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        self.soon = soon or self.now

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(demand__title__icontains=value)
            | Q(enterprise__name__icontains=value)
        )

    def pick(self, queryset, name, value):
        return queryset.filter(supervision_q(value, self.now, self.soon)) if value else queryset


def supervision_q(view: str, now, soon) -> Q:
    """The orders of one supervision view; ``soon``: the end of the "about to expire" window."""
    handling = Q(status__in=HANDLING_STATUSES)
    return {
        "overdue": handling & Q(due_at__lt=now),
        "expiring": handling & Q(due_at__gte=now, due_at__lt=soon),
        "supervised": Q(supervised=True, status__in=OPEN_ORDER_STATUSES),
        "escalated": Q(parent__isnull=False, status__in=OPEN_ORDER_STATUSES)
        | Q(status=OrderStatus.ESCALATED),
    }[view]
