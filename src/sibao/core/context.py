"""The current request's client address, for audit rows written deep inside actions, and the
request's cache of values read once per request (``rules.current``)."""

from contextvars import ContextVar

client_address: ContextVar[str | None] = ContextVar("client_address", default=None)
# None outside a request: nothing is cached then (commands, tests calling actions directly)
request_cache: ContextVar[dict | None] = ContextVar("request_cache", default=None)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = client_address.set(request.META.get("REMOTE_ADDR") or None)
        cache_token = request_cache.set({})
        try:
            return self.get_response(request)
        finally:
            request_cache.reset(cache_token)
            client_address.reset(token)


class LanguageMiddleware:
    """Chinese unless the user chose another language (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; officials on an
    English-language browser still get the Chinese platform until they switch.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
