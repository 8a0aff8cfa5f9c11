"""Forms of the incident pages (INC-01, INC-02): report an incident, record a step, exclude a
suspect into a silent period, confirm, resume. Choices are limited to the unit's own roster and
zones; the actions validate again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.command.actions.incidents import MAX_SILENT_DAYS
from sibao.command.models import Incident


def _staff_label(staff) -> str:
    team = f" · {staff.team}" if staff.team else ""
    traced = f" · {_('流调判定')}" if getattr(staff, "traced", False) else ""
    return f"{staff.name}（{staff.id_masked}）{team}{traced}"


class IncidentOpenForm(forms.Form):
    kind = forms.ChoiceField(label=_("事件类型"), choices=Incident.Kind.choices)
    staff = forms.ModelChoiceField(
        queryset=None,
        label=_("涉及人员"),
        required=False,
        empty_label=_("未确定（如多人发热）"),
        help_text=_("从本单位花名册选择；身份证号码只显示脱敏后的部分。"),
    )
    zone = forms.ModelChoiceField(
        queryset=None,
        label=_("涉及区域"),
        required=False,
        empty_label=_("未划定"),
        help_text=_("只有该区域停产处置，其他区域原则上不停工、不停产。"),
    )
    observation_room = forms.CharField(
        label=_("留观房间"),
        max_length=64,
        required=False,
        help_text=_("已转移至临时留观点（观察宿舍）的，填写房间号；按预案留观间数校验。"),
    )
    description = forms.CharField(
        label=_("情况描述"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("例如：三号车间员工发热 38.2℃，伴咳嗽。"),
    )

    def __init__(self, *args, staff, zones, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff
        self.fields["staff"].label_from_instance = _staff_label
        self.fields["zone"].queryset = zones


class StepForm(forms.Form):
    note = forms.CharField(
        label=_("办理情况"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    room = forms.CharField(label=_("留观房间"), max_length=64, required=False)
    not_needed = forms.BooleanField(label=_("无需办理（须说明原因）"), required=False)


class ExcludeForm(forms.Form):
    room = forms.CharField(label=_("静默期单间"), max_length=64)
    days = forms.IntegerField(
        label=_("静默期天数"), min_value=1, max_value=MAX_SILENT_DAYS, initial=3
    )
    contacts = forms.ModelMultipleChoiceField(
        queryset=None,
        label=_("期满一同返岗的密接、次密接人员"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = contacts
        self.fields["contacts"].label_from_instance = _staff_label


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )
