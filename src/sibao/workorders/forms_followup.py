"""Forms of the follow-up area (DEM-05). They only shape the input; the rules (who, when, which
state, the appeal window, the approved reason) are the actions'. Each order form carries the
``version`` the user saw, so a second official acting at once gets the conflict message."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.workorders.models import Resolution, Satisfaction, Visit

TEXT = {"rows": 3}


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReviewForm(_Versioned):
    note = forms.CharField(
        label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReworkForm(_Versioned):
    reason = forms.CharField(
        label=_("重办理由"), widget=forms.Textarea(attrs=TEXT), max_length=4000
    )


class VisitForm(forms.Form):
    method = forms.ChoiceField(label=_("回访方式"), choices=Visit.Method.choices)
    resolution = forms.ChoiceField(
        label=_("解决情况"), choices=Resolution.choices, widget=forms.RadioSelect
    )
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("回访记录"), widget=forms.Textarea(attrs=TEXT), required=False, max_length=4000
    )


class CloseForm(_Versioned):
    unsatisfied_reason = forms.CharField(
        label=_("不满意办结理由"),
        widget=forms.Textarea(attrs=TEXT),
        required=False,
        max_length=4000,
        help_text=_("企业评价为不满意或未解决时必填，须由有审批权限的审核人办结。"),
    )


class RateForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("问题是否解决"), choices=Resolution.choices, widget=forms.RadioSelect
    )
    satisfaction = forms.ChoiceField(
        label=_("对办理的满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    feedback = forms.CharField(
        label=_("评价意见"), widget=forms.Textarea(attrs=TEXT), required=False, max_length=4000
    )


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("申诉理由"), widget=forms.Textarea(attrs=TEXT), max_length=4000
    )


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("处理结果"),
        choices=[("reopen", _("重启办理")), ("dismiss", _("维持办结"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("处理意见"), widget=forms.Textarea(attrs=TEXT), required=False, max_length=4000
    )
