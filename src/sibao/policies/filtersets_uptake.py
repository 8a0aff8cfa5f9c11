"""Filters of the uptake area's lists (the uptake board, follow-up tasks, calculations), shared by
the pages and the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.policies.calculators import CALCULATORS
from sibao.policies.models import (
    FollowUpTask,
    MatchResult,
    PolicyMatch,
    SubsidyCalculation,
    UptakeStatus,
)

YES_NO = [("true", _("是")), ("false", _("否"))]

# the steps of the uptake funnel a match has reached (``queries_uptake``: a step counts by its
# timestamp, so a paid match has also been granted; "received" is the confirmed state)
STEPS = [
    ("notified", _("已推送")),
    ("applied", _("已申请")),
    ("granted", _("已批准")),
    ("paid", _("已拨付")),
    ("received", _("已确认到账")),
]
STEP_REACHED = {
    "notified": Q(notified_at__isnull=False),
    "applied": Q(applied_at__isnull=False),
    "granted": Q(granted_at__isnull=False),
    "paid": Q(paid_at__isnull=False),
    "received": Q(uptake=UptakeStatus.RECEIVED),
}


class UptakeFilterSet(django_filters.FilterSet):
    """The board of one policy (and the API list): by result, progress, region and name."""

    q = django_filters.CharFilter(method="search", label=_("企业名称或信用代码"))
    policy = django_filters.NumberFilter(field_name="policy_id", label=_("政策编号"))
    result = django_filters.ChoiceFilter(
        choices=MatchResult.choices, label=_("匹配结果"), empty_label=_("全部")
    )
    uptake = django_filters.ChoiceFilter(
        choices=UptakeStatus.choices, label=_("兑现进度"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )
    unredeemed = django_filters.ChoiceFilter(
        method="by_unredeemed", choices=YES_NO, label=_("应享未享"), empty_label=_("全部")
    )
    step = django_filters.ChoiceFilter(
        method="by_step", choices=STEPS, label=_("已到环节"), empty_label=_("全部")
    )

    class Meta:
        model = PolicyMatch
        fields = ["q", "policy", "result", "uptake", "region", "unredeemed", "step"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(enterprise__name__icontains=value) | Q(enterprise__credit_code=value.upper())
        )

    def by_unredeemed(self, queryset, name, value):
        unredeemed = Q(result=MatchResult.ELIGIBLE) & ~Q(uptake=UptakeStatus.RECEIVED)
        if value == "true":
            return queryset.filter(unredeemed)
        if value == "false":
            return queryset.exclude(unredeemed)
        return queryset

    def by_step(self, queryset, name, value):
        return queryset.filter(STEP_REACHED[value]) if value in STEP_REACHED else queryset


class FollowUpFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=FollowUpTask.Status.choices, label=_("状态"), empty_label=_("全部")
    )
    overdue = django_filters.ChoiceFilter(
        method="by_overdue", choices=YES_NO, label=_("已逾期"), empty_label=_("全部")
    )
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )
    policy = django_filters.NumberFilter(field_name="policy_id", label=_("政策编号"))

    class Meta:
        model = FollowUpTask
        fields = ["status", "overdue", "region", "policy"]

    def by_overdue(self, queryset, name, value):
        overdue = Q(status=FollowUpTask.Status.OPEN, due_on__lt=timezone.localdate())
        if value == "true":
            return queryset.filter(overdue)
        if value == "false":
            return queryset.exclude(overdue)
        return queryset


class SubsidyCalculationFilterSet(django_filters.FilterSet):
    calculator = django_filters.ChoiceFilter(
        choices=[(c.key, c.label) for c in CALCULATORS.values()],
        label=_("测算项目"),
        empty_label=_("全部"),
    )
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )

    class Meta:
        model = SubsidyCalculation
        fields = ["calculator", "enterprise", "region"]


class BoardFilterSet(UptakeFilterSet):
    """The board is one policy's already: no policy filter."""

    policy = None

    class Meta(UptakeFilterSet.Meta):
        fields = ["q", "result", "uptake", "region", "unredeemed", "step"]
