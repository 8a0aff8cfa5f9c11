"""Writes of the oversight area: shutdown requests decided jointly by the provincial epidemic HQ
and the provincial dispatch HQ, and restrictions imposed without one (INC-03); inspection control
and the departments' protected-inspection lists (CMD-04); rewards and penalties (CMD-05).

``actor=None`` is the platform itself (commands, the demo seed, the sweep) and skips the
permission check. Every action takes ``now=None`` (default ``timezone.now()``) so that the
deadline clocks are testable with explicit times.

Who may do what (D1 四(三), 六(三), 七(一); D2 三(七), 五):

- a shutdown of a whitelisted unit is asked for by the HQ office of its county or city
  (``request``) and decided by both provincial bodies: the epidemic side by the health office
  (``decide_epidemic``), the dispatch side by the provincial HQ (``decide_dispatch``), each only
  through a grant on the province itself. Approved when both approve (the period starts at the
  second approval and lasts the requested days, at most ``shutdown_max_days``); refused when
  either refuses;
- a restriction found on a whitelisted unit is a violation unless it is a shutdown covered by an
  approved request; any other restriction of a whitelisted unit is always one;
- an inspection of a whitelisted unit for anything but epidemic prevention, work safety or
  entry-exit quarantine waits for the city dispatch HQ's approval; one carried out without it is
  flagged;
- a duty-fulfilled exemption (尽职免责) names the incident of the unit it covers.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import allowing_grants, covers
from sibao.accounts.roles import Role
from sibao.command import queries_oversight as queries
from sibao.command import recipients
from sibao.command.models import (
    Incident,
    InspectionPurpose,
    InspectionRequest,
    ProtectedInspection,
    Restriction,
    RewardPenalty,
    ShutdownRequest,
)
from sibao.core import audit
from sibao.core import rules as rule_set
from sibao.core.i18n import stored as _stored
from sibao.core.notifications import notify
from sibao.core.workflow import Transition, Workflow
from sibao.enterprises.models import Enterprise
from sibao.regions.models import Department, Region, RegionLevel

__all__ = [
    "INSPECTION_WORKFLOW",
    "SHUTDOWN_WORKFLOW",
    "SIDES",
    "decide",
    "decide_inspection",
    "decide_shutdown",
    "delete_protected_inspection",
    "end_restriction",
    "end_shutdown",
    "may_decide",
    "may_decide_inspection",
    "may_request_shutdown",
    "record_inspection_done",
    "record_oversight_export",
    "record_restriction",
    "record_reward_penalty",
    "request_inspection",
    "request_shutdown",
    "save_protected_inspection",
    "sweep_shutdowns",
    "withdraw_shutdown",
]

S = ShutdownRequest.Status
D = ShutdownRequest.Decision
I = InspectionRequest.Status  # noqa: E741
DECIDERS = frozenset({Role.HEALTH_OFFICE, Role.HQ_OFFICE, Role.HQ_LEADER})

SHUTDOWN_WORKFLOW = Workflow(
    # one provincial body agrees; the request waits for the other
    Transition(S.SUBMITTED, "concur", S.SUBMITTED, DECIDERS),
    # the second agreement approves; either refusal refuses
    Transition(S.SUBMITTED, "approve", S.APPROVED, DECIDERS),
    Transition(S.SUBMITTED, "reject", S.REJECTED, DECIDERS),
    Transition(S.SUBMITTED, "withdraw", S.WITHDRAWN, frozenset({Role.HQ_OFFICE})),
    Transition(S.APPROVED, "end", S.ENDED, DECIDERS),
    Transition(S.APPROVED, "expire", S.ENDED),
    labels=S,
)

INSPECTION_WORKFLOW = Workflow(
    Transition(I.PENDING, "approve", I.APPROVED, frozenset({Role.HQ_OFFICE})),
    Transition(I.PENDING, "reject", I.REJECTED, frozenset({Role.HQ_OFFICE})),
    Transition((I.NOT_REQUIRED, I.APPROVED), "inspect", I.DONE),
    # carried out without the approval it needed: the status stays, the row is flagged
    Transition(I.PENDING, "inspect_unapproved", I.PENDING),
    Transition(I.REJECTED, "inspect_unapproved", I.REJECTED),
    labels=I,
)

# side -> (permission, decision field prefix, the body's name)
SIDES = {
    "epidemic": ("decide_epidemic", "epidemic"),
    "dispatch": ("decide_dispatch", "dispatch"),
}


def _side_name(side: str) -> str:
    return {
        "epidemic": _("省疫情防控指挥部"),
        "dispatch": _("省经济运行调度指挥部"),
    }[side]


def _now(now):
    return now or timezone.now()


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _unique(*groups) -> list:
    seen = {}
    for group in groups:
        for user in group:
            if user is not None:
                seen.setdefault(user.pk, user)
    return [seen[pk] for pk in sorted(seen)]


def _province_deciders(region_code: str) -> list:
    return _unique(
        recipients.region_officials(
            region_code, [Role.HEALTH_OFFICE], levels=[RegionLevel.PROVINCE]
        ),
        recipients.region_officials(
            region_code, [Role.HQ_OFFICE, Role.HQ_LEADER], levels=[RegionLevel.PROVINCE]
        ),
    )


def _local_hqs(region_code: str) -> list:
    """The HQ offices of the unit's county and city."""
    return recipients.region_officials(
        region_code, [Role.HQ_OFFICE], levels=[RegionLevel.COUNTY, RegionLevel.CITY]
    )


