"""Writes of the orders area (DEM-02): routing, dispatch, and the handling unit's steps — sign,
start, reply with evidence, return request and the office's decision, extension request and
decision, suspension and resumption of the clock, escalation to the next level.

Who does what:

- the office (``hq_office``) of a level dispatches a demand to a department of its own level (a
  county office to county departments …): exactly one open lead order (主办) per demand plus
  optional co-handling orders (协办); it decides return and extension requests;
- the handling unit (``workorders.access.handles``: the department's staff, or the office of the
  department's level acting for it) signs, starts, replies, asks for a return or an extension,
  suspends and resumes, and escalates when the matter is beyond its authority.

The handling clock starts at dispatch (``clocks.limits_for``); only approved extensions and the
working time spent suspended move the deadline (``recompute_due``). Every state change goes
through ``actions.base.transition`` (lock, version check, workflow history, audit)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from sibao.accounts.models import RoleGrant, User
from sibao.accounts.roles import Role
from sibao.command import recipients
from sibao.core import audit
from sibao.core import rules as rule_catalogue
from sibao.core.notifications import notify
from sibao.regions.models import Department, Region
from sibao.workorders import access, clocks
from sibao.workorders.actions.base import Conflict, next_number, now_or, stored, transition
from sibao.workorders.models import (
    Attachment,
    Demand,
    DemandStatus,
    ExtensionRequest,
    OrderRole,
    OrderStatus,
    RequestStatus,
    ReturnRequest,
    RoutingRule,
    Suspension,
    Urging,
    WorkOrder,
    level_of,
)
from sibao.workorders.models.orders import OPEN_ORDER_STATUSES

__all__ = [
    "decide_extension",
    "decide_return",
    "delete_routing_rule",
    "dispatch",
    "escalate",
    "escalation_target",
    "may_decide",
    "may_dispatch_to",
    "recompute_due",
    "record_order_export",
    "reply",
    "request_extension",
    "request_return",
    "resume",
    "return_window_open",
    "save_routing_rule",
    "service_tier",
    "sign",
    "start",
    "suggest_department",
    "suspend",
]

MAX_FILE_BYTES = 20 * 1024 * 1024
DISPATCHABLE = (DemandStatus.ACCEPTED, DemandStatus.HANDLING)


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _text(value) -> str:
    return (value or "").strip()


def _order_url(order) -> str:
    return reverse("workorders:order_detail", args=[order.pk])


def _calendar():
    return clocks.WorkCalendar.from_rules()


def _lock(model, obj):
    return model.objects.select_for_update().get(pk=obj.pk)


# --- recipients ---


def _department_staff(department) -> list:
    ids = RoleGrant.objects.filter(
        role=Role.DEPARTMENT_STAFF, department=department, is_active=True, user__is_active=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def _office_of(region_code: str) -> list:
    """The office users of exactly this level (HQ office grants on the region itself)."""
    region = Region.objects.get(code=region_code)
    return recipients.region_officials(region_code, [Role.HQ_OFFICE], levels=[region.level])


# --- routing ---


def service_tier(enterprise) -> str:
    """The unit's whitelist service tier while it is listed, else ""."""
    from sibao.enterprises.models import WhitelistEntry

    entry = WhitelistEntry.objects.filter(enterprise=enterprise, status="listed").first()
    return entry.tier if entry else ""


def matching_rule(demand) -> RoutingRule | None:
    """The most specific routing rule for the demand: the longest region prefix of the demand's
    region among the rules of its category; on the same region a rule naming the unit's service
    tier beats an "any tier" rule."""
    tier = service_tier(demand.enterprise)
    prefixes = recipients.covering_codes(demand.region_code)
    rules = RoutingRule.objects.filter(
        category=demand.category, region_code__in=prefixes, service_tier__in={"", tier}
    )
    return max(rules, key=lambda r: (len(r.region_code), r.service_tier != ""), default=None)


def suggest_department(demand, *, region_code: str | None = None) -> Department | None:
    """The department the routing rules suggest, at the dispatcher's level: ``region_code`` is
    the dispatching office's region (default the demand's own county)."""
    rule = matching_rule(demand)
    if rule is None:
        return None
    region_code = region_code or demand.region_code
    return Department.objects.filter(region_id=region_code, kind=rule.department_kind).first()


