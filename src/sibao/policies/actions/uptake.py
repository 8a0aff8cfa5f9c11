"""POL-03: pushing matched policies to enterprises and tracking the benefit until it is received
("应享尽享"): notified → read → applied → granted (amount) / declined → paid → received.

Every step is a transition of ``UPTAKE_WORKFLOW`` (``core.workflow``: an explicit table, one
``TransitionRecord`` per step) on ``PolicyMatch.uptake``. The enterprise takes its own steps (it
reads, applies, confirms receipt); the departments with the "grant" / "pay" permission over the
enterprise's region take theirs. 免申即享 policies (``no_application``) have no application: the
department grants straight from the notification. 快申快享 policies (``quick``) ask a "possibly"
enterprise only for its missing facts, recorded as self-declared facts (which re-matches it).

The "应享未享" follow-up tasks (``FollowUpTask``) are here too: a department turns the list of one
policy's eligible enterprises that have not received the benefit, in one region, into a task with
an owner department and a deadline from the rule set.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sibao.accounts.access import can, covers
from sibao.accounts.roles import Role
from sibao.core import audit, rules
from sibao.core.i18n import stored as _stored
from sibao.core.models import TransitionRecord
from sibao.core.notifications import notify
from sibao.core.workflow import Transition, Workflow
from sibao.policies.models import (
    ApplicationRoute,
    FollowUpTask,
    MatchResult,
    Policy,
    PolicyMatch,
    PolicyStatus,
    UptakeStatus,
)

__all__ = [
    "UPTAKE_WORKFLOW",
    "apply_match",
    "close_follow_up",
    "confirm_receipt",
    "create_follow_up",
    "decline_match",
    "grant_match",
    "pay_match",
    "push",
    "read_match",
    "record_uptake_export",
]

ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_ADMIN})
DEPARTMENT_ROLES = frozenset({Role.DEPARTMENT_STAFF})
S = UptakeStatus

# The uptake lifecycle. "grant_direct" / "decline_direct" are the 免申即享 steps (no application).
UPTAKE_WORKFLOW = Workflow(
    Transition(S.MATCHED, "notify", S.NOTIFIED),
    Transition(S.NOTIFIED, "read", S.READ, ENTERPRISE_ROLES),
    Transition((S.NOTIFIED, S.READ), "apply", S.APPLIED, ENTERPRISE_ROLES),
    Transition(S.APPLIED, "grant", S.GRANTED, DEPARTMENT_ROLES),
    Transition(S.APPLIED, "decline", S.DECLINED, DEPARTMENT_ROLES),
    Transition((S.NOTIFIED, S.READ), "grant_direct", S.GRANTED, DEPARTMENT_ROLES),
    Transition((S.NOTIFIED, S.READ), "decline_direct", S.DECLINED, DEPARTMENT_ROLES),
    Transition(S.GRANTED, "pay", S.PAID, DEPARTMENT_ROLES),
    Transition(S.PAID, "confirm", S.RECEIVED, ENTERPRISE_ROLES),
    field="uptake",
    labels=UptakeStatus,
)

# 万元 with two decimals, as ``PolicyMatch.granted_amount`` stores them (max_digits=14)
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e12")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def match_url(match) -> str:
    return reverse("policies:uptake_match", args=[match.pk])


def mine_url(policy) -> str:
    """The address every pushed enterprise gets: it leads each user to its own match."""
    return reverse("policies:uptake_mine", args=[policy.pk])


def _unit_admins(enterprise_ids):
    from sibao.accounts.models import User

    return User.objects.filter(
        is_active=True,
        grants__is_active=True,
        grants__role=Role.ENTERPRISE_ADMIN,
        grants__enterprise_id__in=list(enterprise_ids),
    ).distinct()


def _department_staff(department):
    from sibao.accounts.models import User

    return User.objects.filter(
        is_active=True,
        grants__is_active=True,
        grants__role=Role.DEPARTMENT_STAFF,
        grants__department=department,
    ).distinct()


def _is_open(policy, today=None) -> bool:
    """Published and not expired (a policy valid from a later day may already be announced)."""
    today = today or timezone.localdate()
    return policy.status == PolicyStatus.PUBLISHED and (
        policy.valid_to is None or policy.valid_to >= today
    )


def _is_active(policy, today=None) -> bool:
    today = today or timezone.localdate()
    return _is_open(policy, today) and policy.valid_from <= today


def _own_unit(actor, match) -> bool:
    """Whether ``actor`` acts for the enterprise of ``match`` (an enterprise-scoped grant)."""
    return any(
        g.enterprise_id == match.enterprise_id and g.role == Role.ENTERPRISE_ADMIN
        for g in actor.active_grants()
    )


def _lock(match) -> PolicyMatch:
    return (
        PolicyMatch.objects.select_for_update()
        .select_related("policy", "policy__department", "enterprise")
        .get(pk=match.pk)
    )


def _check(actor, match, action: str, message: str) -> None:
    """The actor may take ``action`` on this row (scope and role); None is the platform."""
    from sibao.policies.queries_uptake import handleable

    if actor is None:
        return
    if not handleable(actor, action).filter(pk=match.pk).exists():
        raise PermissionDenied(message)


# --- push ---------------------------------------------------------------------------------------


@transaction.atomic
def push(policy, *, actor, matches=None) -> int:
    """POL-03: notify the enterprises newly matched to ``policy`` (all its rows still
    ``matched``, or only those of ``matches``) and set their uptake to ``notified``.

    Each enterprise's admins get an in-app message (one per policy and result kind, leading to
    their own match); an enterprise whose registered contact number is a mobile also gets an SMS
    through the outbox (masked, encrypted, once per policy and enterprise). ``policy`` None pushes
    the given ``matches`` of whatever policies they belong to. Returns how many rows were notified.
    """
    if policy is None:
        if not matches:
            return 0
        policy_ids = sorted({m.policy_id for m in matches})
        return sum(
            push(p, actor=actor, matches=[m for m in matches if m.policy_id == p.pk])
            for p in Policy.objects.filter(pk__in=policy_ids)
        )
    if actor is not None and not covers(actor, Policy, "publish", region_code=policy.region_code):
        raise PermissionDenied(_("您无权推送该政策。"))
    if not _is_open(policy):
        return 0
    rows = PolicyMatch.objects.filter(
        policy=policy,
        uptake=UptakeStatus.MATCHED,
        result__in=[MatchResult.ELIGIBLE, MatchResult.POSSIBLE],
    )
    if matches is not None:
        rows = rows.filter(pk__in=[m.pk for m in matches if m.policy_id == policy.pk])
    rows = list(
        rows.select_for_update()
        .select_related("enterprise")
        .only(
            "id",
            "policy_id",
            "enterprise_id",
            "result",
            "uptake",
            "region_code",
            "enterprise__contact_phone",
        )
    )
    if not rows:
        return 0
    transition = UPTAKE_WORKFLOW.find(UptakeStatus.MATCHED, "notify")
    now = timezone.now()
    PolicyMatch.objects.filter(pk__in=[m.pk for m in rows]).update(
        uptake=transition.target, notified_at=now
    )
    authenticated = actor is not None and actor.is_authenticated
    TransitionRecord.objects.bulk_create(
        [
            TransitionRecord(
                object_type=PolicyMatch._meta.label_lower,
                object_id=str(m.pk),
                action=transition.action,
                source=UptakeStatus.MATCHED,
                target=transition.target,
                actor=actor if authenticated else None,
                actor_name=str(actor)[:150] if authenticated else "",
                note=_stored(gettext_noop("政策推送")),
                at=now,
                region_code=m.region_code,
                enterprise_id=m.enterprise_id,
            )
            for m in rows
        ],
        batch_size=1000,
    )
    # an enterprise already told about an earlier version of the same policy is not told again
    told = set(
        PolicyMatch.objects.filter(
            policy__series=policy.series,
            enterprise_id__in=[m.enterprise_id for m in rows],
            notified_at__isnull=False,
        )
        .exclude(policy=policy)
        .values_list("enterprise_id", flat=True)
    )
    fresh = [m for m in rows if m.enterprise_id not in told]
    sms = _queue_sms(policy, fresh)
    eligible = [m.enterprise_id for m in fresh if m.result == MatchResult.ELIGIBLE]
    possible = [m.enterprise_id for m in fresh if m.result == MatchResult.POSSIBLE]
    url = mine_url(policy)
    if policy.route == ApplicationRoute.NO_APPLICATION:
        eligible_body = gettext_noop("该政策免申即享，无需申请，主管部门将直接兑现。")
    elif policy.route == ApplicationRoute.QUICK:
        eligible_body = gettext_noop("该政策快申快享，请登录平台确认申请。")
    else:
        eligible_body = gettext_noop("请登录平台查看符合原因并按申报流程申请。")
    groups = (
        (eligible, gettext_noop("贵单位符合惠企政策《%(title)s》的享受条件"), eligible_body),
        (
            possible,
            gettext_noop("贵单位可能符合惠企政策《%(title)s》"),
            gettext_noop("平台缺少部分信息，补充后即可判定是否符合，请登录平台查看。"),
        ),
    )
    for enterprise_ids, title, body in groups:
        if not enterprise_ids:
            continue
        users = list(_unit_admins(enterprise_ids))
        title_text = _stored(title, title=policy.title)
        body_text = _stored(body)
        transaction.on_commit(
            lambda u=users, t=title_text, b=body_text: notify(u, t, body=b, url=url)
        )
    audit.record(
        "policy.push",
        actor=actor,
        obj=policy,
        changes={"notified": [0, len(rows)], "eligible": len(eligible), "sms": sms},
        note=_stored(gettext_noop("推送 %(count)s 家企业"), count=len(rows)),
    )
    return len(rows)


def _queue_sms(policy, rows) -> int:
    """SMS through the outbox (``core.OutboxMessage``) to each pushed enterprise whose
    registered contact number is a mobile; once per policy and enterprise. The number is stored
    encrypted and masked, never in clear; the body carries neither."""
    from sibao.core.masking import mask_phone
    from sibao.core.models import OutboxMessage
    from sibao.core.outbox import scrub
    from sibao.core.personal import encrypt

    body = scrub(
        _stored(
            gettext_noop(
                "【四保平台】贵单位可享受或可能享受惠企政策《%(title)s》，请登录平台查看。"
            ),
            title=policy.title,
        )
    )[:500]
    messages = []
    for m in rows:
        phone = re.sub(r"\s|-", "", m.enterprise.contact_phone or "")
        if not _MOBILE.match(phone):
            continue
        messages.append(
            OutboxMessage(
                person_key="",
                phone_encrypted=encrypt(phone),
                phone_masked=mask_phone(phone),
                body=body,
                dedupe_key=f"policy:{policy.series}:{m.enterprise_id}"[:160],
                region_code=m.region_code,
                enterprise_id=m.enterprise_id,
            )
        )
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True, batch_size=1000)
    return len(messages)


# --- the enterprise's steps -----------------------------------------------------------------------


@transaction.atomic
def read_match(match, *, actor) -> PolicyMatch:
    """The enterprise opened its pushed policy: ``notified`` → ``read``. Only the enterprise's
    own admin counts (an official looking at the row changes nothing); idempotent."""
    if actor is None or not actor.is_authenticated or not _own_unit(actor, match):
        return match
    if match.uptake != UptakeStatus.NOTIFIED:
        return match
    match = _lock(match)
    if match.uptake != UptakeStatus.NOTIFIED:
        return match
    UPTAKE_WORKFLOW.apply(match, "read", actor=actor)
    audit.record("policy.uptake.read", actor=actor, obj=match)
    return match


@transaction.atomic
def apply_match(match, *, actor, facts=None, note: str = "") -> PolicyMatch:
    """The enterprise applies for the benefit (``notified``/``read`` → ``applied``).

    免申即享 policies take no application. A "possibly" match first supplies every missing
    fact (``facts``: attribute key → value), recorded as self-declared facts; the enterprise is
    then re-matched and may apply only if it is now eligible. An ineligible match cannot apply."""
    from sibao.enterprises.actions import record_fact
    from sibao.enterprises.facts import CATALOGUE
    from sibao.enterprises.models import FactSource

    _check(actor, match, "apply", _("您只能为本单位申请政策。"))
    if actor is not None and not _own_unit(actor, match):
        raise PermissionDenied(_("您只能为本单位申请政策。"))
    match = _lock(match)
    policy = match.policy
    if policy.route == ApplicationRoute.NO_APPLICATION:
        raise ValidationError(_("该政策免申即享，无需申请，主管部门将直接兑现。"))
    if not _is_active(policy):
        raise ValidationError(_("该政策不在有效期内或已停止执行，不能申请。"))
    if UPTAKE_WORKFLOW.find(match.uptake, "apply") is None:
        raise ValidationError(
            _("当前进度“%(status)s”下不能申请。") % {"status": match.get_uptake_display()}
        )
    note = (note or "").strip()
    if len(note) > 1000:
        raise ValidationError({"note": _("申请说明不能超过 1000 字。")})
    supplied = []
    if match.result == MatchResult.POSSIBLE:
        facts = {k: v for k, v in (facts or {}).items() if v not in (None, "")}
        errors = {}
        for key in match.missing:
            if key not in facts:
                label = CATALOGUE[key].label if key in CATALOGUE else key
                errors[key] = _("请补充“%(label)s”。") % {"label": label}
            elif key in CATALOGUE and CATALOGUE[key].column:
                errors[key] = _("“%(label)s”属于企业登记信息，请先更新企业信息。") % {
                    "label": CATALOGUE[key].label
                }
        if errors:
            raise ValidationError(errors)
        for key in match.missing:
            try:
                record_fact(
                    match.enterprise,
                    key,
                    facts[key],
                    source=FactSource.SELF_DECLARED,
                    actor=actor,
                )
            except ValidationError as exc:
                messages = exc.message_dict.get("value") or exc.messages
                raise ValidationError({key: messages}) from None
            supplied.append(key)
        match = _rematched(match)
    if match.result != MatchResult.ELIGIBLE:
        if match.result == MatchResult.POSSIBLE:
            raise ValidationError(_("仍缺少判定所需的信息，暂不能申请。"))
        raise ValidationError(_("根据现有信息，贵单位不符合该政策的享受条件，不能申请。"))
    match.applied_at = timezone.now()
    UPTAKE_WORKFLOW.apply(match, "apply", actor=actor, note=note, extra_fields=["applied_at"])
    audit.record(
        "policy.uptake.apply",
        actor=actor,
        obj=match,
        changes={"uptake": [S.NOTIFIED, S.APPLIED], "supplied": supplied},
        note=note,
    )
    staff = list(_department_staff(policy.department))
    title = _stored(
        gettext_noop("%(enterprise)s 申请享受《%(title)s》"),
        enterprise=match.enterprise.name,
        title=policy.title,
    )
    url = match_url(match)
    transaction.on_commit(lambda: notify(staff, title, url=url))
    return match


def _rematched(match) -> PolicyMatch:
    """Re-match the enterprise after new facts and return the row again (locked)."""
    from sibao.policies import matching

    matching.rematch_enterprise(match.enterprise)
    try:
        return _lock(match)
    except PolicyMatch.DoesNotExist:
        raise ValidationError(
            _("根据补充的信息，贵单位不符合该政策的享受条件，不能申请。")
        ) from None


@transaction.atomic
def confirm_receipt(match, *, actor) -> PolicyMatch:
    """The enterprise confirms the benefit arrived (``paid`` → ``received``)."""
    _check(actor, match, "confirm", _("您只能为本单位确认到账。"))
    if actor is not None and not _own_unit(actor, match):
        raise PermissionDenied(_("您只能为本单位确认到账。"))
    match = _lock(match)
    match.received_at = timezone.now()
    UPTAKE_WORKFLOW.apply(match, "confirm", actor=actor, extra_fields=["received_at"])
    audit.record(
        "policy.uptake.confirm",
        actor=actor,
        obj=match,
        changes={"uptake": [S.PAID, S.RECEIVED]},
    )
    return match


# --- the department's steps -----------------------------------------------------------------------


def _parse_amount(raw) -> Decimal:
    if raw in (None, ""):
        raise ValidationError({"amount": _("请填写批准金额。")})
    try:
        amount = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": _("批准金额应为数字（万元）。")}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({"amount": _("批准金额应大于 0。")})
    if amount != amount.quantize(CENT):
        raise ValidationError({"amount": _("批准金额最多保留两位小数（万元）。")})
    if amount >= MAX_AMOUNT:
        raise ValidationError({"amount": _("批准金额过大。")})
    return amount


@transaction.atomic
def grant_match(match, *, actor, amount=None, reason: str = "") -> PolicyMatch:
    """A department with the "grant" permission grants the benefit with its amount (万元):
    from ``applied``, or straight from the notification for 免申即享 policies. Only an eligible
    match is granted (an unknown fact never makes an enterprise eligible). An amount above the
    policy's expected amount needs a reason; a policy without an expected amount may be granted
    without an amount (a non-monetary benefit)."""
    _check(actor, match, "grant", _("您无权批准该企业的政策兑现。"))
    match = _lock(match)
    policy = match.policy
    direct = policy.route == ApplicationRoute.NO_APPLICATION
    action = "grant_direct" if direct else "grant"
    if UPTAKE_WORKFLOW.find(match.uptake, action) is None:
        if not direct and match.uptake in (S.NOTIFIED, S.READ):
            raise ValidationError(_("企业尚未申请，不能批准（仅免申即享政策可直接兑现）。"))
        raise ValidationError(
            _("当前进度“%(status)s”下不能批准。") % {"status": match.get_uptake_display()}
        )
    if match.result != MatchResult.ELIGIBLE:
        raise ValidationError(_("该企业目前不符合（或尚不能判定符合）政策条件，不能批准。"))
    reason = (reason or "").strip()
    if amount in (None, "") and policy.benefit_amount is None:
        granted = None
    else:
        granted = _parse_amount(amount)
    if granted is not None and policy.benefit_amount is not None:
        if granted > policy.benefit_amount and not reason:
            raise ValidationError(
                {
                    "reason": _("批准金额超过政策预计金额 %(expected)s 万元，请说明理由。")
                    % {"expected": policy.benefit_amount}
                }
            )
    match.granted_amount = granted
    match.granted_at = timezone.now()
    source = match.uptake
    UPTAKE_WORKFLOW.apply(
        match, action, actor=actor, note=reason, extra_fields=["granted_amount", "granted_at"]
    )
    audit.record(
        "policy.uptake.grant",
        actor=actor,
        obj=match,
        changes={
            "uptake": [source, S.GRANTED],
            "granted_amount": [None, None if granted is None else str(granted)],
        },
        note=reason,
    )
    if granted is None:
        body = _stored(gettext_noop("主管部门已批准兑现。"))
    else:
        body = _stored(gettext_noop("批准金额 %(amount)s 万元。"), amount=granted)
    _notify_unit(
        match, _stored(gettext_noop("惠企政策《%(title)s》已批准"), title=policy.title), body
    )
    return match


@transaction.atomic
def decline_match(match, *, actor, reason: str) -> PolicyMatch:
    """A department declines the benefit (from ``applied``, or from the notification for
    免申即享 policies), with the reason the enterprise is told."""
    _check(actor, match, "grant", _("您无权办理该企业的政策兑现。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明不予批准的理由。")})
    match = _lock(match)
    direct = match.policy.route == ApplicationRoute.NO_APPLICATION
    action = "decline_direct" if direct else "decline"
    source = match.uptake
    UPTAKE_WORKFLOW.apply(match, action, actor=actor, note=reason)
    audit.record(
        "policy.uptake.decline",
        actor=actor,
        obj=match,
        changes={"uptake": [source, S.DECLINED]},
        note=reason,
    )
    _notify_unit(
        match,
        _stored(gettext_noop("惠企政策《%(title)s》未予批准"), title=match.policy.title),
        reason,
    )
    return match


@transaction.atomic
def pay_match(match, *, actor, note: str = "") -> PolicyMatch:
    """A department with the "pay" permission records the payment (``granted`` → ``paid``)."""
    _check(actor, match, "pay", _("您无权登记该企业的政策资金拨付。"))
    match = _lock(match)
    match.paid_at = timezone.now()
    UPTAKE_WORKFLOW.apply(
        match, "pay", actor=actor, note=(note or "").strip(), extra_fields=["paid_at"]
    )
    audit.record(
        "policy.uptake.pay",
        actor=actor,
        obj=match,
        changes={"uptake": [S.GRANTED, S.PAID]},
        note=(note or "").strip(),
    )
    _notify_unit(
        match,
        _stored(gettext_noop("惠企政策《%(title)s》资金已拨付"), title=match.policy.title),
        _stored(gettext_noop("请在收到后登录平台确认到账。")),
    )
    return match


def _notify_unit(match, title, body):
    users = list(_unit_admins([match.enterprise_id]))
    url = match_url(match)
    transaction.on_commit(lambda: notify(users, title, body=body, url=url))


@transaction.atomic
def record_uptake_export(*, actor, policy, rows: int, what: str, file_format: str) -> None:
    """The audit row of an uptake export (the board or a "应享未享" list)."""
    if not can(actor, PolicyMatch, "export"):
        raise PermissionDenied(_("您的角色无权导出政策兑现数据。"))
    audit.record(
        "policy.uptake.export",
        actor=actor,
        obj=policy,
        changes={"rows": [0, rows]},
        note=f"{what} {file_format}",
    )


# --- "应享未享" follow-up tasks ---------------------------------------------------------------------


def unredeemed(policy, region_code: str):
    """The eligible matches of ``policy`` in ``region_code`` whose benefit is not received."""
    from sibao.accounts.access import prefix_range

    return PolicyMatch.objects.filter(
        prefix_range("region_code", region_code),
        policy=policy,
        result=MatchResult.ELIGIBLE,
    ).filter(~Q(uptake=UptakeStatus.RECEIVED))


def _owner_department(policy, region_code):
    """The granting department for a region: the issuing department's counterpart there (same
    kind, the region itself or its nearest ancestor that has one), else the issuing one."""
    from sibao.regions.models import Department

    for n in range(len(region_code), len(policy.department.region_id) - 1, -1):
        found = Department.objects.filter(
            region_id=region_code[:n], kind=policy.department.kind
        ).first()
        if found is not None:
            return found
    return policy.department


@transaction.atomic
def create_follow_up(policy, *, actor, region_code: str, department=None) -> FollowUpTask:
    """POL-03: turn the "应享未享" list of ``policy`` in ``region_code`` into a follow-up task for
    the granting department (by default the issuing department's counterpart in that region),
    due ``follow_up_due_days`` from today. One open task per policy and region."""
    from sibao.policies.queries_catalogue import readable_policies
    from sibao.regions.models import Region

    region_code = (region_code or "").strip()
    if not Region.objects.filter(code=region_code).exists():
        raise ValidationError({"region_code": _("区划代码无效。")})
    if not region_code.startswith(policy.region_code) and not policy.region_code.startswith(
        region_code
    ):
        raise ValidationError({"region_code": _("该区划不在政策适用范围内。")})
    if actor is not None and not covers(actor, FollowUpTask, "change", region_code=region_code):
        raise PermissionDenied(_("您无权为该区划创建跟进任务。"))
    if actor is not None and not readable_policies(actor).filter(pk=policy.pk).exists():
        raise PermissionDenied(_("您无权查看该政策。"))
    count = unredeemed(policy, region_code).count()
    if count == 0:
        raise ValidationError(_("该区划没有应享未享的企业，无需跟进。"))
    existing = FollowUpTask.objects.select_for_update().filter(
        policy=policy, region_code=region_code, status=FollowUpTask.Status.OPEN
    )
    if existing.exists():
        raise ValidationError(_("该政策在该区划已有未完成的跟进任务。"))
    if department is None:
        department = _owner_department(policy, region_code)
    elif not region_code.startswith(department.region_id) and not department.region_id.startswith(
        region_code
    ):
        raise ValidationError({"department": _("责任部门不在该区划内。")})
    ruleset = rules.current()
    due = timezone.localdate() + datetime.timedelta(days=ruleset["follow_up_due_days"])
    task = FollowUpTask.objects.create(
        policy=policy,
        department=department,
        region_code=region_code,
        enterprise_count=count,
        due_on=due,
    )
    audit.record(
        "policy.follow_up.create",
        actor=actor,
        obj=task,
        changes={"enterprise_count": [0, count], "due_on": [None, due.isoformat()]},
        note=str(department),
        rule_version=ruleset.version,
    )
    staff = list(_department_staff(department))
    title = _stored(
        gettext_noop("应享未享跟进：《%(title)s》%(count)s 家企业，%(due)s 前完成"),
        title=policy.title,
        count=count,
        due=due.isoformat(),
    )
    url = reverse("policies:follow_up_list")
    transaction.on_commit(lambda: notify(staff, title, url=url))
    return task


@transaction.atomic
def close_follow_up(task, *, actor, outcome: str) -> FollowUpTask:
    """Close an open follow-up task with its outcome."""
    if actor is not None and not can(actor, FollowUpTask, "change", obj=task):
        raise PermissionDenied(_("您无权办理该跟进任务。"))
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("请填写跟进结果。")})
    task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if task.status != FollowUpTask.Status.OPEN:
        raise ValidationError(_("该跟进任务已完成。"))
    task.status = FollowUpTask.Status.DONE
    task.outcome = outcome
    task.closed_at = timezone.now()
    task.save(update_fields=["status", "outcome", "closed_at"])
    audit.record(
        "policy.follow_up.close",
        actor=actor,
        obj=task,
        changes={"status": [FollowUpTask.Status.OPEN, FollowUpTask.Status.DONE]},
        note=outcome,
    )
    return task
