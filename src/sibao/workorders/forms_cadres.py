"""Forms of the cadres pages (DEM-06)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.accounts.models import User


class AssignCadreForm(forms.Form):
    """The office names a cadre by user name (the account must be in its jurisdiction)."""

    username = forms.CharField(label=_("干部用户名"), max_length=150)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        user = User.objects.visible_to(self.actor, "view").filter(username=name).first()
        if user is None:
            raise forms.ValidationError(_("未找到该用户，或该用户不在您的管辖范围内。"))
        return user
