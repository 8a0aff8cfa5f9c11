from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class RuleChangeForm(forms.Form):
    value = forms.CharField(label=_("新值"), max_length=64)
    reason = forms.CharField(
        label=_("修改理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


def errors_to_form(form, exc: ValidationError) -> None:
    """An action's ``ValidationError`` onto the form that fed it: field errors on their fields
    (or on the form when the form has no such field), plain messages on the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
