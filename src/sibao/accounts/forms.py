from django import forms
from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.accounts import actions
from sibao.accounts.models import User


class LoginForm(forms.Form):
    """Password login with lockout after the rule set's number of failures."""

    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    @staticmethod
    def _refuse_if_locked(user) -> None:
        if user is not None and user.is_locked():
            local = timezone.localtime(user.locked_until)
            raise forms.ValidationError(
                _("登录失败次数过多，账户已锁定至 %(time)s，请稍后再试。")
                % {"time": f"{local:%H:%M}"},
                code="locked",
            )

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data
        self._refuse_if_locked(User.objects.filter(username=username).first())
        user = authenticate(self.request, username=username, password=password)
        if user is None:
            self._refuse_if_locked(actions.record_login_failure(username))
            raise forms.ValidationError(_("用户名或密码错误。"), code="invalid_login")
        self.user = user
        return self.cleaned_data


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("动态验证码"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("原密码"), strip=False, widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("新密码"), strip=False, widget=forms.PasswordInput)
    new_password_again = forms.CharField(
        label=_("再次输入新密码"), strip=False, widget=forms.PasswordInput
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") != data.get("new_password_again"):
            raise forms.ValidationError(_("两次输入的新密码不一致。"))
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=64)
    days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=366, required=False)