# --- dispatch ---


def may_dispatch_to(actor, department) -> bool:
    """The office of exactly the department's level may dispatch to it."""
    if actor is None:
        return True
    return any(g.region_id == department.region_id for g in access.office_grants(actor))


def _check_dispatcher(actor, demand, department, role) -> None:
    if actor is not None:
        if not Demand.objects.visible_to(actor, "view").filter(pk=demand.pk).exists():
            raise PermissionDenied(_("该诉求不在您的管辖范围内。"))
        if not may_dispatch_to(actor, department):
            raise PermissionDenied(_("只能由本级指挥部办公室向本级部门派单。"))
    if not demand.region_code.startswith(department.region_id):
        raise ValidationError({"department": _("承办部门所在区划不管辖该企业。")})
    if role not in OrderRole.values:
        raise ValidationError({"role": _("请选择主办或协办。")})


def _check_open_orders(demand, department, role) -> None:
    if demand.status not in DISPATCHABLE:
        raise ValidationError(
            _("诉求当前状态为“%(status)s”，只有已受理或办理中的诉求可以派单。")
            % {"status": demand.get_status_display()}
        )
    open_orders = demand.orders.filter(status__in=OPEN_ORDER_STATUSES)
    if open_orders.filter(department=department).exists():
        raise ValidationError({"department": _("该部门已有本诉求的在办工单。")})
    has_lead = open_orders.filter(role=OrderRole.LEAD).exists()
    if role == OrderRole.LEAD and has_lead:
        raise ValidationError({"role": _("该诉求已有在办的主办工单，只能再派协办工单。")})
    if role == OrderRole.ASSIST and not has_lead:
        raise ValidationError({"role": _("请先派出主办工单，再派协办工单。")})


def _new_order(demand, *, department, role, actor, instructions, now, parent=None) -> WorkOrder:
    """A work order with a fresh clock at the department's level (the clock starts now)."""
    level = level_of(department.region_id)
    limits = clocks.limits_for(category=demand.category, urgency=demand.urgency, level=level)
    calendar = _calendar()
    order = WorkOrder(
        number=next_number(WorkOrder, "GD"),
        demand=demand,
        role=role,
        department=department,
        level=level,
        parent=parent,
        instructions=instructions,
        dispatched_at=now,
        dispatched_by=_user(actor),
        sign_due_at=calendar.add(now, limits.sign_minutes),
        limit_minutes=limits.reply_minutes,
        rule_version=limits.rule_version,
        enterprise_id=demand.enterprise_id,
        region_code=department.region_id,
        origin_region_code=demand.region_code,
        category=demand.category,
        urgency=demand.urgency,
        supervised=bool(parent and parent.supervised),
    )
    order.due_at = clocks.due_at(order, calendar)
    order.save()
    return order


def dispatch(
    demand, *, actor, department, role="lead", instructions="", version=None, now=None
) -> WorkOrder:
    """DEM-02: the office of the level dispatches the demand to a department of its level; the
    first lead dispatch (and a re-dispatch after a return) moves the demand to "handling"."""
    now = now_or(now)
    instructions = _text(instructions)
    with transaction.atomic():
        demand = _lock(Demand, demand)
        _check_dispatcher(actor, demand, department, role)
        if role == OrderRole.LEAD:
            demand = transition(
                demand,
                "dispatch",
                actor=actor,
                version=version,
                note=stored("派单至%(d)s", d=department.name),
                now=now,
            )
            _check_open_orders(demand, department, role)  # a failure rolls the step back
        else:
            if version is not None and demand.version != version:
                raise Conflict(
                    _("该诉求已被他人处理，当前状态为“%(s)s”。请刷新页面查看最新情况后再操作。")
                    % {"s": demand.get_status_display()},
                    code="conflict",
                )
            _check_open_orders(demand, department, role)
        order = _new_order(
            demand,
            department=department,
            role=role,
            actor=actor,
            instructions=instructions,
            now=now,
        )
        audit.record(
            "workorder.dispatch",
            actor=actor,
            obj=order,
            changes=audit.snapshot(order, ["demand", "department", "role", "level", "due_at"]),
            note=instructions,
            rule_version=order.rule_version,
        )
    notify(
        _department_staff(department),
        stored("新工单待签收：%(n)s %(t)s", n=order.number, t=demand.title),
        body=instructions[:500],
        url=_order_url(order),
    )
    return order


