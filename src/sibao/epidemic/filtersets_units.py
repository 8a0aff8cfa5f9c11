"""Filters of the units area's lists (EPI-11, EPI-14 … EPI-16), shared by the pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.epidemic.models import DailyReport, Drill, GoodsLot, Preparedness, SamplingHouse

YES_NO = [("true", _("是")), ("false", _("否"))]


def _yes_no(value) -> bool | None:
    return {"true": True, "false": False}.get(str(value).lower())


class _UnitFilters(django_filters.FilterSet):
    """By unit (record id) and by region (code prefix)."""

    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )


class DailyReportFilterSet(_UnitFilters):
    """EPI-11: daily reports by unit, region, date and content."""

    date = django_filters.DateFilter(field_name="report_date", label=_("报告日期"))
    date_after = django_filters.DateFilter(
        field_name="report_date", lookup_expr="gte", label=_("起始日期")
    )
    date_before = django_filters.DateFilter(
        field_name="report_date", lookup_expr="lte", label=_("截止日期")
    )
    is_zero_report = django_filters.BooleanFilter(label=_("零报告"))
    has_symptoms = django_filters.ChoiceFilter(
        method="by_symptoms", choices=YES_NO, label=_("有症状人员"), empty_label=_("全部")
    )

    class Meta:
        model = DailyReport
        fields = ["enterprise", "region", "date", "date_after", "date_before", "is_zero_report"]

    def by_symptoms(self, queryset, name, value):
        flag = _yes_no(value)
        if flag is None:
            return queryset
        return queryset.filter(symptomatic__gt=0) if flag else queryset.filter(symptomatic=0)


class PreparednessFilterSet(_UnitFilters):
    class Meta:
        model = Preparedness
        fields = ["enterprise", "region"]


class DrillFilterSet(_UnitFilters):
    kind = django_filters.ChoiceFilter(
        choices=Drill._meta.get_field("kind").choices, label=_("类型"), empty_label=_("全部")
    )
    held_after = django_filters.DateFilter(
        field_name="held_on", lookup_expr="gte", label=_("起始日期")
    )

    class Meta:
        model = Drill
        fields = ["enterprise", "region", "kind", "held_after"]


class SamplingHouseFilterSet(_UnitFilters):
    """EPI-15: houses by unit, region, subsidy paid or not, deployed or not."""

    paid = django_filters.ChoiceFilter(
        method="by_paid", choices=YES_NO, label=_("补贴已拨付"), empty_label=_("全部")
    )
    deployed = django_filters.ChoiceFilter(
        method="by_deployed", choices=YES_NO, label=_("已投入使用"), empty_label=_("全部")
    )

    class Meta:
        model = SamplingHouse
        fields = ["enterprise", "region", "paid", "deployed"]

    def by_paid(self, queryset, name, value):
        flag = _yes_no(value)
        return queryset if flag is None else queryset.filter(subsidy_paid_on__isnull=not flag)

    def by_deployed(self, queryset, name, value):
        flag = _yes_no(value)
        return queryset if flag is None else queryset.filter(deployed_on__isnull=not flag)


class GoodsLotFilterSet(_UnitFilters):
    """EPI-16: the goods list. ``from_risk_area`` needs the queryset annotated by
    ``queries_units.goods_with_risk`` (the list view and the API viewset do that)."""

    q = django_filters.CharFilter(method="search", label=_("搜索"))
    direction = django_filters.ChoiceFilter(
        choices=GoodsLot._meta.get_field("direction").choices,
        label=_("方向"),
        empty_label=_("全部"),
    )
    disinfected = django_filters.ChoiceFilter(
        method="by_disinfected", choices=YES_NO, label=_("已消杀"), empty_label=_("全部")
    )
    from_risk_area = django_filters.ChoiceFilter(
        method="by_risk", choices=YES_NO, label=_("来自风险地区"), empty_label=_("全部")
    )
    moved_after = django_filters.DateFilter(
        field_name="moved_at", lookup_expr="date__gte", label=_("起始日期")
    )
    moved_before = django_filters.DateFilter(
        field_name="moved_at", lookup_expr="date__lte", label=_("截止日期")
    )

    class Meta:
        model = GoodsLot
        fields = [
            "q",
            "enterprise",
            "region",
            "direction",
            "disinfected",
            "from_risk_area",
            "moved_after",
            "moved_before",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(code__iexact=value)
            | Q(description__icontains=value)
            | Q(origin__icontains=value)
            | Q(handled_by__icontains=value)
        )

    def by_disinfected(self, queryset, name, value):
        flag = _yes_no(value)
        return queryset if flag is None else queryset.filter(disinfected=flag)

    def by_risk(self, queryset, name, value):
        flag = _yes_no(value)
        return queryset if flag is None else queryset.filter(from_risk_area=flag)