def _check_whitelisted(enterprise, message: str) -> None:
    if not queries.is_whitelisted_unit(enterprise):
        raise ValidationError({"enterprise": message})


# --- shutdown requests (INC-03) ---


def may_request_shutdown(actor, enterprise) -> bool:
    """The HQ office of the unit's county or city (a grant at county or city level covering it);
    with ``enterprise`` None: of any county or city."""
    if actor is None:
        return True
    return any(
        not g.enterprise_id
        and g.region.level in (RegionLevel.COUNTY, RegionLevel.CITY)
        and (enterprise is None or enterprise.region_id.startswith(g.region_id))
        for g in allowing_grants(actor, ShutdownRequest._meta.label_lower, "request")
    )


def may_decide(actor, side: str) -> bool:
    """Whether ``actor`` decides for ``side`` of the province: the side's permission through a
    grant on the province itself (a county or city health office or HQ cannot)."""
    if actor is None:
        return True
    permission = SIDES[side][0]
    return any(
        not g.enterprise_id and g.region.parent_id is None
        for g in allowing_grants(actor, ShutdownRequest._meta.label_lower, permission)
    )


def _may_end(actor, request) -> bool:
    return (
        may_request_shutdown(actor, request.enterprise)
        or may_decide(actor, "epidemic")
        or may_decide(actor, "dispatch")
    )


def _shutdown_url(request) -> str:
    return reverse("command:shutdown_detail", args=[request.pk])


@transaction.atomic
def request_shutdown(
    enterprise, *, actor, reason, days, incident=None, now=None
) -> ShutdownRequest:
    """INC-03: ask the provincial epidemic HQ and dispatch HQ to let a whitelisted unit stop
    (停产停工停运) for ``days`` days (at most ``shutdown_max_days``)."""
    now = _now(now)
    if not may_request_shutdown(actor, enterprise):
        raise PermissionDenied(
            _(
                "停产停工停运申请由单位所在县（市、区）或市指挥部办公室提出，"
                "报省疫情防控指挥部和省经济运行调度指挥部会商决定。"
            )
        )
    ruleset = rule_set.current()
    max_days = ruleset["shutdown_max_days"]
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("请说明确需关停的理由。")
    try:
        days = int(days)
    except (TypeError, ValueError):
        errors["days"] = _("请填写停产天数（整数）。")
    else:
        if days < 1:
            errors["days"] = _("停产天数至少为 1 天。")
        elif days > max_days:
            errors["days"] = _(
                "白名单单位停工停产原则上不超过 %(max)s 天（规则参数“白名单企业停工停产最长天数”，"
                "D1 四(三)、D2 三(七)），申请 %(days)s 天不予受理。"
            ) % {"max": max_days, "days": days}
    if incident is not None and incident.enterprise_id != enterprise.pk:
        errors["incident"] = _("关联事件不属于该单位。")
    if not queries.is_whitelisted_unit(enterprise):
        errors["enterprise"] = _(
            "该单位不是白名单单位，停产停工停运无需报省级会商决定，请按属地规定办理。"
        )
    # one open request per unit: lock the unit so that two offices cannot file twice
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
    existing = queries.open_request(enterprise, now)
    if existing is not None:
        errors["enterprise"] = _("该单位已有待决定或正在执行的停产申请（#%(pk)s）。") % {
            "pk": existing.pk
        }
    if errors:
        raise ValidationError(errors)
    request = ShutdownRequest.objects.create(
        enterprise=enterprise,
        incident=incident,
        reason=reason,
        days=days,
        status=S.SUBMITTED,
        requested_at=now,
        requested_by=_user(actor),
        rule_version=ruleset.version,
        region_code=enterprise.region_id,
    )
    audit.record(
        "shutdown.request",
        actor=actor,
        obj=request,
        changes=audit.snapshot(request, ["enterprise", "days", "reason", "incident"]),
        rule_version=ruleset.version,
    )
    title = _stored(
        "停产申请待会商决定：%(unit)s 申请停产 %(days)s 天", unit=enterprise.name, days=days
    )
    notify(
        _unique(
            _province_deciders(enterprise.region_id),
            recipients.higher_hq_officials(enterprise.region_id),
        ),
        title,
        body=_stored("申请理由：%(reason)s", reason=reason),
        url=_shutdown_url(request),
    )
    return request


def _lock(request) -> ShutdownRequest:
    return (
        ShutdownRequest.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .get(pk=request.pk)
    )