# --- the handling unit's steps ---


def _check_handler(actor, order) -> None:
    if actor is not None and not access.handles(actor, order):
        raise PermissionDenied(_("只有承办部门（或本级指挥部办公室）可以办理该工单。"))


def sign(order, *, actor, version=None, now=None) -> WorkOrder:
    """DEM-02: the handling unit signs for the order (签收)."""
    now = now_or(now)
    _check_handler(actor, order)
    return transition(
        order,
        "sign",
        actor=actor,
        version=version,
        now=now,
        fields={"signed_at": now, "signed_by": _user(actor)},
    )


def start(order, *, actor, version=None, now=None) -> WorkOrder:
    """DEM-02: handling starts (办理中); signing first is implied."""
    now = now_or(now)
    _check_handler(actor, order)
    fields = {}
    if order.signed_at is None:
        fields = {"signed_at": now, "signed_by": _user(actor)}
    return transition(order, "start", actor=actor, version=version, now=now, fields=fields)


def _check_files(files) -> None:
    for f in files:
        if getattr(f, "size", 0) > MAX_FILE_BYTES:
            raise ValidationError({"files": _("单个附件不能超过 20MB：%(n)s") % {"n": f.name}})


def reply(order, *, actor, answer, files=(), version=None, now=None) -> WorkOrder:
    """DEM-02: the handling unit answers (答复) with evidence files; the office reviews next."""
    now = now_or(now)
    _check_handler(actor, order)
    answer = _text(answer)
    files = list(files or ())
    if not answer:
        raise ValidationError({"answer": _("请填写办理答复。")})
    _check_files(files)
    with transaction.atomic():
        order = transition(
            order,
            "reply",
            actor=actor,
            version=version,
            note=answer[:500],
            now=now,
            fields={"answer": answer, "replied_at": now, "replied_by": _user(actor)},
        )
        for f in files:
            Attachment.objects.create(
                demand_id=order.demand_id,
                work_order=order,
                file=f,
                name=f.name[:200],
                size=f.size or 0,
                uploaded_at=now,
                uploaded_by=_user(actor),
                region_code=order.origin_region_code,
            )
    notify(
        _office_of(order.region_code),
        stored("工单已答复，待审核：%(n)s", n=order.number),
        body=answer[:500],
        url=_order_url(order),
    )
    return order


# --- return ---


def return_window_open(order, now) -> bool:
    """Whether ``now`` is within ``workorder_return_window_days`` working days of dispatch."""
    calendar = _calendar()
    days = rule_catalogue.current()["workorder_return_window_days"]
    return calendar.between(order.dispatched_at, now) <= days * calendar.minutes_per_day


def request_return(
    order, *, actor, reason, suggested_department=None, version=None, now=None
) -> ReturnRequest:
    """DEM-02: the handling unit asks to give the order back (not its business) within the
    window, with a reason and optionally the department it thinks competent."""
    now = now_or(now)
    _check_handler(actor, order)
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": _("请说明退回理由。")})
    if not return_window_open(order, now):
        days = rule_catalogue.current()["workorder_return_window_days"]
        raise ValidationError(
            _("已超过派单后 %(d)s 个工作日的退回期限，不能再申请退回；如确需调整请申请提级或延期。")
            % {"d": days}
        )
    with transaction.atomic():
        locked = _lock(WorkOrder, order)
        previous = locked.status
        order = transition(
            locked,
            "request_return",
            actor=actor,
            version=version,
            note=reason,
            now=now,
            fields={"return_count": locked.return_count + 1},
        )
        request = ReturnRequest.objects.create(
            order=order,
            reason=reason,
            suggested_department=suggested_department,
            previous_status=previous,
            requested_at=now,
            requested_by=_user(actor),
            region_code=order.region_code,
        )
    notify(
        _office_of(order.region_code),
        stored("退回申请待审批：%(n)s", n=order.number),
        body=reason[:500],
        url=_order_url(order),
    )
    return request


def may_decide(actor, order) -> bool:
    """The office of the order's level (or above) decides its requests."""
    return actor is None or access.is_office_of(actor, order.region_code, "decide")


