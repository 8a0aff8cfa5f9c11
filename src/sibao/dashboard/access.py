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


def may_see(regions, code: str) -> bool:
    """Whether a board of ``code`` lies inside one of ``regions`` (from ``board_regions``)."""
    return any(code.startswith(r.code) for r in regions)


def board_region(user, code: str | None):
    """The region the board shows for ``code`` (or the user's broadest region), with its parent
    and grandparent loaded for the breadcrumb."""
    from sibao.regions.models import Region

    regions = board_regions(user)
    if not regions:
        raise PermissionDenied(_("一屏掌控按辖区统计，您的角色无权查看。"))
    code = code or regions[0].code
    if not may_see(regions, code):
        raise Http404
    region = Region.objects.select_related("parent__parent").filter(pk=code).first()
    if region is None:
        raise Http404
    return region


def breadcrumb(user, region) -> list:
    """Province → city → county down to ``region``, only the levels whose board the user may
    open (a county official's breadcrumb is the county alone)."""
    regions = board_regions(user)
    return [level for level in [*region.ancestors(), region] if may_see(regions, level.code)]
