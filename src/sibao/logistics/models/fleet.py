"""LOG-01: the vehicles and drivers that serve whitelisted units — a logistics company's, a unit's
own and its fixed outsourced ones — and the transport whitelist the drivers join.

A logistics company is an enterprise of the registry (``enterprises.Enterprise``): its accounts are
``logistics_company`` grants naming it, and every row here carries the owning enterprise, so the
usual scoping applies. Drivers are people: kept as a person key (HMAC of the ID number, the same
key as the epidemic rosters, so the checkpoint reads their 两码一证 from ``PersonStatus``), the ID
number and phone encrypted, and masked copies for screens."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


def _user(verbose):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose,
    )


class VehicleRelation(models.TextChoices):
    LOGISTICS = "logistics", _("物流企业车辆")
    OWN = "own", _("白名单单位自有车辆")
    OUTSOURCED = "outsourced", _("白名单单位固定外包车辆")


class VehicleKind(models.TextChoices):
    TRUCK = "truck", _("普通货车")
    VAN = "van", _("厢式货车")
    COLD_CHAIN = "cold_chain", _("冷链车")
    TANKER = "tanker", _("危化品罐车")
    BUS = "bus", _("通勤客车")
    OTHER = "other", _("其他")


class Vehicle(models.Model):
    owner = models.ForeignKey(
        "enterprises.Enterprise",
        models.PROTECT,
        related_name="vehicles",
        verbose_name=_("所属企业"),
    )
    plate = models.CharField(_("车牌号"), max_length=10, unique=True)
    kind = models.CharField(_("车辆类型"), max_length=12, choices=VehicleKind.choices)
    relation = models.CharField(_("车辆性质"), max_length=12, choices=VehicleRelation.choices)
    # the whitelisted unit an outsourced or logistics vehicle regularly serves
    served_unit = models.ForeignKey(
        "enterprises.Enterprise",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="served_vehicles",
        verbose_name=_("服务的白名单单位"),
    )
    load_tonnes = models.DecimalField(
        _("核定载质量（吨）"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    is_active = models.BooleanField(_("在用"), default=True)
    created_at = models.DateTimeField(_("登记时间"))
    created_by = _user(_("登记人"))
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise=("owner_id", "served_unit_id"))

    class Meta:
        ordering = ["plate"]
        verbose_name = _("车辆")
        verbose_name_plural = _("车辆")

    def __str__(self):
        return self.plate


class Driver(models.Model):
    owner = models.ForeignKey(
        "enterprises.Enterprise", models.PROTECT, related_name="drivers", verbose_name=_("所属企业")
    )
    name = models.CharField(_("姓名"), max_length=64)
    person_key = models.CharField(_("人员标识"), max_length=64)
    id_encrypted = models.TextField(_("身份证号（加密）"))
    id_masked = models.CharField(_("身份证号"), max_length=18)
    phone_encrypted = models.TextField(_("手机号码（加密）"), blank=True)
    phone_masked = models.CharField(_("手机号码"), max_length=11, blank=True)
    licence_class = models.CharField(_("准驾车型"), max_length=8, blank=True)
    # the transport whitelist (D2 三(五)): drivers of whitelisted units' freight
    on_whitelist = models.BooleanField(_("纳入运输白名单"), default=False)
    whitelisted_at = models.DateTimeField(_("纳入时间"), null=True, blank=True)
    is_active = models.BooleanField(_("在职"), default=True)
    created_at = models.DateTimeField(_("登记时间"))
    created_by = _user(_("登记人"))
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="owner_id")

    class Meta:
        ordering = ["owner_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "person_key"], name="driver_once_per_owner")
        ]
        indexes = [models.Index(fields=["person_key"], name="driver_by_person")]
        verbose_name = _("驾驶员")
        verbose_name_plural = _("驾驶员")

    def __str__(self):
        return self.name