def _check_decider(actor, order) -> None:
    if not may_decide(actor, order):
        raise PermissionDenied(_("只有本级指挥部办公室可以审批该申请。"))


def _decide_request(model, request, *, approve, actor, note, now):
    request = _lock(model, request)
    if request.status != RequestStatus.PENDING:
        raise ValidationError(_("该申请已审批。"))
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    request.decided_at = now
    request.decided_by = _user(actor)
    request.decision_note = note
    request.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    return request


def decide_return(request, *, actor, approve: bool, note="", now=None) -> ReturnRequest:
    """DEM-02: the office approves (the order is "returned"; the office dispatches again, and a
    demand with no open order goes back to "accepted") or insists (the order goes back to where
    it was)."""
    now = now_or(now)
    note = _text(note)
    order = request.order
    _check_decider(actor, order)
    if not approve and not note:
        raise ValidationError({"note": _("不同意退回时请说明理由。")})
    with transaction.atomic():
        request = _decide_request(
            ReturnRequest, request, approve=approve, actor=actor, note=note, now=now
        )
        action = "approve_return" if approve else f"insist_{request.previous_status}"
        order = transition(order, action, actor=actor, note=note, now=now)
        demand = order.demand
        if approve and not demand.orders.filter(status__in=OPEN_ORDER_STATUSES).exists():
            transition(demand, "unassign", actor=actor, note=note, now=now)
    title = (
        stored("退回申请已同意：%(n)s", n=order.number)
        if approve
        else stored("退回申请未同意，请继续办理：%(n)s", n=order.number)
    )
    notify(
        [request.requested_by] if request.requested_by else [],
        title,
        body=note,
        url=_order_url(order),
    )
    return request


# --- extension ---


def request_extension(order, *, actor, working_days, reason, now=None) -> ExtensionRequest:
    """DEM-02: the handling unit asks for more working days (limited in number and length)."""
    now = now_or(now)
    _check_handler(actor, order)
    reason = _text(reason)
    rule_set = rule_catalogue.current()
    max_count = rule_set["workorder_extension_max_count"]
    max_days = rule_set["workorder_extension_max_days"]
    errors = {}
    if not reason:
        errors["reason"] = _("请说明延期理由。")
    if not isinstance(working_days, int) or not 1 <= working_days <= max_days:
        errors["working_days"] = _("每次延期为 1 至 %(d)s 个工作日。") % {"d": max_days}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        order = _lock(WorkOrder, order)
        if order.status not in (OrderStatus.SIGNED, OrderStatus.IN_PROGRESS, OrderStatus.SUSPENDED):
            raise ValidationError(_("工单签收后、答复前才能申请延期。"))
        requests = order.extension_requests.exclude(status=RequestStatus.REFUSED)
        if requests.filter(status=RequestStatus.PENDING).exists():
            raise ValidationError(_("已有待审批的延期申请。"))
        if requests.count() >= max_count:
            raise ValidationError(_("每张工单最多延期 %(c)s 次，已达上限。") % {"c": max_count})
        request = ExtensionRequest.objects.create(
            order=order,
            working_days=working_days,
            reason=reason,
            requested_at=now,
            requested_by=_user(actor),
            region_code=order.region_code,
        )
        audit.record(
            "workorder.request_extension",
            actor=actor,
            obj=order,
            changes={"working_days": working_days},
            note=reason,
        )
    notify(
        _office_of(order.region_code),
        stored("延期申请待审批：%(n)s（%(d)s 个工作日）", n=order.number, d=working_days),
        body=reason[:500],
        url=_order_url(order),
    )
    return request


def recompute_due(order) -> None:
    """After a change of the clock fields: ``due_at`` from dispatch + limit + extensions + paused."""
    order.due_at = clocks.due_at(order)
    WorkOrder.objects.filter(pk=order.pk).update(due_at=order.due_at)


