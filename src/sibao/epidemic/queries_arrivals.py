"""Reads of the arrivals area (EPI-08, EPI-09): the risk counties of a day, the destination units
the public page offers, and a unit's arrivals to expect."""

import datetime

from django.db.models import Q

from sibao.epidemic.coding import RiskCounty
from sibao.epidemic.models import RiskArea


def risk_areas_on(day: datetime.date):
    """Risk areas in force on ``day``: declared from ``valid_from`` on, until the day before
    ``valid_to`` (the day it was lifted, 解除日期); an open end means still in force."""
    return RiskArea.objects.filter(valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )


def risk_counties_on(day: datetime.date) -> dict[str, RiskCounty]:
    """County code -> the county and its risk areas in force on ``day`` (one query)."""
    found: dict[str, list] = {}
    names: dict[str, str] = {}
    for area in risk_areas_on(day).order_by("region_code", "name"):
        found.setdefault(area.region_code, []).append(f"{area.name}（{area.get_level_display()}）")
        names.setdefault(area.region_code, area.region_name)
    return {code: RiskCounty(code, names[code], tuple(areas)) for code, areas in found.items()}


def destination_units(query: str, *, limit: int):
    """Active units whose name contains, or whose credit code starts with, ``query`` — what a
    visitor may pick on the public page (only name and county are shown there)."""
    from sibao.enterprises.models import Enterprise

    query = (query or "").strip()
    if len(query) < 2:
        return Enterprise.objects.none()
    return (
        Enterprise.objects.active()
        .filter(Q(name__icontains=query) | Q(credit_code__startswith=query.upper()))
        .select_related("region")
        .order_by("name")[:limit]
    )
