import base64
import time

import segno
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from sibao.accounts import actions
from sibao.accounts.access import can
from sibao.accounts.filtersets import UserFilterSet
from sibao.accounts.forms import ApiTokenForm, LoginForm, PasswordChangeForm, TokenForm
from sibao.accounts.middleware import SESSION_SEEN, SESSION_STARTED
from sibao.accounts.models import User
from sibao.core import ratelimit
from sibao.core.generic import ScopedDetailView, ScopedListView, SignedInMixin


def _safe_next(request, default="core:home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


class LoginView(View):
    template_name = "accounts/login.html"

    def get(self, request):
        if request.user.is_authenticated:
            return redirect(_safe_next(request))
        return render(
            request,
            self.template_name,
            {"form": LoginForm(request), "next": request.GET.get("next", "")},
        )

    @method_decorator(ratelimit.limit("login", key=ratelimit.posted_username))
    def post(self, request):
        form = LoginForm(request, data=request.POST)
        if not form.is_valid():
            return render(
                request,
                self.template_name,
                {"form": form, "next": request.POST.get("next", "")},
                status=200,
            )
        login(request, form.user)
        request.session.cycle_key()
        request.session[SESSION_STARTED] = request.session[SESSION_SEEN] = time.time()
        actions.record_login_success(form.user)
        return redirect(_safe_next(request))


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        actions.record_logout(request.user)
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("accounts:login")


class TwoFactorView(SignedInMixin, View):
    """Second factor for privileged roles: set up a TOTP device once, then verify each login."""

    template_name = "accounts/two_factor.html"

    def _context(self, request, form):
        user = request.user
        has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        context = {"form": form, "has_device": has_device, "next": _safe_next(request)}
        if not has_device:
            device = actions.pending_totp_device(user)
            context["qr_svg"] = segno.make(device.config_url, micro=False).svg_inline(scale=4)
            context["secret"] = base64.b32encode(device.bin_key).decode()
        return context

    def get(self, request):
        if request.user.is_verified():
            return redirect(_safe_next(request))
        return render(request, self.template_name, self._context(request, TokenForm()))

    @method_decorator(ratelimit.limit("login", key=ratelimit.account_of))
    def post(self, request):
        form = TokenForm(request.POST)
        if form.is_valid():
            device = actions.pass_second_factor(request.user, form.cleaned_data["token"])
            if device is not None:
                otp_login(request, device)
                return redirect(_safe_next(request))
            form.add_error("token", _("验证码不正确或已过期。"))
        return render(request, self.template_name, self._context(request, form))


class ProfileView(SignedInMixin, View):
    """The signed-in user's own page: grants, password, API tokens."""

    template_name = "accounts/profile.html"

    def _render(self, request, password_form=None, token_form=None, new_key=None):
        return render(
            request,
            self.template_name,
            {
                "grants": request.user.active_grants(),
                "password_form": password_form or PasswordChangeForm(),
                "token_form": token_form or ApiTokenForm(),
                "tokens": request.user.api_tokens.all(),
                "new_key": new_key,
            },
        )

    def get(self, request):
        return self._render(request)

    def post(self, request):
        if "new_password" in request.POST:
            form = PasswordChangeForm(request.POST)
            if form.is_valid():
                try:
                    actions.change_password(
                        request.user,
                        old_password=form.cleaned_data["old_password"],
                        new_password=form.cleaned_data["new_password"],
                    )
                except ValidationError as exc:
                    errors = (
                        exc.message_dict
                        if hasattr(exc, "error_dict")
                        else {"new_password": exc.messages}
                    )
                    for field, messages_ in errors.items():
                        form.add_error(field if field in form.fields else None, messages_)
                    return self._render(request, password_form=form)
                update_session_auth_hash(request, request.user)
                messages.success(request, _("密码已修改。"))
                return redirect("accounts:profile")
            return self._render(request, password_form=form)
        if "revoke" in request.POST:
            token = get_object_or_404(request.user.api_tokens, pk=request.POST["revoke"])
            actions.revoke_api_token(token, actor=request.user)
            messages.success(request, _("令牌已吊销。"))
            return redirect("accounts:profile")
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            _token, key = actions.create_api_token(
                request.user,
                name=form.cleaned_data["name"],
                actor=request.user,
                days=form.cleaned_data["days"],
            )
            return self._render(request, new_key=key)
        return self._render(request, token_form=form)


class UserListView(ScopedListView):
    """Accounts whose home region lies in the user's jurisdiction."""

    model = User
    filterset_class = UserFilterSet
    template_name = "accounts/user_list.html"
    partial_template_name = "accounts/user_table.html"

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("region", "enterprise")
            .prefetch_related("grants__region")
        )


class UserDetailView(ScopedDetailView):
    model = User
    template_name = "accounts/user_detail.html"
    context_object_name = "account"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["grants"] = self.object.grants.select_related(
            "region", "industry", "department", "enterprise"
        )
        context["can_unmask"] = can(self.request.user, User, "unmask", self.object)
        return context


@method_decorator(require_POST, name="dispatch")
class RevealPhoneView(ScopedDetailView):
    """PLAT-03: show one phone number in the clear; the read is audited. HTMX swaps the cell."""

    model = User
    action = "unmask"

    def post(self, request, *args, **kwargs):
        phone = actions.reveal_phone(self.get_object(), actor=request.user)
        return render(request, "accounts/phone_revealed.html", {"phone": phone})