def decide_extension(request, *, actor, approve: bool, note="", now=None) -> ExtensionRequest:
    """DEM-02: the office approves (the deadline moves by the working days) or refuses."""
    now = now_or(now)
    note = _text(note)
    _check_decider(actor, request.order)
    if not approve and not note:
        raise ValidationError({"note": _("不同意延期时请说明理由。")})
    with transaction.atomic():
        request = _decide_request(
            ExtensionRequest, request, approve=approve, actor=actor, note=note, now=now
        )
        order = _lock(WorkOrder, request.order)
        before = order.due_at
        if approve:
            order.extension_minutes += request.working_days * _calendar().minutes_per_day
            order.extension_count += 1
            order.save(update_fields=["extension_minutes", "extension_count"])
            recompute_due(order)
        audit.record(
            "workorder.decide_extension",
            actor=actor,
            obj=order,
            changes={"approved": approve, "due_at": [str(before), str(order.due_at)]},
            note=note,
        )
    title = (
        stored("延期申请已同意：%(n)s", n=order.number)
        if approve
        else stored("延期申请未同意：%(n)s", n=order.number)
    )
    notify(
        [request.requested_by] if request.requested_by else [],
        title,
        body=note,
        url=_order_url(order),
    )
    return request


# --- suspension ---


def suspend(order, *, actor, reason, version=None, now=None) -> WorkOrder:
    """DEM-02: waiting for the enterprise (补充材料) pauses the clock."""
    now = now_or(now)
    _check_handler(actor, order)
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": _("请说明暂停理由（等待企业补充的内容）。")})
    with transaction.atomic():
        order = transition(
            order,
            "suspend",
            actor=actor,
            version=version,
            note=reason,
            now=now,
            fields={"suspended_at": now},
        )
        Suspension.objects.create(
            order=order,
            reason=reason,
            started_at=now,
            started_by=_user(actor),
            region_code=order.region_code,
        )
    return order


def resume(order, *, actor, version=None, now=None) -> WorkOrder:
    """DEM-02: the clock runs again; the working time suspended moves the deadline."""
    now = now_or(now)
    if actor is not None and not (access.handles(actor, order) or may_decide(actor, order)):
        raise PermissionDenied(_("只有承办部门或本级指挥部办公室可以恢复计时。"))
    with transaction.atomic():
        locked = _lock(WorkOrder, order)
        if locked.status != OrderStatus.SUSPENDED or locked.suspended_at is None:
            raise ValidationError(_("工单未暂停计时。"))
        paused = _calendar().between(locked.suspended_at, now)
        order = transition(
            locked,
            "resume",
            actor=actor,
            version=version,
            now=now,
            fields={"paused_minutes": locked.paused_minutes + paused, "suspended_at": None},
        )
        suspension = order.suspensions.filter(ended_at__isnull=True).order_by("-started_at").first()
        if suspension is not None:
            suspension.ended_at = now
            suspension.paused_minutes = paused
            suspension.save(update_fields=["ended_at", "paused_minutes"])
        recompute_due(order)
    return order


# --- escalation ---


def escalation_target(order) -> Department | None:
    """The department of the same kind at the parent level; None at the province."""
    region = Region.objects.get(code=order.department.region_id)
    if region.parent_id is None:
        return None
    return Department.objects.filter(region_id=region.parent_id, kind=order.department.kind).first()


def escalate(order, *, actor, reason, automatic=False, now=None) -> WorkOrder:
    """DEM-02/03: beyond the unit's authority (or overdue, ``automatic``): a linked lead order at
    the parent level's department of the same kind with a fresh clock; the old order is
    "escalated"; the next level's office is told. County → city → province."""
    now = now_or(now)
    reason = _text(reason)
    if actor is not None and not (
        access.handles(actor, order) or access.is_office_of(actor, order.region_code)
    ):
        raise PermissionDenied(_("只有承办部门或本级指挥部办公室可以申请提级。"))
    if not reason:
        raise ValidationError({"reason": _("请说明超出本级权限、需要上级办理的理由。")})
    if order.role != OrderRole.LEAD:
        raise ValidationError(_("协办工单不能提级，请由主办单位申请提级。"))
    target = escalation_target(order)
    if target is None:
        if level_of(order.department.region_id) == "province":
            raise ValidationError(_("省级为最高一级，不能再提级。"))
        raise ValidationError(_("上级没有同类部门，无法提级。"))
    with transaction.atomic():
        order = transition(order, "escalate", actor=actor, note=reason, now=now)
        new = _new_order(
            order.demand,
            department=target,
            role=OrderRole.LEAD,
            actor=actor,
            instructions=reason,
            now=now,
            parent=order,
        )
        if automatic:
            new.supervised = True
            new.save(update_fields=["supervised"])
            Urging.objects.create(
                order=order,
                kind=Urging.Kind.AUTO_ESCALATION,
                note=reason,
                at=now,
                by=_user(actor),
                region_code=order.region_code,
            )
        audit.record(
            "workorder.escalated_to",
            actor=actor,
            obj=new,
            changes={"parent": order.pk, "department": target.pk, "automatic": automatic},
            note=reason,
            rule_version=new.rule_version,
        )
    users = {u.pk: u for u in _office_of(target.region_id) + _department_staff(target)}
    notify(
        [users[pk] for pk in sorted(users)],
        stored("工单提级至本级办理：%(n)s（原工单 %(o)s）", n=new.number, o=order.number),
        body=reason[:500],
        url=_order_url(new),
    )
    return new


