"""Reads of the matching area (POL-02, POL-04): the "政策找企" lists of one policy (eligible,
possibly, not) in the user's scope, the stored explanations in words, an enterprise's
self-check, and the export rows.

Matches are read through ``PolicyMatch.objects.visible_to``; the enterprises that do not match
through ``Enterprise.objects.visible_to``, so an official only ever sees their jurisdiction.
"""

import io

from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _

from sibao.accounts.access import prefix_range
from sibao.enterprises.facts import CATALOGUE, SOURCE_LABELS
from sibao.enterprises.models import Enterprise
from sibao.policies import matching
from sibao.policies.models import MatchResult, PolicyMatch
from sibao.policies.queries_catalogue import readable_policies

TABS = ("eligible", "possible", "not")


def unit_only(user) -> bool:
    """Every grant of the user is an enterprise's own (an enterprise admin)."""
    grants = user.active_grants()
    return bool(grants) and all(g.enterprise_id for g in grants)


def own_units(user) -> list:
    """The enterprises ``user`` acts for (its enterprise-scoped grants), active ones only."""
    ids = [g.enterprise_id for g in user.active_grants() if g.enterprise_id]
    return list(Enterprise.objects.active().filter(pk__in=ids).select_related("region"))


def policy_for(user, pk):
    """A policy the user may read, else 404."""
    policy = readable_policies(user).select_related("department").filter(pk=pk).first()
    if policy is None:
        raise Http404
    return policy


def readable_policies_for_api(user, pk):
    """``policy_for`` for the API (a 404 there is DRF's ``NotFound``)."""
    from rest_framework.exceptions import NotFound

    try:
        return policy_for(user, pk)
    except Http404:
        raise NotFound from None


def active_readable(user):
    """The active policies ``user`` reads, with their department."""
    return (
        readable_policies(user)
        .filter(pk__in=matching.active_policies().values("pk"))
        .select_related("department")
        .order_by("category", "title", "id")
    )


def scope_units(user, policy):
    """The enterprises of the policy's region the user may see (active records)."""
    units = Enterprise.objects.visible_to(user, "view").active()
    if policy.region_code:
        units = units.filter(prefix_range("region", policy.region_code))
    return units


def visible_matches(user, policy, action: str = "view"):
    return PolicyMatch.objects.visible_to(user, action).filter(policy=policy)


def filter_units(queryset, data: dict, *, matches: bool = False):
    """The same filters (region, industry, name or credit code) for matches and enterprises."""
    region_path = "region_code" if matches else "region"
    prefix = "enterprise__" if matches else ""
    region = data.get("region")
    if region:
        queryset = queryset.filter(prefix_range(region_path, region))
    if data.get("industry"):
        queryset = queryset.filter(industry_id=data["industry"].code)
    q = (data.get("q") or "").strip()
    if q:
        queryset = queryset.filter(
            Q(**{f"{prefix}name__icontains": q}) | Q(**{f"{prefix}credit_code__icontains": q})
        )
    return queryset


def tab_counts(user, policy, data: dict) -> dict:
    """How many enterprises of the user's scope (filtered) are eligible, possibly, not."""
    matches = filter_units(visible_matches(user, policy), data, matches=True)
    by_result = dict(
        matches.values_list("result").annotate(n=Count("id")).values_list("result", "n")
    )
    total = filter_units(scope_units(user, policy), data).count()
    eligible = by_result.get(MatchResult.ELIGIBLE, 0)
    possible = by_result.get(MatchResult.POSSIBLE, 0)
    return {
        "eligible": eligible,
        "possible": possible,
        "not": max(total - eligible - possible, 0),
        "total": total,
        "kept": by_result.get(MatchResult.INELIGIBLE, 0),
    }


def tab_matches(user, policy, tab: str, data: dict, action: str = "view"):
    result = MatchResult.ELIGIBLE if tab == "eligible" else MatchResult.POSSIBLE
    return (
        filter_units(visible_matches(user, policy, action), data, matches=True)
        .filter(result=result)
        .select_related("enterprise", "enterprise__region", "enterprise__industry")
        .order_by("enterprise__region_id", "enterprise__name", "id")
    )