@transaction.atomic
def decide(request, *, actor, side, approve, note="", now=None) -> ShutdownRequest:
    """INC-03: one provincial body's decision. ``side``: "epidemic" (the health office,
    ``decide_epidemic``) or "dispatch" (the provincial HQ, ``decide_dispatch``); both with a
    province-wide grant. Approved at the second approval, for ``days`` from then; refused at
    the first refusal."""
    now = _now(now)
    if side not in SIDES:
        raise ValidationError({"side": _("决定方应为省疫情防控指挥部或省经济运行调度指挥部。")})
    if not may_decide(actor, side):
        raise PermissionDenied(
            _("只有%(body)s可以作出该决定；市、县两级不能决定白名单单位停产。")
            % {"body": _side_name(side)}
        )
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("不同意时请说明理由。")})
    request = _lock(request)
    if request.status != S.SUBMITTED:
        raise ValidationError(
            _("该申请当前状态为“%(status)s”，不能再作决定。")
            % {"status": request.get_status_display()}
        )
    prefix = SIDES[side][1]
    if getattr(request, f"{prefix}_decision"):
        raise ValidationError(_("%(body)s已就该申请作出决定。") % {"body": _side_name(side)})
    other = "dispatch" if side == "epidemic" else "epidemic"
    setattr(request, f"{prefix}_decision", D.APPROVE if approve else D.REJECT)
    setattr(request, f"{prefix}_decided_by", _user(actor))
    setattr(request, f"{prefix}_note", note)
    fields = [f"{prefix}_decision", f"{prefix}_decided_by", f"{prefix}_note"]
    if not approve:
        action = "reject"
        request.decided_at = now
        fields.append("decided_at")
    elif getattr(request, f"{other}_decision") == D.APPROVE:
        action = "approve"
        request.decided_at = request.starts_at = now
        request.ends_at = now + datetime.timedelta(days=request.days)
        fields += ["decided_at", "starts_at", "ends_at"]
    else:
        action = "concur"
    SHUTDOWN_WORKFLOW.apply(
        request,
        action,
        actor=actor,
        note=f"{_side_name(side)}：{note}" if note else _side_name(side),
        extra_fields=fields,
    )
    audit.record(
        f"shutdown.{action}",
        actor=actor,
        obj=request,
        changes={"side": side, "approve": bool(approve), "note": note},
    )
    _notify_decision(request, side, action)
    return request


# the same action under an unambiguous name (``command.actions`` gathers every area's names)
decide_shutdown = decide


def _notify_decision(request, side, action) -> None:
    unit = request.enterprise
    url = _shutdown_url(request)
    body = _side_name(side)
    if action == "concur":
        title = _stored(
            "停产申请：%(body)s已同意 %(unit)s 停产，待另一方决定", body=body, unit=unit.name
        )
        notify(_unique(_province_deciders(unit.region_id), [request.requested_by]), title, url=url)
        return
    if action == "approve":
        title = _stored(
            "停产申请已批准：%(unit)s 停产 %(days)s 天（%(start)s 至 %(end)s）",
            unit=unit.name,
            days=request.days,
            start=_local(request.starts_at),
            end=_local(request.ends_at),
        )
        text = _stored("期限届满后应立即恢复生产；到期前将提醒。")
    else:
        title = _stored("停产申请未获批准：%(unit)s（%(body)s不同意）", unit=unit.name, body=body)
        text = _stored("未经批准，不得对白名单单位实行停产、限产或其他限制措施。")
    notify(
        _unique(
            [request.requested_by],
            recipients.unit_recipients(unit),
            _local_hqs(unit.region_id),
            _province_deciders(unit.region_id),
        ),
        title,
        body=text,
        url=url,
    )


@transaction.atomic
def withdraw_shutdown(request, *, actor, reason="", now=None) -> ShutdownRequest:
    """The requesting HQ withdraws a request still waiting for the provincial decision."""
    request = _lock(request)
    if not may_request_shutdown(actor, request.enterprise):
        raise PermissionDenied(_("只有提出申请的县（市、区）或市指挥部办公室可以撤回申请。"))
    SHUTDOWN_WORKFLOW.apply(request, "withdraw", actor=actor, note=(reason or "").strip())
    audit.record("shutdown.withdraw", actor=actor, obj=request, note=(reason or "").strip())
    notify(
        _province_deciders(request.region_code),
        _stored("停产申请已撤回：%(unit)s", unit=request.enterprise.name),
        url=_shutdown_url(request),
    )
    return request


@transaction.atomic
def end_shutdown(request, *, actor, reason, now=None) -> ShutdownRequest:
    """End an approved shutdown before its term (the unit resumes now)."""
    now = _now(now)
    request = _lock(request)
    if not _may_end(actor, request):
        raise PermissionDenied(_("只有申请的指挥部或省级决定机关可以提前结束停产。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明提前结束停产的原因。")})
    if request.status != S.APPROVED or request.starts_at is None or request.ends_at <= now:
        raise ValidationError(_("该申请不在停产期内，无需结束。"))
    before = request.ends_at
    request.ends_at = max(now, request.starts_at)
    SHUTDOWN_WORKFLOW.apply(request, "end", actor=actor, note=reason, extra_fields=["ends_at"])
    audit.record(
        "shutdown.end",
        actor=actor,
        obj=request,
        changes={"ends_at": [before.isoformat(), request.ends_at.isoformat()]},
        note=reason,
    )
    notify(
        _unique(
            [request.requested_by],
            recipients.unit_recipients(request.enterprise),
            _local_hqs(request.region_code),
            _province_deciders(request.region_code),
        ),
        _stored("停产已提前结束：%(unit)s 恢复生产", unit=request.enterprise.name),
        body=_stored("原因：%(reason)s", reason=reason),
        url=_shutdown_url(request),
    )
    return request