# --- routing rules ---


def _clean_rule(*, category, region_code, service_tier, department_kind) -> dict:
    from sibao.enterprises.models import ServiceTier
    from sibao.regions.models import DepartmentKind
    from sibao.workorders.models import DemandCategory

    errors = {}
    if category not in DemandCategory.values:
        errors["category"] = _("请选择诉求类别。")
    if department_kind not in DepartmentKind.values:
        errors["department_kind"] = _("请选择承办部门类别。")
    if service_tier and service_tier not in ServiceTier.values:
        errors["service_tier"] = _("保障层级无效。")
    if not Region.objects.filter(code=region_code).exists():
        errors["region_code"] = _("区划代码不存在。")
    if errors:
        raise ValidationError(errors)
    return {
        "category": category,
        "region_code": region_code,
        "service_tier": service_tier or "",
        "department_kind": department_kind,
    }


@transaction.atomic
def save_routing_rule(
    rule=None,
    *,
    actor,
    category,
    region_code,
    department_kind,
    service_tier="",
    note="",
    now=None,
) -> RoutingRule:
    """DEM-02: the office adds or changes a routing rule (category × region × tier → kind) for
    a region within its grant."""
    from sibao.accounts.access import can, covers

    region_code = _text(region_code)
    values = _clean_rule(
        category=category,
        region_code=region_code,
        service_tier=_text(service_tier),
        department_kind=department_kind,
    )
    action = "add" if rule is None else "change"
    if actor is not None:
        if rule is not None and not can(actor, RoutingRule, "change", obj=rule):
            raise PermissionDenied(_("该派单规则不在您的管辖范围内。"))
        if not covers(actor, RoutingRule, action, region_code=region_code):
            raise ValidationError({"region_code": _("只能为本级及下辖区划设置派单规则。")})
    clash = RoutingRule.objects.filter(
        category=values["category"],
        service_tier=values["service_tier"],
        region_code=region_code,
    )
    if rule is not None:
        clash = clash.exclude(pk=rule.pk)
    if clash.exists():
        raise ValidationError(_("该区划已有相同类别和保障层级的派单规则，请直接修改。"))
    before = audit.snapshot(rule, list(values)) if rule is not None else {}
    rule = rule or RoutingRule()
    for name, value in values.items():
        setattr(rule, name, value)
    rule.note = _text(note)[:200]
    rule.updated_by = _user(actor)
    rule.save()
    audit.record(
        f"routingrule.{action}",
        actor=actor,
        obj=rule,
        changes=audit.diff(before, audit.snapshot(rule, list(values))) if before else values,
    )
    return rule


def record_order_export(*, actor, rows: int, filters: str) -> None:
    """The export of the handling queue is audited (who downloaded what)."""
    audit.record("workorder.export", actor=actor, changes={"rows": rows, "filters": filters})


@transaction.atomic
def delete_routing_rule(rule, *, actor) -> None:
    """DEM-02: the office removes a rule of its jurisdiction (demands then follow the wider one)."""
    from sibao.accounts.access import can

    if actor is not None and not can(actor, RoutingRule, "change", obj=rule):
        raise PermissionDenied(_("该派单规则不在您的管辖范围内。"))
    audit.record(
        "routingrule.delete",
        actor=actor,
        obj=rule,
        changes=audit.snapshot(
            rule, ["category", "service_tier", "region_code", "department_kind"]
        ),
    )
    rule.delete()
