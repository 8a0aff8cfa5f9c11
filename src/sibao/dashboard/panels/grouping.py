"""Counting rows per direct child region of the board's region, for the map's indicators.

One grouped query: the rows of ``region`` grouped by the leading characters of their
``region_code`` (as many as the longest child code: 济源 419001 sits beside the four-digit
cities), the few groups then added up per child.
"""

from django.db.models.functions import Substr

from sibao.accounts.access import prefix_range


def child_codes(children) -> list[str]:
    """The codes of ``children`` (regions or codes)."""
    return [getattr(child, "code", child) for child in children]


def per_child(queryset, region, children, **aggregates) -> dict[str, dict]:
    """``{child code: {name: value}}`` of ``aggregates`` (``Count``/``Sum`` expressions) over the
    rows of ``queryset`` (already scoped by the caller) in each child of ``region``."""
    codes = child_codes(children)
    totals = {code: dict.fromkeys(aggregates, 0) for code in codes}
    if not codes:
        return totals
    width = max(len(code) for code in codes)
    groups = (
        queryset.filter(prefix_range("region_code", region.code))
        .annotate(child_prefix=Substr("region_code", 1, width))
        .values("child_prefix")
        .annotate(**aggregates)
        .order_by()
    )
    for group in groups:
        code = next((c for c in codes if group["child_prefix"].startswith(c)), None)
        if code is None:  # a row registered at the region itself
            continue
        for name in aggregates:
            totals[code][name] += group[name] or 0
    return totals


def percent(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, one decimal (None without a base)."""
    return round(part * 100 / whole, 1) if whole else None
