"""The current request's client address, for audit rows written deep inside actions, and the
request's cache of values read once per request (``rules.current``)."""

import functools
import ipaddress
from contextvars import ContextVar

client_address: ContextVar[str | None] = ContextVar("client_address", default=None)
# None outside a request: nothing is cached then (commands, tests calling actions directly)
request_cache: ContextVar[dict | None] = ContextVar("request_cache", default=None)


@functools.lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _is_trusted(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def address_of(request) -> str | None:
    """The client's address: the connection's, or, when the connection comes from a proxy named
    in ``TRUSTED_PROXIES``, the nearest X-Forwarded-For hop that is not itself a trusted proxy
    (hops a client wrote before the proxies' own are ignored)."""
    from django.conf import settings

    remote = request.META.get("REMOTE_ADDR") or None
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not remote or not networks or not _is_trusted(remote, networks):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if _is_trusted(hop, networks):
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return remote  # a malformed hop: the proxy's own address, never the forged text
    return remote


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = client_address.set(address_of(request))
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
