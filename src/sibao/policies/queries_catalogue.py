"""Reads of the catalogue area (POL-01, POL-05): which policies a user may read, a policy's
conditions in words, its versions, and the preview of how many enterprises a draft would reach.

Reading policies: ``Policy.objects.visible_to(user, "view")`` gives the policies of the user's
own jurisdiction and below (drafts included, for the departments that write them). A policy of a
higher level applies in the user's region too, so officials also read the published (and past)
versions of the province's and their city's policies, and an enterprise reads the published
policies that apply where it is registered, plus any version it has a match with.
"""

from django.db.models import Count, Exists, OuterRef, Q

from sibao.accounts.access import allowing_grants, scope_filter
from sibao.enterprises.facts import CATALOGUE
from sibao.policies.models import MatchResult, Policy, PolicyMatch, PolicyStatus

PUBLIC_STATUSES = (PolicyStatus.PUBLISHED, PolicyStatus.SUPERSEDED, PolicyStatus.WITHDRAWN)


def region_prefixes(code: str) -> list[str]:
    """The codes of a region and its ancestors (``410102`` -> ``41``, ``4101``, ``410102``):
    the ``region_code`` values of the policies that apply there."""
    return [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]


def readable_q(user) -> Q:
    """A ``Q`` over ``Policy`` for the versions ``user`` may read (see the module docstring)."""
    q = scope_filter(user, Policy, "view")
    for grant in allowing_grants(user, Policy._meta.label_lower, "view"):
        if grant.enterprise_id:
            prefixes = region_prefixes(grant.enterprise.region_id)
            q |= Q(status=PolicyStatus.PUBLISHED, region_code__in=prefixes)
            q |= Q(
                Exists(
                    PolicyMatch.objects.filter(
                        policy=OuterRef("pk"), enterprise_id=grant.enterprise_id
                    )
                )
            )
        else:
            q |= Q(status__in=PUBLIC_STATUSES, region_code__in=region_prefixes(grant.region_id))
    return q


def readable_policies(user):
    """The policy versions ``user`` may read; none for a user without a policies grant."""
    if not allowing_grants(user, Policy._meta.label_lower, "view"):
        return Policy.objects.none()
    return Policy.objects.filter(readable_q(user))


def is_active_q(today) -> Q:
    """The contract's active policy: published and within its validity on ``today``."""
    return Q(status=PolicyStatus.PUBLISHED, valid_from__lte=today) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )


def catalogue_rows(user):
    """The list's rows: readable versions with their department and condition count."""
    return (
        readable_policies(user)
        .select_related("department", "department__region")
        .annotate(condition_count=Count("conditions", distinct=True))
    )


def described_conditions(policy) -> list[dict]:
    """Each condition with its rule in plain Chinese (``CATALOGUE.describe``)."""
    rows = []
    for condition in policy.conditions.all():
        try:
            text = CATALOGUE.describe(condition.expression)
        except (KeyError, ValueError, TypeError, AttributeError):
            text = ""
        rows.append({"condition": condition, "rule": text})
    return rows


def versions(policy, user):
    """Every version of the policy's series the user may read, newest first."""
    return (
        readable_policies(user)
        .filter(series=policy.series)
        .select_related("department")
        .order_by("-version")
    )


def match_counts(policy) -> dict:
    """How many enterprises the matching area found eligible / possibly eligible for this
    version (the ``PolicyMatch`` rows), and how many of the eligible have received it."""
    rows = PolicyMatch.objects.filter(policy=policy).values("result").annotate(n=Count("pk"))
    counts = {r["result"]: r["n"] for r in rows}
    return {
        "eligible": counts.get(MatchResult.ELIGIBLE, 0),
        "possible": counts.get(MatchResult.POSSIBLE, 0),
        "matched": bool(counts),
    }


def preview(policy) -> dict:
    """POL-01: how many enterprises in the policy's region would be eligible, possibly eligible
    (nothing false, something unknown) or not eligible if the conditions were published now —
    compiled queries, one count per outcome and per condition, nothing evaluated row by row.

    The figures are counts over the whole region (not a list of enterprises): a department
    issues policies for every enterprise of its region, whatever part of the registry its own
    grant lets it browse. Self-declared facts count, as in matching (the contract); the queries
    are the matching area's own (``MATCH_CATALOGUE``, ``enterprises_in_scope``), so the preview
    shows what publishing will find."""
    from sibao.policies.matching import MATCH_CATALOGUE, enterprises_in_scope

    conditions = list(policy.conditions.all())
    units = enterprises_in_scope(policy)
    total = units.count()
    if not conditions:
        return {"total": total, "eligible": 0, "possible": 0, "ineligible": 0, "conditions": []}
    all_true = Q()
    none_false = Q()
    rows = []
    for condition in conditions:
        true_q = MATCH_CATALOGUE.compile_q(condition.expression)
        false_q = MATCH_CATALOGUE.compile_q(condition.expression, negate=True)
        all_true &= true_q
        none_false &= ~false_q
        met = units.filter(true_q).count()
        failed = units.filter(false_q).count()
        rows.append(
            {
                "condition": condition,
                "rule": CATALOGUE.describe(condition.expression),
                "met": met,
                "failed": failed,
                "unknown": total - met - failed,
            }
        )
    eligible = units.filter(all_true).count()
    not_failing = units.filter(none_false).count()
    return {
        "total": total,
        "eligible": eligible,
        "possible": not_failing - eligible,
        "ineligible": total - not_failing,
        "conditions": rows,
    }