def sweep_shutdowns(now=None) -> dict:
    """The shutdown clock's periodic step (``sibao shutdown-sweep``), idempotent:

    - the expiry warning ``shutdown_expiry_warning_hours`` before the end, once per request
      (``expiry_alerted_at``);
    - requests whose period has run out are closed (``expire``) and the unit told to resume;
    - shutdown restrictions that outlast their approved period become violations.
    """
    now = _now(now)
    hours = rule_set.current()["shutdown_expiry_warning_hours"]
    counts = {"warned": 0, "expired": 0, "overruns": 0}
    due = ShutdownRequest.objects.filter(
        status=S.APPROVED,
        expiry_alerted_at__isnull=True,
        ends_at__gt=now,
        ends_at__lte=now + datetime.timedelta(hours=hours),
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            request = ShutdownRequest.objects.select_for_update(of=("self",)).select_related(
                "enterprise"
            )
            request = request.get(pk=pk)
            if request.expiry_alerted_at is not None or request.status != S.APPROVED:
                continue
            request.expiry_alerted_at = now
            request.save(update_fields=["expiry_alerted_at"])
            audit.record("shutdown.expiry_warning", actor=None, obj=request)
            notify(
                _unique(
                    [request.requested_by],
                    recipients.unit_recipients(request.enterprise),
                    _local_hqs(request.region_code),
                    _province_deciders(request.region_code),
                ),
                _stored(
                    "停产即将到期：%(unit)s 将于 %(end)s 停产期满",
                    unit=request.enterprise.name,
                    end=_local(request.ends_at),
                ),
                body=_stored("请做好复工复产准备；停产不得超过批准期限。"),
                url=_shutdown_url(request),
            )
            counts["warned"] += 1
    expired = ShutdownRequest.objects.filter(status=S.APPROVED, ends_at__lte=now)
    for pk in list(expired.values_list("pk", flat=True)):
        with transaction.atomic():
            request = ShutdownRequest.objects.select_for_update(of=("self",)).select_related(
                "enterprise"
            )
            request = request.get(pk=pk)
            if request.status != S.APPROVED:
                continue
            SHUTDOWN_WORKFLOW.apply(request, "expire", actor=None, note=_stored("停产期限届满"))
            audit.record("shutdown.expire", actor=None, obj=request)
            notify(
                _unique(
                    [request.requested_by],
                    recipients.unit_recipients(request.enterprise),
                    _local_hqs(request.region_code),
                ),
                _stored("停产期满：%(unit)s 应恢复生产", unit=request.enterprise.name),
                body=_stored("继续限制该单位生产将记为违规限制。"),
                url=_shutdown_url(request),
            )
            counts["expired"] += 1
    overruns = Restriction.objects.filter(
        kind=Restriction.Kind.SHUTDOWN,
        is_violation=False,
        request__isnull=False,
        request__ends_at__lte=now,
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=F("request__ends_at")))
    for restriction in overruns.select_related("enterprise", "request"):
        with transaction.atomic():
            restriction.is_violation = True
            restriction.save(update_fields=["is_violation"])
            audit.record(
                "restriction.overrun",
                actor=None,
                obj=restriction,
                note=_stored("超出批准的停产期限"),
            )
            _notify_violation(restriction, _stored("超出批准的停产期限"))
            counts["overruns"] += 1
    return counts


# --- restrictions ---


def _restriction_url(restriction) -> str:
    return reverse("command:restriction_list") + f"?enterprise={restriction.enterprise_id}"


def _notify_violation(restriction, why: str) -> None:
    unit = restriction.enterprise
    notify(
        _unique(
            _local_hqs(unit.region_id),
            recipients.higher_hq_officials(unit.region_id),
            recipients.unit_liaisons(unit),
        ),
        _stored(
            "违规限制白名单单位：%(unit)s（%(kind)s，%(by)s）",
            unit=unit.name,
            kind=restriction.get_kind_display(),
            by=restriction.imposed_by,
        ),
        body=why,
        url=_restriction_url(restriction),
    )


