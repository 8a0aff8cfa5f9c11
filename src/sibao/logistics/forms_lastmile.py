"""Forms of the lastmile area (LOG-05, LOG-06). They only shape the input: every rule (who may,
which region, dates, capacities) is checked by ``logistics.actions.lastmile``, whose errors land on
the form. Region choices are limited to the regions the user's grants cover."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import NOTHING, allowing_grants, prefix_range
from sibao.logistics.models import RoadKind, StationKind
from sibao.regions.models import Region, RegionLevel

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TONNES = {"min": "0", "step": "0.01"}


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


def covered_regions(user, model, action, levels):
    """The regions of ``levels`` under the user's (non-enterprise) grants allowing ``action``."""
    q = NOTHING
    for grant in allowing_grants(user, model._meta.label_lower, action):
        if not grant.enterprise_id:
            q |= prefix_range("code", grant.region_id)
    return Region.objects.filter(q, level__in=list(levels)).order_by("code")


class _RegionForm(forms.Form):
    region_levels = (RegionLevel.CITY, RegionLevel.COUNTY)
    region = RegionChoiceField(label=_("区划"), queryset=Region.objects.none())

    def __init__(self, *args, user=None, model=None, action="add", **kwargs):
        super().__init__(*args, **kwargs)
        if "region" in self.fields:
            self.fields["region"].queryset = covered_regions(
                user, model, action, self.region_levels
            )


class ReceivingPointForm(forms.Form):
    name = forms.CharField(label=_("接收点名称"), max_length=120)
    address = forms.CharField(label=_("位置"), max_length=200)
    contactless = forms.BooleanField(
        label=_("无接触交接"),
        required=False,
        initial=True,
        help_text=_("车辆到点卸货、人员不接触（D1 五(二)）。"),
    )
    daily_capacity_tonnes = forms.DecimalField(
        label=_("日接收能力（吨）"), required=False, widget=forms.NumberInput(attrs=TONNES)
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class DeliveryPlanForm(_RegionForm):
    region_levels = (RegionLevel.COUNTY,)
    title = forms.CharField(label=_("方案名称"), max_length=120)
    valid_from = forms.DateField(label=_("起始日期"), widget=DATE)
    valid_until = forms.DateField(label=_("截止日期"), widget=DATE)
    daily_capacity_tonnes = forms.DecimalField(
        label=_("日配送能力（吨）"), widget=forms.NumberInput(attrs=TONNES)
    )
    reserve_vehicles = forms.IntegerField(label=_("储备运力（车辆）"), min_value=0, initial=0)
    reserve_drivers = forms.IntegerField(label=_("储备驾驶员"), min_value=0, initial=0)
    notes = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class StationForm(_RegionForm):
    name = forms.CharField(label=_("站点名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类型"), choices=StationKind.choices)
    address = forms.CharField(label=_("位置"), max_length=200)
    daily_capacity_tonnes = forms.DecimalField(
        label=_("日周转能力（吨）"), required=False, widget=forms.NumberInput(attrs=TONNES)
    )


class ClosureForm(_RegionForm):
    road = forms.CharField(label=_("道路（路段、出入口、服务区）"), max_length=200)
    road_kind = forms.ChoiceField(label=_("道路类型"), choices=RoadKind.choices)
    reason = forms.CharField(label=_("申请理由"), widget=forms.Textarea(attrs={"rows": 4}))
    starts_at = forms.DateTimeField(label=_("拟关闭开始"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("拟关闭结束"), widget=DATETIME)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("事由"), required=False, max_length=500)


class ClosureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审批结果"), choices=[("approve", _("批准")), ("refuse", _("不予批准"))]
    )
    note = forms.CharField(
        label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ClosureLiftForm(forms.Form):
    note = forms.CharField(label=_("解除说明"), required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
