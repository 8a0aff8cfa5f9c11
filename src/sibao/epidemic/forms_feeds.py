"""Forms of the feeds area (EPI-02, EPI-03)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sibao.core.personal import normalise_id_number
from sibao.epidemic.forms_roster import NoEchoInput


class PersonLookupForm(forms.Form):
    """A person's 两码一证 by the full ID number: posted, never put in a URL, never echoed."""

    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=24,
        widget=NoEchoInput(attrs={"autocomplete": "off", "placeholder": _("18 位身份证号码")}),
    )

    def clean_id_number(self):
        try:
            return normalise_id_number(self.cleaned_data["id_number"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