@transaction.atomic
def record_restriction(
    enterprise,
    *,
    actor,
    kind,
    imposed_by,
    description,
    started_at,
    request=None,
    now=None,
) -> Restriction:
    """INC-03: record a restriction imposed on a whitelisted unit, as found or reported (by the
    HQ office, the unit's liaison cadre or the unit itself). A shutdown covered by an approved
    request of the unit is lawful for its period; any other restriction is a violation."""
    now = _now(now)
    if actor is not None and not covers(
        actor, Restriction, "add", region_code=enterprise.region_id, enterprise_id=enterprise.pk
    ):
        raise PermissionDenied(_("您无权登记该单位的限制措施。"))
    imposed_by = (imposed_by or "").strip()
    description = (description or "").strip()
    errors = {}
    if kind not in Restriction.Kind.values:
        errors["kind"] = _("请选择限制措施类别。")
    if not imposed_by:
        errors["imposed_by"] = _("请填写实施限制的单位。")
    if not description:
        errors["description"] = _("请说明限制措施的情况。")
    if started_at is None:
        errors["started_at"] = _("请填写限制开始时间。")
    elif started_at > now:
        errors["started_at"] = _("开始时间不能晚于现在。")
    if request is not None and request.enterprise_id != enterprise.pk:
        errors["request"] = _("所依据的停产申请不属于该单位。")
    if not queries.is_whitelisted_unit(enterprise):
        errors["enterprise"] = _("该单位不是白名单单位，无需登记限制措施。")
    if errors:
        raise ValidationError(errors)
    basis = None
    if kind == Restriction.Kind.SHUTDOWN:
        named = ShutdownRequest.objects.filter(queries.in_force_q(started_at))
        if request is not None and named.filter(pk=request.pk).exists():
            basis = request
        else:
            basis = queries.covering_request(enterprise, started_at)
        # a lawful shutdown still running after its period is flagged by the sweep
        why = _stored("未经省疫情防控指挥部和省经济运行调度指挥部会商批准") if basis is None else ""
    else:
        why = _stored("白名单单位不得随意限制正常生产运营（D1 四(三)、六(三)）")
    restriction = Restriction.objects.create(
        enterprise=enterprise,
        kind=kind,
        imposed_by=imposed_by,
        description=description,
        started_at=started_at,
        request=basis or request,
        is_violation=bool(why),
        recorded_by=_user(actor),
        region_code=enterprise.region_id,
    )
    audit.record(
        "restriction.record",
        actor=actor,
        obj=restriction,
        changes=audit.snapshot(
            restriction, ["kind", "imposed_by", "started_at", "request", "is_violation"]
        ),
    )
    if why:
        _notify_violation(restriction, why)
    return restriction


@transaction.atomic
def end_restriction(restriction, *, actor, ended_at=None, now=None) -> Restriction:
    """The restriction was lifted at ``ended_at`` (default now). A shutdown lifted after its
    approved period becomes a violation."""
    now = _now(now)
    ended_at = ended_at or now
    if actor is not None and not covers(
        actor,
        Restriction,
        "change",
        region_code=restriction.region_code,
        enterprise_id=restriction.enterprise_id,
    ):
        raise PermissionDenied(_("您无权变更该单位的限制措施。"))
    restriction = (
        Restriction.objects.select_for_update(of=("self",))
        .select_related("request")
        .get(pk=restriction.pk)
    )
    if restriction.ended_at is not None:
        raise ValidationError(_("该限制措施已解除。"))
    if ended_at < restriction.started_at:
        raise ValidationError({"ended_at": _("解除时间不能早于开始时间。")})
    if ended_at > now:
        raise ValidationError({"ended_at": _("解除时间不能晚于现在。")})
    restriction.ended_at = ended_at
    fields = ["ended_at"]
    overrun = (
        restriction.kind == Restriction.Kind.SHUTDOWN
        and not restriction.is_violation
        and restriction.request is not None
        and ended_at > restriction.request.ends_at
    )
    if overrun:
        restriction.is_violation = True
        fields.append("is_violation")
    restriction.save(update_fields=fields)
    audit.record(
        "restriction.end",
        actor=actor,
        obj=restriction,
        changes={
            "ended_at": [None, ended_at.isoformat()],
            "is_violation": restriction.is_violation,
        },
    )
    if overrun:
        _notify_violation(restriction, _stored("超出批准的停产期限"))
    return restriction


# --- inspection control (CMD-04) ---


def _department_grants(actor, action: str, department_id, region_code: str) -> list:
    return [
        g
        for g in allowing_grants(actor, InspectionRequest._meta.label_lower, action)
        if g.department_id == department_id and region_code.startswith(g.region_id)
    ]


def may_decide_inspection(actor, inspection) -> bool:
    """The city dispatch HQ of the unit: an ``approve`` grant at city level covering it."""
    if actor is None:
        return True
    return any(
        not g.enterprise_id
        and g.region.level == RegionLevel.CITY
        and inspection.region_code.startswith(g.region_id)
        for g in allowing_grants(actor, InspectionRequest._meta.label_lower, "approve")
    )


def _inspection_url(inspection) -> str:
    return reverse("command:inspection_detail", args=[inspection.pk])


def _city_hqs(region_code: str) -> list:
    return recipients.region_officials(region_code, [Role.HQ_OFFICE], levels=[RegionLevel.CITY])


