"""Content-Security-Policy on every response.

The policy (``settings.SIBAO_CSP``) allows scripts only from the platform's own origin: no inline
``<script>`` blocks, no ``on…=`` handler attributes, no ``javascript:`` URLs, no ``eval``. Page
behaviours live in static files (``core/static/sibao/behaviours.js`` and the apps' chart modules)
and are driven by data attributes; ``{{ value|json_script:"id" }}`` blocks are data, not code, and
stay allowed. Inline styles remain allowed (``style-src 'unsafe-inline'``).
"""

from django.conf import settings

HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    """Adds ``settings.SIBAO_CSP`` unless the view set its own policy; an empty setting adds
    nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "SIBAO_CSP", "")
        if policy and HEADER not in response:
            response[HEADER] = policy
        return response
