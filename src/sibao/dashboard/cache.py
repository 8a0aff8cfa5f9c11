"""Cached board data (MON-01): computed aggregates kept in Django's cache for a few seconds.

An entry belongs to one region and one *scope signature*: what a user sees is decided by their
active grants alone (role, region, industry, department, enterprise), so users with the same
grants may share an entry and users with different grants never do. The key also names the
language (labels are translated when computed) and the rule-set version (a changed parameter is
read at once). An entry is fresh for ``dashboard_cache_seconds`` (0 = no caching, never more than
60 s). The board's page and map may show an entry up to twice that old (never more than 60 s,
``stale_ok``) rather than make the official wait for a computation, while the panels' polling,
which nobody waits for, recomputes whatever is no longer fresh: as long as a board is open, every
page load of its region finds a ready entry. The board shows the age of what it shows, and its
refresh button recomputes.
"""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone, translation

MAX_SECONDS = 60


@dataclass
class Snapshot:
    value: object
    computed_at: object  # aware datetime

    def age_seconds(self, now=None) -> int:
        now = now or timezone.now()
        return max(0, int((now - self.computed_at).total_seconds()))


def scope_signature(user) -> str:
    """A short digest of the user's active grants: equal for users who see the same rows."""
    grants = sorted(
        (
            g.role,
            g.region_id,
            g.industry_id or "",
            str(g.department_id or ""),
            str(g.enterprise_id or ""),
        )
        for g in user.active_grants()
    )
    return hashlib.sha256(repr(grants).encode()).hexdigest()[:20]


def lifetime(rules) -> int:
    return max(0, min(int(rules["dashboard_cache_seconds"]), MAX_SECONDS))


def key(kind: str, ctx, *parts: str) -> str:
    return ":".join(
        [
            "dashboard",
            kind,
            ctx.region.code,
            *parts,
            scope_signature(ctx.user),
            translation.get_language() or "",
            str(ctx.rules.version),
        ]
    )


def kept(seconds: int) -> int:
    """How long an entry fresh for ``seconds`` may still be shown (``stale_ok``)."""
    return min(2 * seconds, MAX_SECONDS)


def cached(
    kind: str, ctx, compute, *parts: str, force: bool = False, stale_ok: bool = False
) -> Snapshot:
    """The cached ``compute()`` for this region and scope, computed anew when missing, no longer
    fresh (with ``stale_ok``: older than ``kept``), or ``force``d (the refresh button)."""
    seconds = lifetime(ctx.rules)
    entry_key = key(kind, ctx, *parts)
    if seconds and not force:
        entry = cache.get(entry_key)
        limit = kept(seconds) if stale_ok else seconds
        if entry is not None and entry.age_seconds(ctx.now) < limit:
            return entry
    entry = Snapshot(compute(), timezone.now())
    if seconds:
        cache.set(entry_key, entry, kept(seconds))
    return entry