@transaction.atomic
def request_inspection(
    enterprise, *, actor, department, purpose, matters, planned_on, now=None
) -> InspectionRequest:
    """CMD-04: a department announces an inspection of a whitelisted unit. Epidemic prevention,
    work safety and entry-exit quarantine need no approval (``not_required``); any other
    purpose waits for the city dispatch HQ (``pending``)."""
    now = _now(now)
    if not isinstance(department, Department):
        department = Department.objects.filter(pk=department).first()
    if department is None:
        raise ValidationError({"department": _("请选择检查部门。")})
    if actor is not None and not _department_grants(
        actor, "add", department.pk, enterprise.region_id
    ):
        raise PermissionDenied(_("只能以本部门名义对本辖区单位申请检查。"))
    matters = (matters or "").strip()
    errors = {}
    if not enterprise.region_id.startswith(department.region_id):
        errors["department"] = _("该部门对该单位所在区划无管辖权。")
    if purpose not in InspectionPurpose.values:
        errors["purpose"] = _("请选择检查类别。")
    if not matters:
        errors["matters"] = _("请填写检查事项。")
    if planned_on is None:
        errors["planned_on"] = _("请填写计划检查日期。")
    elif planned_on < timezone.localtime(now).date():
        errors["planned_on"] = _("计划检查日期不能早于今天：检查须事先申请。")
    if not queries.is_whitelisted_unit(enterprise):
        errors["enterprise"] = _("该单位不是白名单单位，涉企检查无需在此报批。")
    if errors:
        raise ValidationError(errors)
    needed = queries.approval_needed(purpose)
    inspection = InspectionRequest.objects.create(
        enterprise=enterprise,
        department=department,
        purpose=purpose,
        matters=matters,
        planned_on=planned_on,
        status=I.PENDING if needed else I.NOT_REQUIRED,
        requested_at=now,
        requested_by=_user(actor),
        region_code=enterprise.region_id,
    )
    audit.record(
        "inspection.request",
        actor=actor,
        obj=inspection,
        changes=audit.snapshot(inspection, ["department", "purpose", "planned_on", "status"]),
    )
    url = _inspection_url(inspection)
    if needed:
        protected = queries.protected_items(department.pk, purpose)
        body = _stored("检查事项：%(matters)s", matters=matters)
        if protected:
            body += "\n" + _stored(
                "注意：该类检查在本部门白名单单位免检清单内（%(items)s）。", items=protected
            )
        notify(
            _city_hqs(enterprise.region_id),
            _stored(
                "涉企检查待审批：%(dept)s 拟于 %(date)s 检查 %(unit)s（%(purpose)s）",
                dept=department.name,
                date=planned_on.isoformat(),
                unit=enterprise.name,
                purpose=inspection.get_purpose_display(),
            ),
            body=body,
            url=url,
        )
    else:
        notify(
            recipients.unit_admins(enterprise),
            _stored(
                "检查通知：%(dept)s 将于 %(date)s 开展%(purpose)s检查",
                dept=department.name,
                date=planned_on.isoformat(),
                purpose=inspection.get_purpose_display(),
            ),
            body=matters,
            url=url,
        )
    return inspection


def _lock_inspection(inspection) -> InspectionRequest:
    return (
        InspectionRequest.objects.select_for_update(of=("self",))
        .select_related("enterprise", "department")
        .get(pk=inspection.pk)
    )


@transaction.atomic
def decide_inspection(inspection, *, actor, approve, note="", now=None) -> InspectionRequest:
    """CMD-04: the city dispatch HQ approves or refuses an inspection beforehand."""
    now = _now(now)
    if not may_decide_inspection(actor, inspection):
        raise PermissionDenied(_("涉企检查由单位所在市的经济运行调度指挥部审批。"))
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("不批准时请说明理由。")})
    inspection = _lock_inspection(inspection)
    if inspection.inspected_on is not None:
        raise ValidationError(_("该检查已经开展，不能事后审批。"))
    if inspection.status != I.PENDING:
        raise ValidationError(
            _("该检查当前状态为“%(status)s”，无需审批。")
            % {"status": inspection.get_status_display()}
        )
    inspection.decided_at = now
    inspection.decided_by = _user(actor)
    inspection.decision_note = note
    action = "approve" if approve else "reject"
    INSPECTION_WORKFLOW.apply(
        inspection,
        action,
        actor=actor,
        note=note,
        extra_fields=["decided_at", "decided_by", "decision_note"],
    )
    audit.record(f"inspection.{action}", actor=actor, obj=inspection, note=note)
    unit = inspection.enterprise
    if approve:
        title = _stored(
            "涉企检查已批准：%(dept)s 于 %(date)s 检查 %(unit)s",
            dept=inspection.department.name,
            date=inspection.planned_on.isoformat(),
            unit=unit.name,
        )
        to = _unique([inspection.requested_by], recipients.unit_admins(unit))
    else:
        title = _stored(
            "涉企检查未获批准：%(dept)s 对 %(unit)s 的检查",
            dept=inspection.department.name,
            unit=unit.name,
        )
        to = _unique([inspection.requested_by])
    notify(to, title, body=note, url=_inspection_url(inspection))
    return inspection


