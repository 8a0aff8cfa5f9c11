"""LOG-05, LOG-06: the last mile — units' contactless receiving points, county delivery plans with
a capacity reserve, city transfer stations, connection points and distribution sites that are
activated in an emergency — and road access: closure requests that need the province's approval.
Green channels at airports, rail stations and ports are checkpoints with ``green_channel``; toll
discounts are derived from passes (``logistics.queries_access``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager
from sibao.core.workflow import Transition, Workflow
from sibao.logistics.models.fleet import _user


class ReceivingPoint(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="receiving_points",
        verbose_name=_("单位"),
    )
    name = models.CharField(_("名称"), max_length=120)
    address = models.CharField(_("位置"), max_length=200)
    contactless = models.BooleanField(_("无接触交接"), default=True)
    daily_capacity_tonnes = models.DecimalField(
        _("日接收能力（吨）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    is_active = models.BooleanField(_("启用"), default=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["enterprise_id", "name"]
        verbose_name = _("接收点")
        verbose_name_plural = _("接收点")

    def __str__(self):
        return self.name


class DeliveryPlan(models.Model):
    """A county's last-mile delivery plan with its capacity reserve (运力储备)."""

    title = models.CharField(_("方案名称"), max_length=120)
    valid_from = models.DateField(_("起始日期"))
    valid_until = models.DateField(_("截止日期"))
    daily_capacity_tonnes = models.DecimalField(
        _("日配送能力（吨）"), max_digits=10, decimal_places=2
    )
    reserve_vehicles = models.PositiveIntegerField(_("储备运力（车辆）"), default=0)
    reserve_drivers = models.PositiveIntegerField(_("储备驾驶员"), default=0)
    notes = models.TextField(_("说明"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = _user(_("更新人"))
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code")

    class Meta:
        ordering = ["region_code", "-valid_from"]
        verbose_name = _("末端配送方案")
        verbose_name_plural = _("末端配送方案")

    def __str__(self):
        return self.title


class StationKind(models.TextChoices):
    TRANSFER = "transfer", _("中转站")
    CONNECTION = "connection", _("接驳点")
    DISTRIBUTION = "distribution", _("分拨场地")


class SupplyStation(models.Model):
    """A city's transfer station, connection point or distribution site, kept ready and activated
    when the region enters emergency (its state from ``command.queries_emergency``)."""

    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=14, choices=StationKind.choices)
    address = models.CharField(_("位置"), max_length=200)
    daily_capacity_tonnes = models.DecimalField(
        _("日周转能力（吨）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    active = models.BooleanField(_("已启用"), default=False)
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    deactivated_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code")

    class Meta:
        ordering = ["region_code", "kind", "name"]
        verbose_name = _("中转接驳站点")
        verbose_name_plural = _("中转接驳站点")

    def __str__(self):
        return self.name


class ClosureStatus(models.TextChoices):
    PENDING = "pending", _("待省级审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予批准")
    LIFTED = "lifted", _("已解除")


class RoadKind(models.TextChoices):
    HIGHWAY = "highway", _("高速公路")
    ORDINARY = "ordinary", _("普通公路")


CLOSURE_WORKFLOW = Workflow(
    Transition(ClosureStatus.PENDING, "approve", ClosureStatus.APPROVED),
    Transition(ClosureStatus.PENDING, "refuse", ClosureStatus.REFUSED),
    Transition(ClosureStatus.APPROVED, "lift", ClosureStatus.LIFTED),
    labels=ClosureStatus,
)


class RoadClosureRequest(models.Model):
    """Closing a highway or an ordinary road (or a service area, an exit) needs the province's
    approval (D1 五(三)): a city or county requests, the provincial HQ decides."""

    road = models.CharField(_("道路（路段、出入口、服务区）"), max_length=200)
    road_kind = models.CharField(_("道路类型"), max_length=10, choices=RoadKind.choices)
    reason = models.TextField(_("申请理由"))
    starts_at = models.DateTimeField(_("拟关闭开始"))
    ends_at = models.DateTimeField(_("拟关闭结束"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ClosureStatus.choices, default=ClosureStatus.PENDING
    )
    requested_at = models.DateTimeField(_("申请时间"))
    requested_by = _user(_("申请人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_by = _user(_("审批人"))
    decision_note = models.TextField(_("审批意见"), blank=True)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code")
    workflow = CLOSURE_WORKFLOW

    class Meta:
        ordering = ["status", "-requested_at", "-id"]
        verbose_name = _("道路关闭申请")
        verbose_name_plural = _("道路关闭申请")

    def __str__(self):
        return self.road
