"""Filters of the zones area's API lists (EPI-13): by unit, region and the rows' own keys."""

import django_filters
from django.utils.translation import gettext_lazy as _

from sibao.places.models import BubbleGroup, DormitoryRoom, Shift, Team, Zone, ZoneKind
from sibao.places.models.zones import RiskGrade


class _UnitFilters(django_filters.FilterSet):
    """By unit (record id), region (code prefix) and name (contains)."""

    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("名称"))


class ZoneFilterSet(_UnitFilters):
    kind = django_filters.ChoiceFilter(
        choices=ZoneKind.choices, label=_("区域类型"), empty_label=_("全部")
    )
    risk_grade = django_filters.ChoiceFilter(
        choices=RiskGrade.choices, label=_("风险等级"), empty_label=_("全部")
    )

    class Meta:
        model = Zone
        fields = ["enterprise", "region", "q", "kind", "risk_grade"]


class TeamFilterSet(_UnitFilters):
    bubble = django_filters.NumberFilter(field_name="bubble_id", label=_("气泡组"))

    class Meta:
        model = Team
        fields = ["enterprise", "region", "q", "bubble"]


class BubbleGroupFilterSet(_UnitFilters):
    class Meta:
        model = BubbleGroup
        fields = ["enterprise", "region", "q"]


class ShiftFilterSet(_UnitFilters):
    team = django_filters.NumberFilter(field_name="team_id", label=_("班组"))
    zone = django_filters.NumberFilter(field_name="zone_id", label=_("区域"))

    class Meta:
        model = Shift
        fields = ["enterprise", "region", "q", "team", "zone"]


class DormitoryRoomFilterSet(_UnitFilters):
    team = django_filters.NumberFilter(field_name="team_id", label=_("入住班组"))
    building = django_filters.CharFilter(label=_("楼栋"))

    class Meta:
        model = DormitoryRoom
        fields = ["enterprise", "region", "q", "team", "building"]
