from django import forms
from django.utils.translation import gettext_lazy as _


class RuleChangeForm(forms.Form):
    value = forms.CharField(label=_("新值"), max_length=64)
    reason = forms.CharField(
        label=_("修改理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
