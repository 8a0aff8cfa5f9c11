"""Forms of the units area (EPI-11, EPI-14 … EPI-16). They check shapes only; the actions decide."""

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from sibao.epidemic.models import Drill, GoodsLot, Preparedness
from sibao.epidemic.readiness import PREPAREDNESS_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DailyReportForm(forms.Form):
    """EPI-11: the day's report (日报告); a zero report has its own one-click form."""

    report_date = forms.DateField(label=_("报告日期"), widget=DATE)
    staff_on_site = forms.IntegerField(label=_("在岗人数"), min_value=0)
    symptomatic = forms.IntegerField(label=_("有发热、咳嗽等症状人数"), min_value=0, initial=0)
    sent_to_clinic = forms.IntegerField(label=_("就医人数"), min_value=0, initial=0)
    tests_done = forms.IntegerField(label=_("当日核酸检测人数"), min_value=0, initial=0)
    note = forms.CharField(
        label=_("情况说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("有症状人员时必填：症状、处置、是否已就医。"),
    )


class ZeroReportForm(forms.Form):
    """EPI-11: the one-click zero report (零报告): nobody with symptoms."""

    report_date = forms.DateField(widget=forms.HiddenInput)
    staff_on_site = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    tests_done = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


def _preparedness_fields():
    fields = fields_for_model(Preparedness, fields=PREPAREDNESS_FIELDS)
    fields["plan_updated_on"].widget = DATE
    for field in fields.values():
        if isinstance(field, forms.IntegerField):
            # the model's PositiveIntegerField already refuses negatives; empty means none
            field.required = False
    return fields


class PreparednessForm(forms.Form):
    """EPI-14: the task force, plans, posts, rooms and the seven stockpile kinds."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_preparedness_fields())

    def clean(self):
        data = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, forms.IntegerField) and data.get(name) is None:
                data[name] = 0
        return data


class DrillForm(forms.Form):
    held_on = forms.DateField(label=_("日期"), widget=DATE)
    kind = forms.ChoiceField(label=_("类型"), choices=Drill._meta.get_field("kind").choices)
    participants = forms.IntegerField(label=_("参加人数"), min_value=0, initial=0)
    findings = forms.CharField(
        label=_("发现问题及改进"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SamplingHouseForm(forms.Form):
    site = forms.CharField(label=_("设置地点"), max_length=200)
    purchased_on = forms.DateField(label=_("购置日期"), widget=DATE)
    price = forms.DecimalField(
        label=_("购置价格（元）"), max_digits=12, decimal_places=2, min_value=0.01
    )
    deployed_on = forms.DateField(
        label=_("投入使用日期"),
        required=False,
        widget=DATE,
        help_text=_("尚未投入使用可留空，投入使用后再登记。"),
    )


class DeploymentForm(forms.Form):
    deployed_on = forms.DateField(label=_("投入使用日期"), widget=DATE)


class SubsidyPaidForm(forms.Form):
    paid_on = forms.DateField(label=_("拨付日期"), widget=DATE)


class GoodsLotForm(forms.Form):
    """EPI-16: a lot of goods entering or leaving; the trace code is generated."""

    direction = forms.ChoiceField(
        label=_("方向"), choices=GoodsLot._meta.get_field("direction").choices
    )
    description = forms.CharField(label=_("物料"), max_length=200)
    quantity = forms.CharField(label=_("数量"), max_length=64, required=False)
    origin = forms.CharField(label=_("来源地（去向）"), max_length=200, required=False)
    origin_region = forms.CharField(
        label=_("来源地县级区划代码"),
        max_length=12,
        required=False,
        help_text=_("如 420106；来自有中高风险区的县（市、区）的物料将被标出。"),
    )
    disinfected = forms.BooleanField(label=_("已消杀"), required=False)
    moved_at = forms.DateTimeField(label=_("时间"), widget=DATETIME)
    handled_by = forms.CharField(label=_("交接人"), max_length=64, required=False)


class DateRegionForm(forms.Form):
    """The date and region of a region page (missing reports)."""

    date = forms.DateField(label=_("报告日期"), required=False, widget=DATE)
    region = forms.CharField(label=_("区划代码"), required=False, max_length=12)
