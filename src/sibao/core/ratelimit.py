"""Request rate limits: a fixed-window counter per scope and client in the default cache.

Three scopes, each ``(requests, seconds)`` in ``settings.RATE_LIMITS`` (``SIBAO_RATE_LIMITS``):

- ``login``: the login form's POST (per client address and user name) and the second-factor
  step (per client address and account);
- ``public``: every request to the pages without an account (place-code scan pages, the arrival
  report, the published whitelist criteria and batches) per client address;
- ``ingest``: every POST to the ingestion endpoints (feeds, the checkpoint verification) per
  client address and account.

A counter is one cache key per window (``cache.add`` then ``cache.incr``: atomic on Redis, so
every process sharing ``SIBAO_CACHE_URL`` shares the budget; the default local-memory cache
counts per process). The request over the budget is refused before the view runs — HTTP 429 with
``Retry-After`` (the seconds left in the window), a message page for HTML and ``{"detail": …}``
for the API — and the first refusal of a window is logged (logger ``sibao.ratelimit``).
A window boundary lets at most twice the budget through in a short burst across it.
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle

from sibao.core.context import address_of, client_address

logger = logging.getLogger("sibao.ratelimit")

# The clock of the windows; tests replace it to move time without sleeping.
clock = time.time
# Part of every key: ``reset()`` moves to fresh counters without clearing the cache.
_generation = 0


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the window ends, when refused


ALLOWED = Verdict(True)


def reset() -> None:
    """Start every counter afresh (tests)."""
    global _generation
    _generation += 1


def client_of(request) -> str:
    """The client address the audit rows use (``core.context``), else the request's own."""
    return client_address.get() or address_of(request) or "unknown"


def hit(scope: str, *parts: str) -> Verdict:
    """Count one request of ``scope`` for the client named by ``parts``; refused once the
    window's budget is spent. A scope without a limit (or all, with ``off``) always passes."""
    limit = settings.RATE_LIMITS.get(scope)
    if not limit:
        return ALLOWED
    return spend(scope, *limit, *parts)


def spend(scope: str, budget: int, period: int, *parts: str) -> Verdict:
    """Count one use of ``scope`` for the client named by ``parts`` against ``budget`` uses per
    ``period`` seconds (a budget of the page's own, e.g. a rule-set parameter): the counter of
    ``hit`` without the settings' scopes."""
    now = clock()
    window = int(now // period)
    # hashed: user names may hold characters some cache backends refuse in keys
    client = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    key = f"ratelimit:{_generation}:{scope}:{client}:{window}"
    try:
        cache.add(key, 0, timeout=period + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=period + 1)
            count = 1
    except Exception:  # the shared cache is down: serve rather than refuse everyone
        logger.exception("rate limit %s not checked: the cache is unavailable", scope)
        return ALLOWED
    if count <= budget:
        return ALLOWED
    retry_after = max(1, math.ceil((window + 1) * period - now))
    if count == budget + 1:
        logger.warning(
            "rate limit %s reached (%d requests per %d s) by %s; refused for %d s",
            scope,
            budget,
            period,
            parts[0] if parts else "?",
            retry_after,
        )
    return Verdict(False, retry_after)


def spent_by(request, scope: str, budget: int, period: int) -> bool:
    """Count one use of ``scope`` by the request's client (``client_of``: the forwarded address
    behind a trusted proxy) against ``budget`` uses per ``period`` seconds; True once spent."""
    return not spend(scope, budget, period, client_of(request)).allowed


def refused_page(request, verdict: Verdict):
    response = render(
        request, "core/rate_limited.html", {"retry_after": verdict.retry_after}, status=429
    )
    response["Retry-After"] = str(verdict.retry_after)
    return response


def limit(scope: str, key=None):
    """View decorator: count the request against ``scope`` for its client address (and
    ``key(request)``, e.g. the user name) and answer 429 once over the budget. On a class-based
    view: ``method_decorator(limit("public"), name="dispatch")``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            parts = [client_of(request)]
            if key is not None:
                parts.append(str(key(request)))
            verdict = hit(scope, *parts)
            if not verdict.allowed:
                return refused_page(request, verdict)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def posted_username(request) -> str:
    return (request.POST.get("username") or "").strip().lower()


def account_of(request) -> str:
    user = getattr(request, "user", None)
    return f"user:{user.pk}" if user is not None and user.is_authenticated else "anonymous"


class IngestThrottle(BaseThrottle):
    """DRF throttle of the ingestion endpoints (``ingest``): every write counts per client
    address and account; reads are not limited here."""

    scope = "ingest"

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        verdict = hit(self.scope, client_of(request), account_of(request))
        if verdict.allowed:
            return True
        raise exceptions.Throttled(wait=verdict.retry_after, detail=_("操作过于频繁，请稍后再试。"))
