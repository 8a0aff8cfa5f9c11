"""DEM-02, DEM-03: work orders — one lead order (主办) and optional co-handling orders (协办) per
demand — with their lifecycle, honest clocks and the requests that bend them (return, extension,
suspension, rework, escalation), plus urgings and follow-up visits.

The handling clock starts at dispatch, not at signing (a unit gains nothing by signing late or
bouncing an order). ``limit_minutes`` is the working-time limit fixed at dispatch from the rule set
(``workorder_limits``, per category × urgency × level); ``due_at`` is the deadline in wall time,
recomputed from dispatch + limit + approved extensions + suspended working time whenever one of
them changes (``workorders.clocks``). An order is overdue when it is open and ``now > due_at``;
for a replied order the reply time is compared instead.

Concurrent changes: every transition goes through ``actions.orders.transition`` which locks the
row and compares the status and ``version`` the user saw; the loser gets a conflict message naming
who moved the order first."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager
from sibao.core.workflow import Transition, Workflow
from sibao.workorders.models.demands import _user


class OrderRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSIST = "assist", _("协办")


class Level(models.TextChoices):
    COUNTY = "county", _("县级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")


def level_of(region_code: str) -> str:
    return {2: Level.PROVINCE, 4: Level.CITY}.get(len(region_code), Level.COUNTY)


class OrderStatus(models.TextChoices):
    DISPATCHED = "dispatched", _("待签收")
    SIGNED = "signed", _("已签收")
    IN_PROGRESS = "in_progress", _("办理中")
    SUSPENDED = "suspended", _("暂停（待企业补充）")
    RETURN_REQUESTED = "return_requested", _("申请退回")
    REPLIED = "replied", _("已答复")
    REVIEWED = "reviewed", _("已审核")
    VISITED = "visited", _("已回访")
    CLOSED = "closed", _("已办结")
    RETURNED = "returned", _("已退回")
    ESCALATED = "escalated", _("已提级")


# open: the handling unit still owes something (the clock runs or is paused)
HANDLING_STATUSES = (
    OrderStatus.DISPATCHED,
    OrderStatus.SIGNED,
    OrderStatus.IN_PROGRESS,
    OrderStatus.SUSPENDED,
    OrderStatus.RETURN_REQUESTED,
)
# replied but not closed: the office reviews, visits and closes
AFTER_REPLY_STATUSES = (OrderStatus.REPLIED, OrderStatus.REVIEWED, OrderStatus.VISITED)
OPEN_ORDER_STATUSES = HANDLING_STATUSES + AFTER_REPLY_STATUSES
ENDED_STATUSES = (OrderStatus.CLOSED, OrderStatus.RETURNED, OrderStatus.ESCALATED)

OFFICE = frozenset({"hq_office", "hq_leader"})
HANDLER = frozenset({"department_staff", "health_office", "hq_office"})
S = OrderStatus

ORDER_WORKFLOW = Workflow(
    Transition(S.DISPATCHED, "sign", S.SIGNED, HANDLER),
    Transition((S.DISPATCHED, S.SIGNED), "start", S.IN_PROGRESS, HANDLER),
    # return request within the window (a reason and a suggested owner); the office decides
    Transition((S.DISPATCHED, S.SIGNED), "request_return", S.RETURN_REQUESTED, HANDLER),
    Transition(S.RETURN_REQUESTED, "approve_return", S.RETURNED, OFFICE),
    Transition(S.RETURN_REQUESTED, "insist_dispatched", S.DISPATCHED, OFFICE),
    Transition(S.RETURN_REQUESTED, "insist_signed", S.SIGNED, OFFICE),
    # waiting for the enterprise pauses the clock
    Transition((S.SIGNED, S.IN_PROGRESS), "suspend", S.SUSPENDED, HANDLER),
    Transition(S.SUSPENDED, "resume", S.IN_PROGRESS, HANDLER | OFFICE),
    Transition((S.SIGNED, S.IN_PROGRESS), "reply", S.REPLIED, HANDLER),
    # beyond the unit's authority: a linked order at the next level takes over
    Transition((S.DISPATCHED, S.SIGNED, S.IN_PROGRESS), "escalate", S.ESCALATED),
    Transition(S.REPLIED, "review", S.REVIEWED, OFFICE),
    # the office (or, after a visit, the enterprise's "not resolved") sends it back: rework
    Transition((S.REPLIED, S.REVIEWED, S.VISITED), "rework", S.IN_PROGRESS, OFFICE),
    Transition(S.REVIEWED, "visit", S.VISITED, OFFICE | frozenset({"liaison_cadre"})),
    Transition(S.VISITED, "close", S.CLOSED, OFFICE),
    # co-handling orders close with their reply once the office has reviewed it
    Transition(S.REVIEWED, "close_assist", S.CLOSED, OFFICE),
    # an appeal reopens a closed lead order
    Transition(S.CLOSED, "reopen", S.IN_PROGRESS, OFFICE),
    labels=OrderStatus,
)


class WorkOrder(models.Model):
    number = models.CharField(_("工单编号"), max_length=24, unique=True)
    demand = models.ForeignKey(
        "workorders.Demand", models.CASCADE, related_name="orders", verbose_name=_("诉求")
    )
    role = models.CharField(
        _("主办/协办"), max_length=8, choices=OrderRole.choices, default=OrderRole.LEAD
    )
    department = models.ForeignKey(
        "regions.Department", models.PROTECT, related_name="work_orders", verbose_name=_("承办单位")
    )
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    # the order at the level below that this one took over (escalation), if any
    parent = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalated_to",
        verbose_name=_("提级自"),
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DISPATCHED
    )
    instructions = models.TextField(_("交办意见"), blank=True)
    dispatched_at = models.DateTimeField(_("派单时间"))
    dispatched_by = _user(_("派单人"))
    # clocks (workorders.clocks): fixed at dispatch, bent only by approved requests
    sign_due_at = models.DateTimeField(_("签收时限"))
    limit_minutes = models.PositiveIntegerField(_("办理时限（工作分钟）"))
    extension_minutes = models.PositiveIntegerField(_("已批准延期（工作分钟）"), default=0)
    paused_minutes = models.PositiveIntegerField(_("暂停计时（工作分钟）"), default=0)
    suspended_at = models.DateTimeField(_("暂停开始"), null=True, blank=True)
    due_at = models.DateTimeField(_("办理时限"))
    rule_version = models.PositiveIntegerField(_("规则版本"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_by = _user(_("签收人"))
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_by = _user(_("答复人"))
    answer = models.TextField(_("办理答复"), blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退回申请次数"), default=0)
    urge_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    # the highest reminder stage sent (50, 80, 100 % of the limit), so each is sent once
    reminded_percent = models.PositiveSmallIntegerField(_("已提醒进度（%）"), default=0)
    # under supervision (督办) after too many reworks or an automatic escalation
    supervised = models.BooleanField(_("重点督办"), default=False)
    version = models.PositiveIntegerField(default=0, editable=False)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.PROTECT, related_name="+", verbose_name=_("企业")
    )
    # the handler's region (moves up on escalation) and the enterprise's region
    region_code = models.CharField(_("承办区划"), max_length=12)
    origin_region_code = models.CharField(_("企业区划"), max_length=12)
    category = models.CharField(_("类别"), max_length=16)
    urgency = models.CharField(_("紧急程度"), max_length=10)

    objects = ScopedManager()
    scope = Scope(region=("region_code", "origin_region_code"), enterprise="enterprise_id")
    workflow = ORDER_WORKFLOW

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # the handling unit's queue and the sweep of open orders by deadline
            models.Index(fields=["department", "status", "due_at"], name="workorder_queue"),
            models.Index(fields=["status", "due_at"], name="workorder_sweep"),
            # metrics per level and category over a period of dispatches
            models.Index(fields=["level", "dispatched_at"], name="workorder_period"),
        ]
        verbose_name = _("工单")
        verbose_name_plural = _("工单")

    def __str__(self):
        return self.number

    @property
    def is_handling(self) -> bool:
        return self.status in HANDLING_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ORDER_STATUSES

    def is_overdue(self, now) -> bool:
        """Open and past its deadline; a replied order is judged by its reply time."""
        if self.status in HANDLING_STATUSES:
            return now > self.due_at
        if self.replied_at is not None and self.status != OrderStatus.RETURNED:
            return self.replied_at > self.due_at
        return False


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REFUSED = "refused", _("不同意")


class ReturnRequest(models.Model):
    order = models.ForeignKey(
        WorkOrder, models.CASCADE, related_name="return_requests", verbose_name=_("工单")
    )
    reason = models.TextField(_("退回理由"))
    suggested_department = models.ForeignKey(
        "regions.Department",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("建议承办单位"),
    )
    previous_status = models.CharField(_("申请前状态"), max_length=20)
    requested_at = models.DateTimeField(_("申请时间"))
    requested_by = _user(_("申请人"))
    status = models.CharField(
        _("审批结果"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_by = _user(_("审批人"))
    decision_note = models.TextField(_("审批意见"), blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="order__enterprise_id")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("退回申请")
        verbose_name_plural = _("退回申请")

    def __str__(self):
        return f"{self.order_id}: {self.reason[:20]}"


class ExtensionRequest(models.Model):
    order = models.ForeignKey(
        WorkOrder, models.CASCADE, related_name="extension_requests", verbose_name=_("工单")
    )
    working_days = models.PositiveSmallIntegerField(_("申请延期（工作日）"))
    reason = models.TextField(_("延期理由"))
    requested_at = models.DateTimeField(_("申请时间"))
    requested_by = _user(_("申请人"))
    status = models.CharField(
        _("审批结果"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_by = _user(_("审批人"))
    decision_note = models.TextField(_("审批意见"), blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="order__enterprise_id")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")

    def __str__(self):
        return f"{self.order_id}: +{self.working_days}"


class Suspension(models.Model):
    """A pause of the clock while the unit waits for the enterprise (补充材料、企业原因)."""

    order = models.ForeignKey(
        WorkOrder, models.CASCADE, related_name="suspensions", verbose_name=_("工单")
    )
    reason = models.TextField(_("暂停理由"))
    started_at = models.DateTimeField(_("暂停时间"))
    started_by = _user(_("操作人"))
    ended_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    paused_minutes = models.PositiveIntegerField(_("暂停（工作分钟）"), default=0)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="order__enterprise_id")

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("暂停计时")
        verbose_name_plural = _("暂停计时")

    def __str__(self):
        return f"{self.order_id}: {self.started_at:%Y-%m-%d}"


class Urging(models.Model):
    """A reminder or an urging (催办) of one order: the automatic 50/80/100 % reminders, a manual
    urging by the office, and the automatic escalation of an overdue order — a ledger, so each
    automatic step is sent once and the order's page shows them all."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("时限提醒")
        URGE = "urge", _("催办")
        AUTO_ESCALATION = "auto_escalation", _("超期自动提级")

    order = models.ForeignKey(
        WorkOrder, models.CASCADE, related_name="urgings", verbose_name=_("工单")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    percent = models.PositiveSmallIntegerField(_("时限进度（%）"), null=True, blank=True)
    note = models.TextField(_("催办意见"), blank=True)
    at = models.DateTimeField(_("时间"))
    by = _user(_("催办人"))
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="order__enterprise_id")

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            # each automatic reminder stage once per order
            models.UniqueConstraint(
                fields=["order", "kind", "percent"],
                condition=models.Q(kind="reminder"),
                name="urging_reminder_once",
            )
        ]
        verbose_name = _("催办督办")
        verbose_name_plural = _("催办督办")

    def __str__(self):
        return f"{self.order_id} {self.kind}"


