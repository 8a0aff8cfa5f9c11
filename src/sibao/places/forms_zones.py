"""Forms of the zones area (EPI-13). They check shapes only; the actions decide (names unique per
unit, the rows of the same unit, equal shift times refused). Choice lists are the unit's own rows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.places.models import BubbleGroup, Team, Zone, ZoneKind
from sibao.places.models.zones import RiskGrade

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ZoneForm(forms.Form):
    name = forms.CharField(label=_("区域名称"), max_length=64)
    kind = forms.ChoiceField(label=_("区域类型"), choices=ZoneKind.choices)
    risk_grade = forms.ChoiceField(
        label=_("风险等级"), choices=RiskGrade.choices, initial=RiskGrade.LOW
    )
    note = forms.CharField(
        label=_("说明"),
        max_length=255,
        required=False,
        help_text=_("如：出入口、装卸货场地、仓库属交接区域；食堂、宿舍属生活区域。"),
    )


class _UnitForm(forms.Form):
    """A form whose choices are one unit's rows."""

    def __init__(self, *args, unit, **kwargs):
        self.unit = unit
        super().__init__(*args, **kwargs)


class TeamForm(_UnitForm):
    name = forms.CharField(
        label=_("班组名称"),
        max_length=64,
        help_text=_("与花名册“班组”一栏的名称一致，才能对应人数。"),
    )
    bubble = forms.ModelChoiceField(
        label=_("气泡组"), queryset=BubbleGroup.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bubble"].queryset = BubbleGroup.objects.filter(enterprise=self.unit)
        self.fields["bubble"].empty_label = _("（不编入气泡组）")


class BubbleGroupForm(_UnitForm):
    name = forms.CharField(label=_("气泡组名称"), max_length=64)
    note = forms.CharField(label=_("说明"), max_length=255, required=False)
    teams = forms.ModelMultipleChoiceField(
        label=_("班组"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "同一气泡组的班组共同生产、生活，不与其他气泡组交叉接触；选中已在其他气泡组的班组将移入本组。"
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = Team.objects.filter(enterprise=self.unit).select_related(
            "bubble"
        )


class ShiftForm(_UnitForm):
    team = forms.ModelChoiceField(label=_("班组"), queryset=Team.objects.none())
    zone = forms.ModelChoiceField(label=_("区域"), queryset=Zone.objects.none())
    name = forms.CharField(
        label=_("班次名称"), max_length=32, help_text=_("如：早班、中班、夜班。")
    )
    starts = forms.TimeField(label=_("开始时间"), widget=TIME)
    ends = forms.TimeField(
        label=_("结束时间"),
        widget=TIME,
        help_text=_("结束时间早于开始时间表示跨零点（如 22:00 至次日 06:00）。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(enterprise=self.unit)
        self.fields["zone"].queryset = Zone.objects.filter(enterprise=self.unit)


class DormitoryRoomForm(_UnitForm):
    building = forms.CharField(label=_("楼栋"), max_length=64, required=False)
    name = forms.CharField(
        label=_("房间"),
        max_length=64,
        help_text=_("与花名册“宿舍”一栏的名称一致，才能对应入住人数。"),
    )
    capacity = forms.IntegerField(label=_("床位数"), min_value=1, max_value=32767)
    team = forms.ModelChoiceField(label=_("入住班组"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(enterprise=self.unit)
        self.fields["team"].empty_label = _("（未指定）")
