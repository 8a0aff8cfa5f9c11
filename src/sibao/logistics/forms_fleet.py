"""Forms of the fleet area (LOG-01). They only shape the input: the plate, the ID number, the
relation and the served unit are checked by ``logistics.actions.fleet``, whose errors land on the
form. The owner list holds only the enterprises the user's own grants name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import allowing_grants
from sibao.command.forms_oversight import UnitChoiceField
from sibao.enterprises.models import Enterprise
from sibao.enterprises.queries import is_whitelisted
from sibao.logistics.actions.fleet import LICENCE_CLASSES
from sibao.logistics.models import Driver, Vehicle, VehicleKind, VehicleRelation


def owners_for(user, model):
    """The enterprises whose vehicles or drivers (``model``) the user may register."""
    ids = [
        g.enterprise_id
        for g in allowing_grants(user, model._meta.label_lower, "add")
        if g.enterprise_id
    ]
    return Enterprise.objects.active().filter(pk__in=ids).select_related("region").order_by("name")


def served_units():
    """Whitelisted units a vehicle may serve (the whitelist is province-wide)."""
    return (
        Enterprise.objects.active()
        .filter(is_whitelisted())
        .select_related("region")
        .order_by("name")
    )


class _OwnerForm(forms.Form):
    model = None

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        owners = owners_for(user, self.model)
        self.fields["owner"].queryset = owners
        if len(owners) == 1:
            self.fields["owner"].initial = owners[0].pk


class VehicleForm(_OwnerForm):
    model = Vehicle
    owner = UnitChoiceField(queryset=Enterprise.objects.none(), label=_("所属企业"))
    plate = forms.CharField(
        label=_("车牌号"),
        max_length=20,
        help_text=_("如 豫A12345；新能源车牌 8 位，如 豫AD12345。全角输入会自动转换。"),
    )
    kind = forms.ChoiceField(label=_("车辆类型"), choices=VehicleKind.choices)
    relation = forms.ChoiceField(label=_("车辆性质"), choices=VehicleRelation.choices)
    served_unit = UnitChoiceField(
        queryset=Enterprise.objects.none(),
        required=False,
        label=_("服务的白名单单位"),
        help_text=_("固定外包车辆必填；单位自有车辆服务本单位。"),
    )
    load_tonnes = forms.DecimalField(
        label=_("核定载质量（吨）"), required=False, max_digits=7, decimal_places=2
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["served_unit"].queryset = served_units()


class DriverForm(_OwnerForm):
    model = Driver
    owner = UnitChoiceField(queryset=Enterprise.objects.none(), label=_("所属企业"))
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_number = forms.CharField(label=_("身份证号"), max_length=24)
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False)
    licence_class = forms.ChoiceField(
        label=_("准驾车型"),
        required=False,
        choices=[("", "—"), *[(c, c) for c in LICENCE_CLASSES]],
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea({"rows": 2}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=500, required=False, widget=forms.Textarea({"rows": 2})
    )