class Visit(models.Model):
    """A follow-up visit (回访) with the enterprise after the reply: how it was done and what the
    enterprise said — resolution and satisfaction recorded separately."""

    class Method(models.TextChoices):
        PHONE = "phone", _("电话回访")
        ONSITE = "onsite", _("实地走访")
        ONLINE = "online", _("企业线上确认")

    order = models.ForeignKey(
        WorkOrder, models.CASCADE, related_name="visits", verbose_name=_("工单")
    )
    method = models.CharField(_("回访方式"), max_length=8, choices=Method.choices)
    resolution = models.CharField(_("解决情况"), max_length=12)
    satisfaction = models.CharField(_("满意度"), max_length=12)
    note = models.TextField(_("回访记录"), blank=True)
    at = models.DateTimeField(_("回访时间"))
    by = _user(_("回访人"))
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="order__enterprise_id")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")

    def __str__(self):
        return f"{self.order_id} {self.at:%Y-%m-%d}"


class RoutingRule(models.Model):
    """Where a demand goes (DEM-02): category × region (prefix) × service tier → department kind.
    The most specific rule wins (longest region prefix, then a tier over any tier); the dispatcher
    sees the suggestion and may choose otherwise."""

    category = models.CharField(_("诉求类别"), max_length=16)
    service_tier = models.CharField(_("保障层级"), max_length=16, blank=True)
    region_code = models.CharField(_("适用区划"), max_length=12)
    department_kind = models.CharField(_("承办部门类别"), max_length=32)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = _user(_("更新人"))

    objects = ScopedManager()
    scope = Scope(region="region_code")

    class Meta:
        ordering = ["region_code", "category", "service_tier"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "service_tier", "region_code"], name="routing_rule_unique"
            )
        ]
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")

    def __str__(self):
        return f"{self.region_code} {self.category} → {self.department_kind}"
