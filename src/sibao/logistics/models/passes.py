"""LOG-02, LOG-03: the province-wide pass (通行证, "码卡证合一") and the checks made with it.

A pass is applied for by the vehicle's company for a vehicle serving a whitelisted unit (route
origin → destination, validity) and approved or refused with reasons by the logistics group (the
transport department's staff). An approved pass is a signed token (``logistics.signing``: Ed25519,
so a checkpoint app verifies it offline with the platform's public key); the token is stored so the
QR can be printed again. Revoked passes are listed for offline apps (the revocation list).

``Check`` is an event table: one row per verification at a checkpoint — who, where, when, the
answer and the reasons — with the occupants as person keys only; ``client_event_id`` makes an
offline app's resend idempotent."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager
from sibao.core.workflow import Transition, Workflow
from sibao.logistics.models.fleet import _user


class PassStatus(models.TextChoices):
    APPLIED = "applied", _("待审批")
    APPROVED = "approved", _("已核发")
    REFUSED = "refused", _("不予核发")
    REVOKED = "revoked", _("已吊销")
    WITHDRAWN = "withdrawn", _("已撤回")


APPROVERS = frozenset({"department_staff", "hq_office"})
APPLICANTS = frozenset({"logistics_company", "enterprise_admin"})

PASS_WORKFLOW = Workflow(
    Transition(PassStatus.APPLIED, "approve", PassStatus.APPROVED, APPROVERS),
    Transition(PassStatus.APPLIED, "refuse", PassStatus.REFUSED, APPROVERS),
    Transition(PassStatus.APPLIED, "withdraw", PassStatus.WITHDRAWN, APPLICANTS),
    Transition(PassStatus.APPROVED, "revoke", PassStatus.REVOKED, APPROVERS),
    labels=PassStatus,
)


class VehiclePass(models.Model):
    number = models.CharField(_("通行证编号"), max_length=24, unique=True)
    vehicle = models.ForeignKey(
        "logistics.Vehicle", models.PROTECT, related_name="passes", verbose_name=_("车辆")
    )
    company = models.ForeignKey(
        "enterprises.Enterprise", models.PROTECT, related_name="+", verbose_name=_("申请企业")
    )
    served_unit = models.ForeignKey(
        "enterprises.Enterprise",
        models.PROTECT,
        related_name="+",
        verbose_name=_("服务的白名单单位"),
    )
    drivers = models.ManyToManyField(
        "logistics.Driver", related_name="passes", verbose_name=_("随车驾驶员")
    )
    origin = models.CharField(_("起点"), max_length=120)
    origin_region_code = models.CharField(_("起点区划"), max_length=12)
    destination = models.CharField(_("终点"), max_length=120)
    destination_region_code = models.CharField(_("终点区划"), max_length=12)
    cargo = models.CharField(_("主要货物"), max_length=120, blank=True)
    valid_from = models.DateTimeField(_("有效期起"))
    valid_until = models.DateTimeField(_("有效期止"))
    status = models.CharField(
        _("状态"), max_length=10, choices=PassStatus.choices, default=PassStatus.APPLIED
    )
    applied_at = models.DateTimeField(_("申请时间"))
    applied_by = _user(_("申请人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_by = _user(_("审批人"))
    decision_reason = models.TextField(_("审批意见"), blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoke_reason = models.TextField(_("吊销原因"), blank=True)
    # the signed token the QR carries (logistics.signing), set at approval
    token = models.TextField(_("通行证令牌"), blank=True)
    key_id = models.CharField(_("签名密钥"), max_length=16, blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(
        region=("region_code", "destination_region_code"),
        enterprise=("company_id", "served_unit_id"),
    )
    workflow = PASS_WORKFLOW

    class Meta:
        ordering = ["-applied_at", "-id"]
        indexes = [
            # the revocation list: revoked passes still inside their validity
            models.Index(fields=["status", "valid_until"], name="pass_status_validity"),
        ]
        verbose_name = _("通行证")
        verbose_name_plural = _("通行证")

    def __str__(self):
        return self.number


class CheckpointKind(models.TextChoices):
    PROVINCIAL_BORDER = "border", _("省界卡口")
    HIGHWAY_EXIT = "highway_exit", _("高速公路出入口")
    CITY_ENTRANCE = "city_entrance", _("城市进出口")
    SERVICE_AREA = "service_area", _("服务区")
    AIRPORT = "airport", _("机场")
    RAIL = "rail", _("铁路站场")
    PORT = "port", _("港口")


class Checkpoint(models.Model):
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=16, choices=CheckpointKind.choices)
    road = models.CharField(_("所在道路"), max_length=120, blank=True)
    # a green channel for whitelisted freight (airports, rail stations, ports: LOG-06)
    green_channel = models.BooleanField(_("设绿色通道"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code")

    class Meta:
        ordering = ["region_code", "name"]
        verbose_name = _("检查站")
        verbose_name_plural = _("检查站")

    def __str__(self):
        return self.name


class CheckResult(models.TextChoices):
    GREEN = "green", _("绿色通道放行")
    NOT_GREEN = "not_green", _("不符合绿色通道条件")


class Check(models.Model):
    id = models.BigAutoField(primary_key=True)
    checkpoint = models.ForeignKey(
        Checkpoint, models.PROTECT, related_name="checks", verbose_name=_("检查站")
    )
    officer = _user(_("执勤人员"))
    at = models.DateTimeField(_("核验时间"))
    vehicle_pass = models.ForeignKey(
        VehiclePass,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("通行证"),
    )
    pass_number = models.CharField(_("通行证编号"), max_length=24, blank=True)
    plate = models.CharField(_("车牌号"), max_length=10, blank=True)
    result = models.CharField(_("核验结果"), max_length=10, choices=CheckResult.choices)
    # reason codes (logistics.green_channel) — empty for a green answer
    reasons = models.JSONField(_("原因"), default=list, blank=True)
    # the occupants as person keys only (pseudonymised event row)
    occupant_keys = models.JSONField(_("随车人员标识"), default=list, blank=True)
    sampled = models.BooleanField(_("即采即走"), default=False)
    # an offline app's own id of the check, for an idempotent resend
    client_event_id = models.CharField(_("客户端事件号"), max_length=64, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)
    enterprise_id = models.BigIntegerField(null=True, blank=True)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "client_event_id"],
                condition=~models.Q(client_event_id=""),
                name="check_client_event_once",
            )
        ]
        indexes = [
            # a checkpoint's log, newest first
            models.Index(fields=["checkpoint", "-at"], name="check_by_checkpoint"),
            # a pass's checks (trips, late positives)
            models.Index(fields=["vehicle_pass", "at"], name="check_by_pass"),
        ]
        verbose_name = _("核验记录")
        verbose_name_plural = _("核验记录")

    def __str__(self):
        return f"{self.checkpoint_id} {self.at:%Y-%m-%d %H:%M} {self.result}"
