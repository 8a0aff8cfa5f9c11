"""Forms of the sentinel alert page (EPI-10): assign an owner, close with an outcome."""

from django import forms
from django.utils.translation import gettext_lazy as _


class AlertAssignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=None, label=_("责任人"), empty_label=_("请选择"))

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda u: (
            f"{u.full_name or u.username}（{u.username}）"
        )


class AlertCloseForm(forms.Form):
    outcome = forms.CharField(
        label=_("处置结果"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("写明已采取的措施，例如：已督促完成核酸检测，结果阴性。"),
    )
