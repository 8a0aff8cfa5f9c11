"""Forms of the trips area (LOG-04). They only shape the input; the rules (approved pass inside
its validity, one trip en route per pass, valid ID numbers) are the action's."""

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.logistics.models import PassStatus, VehiclePass


def startable_passes(user, now=None):
    """Approved passes inside their validity that the user's company applied for."""
    now = now or timezone.now()
    return (
        VehiclePass.objects.visible_to(user, "apply")
        .filter(status=PassStatus.APPROVED, valid_from__lte=now, valid_until__gte=now)
        .select_related("vehicle", "served_unit")
        .order_by("vehicle__plate", "-valid_until")
    )


class PassChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number} {obj.vehicle.plate} {obj.origin} → {obj.destination}（{obj.served_unit.name}）"


class TripStartForm(forms.Form):
    vehicle_pass = PassChoiceField(queryset=VehiclePass.objects.none(), label=_("通行证"))
    route = forms.CharField(
        label=_("途经道路"),
        max_length=200,
        required=False,
        help_text=_("例如：京港澳高速—郑州南收费站—107国道"),
    )
    occupants = forms.CharField(
        label=_("随车人员身份证号码"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=_("每行一个；不填则为通行证登记的驾驶员。号码只用于生成人员标识，不保存原文。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle_pass"].queryset = startable_passes(user)

    def clean_occupants(self):
        return [line for line in re.split(r"[\s,，;；]+", self.cleaned_data["occupants"]) if line]
