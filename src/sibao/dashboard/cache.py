"""Cached board data (MON-01): computed aggregates kept in Django's cache for a few seconds.

An entry belongs to one region and one *scope signature*: what a user sees is decided by their
active grants alone (role, region, industry, department, enterprise), so users with the same
grants may share an entry and users with different grants never do. The key also names the
language (labels are translated when computed) and the rule-set version (a changed parameter is
read at once). Entries live at most ``dashboard_cache_seconds`` (0 = no caching, never more than
60 s); the board shows the age of what it shows, and its refresh button recomputes.
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


def cached(kind: str, ctx, compute, *parts: str, force: bool = False) -> Snapshot:
    """The cached ``compute()`` for this region and scope, computed anew when missing, older
    than the lifetime, or ``force``d (the refresh button)."""
    seconds = lifetime(ctx.rules)
    entry_key = key(kind, ctx, *parts)
    if seconds and not force:
        entry = cache.get(entry_key)
        if entry is not None and entry.age_seconds(ctx.now) < seconds:
            return entry
    entry = Snapshot(compute(), timezone.now())
    if seconds:
        cache.set(entry_key, entry, seconds)
    return entry
