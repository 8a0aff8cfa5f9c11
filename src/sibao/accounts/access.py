"""Turning a user's grants into a query filter and a yes/no, for one model and one action."""

from django.db.models import Q

from sibao.accounts.roles import PROVINCE_ONLY_ACTIONS, role_allows

NOTHING = Q(pk__in=[])


def _grant_q(grant, scope) -> Q:
    q = Q(**{f"{scope.region}__startswith": grant.region_id})
    if grant.enterprise_id:
        if scope.enterprise is None:
            return NOTHING
        q &= Q(**{scope.enterprise: grant.enterprise_id})
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
