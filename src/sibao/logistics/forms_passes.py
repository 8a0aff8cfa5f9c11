"""Forms of the pass pages (LOG-02): the application and the group's decisions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import allowing_grants
from sibao.enterprises.models import Enterprise
from sibao.enterprises.queries import is_whitelisted
from sibao.logistics.models import Driver, Vehicle, VehiclePass

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def applying_companies(user) -> list[int]:
    """The enterprises whose passes ``user`` may apply for (grants naming them)."""
    grants = allowing_grants(user, VehiclePass._meta.label_lower, "apply")
    return sorted({g.enterprise_id for g in grants if g.enterprise_id})


class PassApplyForm(forms.Form):
    vehicle = forms.ModelChoiceField(queryset=Vehicle.objects.none(), label=_("车辆"))
    served_unit = forms.ModelChoiceField(
        queryset=Enterprise.objects.none(), label=_("服务的白名单单位")
    )
    origin = forms.CharField(label=_("起点"), max_length=120)
    origin_region_code = forms.CharField(
        label=_("起点区划代码"), max_length=12, help_text=_("县级区划代码，如 410102")
    )
    destination = forms.CharField(label=_("终点"), max_length=120)
    destination_region_code = forms.CharField(label=_("终点区划代码"), max_length=12)
    valid_from = forms.DateTimeField(label=_("有效期起"), widget=LOCAL)
    valid_until = forms.DateTimeField(label=_("有效期止"), widget=LOCAL)
    drivers = forms.ModelMultipleChoiceField(
        queryset=Driver.objects.none(), label=_("随车驾驶员"), required=False
    )
    cargo = forms.CharField(label=_("主要货物"), max_length=120, required=False)

    def __init__(self, data=None, *, user, initial=None):
        super().__init__(data, initial=initial)
        companies = applying_companies(user)
        self.fields["vehicle"].queryset = Vehicle.objects.visible_to(user, "view").filter(
            owner_id__in=companies, is_active=True
        )
        self.fields["drivers"].queryset = Driver.objects.visible_to(user, "view").filter(
            owner_id__in=companies, is_active=True
        )
        self.fields["served_unit"].queryset = (
            Enterprise.objects.active().filter(is_whitelisted()).order_by("name")
        )


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(label=_("审批意见"), required=False, widget=forms.Textarea({"rows": 2}))


class ReasonForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea({"rows": 2}))
