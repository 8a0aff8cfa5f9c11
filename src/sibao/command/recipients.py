"""Who is told about a command decision: one place for the recipient look-ups every command
action uses (contracts: units, departments, liaison cadres, higher HQs).

- a unit: its enterprise admins (``enterprise_admin`` grants on that enterprise) and its liaison
  cadres (``liaison_cadre`` grants on that enterprise, the 包保干部 named for it);
- a region's officials: users holding one of ``roles`` through a grant whose region covers the
  region (the grant's code is a prefix of the region's code), optionally only grants at some
  levels, and for an industry only the grants that reach it (a grant narrowed to an industry, or a
  department grant whose department kind is the industry's competent department);
- the higher HQs of a region: HQ office users whose grant covers the region at a level above it.

Every function returns a list of active users without duplicates, ordered by id (stable for tests
and for ``core.notifications.notify``).
"""

from django.db.models import Q

from sibao.accounts.models import RoleGrant, User
from sibao.accounts.roles import Role
from sibao.regions.models import IndustryDomain, RegionLevel

__all__ = [
    "covering_codes",
    "department_officials",
    "higher_hq_officials",
    "region_officials",
    "unit_admins",
    "unit_liaisons",
    "unit_recipients",
    "units_people",
]

# levels from the top, to tell which levels are "above" a region
_LEVEL_RANK = {RegionLevel.PROVINCE: 0, RegionLevel.CITY: 1, RegionLevel.COUNTY: 2}


def covering_codes(region_code: str) -> list[str]:
    """Every code whose subtree holds ``region_code``: ``410102`` → ``41``, ``4101``, ``410102``.

    Region codes nest by prefix (2 digits province, 4 city, 6 county; 济源 419001 sits under 41),
    so a grant covers the region exactly when its region code is one of these prefixes.
    """
    return [region_code[:n] for n in range(2, len(region_code) + 1)]


def _users(grants) -> list:
    ids = grants.filter(is_active=True, user__is_active=True).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def unit_admins(enterprise) -> list:
    """The unit's enterprise admins (its prevention task force)."""
    return _users(RoleGrant.objects.filter(role=Role.ENTERPRISE_ADMIN, enterprise=enterprise))


def unit_liaisons(enterprise) -> list:
    """The liaison cadres (包保干部) assigned to the unit."""
    return _users(RoleGrant.objects.filter(role=Role.LIAISON_CADRE, enterprise=enterprise))


def units_people(enterprises) -> dict[int, list]:
    """For many units at once (one query): each unit's admins and liaison cadres, by unit id."""
    ids = [getattr(e, "pk", e) for e in enterprises]
    found: dict[int, dict] = {pk: {} for pk in ids}
    grants = (
        RoleGrant.objects.filter(
            role__in=[Role.ENTERPRISE_ADMIN, Role.LIAISON_CADRE],
            enterprise_id__in=ids,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user_id")
    )
    for grant in grants:
        found[grant.enterprise_id].setdefault(grant.user_id, grant.user)
    return {pk: list(users.values()) for pk, users in found.items()}


def _industry_q(industry_code: str) -> Q:
    """Grants that reach ``industry_code``: not narrowed, narrowed to it, or a department grant of
    the industry's competent department kind."""
    competent = (
        IndustryDomain.objects.filter(code=industry_code)
        .values_list("competent_department", flat=True)
        .first()
    )
    q = Q(industry__isnull=True, department__isnull=True) | Q(industry_id=industry_code)
    if competent:
        q |= Q(industry__isnull=True, department__kind=competent)
    return q


def region_officials(region_code: str, roles, levels=None, *, industry: str | None = None) -> list:
    """Users holding one of ``roles`` over ``region_code`` (the grant's region covers it).

    ``levels``: only grants on regions of these levels (``RegionLevel`` values). ``industry``: an
    industry domain code; only grants that reach that industry. Enterprise-bound grants never count.
    """
    grants = RoleGrant.objects.filter(
        role__in=list(roles),
        region_id__in=covering_codes(region_code),
        enterprise__isnull=True,
    )
    if levels is not None:
        grants = grants.filter(region__level__in=list(levels))
    if industry is not None:
        grants = grants.filter(_industry_q(industry))
    return _users(grants)


def department_officials(region_code: str, industry: str) -> list:
    """Department staff whose grant covers the region and reaches the industry."""
    return region_officials(region_code, [Role.DEPARTMENT_STAFF], industry=industry)


def _level_of(region_code: str) -> str:
    from sibao.regions.models import Region

    level = Region.objects.filter(code=region_code).values_list("level", flat=True).first()
    if level:
        return level
    return {2: RegionLevel.PROVINCE, 4: RegionLevel.CITY}.get(len(region_code), RegionLevel.COUNTY)


def higher_hq_officials(region_code: str) -> list:
    """HQ office users of the levels above the region (a county's city and province HQs; a
    city's province HQ)."""
    rank = _LEVEL_RANK[_level_of(region_code)]
    above = [level for level, r in _LEVEL_RANK.items() if r < rank]
    if not above:
        return []
    return region_officials(region_code, [Role.HQ_OFFICE], levels=above)


def unit_recipients(enterprise) -> list:
    """Everyone told about a decision on one unit: its admins, its liaison cadres and the
    department staff competent for its region and industry."""
    seen = {}
    for user in (
        unit_admins(enterprise)
        + unit_liaisons(enterprise)
        + department_officials(enterprise.region_id, enterprise.industry_id)
    ):
        seen.setdefault(user.pk, user)
    return [seen[pk] for pk in sorted(seen)]
