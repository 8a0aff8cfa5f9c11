from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


class SupplyLinkKind(models.TextChoices):
    SUPPLIER = "supplier", _("供应商")
    CUSTOMER = "customer", _("客户")
    LOGISTICS = "logistics", _("物流服务商")


class SupplyLink(models.Model):
    """WL-08: ``partner`` is ``enterprise``'s supplier, customer or logistics provider.

    Either party's jurisdiction and either party's own admin see the link.
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="supply_links",
        verbose_name=_("单位"),
    )
    partner = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="linked_from",
        verbose_name=_("关联单位"),
    )
    kind = models.CharField(_("关系"), max_length=16, choices=SupplyLinkKind.choices)
    products = models.CharField(_("产品或服务"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    # copied from both parties: either side's jurisdiction and either unit's admin see the link
    region_code = models.CharField(_("区划代码"), max_length=12)
    partner_region_code = models.CharField(_("关联单位区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(
        region=("region_code", "partner_region_code"), enterprise=("enterprise_id", "partner_id")
    )

    class Meta:
        ordering = ["enterprise_id", "kind", "partner_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "partner", "kind"], name="supply_link_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(enterprise=models.F("partner")), name="supply_link_not_self"
            ),
        ]
        verbose_name = _("产业链关系")
        verbose_name_plural = _("产业链关系")

    def __str__(self):
        return f"{self.enterprise} → {self.partner}（{self.get_kind_display()}）"


class PairingStatus(models.TextChoices):
    PROPOSED = "proposed", _("平台推荐")
    CONFIRMED = "confirmed", _("双方确认")
    DECLINED = "declined", _("已谢绝")
    ENDED = "ended", _("已结束")


class Pairing(models.Model):
    """WL-09: an industrial, tourism or key-project unit (``unit``) paired with a transport,
    commerce or lodging unit (``partner``) through the platform; active once both confirm."""

    unit = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="pairings",
        verbose_name=_("生产（文旅、项目）单位"),
    )
    partner = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="partner_pairings",
        verbose_name=_("服务单位"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=PairingStatus.choices, default=PairingStatus.PROPOSED
    )
    reason = models.CharField(_("推荐理由"), max_length=255, blank=True)
    unit_confirmed_at = models.DateTimeField(_("生产单位确认时间"), null=True, blank=True)
    partner_confirmed_at = models.DateTimeField(_("服务单位确认时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("推荐时间"), auto_now_add=True)
    # copied from both parties: either side's jurisdiction and either unit's admin see the pairing
    region_code = models.CharField(_("区划代码"), max_length=12)
    partner_region_code = models.CharField(_("服务单位区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(
        region=("region_code", "partner_region_code"), enterprise=("unit_id", "partner_id")
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "partner"], name="pairing_unique"),
        ]
        verbose_name = _("结对合作")
        verbose_name_plural = _("结对合作")

    def __str__(self):
        return f"{self.unit} ⇄ {self.partner}"
