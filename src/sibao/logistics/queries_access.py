"""Reads of road access (LOG-06): green channels at airports, rail stations and ports, and the
passes whose freight is eligible for the toll discount.

D1 六(二) grants whitelisted units' freight the toll discount; the platform's proof of "whitelisted
unit's freight" is an approved pass, valid on the day, serving a unit that is whitelisted on that
day (its own entry or its park's listed — ``enterprises.queries.is_whitelisted``). A pass whose
unit has left the whitelist stops being eligible at once, without touching the pass.
"""

import datetime

from django.utils import timezone

from sibao.accounts.access import prefix_range
from sibao.enterprises.models import Enterprise
from sibao.enterprises.queries import is_whitelisted
from sibao.logistics.models import Checkpoint, CheckpointKind, PassStatus, VehiclePass

__all__ = ["GREEN_CHANNEL_KINDS", "green_channels", "toll_discount_rows"]

# LOG-06: the transport hubs whose green channels this area lists (roads' checkpoints are the
# checkpoint area's own list)
GREEN_CHANNEL_KINDS = (CheckpointKind.AIRPORT, CheckpointKind.RAIL, CheckpointKind.PORT)


def _day_bounds(on: datetime.date):
    start = timezone.make_aware(datetime.datetime.combine(on, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def toll_discount_rows(user, *, on=None):
    """The passes visible to ``user`` whose freight is eligible for the toll discount on day
    ``on`` (default today): approved, valid at some time of that day, serving a whitelisted unit.
    A queryset (vehicle, company and served unit loaded), for pages, the API and exports."""
    on = on or timezone.localdate()
    start, end = _day_bounds(on)
    whitelisted = Enterprise.objects.filter(is_whitelisted()).values("pk")
    return (
        VehiclePass.objects.visible_to(user, "view")
        .filter(
            status=PassStatus.APPROVED,
            valid_from__lt=end,
            valid_until__gte=start,
            served_unit__in=whitelisted,
        )
        .select_related("vehicle", "company", "served_unit")
        .order_by("valid_until", "number")
    )


def green_channels(user, *, region_code: str = ""):
    """Active checkpoints with a green channel at airports, rail stations and ports, visible to
    ``user``, optionally under one region."""

    rows = Checkpoint.objects.visible_to(user, "view").filter(
        green_channel=True, is_active=True, kind__in=GREEN_CHANNEL_KINDS
    )
    if region_code:
        rows = rows.filter(prefix_range("region_code", region_code))
    return rows.order_by("region_code", "kind", "name")
