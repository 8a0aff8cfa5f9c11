"""Forms of the intake area (DEM-01). They only shape the input: who may file for which unit,
the attachment rules, the intake decisions are checked by ``actions.intake``, whose errors land
on the form. The unit list is limited to the units the user may file for."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import NOTHING, allowing_grants, prefix_range
from sibao.command.forms_oversight import UnitChoiceField
from sibao.enterprises.models import Enterprise
from sibao.workorders.actions.intake import MAX_FILES
from sibao.workorders.models import Demand, DemandCategory, RejectReason, Urgency

TEXT = {"rows": 5}
ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"


def filing_units(user):
    """Units ``user`` may file for: those its admin or cadre grants name, and every unit of the
    region of an office grant (hotline filing on the unit's behalf)."""
    q = NOTHING
    for grant in allowing_grants(user, Demand._meta.label_lower, "add"):
        if grant.enterprise_id:
            q |= Q(pk=grant.enterprise_id)
    for grant in allowing_grants(user, Demand._meta.label_lower, "accept"):
        if not grant.enterprise_id:
            q |= prefix_range("region_id", grant.region_id)
    return Enterprise.objects.active().filter(q).select_related("region").order_by("name")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the action checks their number, size and type."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class DemandForm(forms.Form):
    enterprise = UnitChoiceField(label=_("提出诉求的单位"), queryset=Enterprise.objects.none())
    category = forms.ChoiceField(label=_("诉求类别"), choices=DemandCategory.choices)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial="normal")
    title = forms.CharField(label=_("标题"), max_length=120)
    description = forms.CharField(
        label=_("问题描述"),
        widget=forms.Textarea(attrs=TEXT),
        max_length=5000,
        help_text=_("说明遇到的困难、已采取的措施和希望得到的帮助。"),
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    files = MultipleFileField(
        label=_("附件"),
        required=False,
        help_text=_("最多 %(n)d 个文件，每个不超过 10 MB；支持 PDF、JPG、PNG、DOCX、XLSX。")
        % {"n": MAX_FILES},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = filing_units(user)
        self.fields["enterprise"].queryset = units
        if len(units[:2]) == 1:
            self.fields["enterprise"].initial = units[0].pk


class AcceptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label=_("受理意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class RejectForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.ChoiceField(label=_("不予受理原因"), choices=RejectReason.choices)
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}))


class DemandChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number} {obj.title}（{obj.enterprise.name}）"


class MergeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    into = DemandChoiceField(label=_("合并至"), queryset=Demand.objects.none())
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = targets


class WithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label=_("撤回原因"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))
