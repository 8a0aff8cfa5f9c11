"""The current request's client address, for audit rows written deep inside actions."""

from contextvars import ContextVar

client_address: ContextVar[str | None] = ContextVar("client_address", default=None)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = client_address.set(request.META.get("REMOTE_ADDR") or None)
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)
