"""The form of a new tracing job (EPI-07): the cases' ID numbers one per line (or the positive
person of a sentinel alert), the period, window, widening, whether to find secondary contacts,
and the reason and case reference. The action validates the content (Chinese messages)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.places.models import Widen

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class TracingJobForm(forms.Form):
    case_id_numbers = forms.CharField(
        label=_("病例身份证号码"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("每行一个；号码只用于查找，不保存、不显示。"),
    )
    period_from = forms.DateTimeField(
        label=_("追溯起始时间"),
        required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=_("不填则为截止时间前的默认追溯天数（规则参数）。"),
    )
    period_to = forms.DateTimeField(
        label=_("追溯截止时间"),
        required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=_("不填则为现在。"),
    )
    window_minutes = forms.IntegerField(
        label=_("时间窗口（前后，分钟）"), required=False, min_value=0, max_value=720
    )
    widen = forms.ChoiceField(label=_("判定范围"), choices=Widen.choices, initial=Widen.CODE)
    include_secondary = forms.BooleanField(label=_("同时查找次密接"), required=False, initial=True)
    case_ref = forms.CharField(label=_("病例（事件）编号"), max_length=64)
    reason = forms.CharField(
        label=_("流调事由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    alert = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def id_numbers(self) -> list[str]:
        text = self.cleaned_data.get("case_id_numbers") or ""
        return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]
