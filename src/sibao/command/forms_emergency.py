"""Forms of the emergency area (CMD-01, CMD-02, CMD-06). They only shape the input: every rule
is checked by the action, whose errors land on the form."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.command.models import CitySupplyAssignment, LoopMode


class SwitchForm(forms.Form):
    reason = forms.CharField(
        label=_("切换事由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("例如：发现本土确诊病例，经指挥部研究决定进入应急状态。"),
    )
    confirm = forms.BooleanField(
        label=_("我已核对涉及的白名单单位数量，确认切换"),
        required=True,
        error_messages={"required": _("请勾选确认后再切换。")},
    )


class LoopPlanForm(forms.Form):
    mode = forms.ChoiceField(label=_("闭环模式"), choices=LoopMode.choices)
    headcount = forms.IntegerField(label=_("闭环内人数"), min_value=1)
    dormitories = forms.CharField(
        label=_("集体宿舍（住宿安排）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("全闭环、“两点一线”须填写：宿舍楼栋、房间数、可住人数。"),
    )
    routes = forms.CharField(
        label=_("通勤路线"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("“两点一线”、“点对点”须填写：起点—途经—终点、交通方式（不乘坐公共交通）。"),
    )
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LoopReportForm(forms.Form):
    report_date = forms.DateField(
        label=_("报告日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    in_loop = forms.IntegerField(label=_("闭环内人数"), min_value=0)
    outside = forms.IntegerField(label=_("环外人数"), min_value=0, initial=0)
    breaches = forms.IntegerField(
        label=_("脱环（交叉接触）人次"),
        min_value=0,
        initial=0,
        help_text=_("与环外人员交叉接触的人次；有则须在情况说明中写明。"),
    )
    producing = forms.BooleanField(label=_("正常生产"), required=False, initial=True)
    note = forms.CharField(
        label=_("情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report_date"].initial = timezone.localdate()


class CitySupplyForm(forms.Form):
    service = forms.ChoiceField(
        label=_("保供类别"), choices=CitySupplyAssignment._meta.get_field("service").choices
    )
    lodging = forms.CharField(label=_("集中住宿地点"), max_length=200)
    work_area = forms.CharField(label=_("固定工作区域"), max_length=200)
    route = forms.CharField(
        label=_("点对点通行路线"),
        max_length=255,
        help_text=_("住宿地点—工作区域的固定路线，不与其他区域人员接触。"),
    )
