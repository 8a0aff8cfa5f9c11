"""Forms of the checkpoint area (LOG-03). They only shape the input: the rules (who may, which
region, the green-channel decision) are the actions'; their errors land on the form."""

import uuid

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import prefix_range
from sibao.logistics.actions import checkpoint as actions
from sibao.logistics.models import CheckpointKind
from sibao.regions.models import Region


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}）"


def keepable_regions(user):
    """Regions where ``user`` may set up checkpoints (the subtrees of the user's grants)."""
    q = Q(pk__in=[])
    for grant in actions._keeping_grants(user, "add"):
        q |= prefix_range("code", grant.region_id)
    return Region.objects.filter(q).order_by("code")


class CheckpointForm(forms.Form):
    region = RegionChoiceField(queryset=Region.objects.none(), label=_("所在地区"))
    name = forms.CharField(label=_("名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类型"), choices=CheckpointKind.choices)
    road = forms.CharField(label=_("所在道路"), max_length=120, required=False)
    green_channel = forms.BooleanField(label=_("设绿色通道"), required=False, initial=True)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, user=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["region"]  # a checkpoint stays in its region
        else:
            self.fields["region"].queryset = keepable_regions(user)


class VerifyForm(forms.Form):
    token = forms.CharField(
        label=_("通行证码"),
        max_length=600,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "placeholder": _("扫码枪扫描通行证二维码，或粘贴通行证码"),
            }
        ),
    )
    plate = forms.CharField(
        label=_("车牌号（可选，核对是否本车）"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "豫A12345"}),
    )
    occupants = forms.CharField(
        label=_("随车人员身份证号（每行一个）"),
        widget=forms.Textarea(
            attrs={"rows": 3, "autocomplete": "off", "inputmode": "text", "spellcheck": "false"}
        ),
    )
    sample = forms.BooleanField(label=_("即采即走（现场采样后放行）"), required=False)
    client_event_id = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("client_event_id", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)

    def occupant_lines(self) -> list[str]:
        return self.cleaned_data["occupants"].splitlines()
