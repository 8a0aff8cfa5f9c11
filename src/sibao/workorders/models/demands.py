"""DEM-01, DEM-05: a whitelisted unit's demand (诉求), its attachments, the enterprise's verdict on
the outcome and its appeals.

A demand is what the enterprise asked; the handling is done by work orders (``models.orders``): one
lead order (主办) and optional co-handling orders (协办) per demand. The demand's own lifecycle is
short — submitted → accepted / rejected / merged / withdrawn → handling → closed (销号) — and is
driven by the office's intake decisions and by its lead order closing."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager
from sibao.core.workflow import Transition, Workflow


def _user(verbose, related_name="+"):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose,
    )


class DemandCategory(models.TextChoices):
    RAW_MATERIALS = "raw_materials", _("原料采购")
    LABOUR = "labour", _("用工需求")
    LOGISTICS = "logistics", _("物流运输")
    MARKET = "market", _("市场拓展")
    POLICY = "policy", _("政策优惠")
    SUPPLIES = "supplies", _("防疫物资")
    OTHER = "other", _("其他")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class DemandChannel(models.TextChoices):
    ONLINE = "online", _("企业在线提交")
    CADRE = "cadre", _("包保干部代报")
    VISIT = "visit", _("走访收集（批量导入）")
    HOTLINE = "hotline", _("热线转办")


class DemandStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")
    WITHDRAWN = "withdrawn", _("已撤回")
    HANDLING = "handling", _("办理中")
    CLOSED = "closed", _("已销号")


class RejectReason(models.TextChoices):
    NOT_COMPETENT = "not_competent", _("不属于平台受理范围")
    DUPLICATE = "duplicate", _("重复提交")
    INSUFFICIENT = "insufficient", _("信息不全，无法办理")
    LEGAL_ROUTE = "legal_route", _("应通过诉讼、仲裁等法定途径解决")
    OTHER = "other", _("其他")


class Resolution(models.TextChoices):
    RESOLVED = "resolved", _("已解决")
    PARTLY = "partly", _("部分解决")
    UNRESOLVED = "unresolved", _("未解决")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


OFFICE = frozenset({"hq_office", "hq_leader"})
FILERS = frozenset({"enterprise_admin", "liaison_cadre"})

DEMAND_WORKFLOW = Workflow(
    Transition(DemandStatus.SUBMITTED, "accept", DemandStatus.ACCEPTED, OFFICE),
    Transition(DemandStatus.SUBMITTED, "reject", DemandStatus.REJECTED, OFFICE),
    Transition(
        (DemandStatus.SUBMITTED, DemandStatus.ACCEPTED), "merge", DemandStatus.MERGED, OFFICE
    ),
    Transition(
        (DemandStatus.SUBMITTED, DemandStatus.ACCEPTED), "withdraw", DemandStatus.WITHDRAWN, FILERS
    ),
    # the lead order is dispatched (again, after a return)
    Transition((DemandStatus.ACCEPTED, DemandStatus.HANDLING), "dispatch", DemandStatus.HANDLING),
    # every order of the demand has been returned: back to the office to dispatch again
    Transition(DemandStatus.HANDLING, "unassign", DemandStatus.ACCEPTED),
    # the lead order is closed (销号)
    Transition(DemandStatus.HANDLING, "close", DemandStatus.CLOSED),
    # the enterprise appeals a closure within the window: handling starts again
    Transition(DemandStatus.CLOSED, "reopen", DemandStatus.HANDLING, FILERS | OFFICE),
    labels=DemandStatus,
)

OPEN_STATUSES = (DemandStatus.SUBMITTED, DemandStatus.ACCEPTED, DemandStatus.HANDLING)


class Demand(models.Model):
    number = models.CharField(_("编号"), max_length=20, unique=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.PROTECT, related_name="demands", verbose_name=_("企业")
    )
    category = models.CharField(_("类别"), max_length=16, choices=DemandCategory.choices)
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("问题描述"))
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    channel = models.CharField(
        _("来源渠道"), max_length=10, choices=DemandChannel.choices, default=DemandChannel.ONLINE
    )
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=DemandStatus.choices, default=DemandStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    submitted_by = _user(_("提交人"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    reject_reason = models.CharField(
        _("不予受理原因"), max_length=16, choices=RejectReason.choices, blank=True
    )
    merged_into = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_demands",
        verbose_name=_("合并至"),
    )
    common_issue = models.ForeignKey(
        "workorders.CommonIssue",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="demands",
        verbose_name=_("共性问题"),
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    # the enterprise's verdict (DEM-05): resolution and satisfaction kept apart
    resolution = models.CharField(
        _("解决情况"), max_length=12, choices=Resolution.choices, blank=True
    )
    satisfaction = models.CharField(
        _("满意度"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    feedback = models.TextField(_("企业评价意见"), blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    # an unsatisfied closure needs a reviewer's approved reason
    unsatisfied_reason = models.TextField(_("不满意办结理由"), blank=True)
    unsatisfied_approved_by = _user(_("不满意办结审核人"))
    reopen_count = models.PositiveSmallIntegerField(_("申诉重启次数"), default=0)
    # words of title + description, for similar-demand search (filled by the similarity module)
    terms = models.TextField(_("分词"), blank=True, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12)
    industry_code = models.CharField(_("行业"), max_length=32, blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id", industry="industry_code")
    workflow = DEMAND_WORKFLOW

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            # the office's intake queue and the similar-open-demand candidates
            models.Index(fields=["status", "category", "region_code"], name="demand_queue"),
            models.Index(fields=["enterprise", "-submitted_at"], name="demand_by_unit"),
        ]
        verbose_name = _("企业诉求")
        verbose_name_plural = _("企业诉求")

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Attachment(models.Model):
    """A file attached to a demand (by the enterprise) or to a work order's reply (evidence)."""

    demand = models.ForeignKey(
        Demand, models.CASCADE, related_name="attachments", verbose_name=_("诉求")
    )
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("工单"),
    )
    file = models.FileField(_("文件"), upload_to="workorders/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    uploaded_at = models.DateTimeField(_("上传时间"))
    uploaded_by = _user(_("上传人"))
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="demand__enterprise_id")

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self):
        return self.name


class Appeal(models.Model):
    """The enterprise contests a closure within the window (DEM-05); accepting it reopens."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("待处理")
        REOPENED = "reopened", _("已重启办理")
        DISMISSED = "dismissed", _("维持办结")

    demand = models.ForeignKey(
        Demand, models.CASCADE, related_name="appeals", verbose_name=_("诉求")
    )
    reason = models.TextField(_("申诉理由"))
    at = models.DateTimeField(_("申诉时间"))
    by = _user(_("申诉人"))
    outcome = models.CharField(
        _("处理结果"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = _user(_("处理人"))
    decision_note = models.TextField(_("处理意见"), blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="demand__enterprise_id")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("申诉")
        verbose_name_plural = _("申诉")

    def __str__(self):
        return f"{self.demand_id}: {self.reason[:20]}"
