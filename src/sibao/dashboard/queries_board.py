"""The board's data (MON-01): the registered panels and the map's per-child indicator values for
one region and one user, cached per scope (``dashboard.cache``).

Panels and indicators read other apps only through their scoped querysets and ``queries*``
modules (``dashboard.panels``); this module only assembles what they return.
"""

import dataclasses
from contextlib import contextmanager
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from sibao.core import rules as rule_set
from sibao.dashboard import cache, maps, panels
from sibao.dashboard.access import board_regions, may_see


def board_context(user, region, now=None) -> panels.BoardContext:
    now = now or timezone.now()
    return panels.BoardContext(
        user=user,
        region=region,
        rules=rule_set.current(),
        today=timezone.localdate(now),
        now=now,
    )


@contextmanager
def without_jit():
    """The board's aggregates run without PostgreSQL's JIT compilation.

    Their correlated sub-plans (``EXISTS`` inside ``FILTER``) and region-wide counts push the
    planner's cost estimates past ``jit_above_cost``, and compiling then takes longer than the
    query runs: the whitelist coverage aggregate over 20 000 units took 714 ms with JIT and
    111 ms without (``benchmarks/dashboard.py``). ``SET LOCAL`` ends with the transaction.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def compute_panels(ctx) -> list[panels.Panel]:
    """Every registered panel the user may read, in the registry's order."""
    with without_jit():
        return [p for p in (provider(ctx) for provider in panels.providers()) if p is not None]


def panel_snapshot(ctx, *, force: bool = False, stale_ok: bool = False) -> cache.Snapshot:
    return cache.cached("panels", ctx, lambda: compute_panels(ctx), force=force, stale_ok=stale_ok)


def indicator(key: str | None):
    """The registered indicator ``key`` (the first one when ``key`` is empty), or None: no
    indicator registered, or an unknown key."""
    choices = panels.indicators()
    if not key:
        return choices[0] if choices else None
    return next((i for i in choices if i.key == key), None)


def _number(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def _url(found, ctx, code: str) -> str:
    return (found.url(ctx, code) or "") if found is not None and found.url else ""


def compute_map(ctx, found) -> dict:
    """What the map and its table show for ``ctx.region``: its children (cities of the province,
    counties of a city) with the value of indicator ``found``; for a region without a map file
    (a county, 济源), the value of every indicator for the region itself (``own``)."""
    from sibao.regions.models import Region

    region = ctx.region
    allowed = board_regions(ctx.user)
    geo_url = maps.map_url(region.code)
    polygons = set(maps.features(region.code).values())
    payload = {
        "region": {"code": region.code, "name": region.name, "full_name": region.full_name},
        "geo_url": geo_url,
        "features": maps.features(region.code),
        "indicator": None,
        "allowed": True,
        "children": [],
        "own": [],
    }
    if found is not None:
        payload["indicator"] = {"key": found.key, "label": str(found.label), "unit": found.unit}
    if geo_url is not None:
        children = list(Region.objects.filter(parent=region).order_by("code"))
        values = found.values(ctx, children) if found is not None else {}
        if values is None:  # the user may not read what the indicator counts
            payload["allowed"] = False
            values = {}
        for child in children:
            value = values.get(child.code)
            payload["children"].append(
                {
                    "code": child.code,
                    "name": child.name,
                    "value": _number(value),
                    "url": _url(found, ctx, child.code) if value is not None else "",
                    "drillable": may_see(allowed, child.code),
                    "has_polygon": child.code in polygons,
                    "is_zone": child.is_statistical_zone,
                }
            )
    elif region.parent is not None:
        # the region is a child of its parent: every indicator's value for it alone
        parent_ctx = dataclasses.replace(ctx, region=region.parent)
        for each in panels.indicators():
            values = each.values(parent_ctx, [region])
            if values is None:
                continue
            value = values.get(region.code)
            payload["own"].append(
                {
                    "key": each.key,
                    "label": str(each.label),
                    "unit": each.unit,
                    "value": _number(value),
                    "url": _url(each, parent_ctx, region.code) if value is not None else "",
                }
            )
    return payload


def _compute_map(ctx, found) -> dict:
    with without_jit():
        return compute_map(ctx, found)


def map_snapshot(ctx, found, *, force: bool = False) -> cache.Snapshot:
    """The map's data; the map is drawn with the page, so it may show an entry kept beyond its
    freshness (``cache.kept``) like the page's panels."""
    key = found.key if found is not None else "-"
    return cache.cached(
        "map", ctx, lambda: _compute_map(ctx, found), key, force=force, stale_ok=True
    )
