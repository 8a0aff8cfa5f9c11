"""Reads across models for the criteria area (WL-03, WL-04, WL-11): the draft preview, the
public pages' published data, and the facts panel of one enterprise."""

from django.db.models import Exists, OuterRef, Prefetch, Q

from sibao.enterprises.facts import CATALOGUE
from sibao.enterprises.models import (
    CriteriaSet,
    CriteriaStatus,
    Criterion,
    Enterprise,
    EnterpriseFact,
    FactSource,
    ServiceTier,
    WhitelistBatch,
)
from sibao.enterprises.models.whitelist import TIER_ORDER

PUBLIC_STATUSES = (CriteriaStatus.PUBLISHED, CriteriaStatus.SUPERSEDED)


def tiers_of(criteria) -> list[str]:
    """The tiers a set can grant: the ones its criteria name, or all when none is named (as
    ``actions.evaluate`` reads it)."""
    named = {c.tier for c in criteria if c.tier}
    return [t for t in TIER_ORDER if not named or t in named]


def preview(criteria_set, user) -> dict:
    """WL-03: how many enterprises in the department's region and industry — those the user may
    see — would meet each tier now.

    ``met``: every criterion of the tier has a rule, none needs a reviewer, every rule is true,
    and none of the attributes read is currently only self-declared (so it would be admitted
    automatically). ``possibly``: no rule is false, but something is unknown, declared or left to
    a reviewer. ``not_met``: some rule the data decides is false.
    """
    criteria = list(criteria_set.criteria.all())
    units = (
        Enterprise.objects.visible_to(user, "view")
        .active()
        .filter(region__code__startswith=criteria_set.region_code)
        .filter(industry_id=criteria_set.industry_id)
    )
    total = units.count()
    rows = []
    for tier in tiers_of(criteria):
        relevant = [c for c in criteria if c.tier in ("", tier)]
        decided = [c for c in relevant if c.expression is not None and not c.needs_review]
        not_failing = Q()
        for c in decided:
            not_failing &= ~CATALOGUE.compile_q(c.expression, negate=True)
        possible = units.filter(not_failing).count()
        met = 0
        if len(decided) == len(relevant):
            all_true = Q()
            keys = set()
            for c in decided:
                all_true &= CATALOGUE.compile_q(c.expression)
                keys |= CATALOGUE.keys(c.expression)
            declared = EnterpriseFact.objects.filter(
                enterprise=OuterRef("pk"),
                key__in=sorted(keys),
                is_current=True,
                source=FactSource.SELF_DECLARED,
            )
            met = units.filter(all_true).exclude(Exists(declared)).count()
        rows.append(
            {
                "tier": tier,
                "label": ServiceTier(tier).label,
                "met": met,
                "possibly": possible - met,
                "not_met": total - possible,
                "reviewed": len(relevant) - len(decided),
            }
        )
    return {"total": total, "tiers": rows}


def described(criteria) -> list[dict]:
    """Criteria with their rule in words, for pages and the public view."""
    return [
        {
            "criterion": c,
            "rule": CATALOGUE.describe(c.expression) if c.expression is not None else "",
        }
        for c in criteria
    ]


def published_criteria_sets():
    """WL-03: every department's published version, per industry, with what the public page
    shows. Drafts are never here; superseded versions are reached only by their own page."""
    return (
        CriteriaSet.objects.filter(status=CriteriaStatus.PUBLISHED)
        .select_related("industry", "department__region")
        .prefetch_related(
            Prefetch("criteria", queryset=Criterion.objects.order_by("order", "id")),
            "checklist",
        )
        .order_by("industry__sort_order", "region_code", "department__name")
    )


def public_criteria_set(pk) -> CriteriaSet:
    """One published (or since superseded) version; drafts answer 404 like a missing one."""
    return (
        CriteriaSet.objects.filter(status__in=PUBLIC_STATUSES)
        .select_related("industry", "department__region")
        .prefetch_related("criteria", "checklist")
        .get(pk=pk)
    )


def published_batches():
    """WL-05: the published batches, newest first. Changes not yet in a batch never show."""
    return WhitelistBatch.objects.select_related("region", "industry").order_by(
        "-published_at", "-id"
    )


def batch_changes(batch):
    return batch.changes.select_related("enterprise__region", "industry").order_by(
        "enterprise__region_id", "enterprise__name", "id"
    )


def current_facts(enterprise) -> list[dict]:
    """The facts panel: every catalogue attribute with its current value, source and date; the
    registry columns first, then the sourced facts (unknown ones included, so that a unit sees
    what it may still declare)."""
    facts = {f.key: f for f in enterprise.facts.filter(is_current=True)}
    rows = []
    for attribute in CATALOGUE:
        if attribute.column:
            value = getattr(enterprise, attribute.column)
            rows.append(
                {
                    "attribute": attribute,
                    "value": attribute.show(value if value != "" else None),
                    "known": value not in (None, ""),
                    "source": FactSource.REGISTRY.label,
                    "authoritative": True,
                    "as_of": None,
                }
            )
            continue
        fact = facts.get(attribute.key)
        rows.append(
            {
                "attribute": attribute,
                "value": attribute.show(fact.value if fact else None),
                "known": fact is not None,
                "source": fact.get_source_display() if fact else "",
                "authoritative": fact.is_authoritative if fact else False,
                "as_of": fact.as_of if fact else None,
            }
        )
    return rows
