"""Who sees the board, and which region it shows.

The board is a regional view: it needs a grant that reads early warnings over a region (every
government role has one); grants bound to one enterprise reach no regional figures (403). The
region asked for must lie inside one of the user's grants (else 404, as for a missing region);
without one, the board shows the user's broadest region.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from sibao.command.models import EarlyWarning
from sibao.enterprises.queries import jurisdiction_regions


def board_regions(user) -> list:
    """The regions of the user's regional grants that read the board, broadest first."""
    return jurisdiction_regions(user, EarlyWarning, "view")


def board_region(user, code: str | None):
    """The region the board shows for ``code`` (or the user's broadest region)."""
    from sibao.regions.models import Region

    regions = board_regions(user)
    if not regions:
        raise PermissionDenied(_("一屏掌控按辖区统计，您的角色无权查看。"))
    if not code:
        return regions[0]
    region = Region.objects.filter(pk=code).first()
    if region is None or not any(region.code.startswith(r.code) for r in regions):
        raise Http404
    return region
