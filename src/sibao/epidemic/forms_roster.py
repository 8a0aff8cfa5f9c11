"""Roster forms (EPI-01). Forms only shape input; the roster actions validate ID numbers and
phones, check scope and duplicates."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.epidemic.imports_roster import MAX_DOSES
from sibao.epidemic.models import PostClass, StaffCategory


class NoEchoInput(forms.TextInput):
    """A text input that never writes its value back into the page: a form shown again after an
    error must not carry a full ID number in its HTML."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StaffFieldsForm(forms.Form):
    """What both the add and the edit form ask."""

    name = forms.CharField(label=_("姓名"), max_length=64)
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        required=False,
        widget=NoEchoInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    category = forms.ChoiceField(
        label=_("人员类别"), choices=StaffCategory.choices, initial=StaffCategory.EMPLOYEE
    )
    post_class = forms.ChoiceField(
        label=_("岗位类别"),
        choices=PostClass.choices,
        initial=PostClass.ORDINARY,
        help_text=_("物流、销售等流动性、接触性岗位核酸检测频次更高。"),
    )
    team = forms.CharField(label=_("班组"), max_length=64, required=False)
    zone = forms.CharField(label=_("区域"), max_length=64, required=False)
    dormitory = forms.CharField(label=_("宿舍"), max_length=64, required=False)
    joined_on = forms.DateField(
        label=_("入职（进入）日期"),
        required=False,
        widget=_DATE,
        help_text=_("新进入人员按规则设置静置期。"),
    )
    vaccine_doses = forms.IntegerField(
        label=_("疫苗接种剂次"), required=False, min_value=0, max_value=MAX_DOSES
    )


class StaffForm(StaffFieldsForm):
    """Adding a person to a unit's roster."""

    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=18,
        min_length=18,
        widget=NoEchoInput(attrs={"autocomplete": "off", "style": "text-transform: uppercase"}),
        help_text=_("出错时需重新填写：页面不回显身份证号码。"),
    )

    field_order = ["id_number", "name", "phone"]


class StaffUpdateForm(StaffFieldsForm):
    """Editing a roster row: the ID number is not changeable; the phone is asked again only to
    change it (left empty, the stored number stays)."""

    clear_phone = forms.BooleanField(label=_("删除手机号码"), required=False)

    def __init__(self, *args, phone_masked: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = (
            _("当前：%(phone)s。留空则不修改。") % {"phone": phone_masked}
            if phone_masked
            else _("未登记。")
        )

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        clear = data.pop("clear_phone")
        if clear:
            data["phone"] = ""
        elif not data["phone"]:
            data.pop("phone")
        return data


class ImportForm(forms.Form):
    """An .xlsx or .csv file filled in from the template."""

    file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码），列与模板一致。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class FindForm(forms.Form):
    """Finding a person by the full ID number: posted, never put in a URL."""

    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=18,
        widget=NoEchoInput(attrs={"autocomplete": "off", "placeholder": _("18 位身份证号码")}),
    )


class DeactivateForm(forms.Form):
    reason = forms.CharField(label=_("停用原因"), max_length=200, required=False)