def not_matching(user, policy, data: dict):
    """The enterprises in scope with no eligible or possible row."""
    matched = PolicyMatch.objects.filter(
        policy=policy, result__in=[MatchResult.ELIGIBLE, MatchResult.POSSIBLE]
    ).values("enterprise_id")
    return (
        filter_units(scope_units(user, policy), data)
        .exclude(pk__in=matched)
        .select_related("region", "industry")
        .order_by("region_id", "name", "id")
    )


# --- explanations in words -----------------------------------------------------------------------


def _shown(key, value) -> str:
    if key not in CATALOGUE:
        return str(value)
    attribute = CATALOGUE[key]
    try:
        return attribute.show(value)
    except (ArithmeticError, ValueError, TypeError):
        return str(value)


def stored_explanation(match, conditions: dict) -> list[dict]:
    """A match's stored explanation in words: per condition its title, clause, outcome and the
    facts it read with their source and date. ``conditions``: id -> PolicyCondition."""
    entries = []
    for entry in match.explanation or []:
        condition = conditions.get(entry.get("condition"))
        facts = []
        for f in entry.get("facts", []):
            key = f.get("key")
            known = f.get("value") is not None
            facts.append(
                {
                    "key": key,
                    "label": str(CATALOGUE[key].label) if key in CATALOGUE else key,
                    "shown": _shown(key, f.get("value")) if known else _("未知"),
                    "known": known,
                    "source_label": str(SOURCE_LABELS.get(f.get("source"), f.get("source")))
                    if known
                    else "",
                    "authoritative": f.get("source") != "self_declared",
                    "as_of": f.get("as_of", ""),
                }
            )
        result = entry.get("result")
        entries.append(
            {
                "title": condition.title if condition else _("（条件已删除）"),
                "clause": condition.clause if condition else "",
                "rule": CATALOGUE.describe(condition.expression) if condition else "",
                "result": result,
                "outcome": matching.outcome_label(result),
                "facts": facts,
            }
        )
    return entries


def missing_labels(keys) -> list[dict]:
    return [
        {
            "key": k,
            "label": str(CATALOGUE[k].label) if k in CATALOGUE else k,
            "declarable": k in CATALOGUE and not CATALOGUE[k].column,
        }
        for k in keys
    ]


def conditions_of(policy) -> dict:
    return {c.pk: c for c in policy.conditions.all()}


# --- the self-check ------------------------------------------------------------------------------


def self_check(enterprise, user) -> dict:
    """Every active policy that applies where the enterprise is registered (and that the user
    reads), interpreted over its current facts: eligible, possibly (with what to supply), not
    (with the failing conditions). Rows already in uptake are linked."""
    policies = [
        p
        for p in active_readable(user).prefetch_related("conditions")
        if enterprise.region_id.startswith(p.region_code)
    ]
    answers = matching.explain_all(enterprise, policies)
    rows = {
        m.policy_id: m
        for m in PolicyMatch.objects.filter(enterprise=enterprise, policy__in=policies)
    }
    groups = {"eligible": [], "possible": [], "ineligible": []}
    for answer in answers:
        answer["match"] = rows.get(answer["policy"])
        groups[answer["result"]].append(answer)
    return groups


# --- export --------------------------------------------------------------------------------------


def export_header(tab: str) -> list[str]:
    header = [
        _("统一社会信用代码"),
        _("企业名称"),
        _("区划代码"),
        _("所在区划"),
        _("行业领域"),
        _("匹配结果"),
    ]
    if tab == "possible":
        header.append(_("待补充信息"))
    return header + [_("兑现进度"), _("匹配时间")]


def export_rows(matches, tab: str):
    from django.utils import timezone

    for m in matches.iterator(chunk_size=2000):
        row = [
            m.enterprise.credit_code,
            m.enterprise.name,
            m.enterprise.region_id,
            m.enterprise.region.name,
            m.enterprise.industry.name,
            m.get_result_display(),
        ]
        if tab == "possible":
            row.append("、".join(str(x["label"]) for x in missing_labels(m.missing)))
        row += [
            m.get_uptake_display(),
            timezone.localtime(m.matched_at).strftime("%Y-%m-%d %H:%M"),
        ]
        yield row


def export_xlsx(policy, tab: str, matches) -> tuple[bytes, int]:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("政策找企"))
    sheet.append([policy.title])
    sheet.append(export_header(tab))
    count = 0
    for row in export_rows(matches, tab):
        sheet.append(row)
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count
