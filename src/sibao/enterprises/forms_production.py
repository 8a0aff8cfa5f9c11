"""Forms of production status (MON-03): a unit's daily report and the import file."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.enterprises.models import ProductionState


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ProductionReportForm(forms.Form):
    """填报今日生产经营状况: the values are typed here; the rules (the day's window, capacity by
    state, staff against the roster) are the action's, so the API and the import apply the same."""

    enterprise = UnitChoiceField(queryset=None, label=_("单位"), empty_label=None)
    reported_on = forms.DateField(
        label=_("报告日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("默认今天；漏报的日期可在规定天数内补报，同一天再次提交即为更正。"),
    )
    state = forms.ChoiceField(
        label=_("生产状态"), choices=ProductionState.choices, widget=forms.RadioSelect
    )
    capacity_percent = forms.IntegerField(
        label=_("产能利用率（%）"), help_text=_("0–100；停产填 0。")
    )
    staff_on_site = forms.IntegerField(label=_("在岗人数"))
    raw_material_days = forms.DecimalField(
        label=_("原材料可用天数"),
        required=False,
        max_digits=6,
        decimal_places=1,
        help_text=_("现有原材料可维持生产的天数；不涉及原材料的单位留空。"),
    )
    note = forms.CharField(
        label=_("情况说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如部分生产或停产，请说明原因和预计恢复时间。"),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = units
