"""The parameters of a report (MON-04): kind, day and file format. The region is checked against
the user's grants by ``dashboard.access.board_region`` (out of scope: 404), not here."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sibao.dashboard.reports import DAILY, KIND_LABELS, WEEKLY, Period, default_day

FORMATS = [("html", _("打印页面")), ("xlsx", _("Excel 工作簿"))]
# a sanity bound on the form, not a rule: the platform holds nothing older
EARLIEST = datetime.date(2000, 1, 1)


class ReportForm(forms.Form):
    """Missing parameters take their defaults (a daily report of yesterday, a weekly report of
    last week); a wrong one is refused with a message and no report is produced."""

    kind = forms.ChoiceField(
        label=_("报告类型"),
        choices=[(DAILY, KIND_LABELS[DAILY]), (WEEKLY, KIND_LABELS[WEEKLY])],
        required=False,
        error_messages={
            "invalid_choice": _("未知的报告类型“%(value)s”：请选择日报或周报。"),
        },
    )
    region = forms.CharField(label=_("区划"), required=False, max_length=12)
    date = forms.DateField(
        label=_("日期"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("日期格式不正确，请按“年-月-日”填写，例如 2022-05-06。")},
        help_text=_("周报为所选日期所在的一周（星期一至星期日）。留空：日报为昨日，周报为上周。"),
    )
    format = forms.ChoiceField(
        label=_("格式"),
        choices=FORMATS,
        required=False,
        error_messages={"invalid_choice": _("未知的文件格式“%(value)s”：请选择打印页面或 Excel。")},
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_kind(self):
        return self.cleaned_data.get("kind") or DAILY

    def clean_format(self):
        return self.cleaned_data.get("format") or "html"

    def clean(self):
        data = super().clean()
        if "kind" not in data or "date" not in data:
            return data
        day = data["date"] or default_day(data["kind"], self.today)
        if day > self.today:
            raise ValidationError(
                {
                    "date": _("报告日期不能晚于今天（%(today)s）。")
                    % {"today": self.today.isoformat()}
                }
            )
        if day < EARLIEST:
            raise ValidationError(
                {"date": _("报告日期不能早于 %(day)s。") % {"day": EARLIEST.isoformat()}}
            )
        data["period"] = Period.of(data["kind"], day)
        return data
