"""Turning a user's grants into a query filter and a yes/no, for one model and one action."""

from django.db.models import Q

from sibao.accounts.roles import PROVINCE_ONLY_ACTIONS, role_allows

NOTHING = Q(pk__in=[])


def _any(paths, lookup, value) -> Q:
    paths = (paths,) if isinstance(paths, str) else paths
    q = NOTHING
    for path in paths:
        q |= Q(**{f"{path}{lookup}": value})
    return q


def prefix_range(path: str, code: str) -> Q:
    """Rows whose code at ``path`` starts with ``code``, as a range: ``code <= x < next``.

    Region codes are digit strings, so "starts with 410102" is exactly "from 410102 up to, not
    including, 410103". A range is a plain btree range scan under any collation, where
    ``LIKE '410102%'`` uses an index only under the "C" collation (not "C.UTF-8" or a locale).
    """
    upper = code[:-1] + chr(ord(code[-1]) + 1)
    return Q(**{f"{path}__gte": code, f"{path}__lt": upper})


def _grant_q(grant, scope) -> Q:
    if grant.enterprise_id:
        # an enterprise's own grant reaches the rows naming that enterprise, wherever they are
        if scope.enterprise is None:
            return NOTHING
        return _any(scope.enterprise, "", grant.enterprise_id)
    paths = (scope.region,) if isinstance(scope.region, str) else scope.region
    q = NOTHING
    for path in paths:
        q |= prefix_range(path, grant.region_id)
    industries = grant.industry_codes()
    if industries is not None and scope.industry is not None:
        q &= Q(**{f"{scope.industry}__in": industries})
    return q


def allowing_grants(user, model_label: str, action: str) -> list:
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    grants = [g for g in user.active_grants() if role_allows(g.role, model_label, action)]
    if action in PROVINCE_ONLY_ACTIONS:
        grants = [g for g in grants if g.region.parent_id is None]
    return grants


def scope_filter(user, model, action: str) -> Q:
    """A ``Q`` matching the rows of ``model`` that ``user`` may ``action``; matches none if no grant."""
    grants = allowing_grants(user, model._meta.label_lower, action)
    if not grants:
        return NOTHING
    q = NOTHING
    for grant in grants:
        q |= _grant_q(grant, model.scope)
    return q


def can(user, model, action: str, obj=None) -> bool:
    """Whether ``user`` may ``action`` on ``model`` at all, or on ``obj`` when given."""
    if obj is None:
        return bool(allowing_grants(user, model._meta.label_lower, action))
    return model._default_manager.visible_to(user, action).filter(pk=obj.pk).exists()


def has_any_grant(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.active_grants())


def covers(
    user, model, action: str, *, region_code: str, industry=None, enterprise_id=None
) -> bool:
    """Whether some grant lets ``user`` ``action`` a (possibly unsaved) row of ``model`` with these
    scope keys: for creating rows, where there is no saved object to ask ``visible_to`` about."""
    for grant in allowing_grants(user, model._meta.label_lower, action):
        if grant.enterprise_id:
            if enterprise_id is not None and grant.enterprise_id == enterprise_id:
                return True
            continue
        if not region_code.startswith(grant.region_id):
            continue
        codes = grant.industry_codes()
        if codes is None or industry is None or model.scope.industry is None:
            return True
        if not isinstance(codes, list):
            codes = [row["code"] for row in codes]
        if industry in codes:
            return True
    return False
