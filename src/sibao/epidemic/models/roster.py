from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


class PostClass(models.TextChoices):
    """The NAT rhythm follows the post (D1 六(二); D2 二(一)): ordinary posts every 48 h, mobile
    and contact posts (logistics, sales) every 24 h."""

    ORDINARY = "ordinary", _("普通岗位")
    MOBILE = "mobile", _("流动性、接触性岗位")


class StaffCategory(models.TextChoices):
    EMPLOYEE = "employee", _("员工")
    LOGISTICS = "logistics", _("物流保障人员")
    CITY_SUPPLY = "city_supply", _("城市保供人员")


class StaffMember(models.Model):
    """EPI-01: one person on one unit's roster.

    The ID number is kept only as a person key (HMAC, for matching feeds) and encrypted (for the
    audited unmasked read); ``id_masked`` and ``phone_masked`` are what screens show.
    ``last_negative_at`` is copied from the person's status at ingestion, so the overdue list is
    an index range scan on this table (``staff_overdue_*``), never a scan of test history.
    """

    # no index of its own: ``staff_overdue_unit`` starts with it
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="staff",
        verbose_name=_("单位"),
        db_index=False,
    )
    person_key = models.CharField(_("人员标识"), max_length=64)
    id_encrypted = models.TextField(_("身份证号码（加密）"))
    id_masked = models.CharField(_("身份证号码"), max_length=18)
    name = models.CharField(_("姓名"), max_length=64)
    phone_encrypted = models.TextField(_("手机号码（加密）"), blank=True)
    phone_masked = models.CharField(_("手机号码"), max_length=11, blank=True)
    category = models.CharField(
        _("人员类别"), max_length=16, choices=StaffCategory.choices, default=StaffCategory.EMPLOYEE
    )
    post_class = models.CharField(
        _("岗位类别"), max_length=16, choices=PostClass.choices, default=PostClass.ORDINARY
    )
    team = models.CharField(_("班组"), max_length=64, blank=True)
    zone = models.CharField(_("区域"), max_length=64, blank=True)
    dormitory = models.CharField(_("宿舍"), max_length=64, blank=True)
    joined_on = models.DateField(_("入职（进入）日期"), null=True, blank=True)
    quiet_until = models.DateField(
        _("静置期至"), null=True, blank=True, help_text=_("新进入人员的静置期（EPI-16）。")
    )
    vaccine_doses = models.PositiveSmallIntegerField(_("疫苗接种剂次"), null=True, blank=True)
    is_active = models.BooleanField(_("在岗"), default=True)
    last_negative_at = models.DateTimeField(_("最近阴性采样时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # copied from the unit: scoping is one prefix match (core.scoping)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["enterprise_id", "team", "name"]
        constraints = [
            # also the ingestion's "every roster row of these people" when their status changes;
            # each index here is written again on every NAT result of a rostered person (the
            # update of ``last_negative_at`` cannot be a HOT update), so there are no others
            models.UniqueConstraint(
                fields=["person_key", "enterprise"], name="staff_once_per_unit"
            ),
        ]
        indexes = [
            # overdue lists: a unit's (or a region's) active staff by last negative sample
            models.Index(
                fields=["enterprise", "is_active", "last_negative_at"], name="staff_overdue_unit"
            ),
            models.Index(
                fields=["region_code", "is_active", "last_negative_at"],
                name="staff_overdue_region",
            ),
        ]
        verbose_name = _("员工花名册")
        verbose_name_plural = _("员工花名册")

    def __str__(self):
        return f"{self.name}（{self.id_masked}）"


class PersonStatus(models.Model):
    """EPI-03: the current "两码一证" of one person, maintained at ingestion (never recomputed from
    history): health code, itinerary, last test and last negative test, contact status."""

    person_key = models.CharField(_("人员标识"), max_length=64, primary_key=True)
    health_code = models.CharField(
        _("健康码"),
        max_length=8,
        choices=[("green", _("绿码")), ("yellow", _("黄码")), ("red", _("红码"))],
        blank=True,
    )
    health_code_at = models.DateTimeField(_("健康码更新时间"), null=True, blank=True)
    itinerary = models.CharField(
        _("行程码"),
        max_length=8,
        choices=[("normal", _("正常")), ("starred", _("带*")), ("abnormal", _("异常"))],
        blank=True,
    )
    itinerary_at = models.DateTimeField(_("行程码更新时间"), null=True, blank=True)
    last_sample_at = models.DateTimeField(_("最近采样时间"), null=True, blank=True)
    last_result = models.CharField(
        _("最近检测结果"),
        max_length=8,
        choices=[("negative", _("阴性")), ("positive", _("阳性"))],
        blank=True,
    )
    last_negative_at = models.DateTimeField(_("最近阴性采样时间"), null=True, blank=True)
    last_positive_at = models.DateTimeField(_("最近阳性采样时间"), null=True, blank=True)
    contact_level = models.CharField(
        _("密接判定"),
        max_length=16,
        choices=[("", _("无")), ("close", _("密接")), ("secondary", _("次密接"))],
        blank=True,
    )
    contact_at = models.DateTimeField(_("判定时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("两码一证")
        verbose_name_plural = _("两码一证")

    def __str__(self):
        return self.person_key[:12]


class DataSource(models.Model):
    """A system that feeds the platform (a NAT laboratory, the health-code platform, 豫事办, a
    sentinel pharmacy network); feed batches name it. Its token is an ``ApiToken`` of a user
    with the data-feed role."""

    code = models.CharField(_("代码"), max_length=32, primary_key=True)
    name = models.CharField(_("名称"), max_length=128)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="data_sources",
        verbose_name=_("接口账户"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("数据来源")
        verbose_name_plural = _("数据来源")

    def __str__(self):
        return self.name