@transaction.atomic
def record_inspection_done(
    inspection, *, actor, inspected_on, findings, now=None
) -> InspectionRequest:
    """CMD-04: the department logs the inspection it carried out. One that needed approval and
    did not have it is recorded all the same, flagged, and the HQs are told."""
    now = _now(now)
    if actor is not None and not _department_grants(
        actor, "change", inspection.department_id, inspection.region_code
    ):
        raise PermissionDenied(_("只有实施检查的部门可以登记检查结果。"))
    inspection = _lock_inspection(inspection)
    findings = (findings or "").strip()
    errors = {}
    if inspected_on is None:
        errors["inspected_on"] = _("请填写检查日期。")
    elif inspected_on > timezone.localtime(now).date():
        errors["inspected_on"] = _("检查日期不能晚于今天。")
    elif (
        inspection.status == I.APPROVED
        and inspected_on < timezone.localtime(inspection.decided_at).date()
    ):
        errors["inspected_on"] = _("检查日期早于批准日期：检查须在批准后开展。")
    if not findings:
        errors["findings"] = _("请填写检查结果。")
    if inspection.inspected_on is not None or inspection.status == I.DONE:
        errors["__all__"] = _("该检查已登记结果。")
    if errors:
        raise ValidationError(errors)
    unapproved = inspection.status in (I.PENDING, I.REJECTED)
    inspection.inspected_on = inspected_on
    inspection.findings = findings
    INSPECTION_WORKFLOW.apply(
        inspection,
        "inspect_unapproved" if unapproved else "inspect",
        actor=actor,
        note=findings,
        extra_fields=["inspected_on", "findings"],
    )
    audit.record(
        "inspection.unapproved" if unapproved else "inspection.done",
        actor=actor,
        obj=inspection,
        changes={"inspected_on": inspected_on.isoformat(), "unapproved": unapproved},
    )
    if unapproved:
        notify(
            _unique(_city_hqs(inspection.region_code), _local_hqs(inspection.region_code)),
            _stored(
                "未经批准开展涉企检查：%(dept)s 于 %(date)s 检查 %(unit)s（%(purpose)s）",
                dept=inspection.department.name,
                date=inspected_on.isoformat(),
                unit=inspection.enterprise.name,
                purpose=inspection.get_purpose_display(),
            ),
            body=findings,
            url=_inspection_url(inspection),
        )
    return inspection


# --- protected-inspection lists ---


def _may_keep_list(actor, department, action) -> bool:
    if actor is None:
        return True
    return any(
        g.department_id == department.pk
        for g in allowing_grants(actor, ProtectedInspection._meta.label_lower, action)
    )


@transaction.atomic
def save_protected_inspection(department, *, actor, purpose, items) -> ProtectedInspection:
    """CMD-04: a department lists the inspections of one purpose that whitelisted units are
    protected from (免检清单); one row per department and purpose, updated in place."""
    row = ProtectedInspection.objects.filter(department=department, purpose=purpose).first()
    if not _may_keep_list(actor, department, "change" if row else "add"):
        raise PermissionDenied(_("只有本部门可以维护本部门的免检清单。"))
    items = (items or "").strip()
    errors = {}
    if purpose not in InspectionPurpose.values:
        errors["purpose"] = _("请选择检查类别。")
    elif not queries.approval_needed(purpose):
        errors["purpose"] = _("疫情防控、安全生产、出入境检验检疫检查无需审批，不列入免检清单。")
    if not items:
        errors["items"] = _("请列出免检的检查事项。")
    if errors:
        raise ValidationError(errors)
    if row is None:
        row = ProtectedInspection.objects.create(
            department=department, purpose=purpose, items=items, region_code=department.region_id
        )
        audit.record("protected_inspection.add", actor=actor, obj=row, changes={"items": items})
    else:
        before = audit.snapshot(row, ["items"])
        row.items = items
        row.save(update_fields=["items"])
        audit.record(
            "protected_inspection.change",
            actor=actor,
            obj=row,
            changes=audit.diff(before, audit.snapshot(row, ["items"])),
        )
    return row


@transaction.atomic
def delete_protected_inspection(row, *, actor) -> None:
    if not _may_keep_list(actor, row.department, "change"):
        raise PermissionDenied(_("只有本部门可以维护本部门的免检清单。"))
    audit.record("protected_inspection.delete", actor=actor, obj=row, changes={"items": row.items})
    row.delete()


# --- rewards and penalties (CMD-05) ---


def _region(region) -> Region:
    if isinstance(region, Region):
        return region
    found = Region.objects.filter(code=str(region or "")).first()
    if found is None:
        raise ValidationError({"region": _("区划不存在。")})
    return found


