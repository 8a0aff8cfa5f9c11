import time

from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from sibao.core import rules

SESSION_STARTED = "sibao_started_at"
SESSION_SEEN = "sibao_seen_at"


class SessionLimitsMiddleware:
    """Ends a browser session after the rule set's idle and absolute limits (MLPS 2.0 level 3)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            started = request.session.get(SESSION_STARTED)
            seen = request.session.get(SESSION_SEEN, started)
            if started is None:
                request.session[SESSION_STARTED] = now
            else:
                ruleset = rules.current()
                idle = ruleset["session_idle_minutes"] * 60
                absolute = ruleset["session_absolute_hours"] * 3600
                if now - (seen or now) > idle or now - started > absolute:
                    logout(request)
                    messages.info(request, _("会话已超时，请重新登录。"))
                    if request.path.startswith("/api/"):
                        return self.get_response(request)
                    return redirect(f"{reverse('accounts:login')}?next={request.path}")
            request.session[SESSION_SEEN] = now
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Holds users of privileged roles at the second-factor step until they pass it."""

    # /arrive/ (the arrival report, EPI-08), /public/ (published criteria and batches,
    # WL-03, WL-05) and /s/ (the scan page of place codes, EPI-06) need no account, so a signed-in official who has not passed the second
    # factor may read them like anyone else
    ALLOWED_PREFIXES = (
        "/accounts/two-factor/",
        "/accounts/logout/",
        "/static/",
        "/i18n/",
        "/arrive/",
        "/public/",
        "/s/",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and hasattr(request, "session")  # token-authenticated systems are checked by DRF
            and user.requires_two_factor
            and not user.is_verified()
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("需要完成双因素认证。")}, status=403)
            return redirect(f"{reverse('accounts:two_factor')}?next={request.path}")
        return self.get_response(request)
