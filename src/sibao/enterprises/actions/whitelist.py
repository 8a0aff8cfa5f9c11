"""The whitelist lifecycle (WL-04 … WL-06, WL-08, WL-10): applications evaluated against the
published criteria, automatic admission when every criterion is met by authoritative facts
(达标即入), department review otherwise, admission, removal, tiers, batches and the fuse."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import can, covers
from sibao.accounts.roles import Role
from sibao.core import audit, rules
from sibao.core.i18n import stored as _stored
from sibao.core.notifications import notify
from sibao.enterprises.facts import CATALOGUE, facts_for
from sibao.enterprises.models import (
    ApplicationStatus,
    CriteriaSet,
    CriteriaStatus,
    Enterprise,
    InclusionProposal,
    ServiceTier,
    SupplyLink,
    WhitelistApplication,
    WhitelistBatch,
    WhitelistChange,
    WhitelistChangeKind,
    WhitelistEntry,
    WhitelistStatus,
)
from sibao.enterprises.models.whitelist import TIER_ORDER

__all__ = [
    "add_unit",
    "admit_unit",
    "evaluate",
    "fuse_unit",
    "propose_linked_units",
    "publish_batch",
    "published_criteria_for",
    "remove_unit",
    "resubmit_application",
    "review_application",
    "review_queue",
    "set_service_tier",
    "submit_application",
    "withdraw_application",
]

MET, NOT_MET, UNDETERMINED = "met", "not_met", "undetermined"


# --- evaluation (pure over the facts it reads) ---------------------------------------------------


def published_criteria_for(enterprise) -> CriteriaSet | None:
    """The published criteria of the enterprise's industry from the most local department whose
    region contains the enterprise (a city's own standards over the province's)."""
    candidates = CriteriaSet.objects.filter(
        industry_id=enterprise.industry_id, status=CriteriaStatus.PUBLISHED
    ).order_by("-published_at")
    best = None
    for criteria_set in candidates:
        if enterprise.region_id.startswith(criteria_set.region_code):
            if best is None or len(criteria_set.region_code) > len(best.region_code):
                best = criteria_set
    return best


def evaluate(enterprise, criteria_set) -> dict:
    """Every criterion of ``criteria_set`` over ``enterprise``'s facts, and per tier whether the
    unit is admissible automatically (met), certainly not (not_met), or needs a reviewer.

    A criterion counts as met automatically only if its tree is true and every condition that
    decided it rests on an authoritative source; criteria without a tree need a reviewer.
    """
    facts = facts_for(enterprise)
    results = []
    for criterion in criteria_set.criteria.all():
        entry = {
            "id": criterion.pk,
            "code": criterion.code,
            "title": criterion.title,
            "tier": criterion.tier,
            "clause": criterion.clause,
            "needs_review": criterion.needs_review or criterion.expression is None,
            "rule": "",
            "result": None,
            "authoritative": False,
            "steps": [],
        }
        if criterion.expression is not None:
            outcome = CATALOGUE.evaluate(criterion.expression, facts)
            entry["rule"] = CATALOGUE.describe(criterion.expression)
            entry["result"] = outcome.result
            entry["authoritative"] = outcome.authoritative
            entry["steps"] = [step.as_dict() for step in outcome.steps]
        results.append(entry)

    tiered = {r["tier"] for r in results if r["tier"]}
    tiers = {}
    for tier in TIER_ORDER:
        if tiered and tier not in tiered:
            continue  # the set names tiers, and not this one: it cannot be granted by criteria
        relevant = [r for r in results if r["tier"] in ("", tier)]
        tiers[tier] = _tier_status(relevant)
    qualified = next((t for t in TIER_ORDER if tiers.get(t) == MET), "")
    if not tiered and qualified:
        qualified = ServiceTier.COUNTY  # a set without tiers: served locally unless decided
    return {
        "criteria_set": criteria_set.pk,
        "criteria_version": criteria_set.version,
        "evaluated_at": timezone.now().isoformat(),
        "criteria": results,
        "tiers": tiers,
        "qualified_tier": qualified,
    }


def _tier_status(relevant) -> str:
    if any(r["result"] is False and not r["needs_review"] for r in relevant):
        return NOT_MET
    automatic = all(
        r["result"] is True and r["authoritative"] and not r["needs_review"] for r in relevant
    )
    return MET if automatic else UNDETERMINED


# --- applications ------------------------------------------------------------------------------


def _check_visible(actor, model, action, obj):
    # actor None: the platform itself (commands, the demo seed, scheduled tasks)
    if actor is not None and not can(actor, model, action, obj=obj):
        raise PermissionDenied(_("您无权对该单位执行此操作。"))


@transaction.atomic
def submit_application(
    enterprise, *, actor, requested_tier: str = "", statement: str = ""
) -> WhitelistApplication:
    """WL-04: apply for the whitelist. The criteria are evaluated at once; met by authoritative
    facts ⇒ admitted automatically (达标即入), otherwise the application waits for review."""
    _check_visible(actor, Enterprise, "view", enterprise)
    if actor is not None and not covers(
        actor,
        WhitelistApplication,
        "apply",
        region_code=enterprise.region_id,
        industry=enterprise.industry_id,
        enterprise_id=enterprise.pk,
    ):
        raise PermissionDenied(_("您的角色不能为该单位申报白名单。"))
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.merged_into_id:
        raise ValidationError(_("该记录已合并，请以保留的记录申报。"))
    if requested_tier and requested_tier not in ServiceTier.values:
        raise ValidationError({"requested_tier": _("申请层级无效。")})
    entry = WhitelistEntry.objects.filter(enterprise=enterprise).first()
    if entry is not None and entry.is_listed:
        raise ValidationError(_("该单位已在白名单内，无需重复申报。"))
    if enterprise.applications.filter(
        status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED]
    ).exists():
        raise ValidationError(_("该单位已有一份在办的申报，请先处理该申报。"))
    criteria_set = published_criteria_for(enterprise)
    if criteria_set is None:
        raise ValidationError(_("该行业尚未发布白名单入选标准，暂不能申报。"))
    ruleset = rules.current()
    application = WhitelistApplication.objects.create(
        enterprise=enterprise,
        criteria_set=criteria_set,
        requested_tier=requested_tier,
        statement=statement.strip(),
        evaluation={},
        submitted_at=timezone.now(),
        submitted_by=actor,
        region_code=enterprise.region_id,
        industry_id=enterprise.industry_id,
        is_city_operation=enterprise.is_city_operation,
        rule_version=ruleset.version,
    )
    audit.record("whitelist.apply", actor=actor, obj=application, rule_version=ruleset.version)
    _evaluate_and_maybe_admit(application, actor=actor)
    return application


def _evaluate_and_maybe_admit(application, *, actor):
    evaluation = evaluate(application.enterprise, application.criteria_set)
    application.evaluation = evaluation
    application.qualified_tier = evaluation["qualified_tier"]
    application.save(update_fields=["evaluation", "qualified_tier"])
    qualified = evaluation["qualified_tier"]
    requested = application.requested_tier
    if qualified and (not requested or TIER_ORDER.index(requested) >= TIER_ORDER.index(qualified)):
        application.granted_tier = qualified
        application.decided_at = timezone.now()
        application.decision_reason = _stored(
            "各项入选条件均由权威数据核验达标，自动纳入（达标即入）。"
        )
        application.workflow.apply(
            application,
            "auto_admit",
            actor=None,
            note=application.decision_reason,
            extra_fields=["granted_tier", "decided_at", "decision_reason"],
        )
        audit.record(
            "whitelist.auto_admit",
            obj=application,
            changes={"status": ["submitted", "auto_admitted"]},
            note=application.decision_reason,
            rule_version=application.rule_version,
        )
        admit_unit(
            application.enterprise,
            tier=qualified,
            actor=None,
            reason=application.decision_reason,
            application=application,
        )


@transaction.atomic
def review_application(
    application,
    *,
    actor,
    decision: str,
    reason: str,
    tier: str = "",
    criterion_reviews: dict | None = None,
) -> WhitelistApplication:
    """WL-04: a department reviewer approves, refuses or returns an application, with reasons;
    ``criterion_reviews`` maps a criterion code to ``{"met": bool, "reason": str}`` for the
    criteria the data could not settle."""
    _check_visible(actor, WhitelistApplication, "review", application)
    application = WhitelistApplication.objects.select_for_update().get(pk=application.pk)
    reason = (reason or "").strip()
    if decision not in ("approve", "refuse", "return"):
        raise ValidationError({"decision": _("审核结论无效。")})
    if not reason:
        raise ValidationError({"reason": _("请填写审核意见。")})
    reviews = {}
    known = {c["code"]: c for c in application.evaluation.get("criteria", [])}
    for code, item in (criterion_reviews or {}).items():
        if code not in known:
            raise ValidationError(
                {"criterion_reviews": _("未知的条件编号：%(code)s") % {"code": code}}
            )
        if not (item.get("reason") or "").strip():
            raise ValidationError(
                {"criterion_reviews": _("条件 %(code)s 须填写审核理由。") % {"code": code}}
            )
        reviews[code] = {
            "met": bool(item.get("met")),
            "reason": item["reason"].strip(),
            "by": str(actor) if actor is not None else _stored("平台"),
            "at": timezone.now().isoformat(),
        }
    if decision == "approve":
        if tier not in ServiceTier.values:
            raise ValidationError({"tier": _("请核定服务层级。")})
        unsettled = [
            c["code"]
            for c in known.values()
            if c["tier"] in ("", tier)
            and not (c["result"] is True and c["authoritative"] and not c["needs_review"])
            and not reviews.get(c["code"], {}).get("met")
        ]
        if unsettled:
            raise ValidationError(
                {
                    "criterion_reviews": _("以下条件未经数据核验，须逐项审核确认满足：%(codes)s")
                    % {"codes": "、".join(unsettled)}
                }
            )
    application.review = {**application.review, **reviews}
    application.decision_reason = reason
    application.decided_by = actor
    application.decided_at = timezone.now()
    fields = ["review", "decision_reason", "decided_by", "decided_at"]
    if decision == "approve":
        application.granted_tier = tier
        fields.append("granted_tier")
    application.workflow.apply(application, decision, actor=actor, note=reason, extra_fields=fields)
    audit.record(
        f"whitelist.{decision}",
        actor=actor,
        obj=application,
        changes={"review": reviews, "tier": tier},
        note=reason,
        rule_version=application.rule_version,
    )
    if decision == "approve":
        admit_unit(
            application.enterprise, tier=tier, actor=actor, reason=reason, application=application
        )
    titles = {
        "approve": _stored("白名单申报已通过"),
        "refuse": _stored("白名单申报未通过"),
        "return": _stored("白名单申报被退回，请补充材料"),
    }
    _notify_unit(application.enterprise, titles[decision], reason, _application_url(application))
    return application


@transaction.atomic
def resubmit_application(application, *, actor, statement: str = "") -> WhitelistApplication:
    """A returned application comes back with more information and is evaluated again."""
    _check_visible(actor, WhitelistApplication, "apply", application)
    application = WhitelistApplication.objects.select_for_update().get(pk=application.pk)
    if statement.strip():
        application.statement = statement.strip()
    application.submitted_at = timezone.now()
    application.workflow.apply(
        application,
        "resubmit",
        actor=actor,
        note=statement,
        extra_fields=["statement", "submitted_at"],
    )
    audit.record("whitelist.resubmit", actor=actor, obj=application)
    _evaluate_and_maybe_admit(application, actor=actor)
    return application


@transaction.atomic
def withdraw_application(application, *, actor, reason: str = "") -> WhitelistApplication:
    _check_visible(actor, WhitelistApplication, "apply", application)
    application = WhitelistApplication.objects.select_for_update().get(pk=application.pk)
    application.workflow.apply(application, "withdraw", actor=actor, note=reason)
    audit.record("whitelist.withdraw", actor=actor, obj=application, note=reason)
    return application


def review_queue(user):
    """Open applications the user may review: city-operation-guarantee units first, then the
    oldest (WL-04)."""
    return (
        WhitelistApplication.objects.visible_to(user, "review")
        .filter(status=ApplicationStatus.SUBMITTED)
        .order_by("-is_city_operation", "submitted_at")
    )


# --- the list itself ---------------------------------------------------------------------------


def admit_unit(enterprise, *, tier, actor, reason, application=None) -> WhitelistEntry:
    """Put a unit on the whitelist (or back on it). Called by the application decisions above and
    by ``add_unit``; its permission is theirs."""
    now = timezone.now()
    entry = WhitelistEntry.objects.select_for_update().filter(enterprise=enterprise).first()
    if entry is None:
        entry = WhitelistEntry.objects.create(
            enterprise=enterprise,
            tier=tier,
            listed_at=now,
            application=application,
            region_code=enterprise.region_id,
            industry_id=enterprise.industry_id,
        )
    elif entry.is_listed:
        raise ValidationError(_("该单位已在白名单内。"))
    else:
        entry.status = WhitelistStatus.LISTED
        entry.tier = tier
        entry.listed_at = now
        entry.removed_at = None
        entry.application = application
        entry.save(update_fields=["status", "tier", "listed_at", "removed_at", "application"])
    _change(entry, WhitelistChangeKind.ADDED, tier=tier, reason=reason, actor=actor, at=now)
    audit.record(
        "whitelist.admit", actor=actor, obj=entry, changes={"tier": [None, tier]}, note=reason
    )
    transaction.on_commit(lambda: propose_linked_units(entry.enterprise_id))
    return entry


def _change(entry, kind, *, reason, actor, at, tier=""):
    return WhitelistChange.objects.create(
        entry=entry,
        kind=kind,
        tier=tier or entry.tier,
        reason=reason,
        at=at,
        actor=actor if actor is not None and actor.is_authenticated else None,
        region_code=entry.region_code,
        industry_id=entry.industry_id,
        enterprise_id=entry.enterprise_id,
    )


def _check_adjust(actor, enterprise, action="adjust"):
    if actor is not None and not covers(
        actor,
        WhitelistEntry,
        action,
        region_code=enterprise.region_id,
        industry=enterprise.industry_id,
        enterprise_id=enterprise.pk,
    ):
        raise PermissionDenied(_("您无权调整该单位的白名单状态。"))


@transaction.atomic
def add_unit(enterprise, *, actor, tier: str, reason: str) -> WhitelistEntry:
    """WL-05: dynamic adjustment between batches — the department adds a unit directly."""
    _check_visible(actor, Enterprise, "view", enterprise)
    _check_adjust(actor, enterprise)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写纳入理由。")})
    if tier not in ServiceTier.values:
        raise ValidationError({"tier": _("请选择服务层级。")})
    if enterprise.merged_into_id:
        raise ValidationError(_("该记录已合并，请操作保留的记录。"))
    return admit_unit(enterprise, tier=tier, actor=actor, reason=reason.strip())


@transaction.atomic
def remove_unit(entry, *, actor, reason: str, kind=WhitelistChangeKind.REMOVED) -> WhitelistEntry:
    """WL-05: dynamic adjustment — the department removes a unit, with the reason."""
    _check_adjust(
        actor, entry.enterprise, "fuse" if kind == WhitelistChangeKind.FUSED else "adjust"
    )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写移出理由。")})
    entry = WhitelistEntry.objects.select_for_update().get(pk=entry.pk)
    if not entry.is_listed:
        raise ValidationError(_("该单位已不在白名单内。"))
    now = timezone.now()
    entry.status = WhitelistStatus.REMOVED
    entry.removed_at = now
    entry.save(update_fields=["status", "removed_at"])
    _change(entry, kind, reason=reason.strip(), actor=actor, at=now)
    audit.record(
        "whitelist.fuse" if kind == WhitelistChangeKind.FUSED else "whitelist.remove",
        actor=actor,
        obj=entry,
        changes={"status": [WhitelistStatus.LISTED, WhitelistStatus.REMOVED]},
        note=reason.strip(),
    )
    return entry


@transaction.atomic
def set_service_tier(entry, *, actor, tier: str, reason: str) -> WhitelistEntry:
    """WL-06: the department sets the level that serves the unit."""
    _check_adjust(actor, entry.enterprise)
    if tier not in ServiceTier.values:
        raise ValidationError({"tier": _("请选择服务层级。")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写调整理由。")})
    entry = WhitelistEntry.objects.select_for_update().get(pk=entry.pk)
    if not entry.is_listed:
        raise ValidationError(_("该单位已不在白名单内。"))
    if entry.tier == tier:
        raise ValidationError({"tier": _("服务层级未变化。")})
    before = entry.tier
    entry.tier = tier
    entry.save(update_fields=["tier"])
    _change(
        entry,
        WhitelistChangeKind.TIER_CHANGED,
        reason=reason.strip(),
        actor=actor,
        at=timezone.now(),
    )
    audit.record(
        "whitelist.tier", actor=actor, obj=entry, changes={"tier": [before, tier]}, note=reason
    )
    return entry


@transaction.atomic
def fuse_unit(entry, *, actor, evidence: str, decision: str, spot_check=None) -> WhitelistEntry:
    """WL-10: remove a unit whose failures caused import or spread of infection (熔断), with the
    evidence and the decision recorded, and tell the unit."""
    if not (evidence or "").strip():
        raise ValidationError({"evidence": _("请填写熔断依据（流调结论、抽查记录等）。")})
    if not (decision or "").strip():
        raise ValidationError({"decision": _("请填写熔断决定。")})
    if spot_check is not None and spot_check.enterprise_id != entry.enterprise_id:
        raise ValidationError({"spot_check": _("抽查记录不属于该单位。")})
    reason = _stored("熔断依据：%(evidence)s；决定：%(decision)s") % {
        "evidence": evidence.strip(),
        "decision": decision.strip(),
    }
    if spot_check is not None:
        reason += _stored("（抽查记录 #%(id)s）") % {"id": spot_check.pk}
    entry = remove_unit(entry, actor=actor, reason=reason, kind=WhitelistChangeKind.FUSED)
    _notify_unit(
        entry.enterprise,
        _stored("贵单位已被熔断移出白名单"),
        reason,
        reverse("enterprises:enterprise_detail", args=[entry.enterprise_id]),
    )
    return entry


@transaction.atomic
def publish_batch(region, industry, *, actor, title: str = "", note: str = "") -> WhitelistBatch:
    """WL-05: publish the changes of the department's region and industry since the last batch
    as the next numbered batch; the public page shows it at once."""
    if actor is not None and not covers(
        actor, WhitelistBatch, "publish", region_code=region.code, industry=industry.code
    ):
        raise PermissionDenied(_("您无权发布该区划、该行业的白名单批次。"))
    pending = WhitelistChange.objects.select_for_update().filter(
        batch__isnull=True, industry=industry, region_code__startswith=region.code
    )
    if not pending.exists():
        raise ValidationError(_("自上一批次以来没有新的纳入或移出，无需发布。"))
    last = WhitelistBatch.objects.filter(region=region, industry=industry).aggregate(
        n=Max("number")
    )
    number = (last["n"] or 0) + 1
    batch = WhitelistBatch.objects.create(
        region=region,
        industry=industry,
        number=number,
        title=(title or "").strip()
        or _stored("%(region)s%(industry)s白名单（第%(n)s批）")
        % {"region": region.name, "industry": industry.name, "n": number},
        note=(note or "").strip(),
        published_at=timezone.now(),
        published_by=actor,
    )
    count = pending.update(batch=batch)
    audit.record(
        "whitelist.publish_batch",
        actor=actor,
        obj=batch,
        changes={"changes": count},
        region_code=region.code,
    )
    return batch


# --- chain links (WL-08) -----------------------------------------------------------------------


def propose_linked_units(enterprise_id: int) -> int:
    """When a unit joins the whitelist, propose its non-whitelisted chain partners to their
    departments (one proposal per link, never repeated)."""
    links = SupplyLink.objects.filter(
        Q(enterprise_id=enterprise_id) | Q(partner_id=enterprise_id)
    ).select_related("enterprise", "partner")
    created = 0
    for link in links:
        other = link.partner if link.enterprise_id == enterprise_id else link.enterprise
        if other.merged_into_id or other.is_park:
            continue
        listed = WhitelistEntry.objects.filter(
            enterprise=other, status=WhitelistStatus.LISTED
        ).exists()
        if listed:
            continue
        _, was_created = InclusionProposal.objects.get_or_create(
            enterprise=other,
            link=link,
            defaults={
                "because_of_id": enterprise_id,
                "region_code": other.region_id,
                "industry_id": other.industry_id,
            },
        )
        created += was_created
    return created


# --- notifications -----------------------------------------------------------------------------


def _unit_admins(enterprise):
    from sibao.accounts.models import User

    return User.objects.filter(
        is_active=True,
        grants__is_active=True,
        grants__role=Role.ENTERPRISE_ADMIN,
        grants__enterprise=enterprise,
    ).distinct()


def _notify_unit(enterprise, title, body, url):
    transaction.on_commit(lambda: notify(_unit_admins(enterprise), title, body=body, url=url))


def _application_url(application):
    return reverse("enterprises:application_detail", args=[application.pk])