@transaction.atomic
def record_reward_penalty(
    *,
    actor,
    kind,
    region,
    enterprise=None,
    reason,
    decided_on,
    document="",
    incident=None,
    now=None,
) -> RewardPenalty:
    """CMD-05: a commendation, a duty-fulfilled exemption or a talk / notice, about a unit (in
    ``region``) or a region itself, decided by an HQ with authority over it.

    A duty-fulfilled exemption (D2 五, D1 七(一)) is for a whitelisted unit that carried out the
    prevention guide and still had an outbreak, found and controlled in time: it names the
    unit's incident; a unit removed from the whitelist for causing spread (熔断) gets none. A
    talk or notice about a region itself is decided by a higher level."""
    now = _now(now)
    region = _region(region)
    reason = (reason or "").strip()
    document = (document or "").strip()
    K = RewardPenalty.Kind
    target_code = enterprise.region_id if enterprise is not None else region.code
    if actor is not None:
        if not covers(
            actor,
            RewardPenalty,
            "add",
            region_code=target_code,
            enterprise_id=enterprise.pk if enterprise is not None else None,
        ) or not covers(actor, RewardPenalty, "add", region_code=region.code):
            raise PermissionDenied(_("只有对该区划有管辖权的指挥部可以作出奖惩决定。"))
        if kind in (K.TALK, K.NOTICE) and enterprise is None:
            above = any(
                not g.enterprise_id
                and region.code.startswith(g.region_id)
                and g.region_id != region.code
                for g in allowing_grants(actor, RewardPenalty._meta.label_lower, "add")
            )
            if not above:
                raise PermissionDenied(_("对本级区划的约谈、通报由上级指挥部作出。"))
    errors = {}
    if kind not in K.values:
        errors["kind"] = _("请选择奖惩类别。")
    if not reason:
        errors["reason"] = _("请填写事由。")
    if decided_on is None:
        errors["decided_on"] = _("请填写决定日期。")
    elif decided_on > timezone.localtime(now).date():
        errors["decided_on"] = _("决定日期不能晚于今天。")
    if enterprise is not None and not enterprise.region_id.startswith(region.code):
        errors["enterprise"] = _("该单位不在所选区划内。")
    if incident is not None:
        if enterprise is not None and incident.enterprise_id != enterprise.pk:
            errors["incident"] = _("关联事件不属于该单位。")
        elif enterprise is None and not incident.region_code.startswith(region.code):
            errors["incident"] = _("关联事件不在所选区划内。")
    if kind == K.DUTY_EXEMPTION:
        if enterprise is None:
            errors["enterprise"] = _("尽职免责针对发生疫情的白名单单位，请选择单位。")
        elif incident is None:
            errors["incident"] = _("尽职免责须关联该单位发生的疫情事件。")
        elif incident.status == Incident.Status.EXCLUDED:
            errors["incident"] = _("该事件已排除感染，不存在需要免责的疫情。")
        elif RewardPenalty.objects.filter(kind=K.DUTY_EXEMPTION, incident=incident).exists():
            errors["incident"] = _("该事件已作出尽职免责决定。")
        if enterprise is not None and "enterprise" not in errors:
            from sibao.enterprises.models import WhitelistChange, WhitelistChangeKind

            fused = WhitelistChange.objects.filter(
                entry__enterprise=enterprise, kind=WhitelistChangeKind.FUSED
            )
            if incident is not None:
                fused = fused.filter(at__gte=incident.opened_at)
            if fused.exists():
                errors["enterprise"] = _(
                    "该单位因未落实防控措施导致疫情输入（扩散）已被熔断，不适用尽职免责。"
                )
            elif not queries.is_whitelisted_unit(enterprise):
                errors["enterprise"] = _("尽职免责适用于落实防控指南要求的白名单单位。")
    if errors:
        raise ValidationError(errors)
    row = RewardPenalty.objects.create(
        kind=kind,
        enterprise=enterprise,
        region=region,
        reason=reason,
        incident=incident,
        decided_on=decided_on,
        decided_by=_user(actor),
        document=document,
        region_code=target_code,
    )
    audit.record(
        "reward_penalty.record",
        actor=actor,
        obj=row,
        changes=audit.snapshot(row, ["kind", "enterprise", "region", "incident", "document"]),
        note=reason,
    )
    subject = enterprise.name if enterprise is not None else region.full_name
    title = _stored("%(kind)s：%(subject)s", kind=row.get_kind_display(), subject=subject)
    if enterprise is not None:
        to = _unique(recipients.unit_admins(enterprise), recipients.unit_liaisons(enterprise))
        url = reverse("command:oversight_unit", args=[enterprise.pk])
    else:
        to = recipients.region_officials(
            region.code, [Role.HQ_OFFICE, Role.HQ_LEADER], levels=[region.level]
        )
        url = reverse("command:oversight_region", args=[region.code])
    notify(to, title, body=reason, url=url)
    return row


# --- exports ---


def record_oversight_export(*, actor, what: str, rows: int, filters: str = "") -> None:
    """An oversight list downloaded as a file (audited with its row count and filters), in the
    exporter's own jurisdiction so that the auditors above always see it."""
    region_code = ""
    if actor is not None:
        grants = [g for g in actor.active_grants() if not g.enterprise_id]
        region_code = grants[0].region_id if grants else (actor.region_id or "")
    audit.record(
        f"oversight.export.{what}",
        actor=actor,
        changes={"rows": rows},
        note=filters,
        region_code=region_code,
    )
