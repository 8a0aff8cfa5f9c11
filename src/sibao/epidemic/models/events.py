"""Event tables fed by external systems (EPI-02). Append-only, ``BigAutoField``, a natural key
for idempotent ingestion (a resent record changes nothing), the person key instead of any ID
number, and the scope keys of the person's unit copied at ingestion (the province, "41", when the
person is on no roster — the pharmacy's county for purchases — so that only grants covering that
region see the row)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedQuerySet


class FeedKind(models.TextChoices):
    TEST_RESULT = "test_result", _("核酸检测结果")
    HEALTH_CODE = "health_code", _("健康码状态")
    ITINERARY = "itinerary", _("行程码状态")
    ARRIVAL = "arrival", _("豫事办来（返）豫报备")
    DRUG_PURCHASE = "drug_purchase", _("哨点药店购药记录")
    SCAN = "scan", _("场所扫码记录")


class FeedBatch(models.Model):
    """One batch received from a data source: counts of accepted, duplicate and rejected records
    and the rejected records' reasons (their row numbers, never their personal data)."""

    kind = models.CharField(_("数据类型"), max_length=16, choices=FeedKind.choices)
    source = models.ForeignKey(
        "epidemic.DataSource", models.PROTECT, related_name="batches", verbose_name=_("来源")
    )
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交账户"),
    )
    via = models.CharField(
        _("方式"), max_length=8, choices=[("api", _("接口")), ("file", _("文件"))], default="api"
    )
    total = models.PositiveIntegerField(_("记录数"), default=0)
    accepted = models.PositiveIntegerField(_("新增"), default=0)
    duplicates = models.PositiveIntegerField(_("重复（已忽略）"), default=0)
    rejected = models.PositiveIntegerField(_("拒收"), default=0)
    errors = models.JSONField(_("拒收原因"), default=list, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("数据批次")
        verbose_name_plural = _("数据批次")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class EventQuerySet(ScopedQuerySet):
    pass


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    person_key = models.CharField(_("人员标识"), max_length=64)
    source = models.ForeignKey(
        "epidemic.DataSource", models.PROTECT, related_name="+", verbose_name=_("来源")
    )
    # no database constraint: the batch row is written by the transaction that stores its events,
    # and a constraint would check it once per event row (at commit; a tenth of a NAT batch's
    # database time). Deleting a batch through the ORM still sets its events' batch to NULL.
    batch = models.ForeignKey(
        FeedBatch,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("批次"),
        db_constraint=False,
    )
    received_at = models.DateTimeField(_("接收时间"))
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    enterprise_id = models.BigIntegerField(_("单位"), null=True, blank=True)

    objects = EventQuerySet.as_manager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        abstract = True


class TestResult(Event):
    """One NAT result from a laboratory. Natural key: (lab, sample number, person)."""

    lab = models.CharField(_("检测机构"), max_length=64)
    sample_no = models.CharField(_("样本编号"), max_length=64)
    sampled_at = models.DateTimeField(_("采样时间"))
    result = models.CharField(
        _("结果"), max_length=8, choices=[("negative", _("阴性")), ("positive", _("阳性"))]
    )
    is_pooled = models.BooleanField(_("混检"), default=False)

    class Meta:
        ordering = ["-sampled_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "sample_no", "person_key"], name="test_result_natural_key"
            )
        ]
        indexes = [
            # a person's test history (detail page, tracing); retention purge by time
            models.Index(fields=["person_key", "sampled_at"], name="test_by_person"),
            models.Index(fields=["received_at"], name="test_by_received"),
        ]
        verbose_name = _("核酸检测结果")
        verbose_name_plural = _("核酸检测结果")

    def __str__(self):
        return f"{self.sample_no} {self.result}"


class HealthCodeChange(Event):
    """A health-code colour change from the provincial platform. Natural key: (person, time)."""

    colour = models.CharField(
        _("健康码"),
        max_length=8,
        choices=[("green", _("绿码")), ("yellow", _("黄码")), ("red", _("红码"))],
    )
    changed_at = models.DateTimeField(_("变更时间"))
    reason = models.CharField(_("赋码原因"), max_length=64, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person_key", "changed_at"], name="health_code_natural_key"
            )
        ]
        verbose_name = _("健康码变更")
        verbose_name_plural = _("健康码变更")

    def __str__(self):
        return f"{self.colour} {self.changed_at:%Y-%m-%d %H:%M}"


class ItineraryChange(Event):
    """An itinerary-code status (normal, starred, abnormal) with the province the person came
    from, if outside Henan (unreported arrivals are found from it). Natural key: (person, time)."""

    status = models.CharField(
        _("行程码"),
        max_length=8,
        choices=[("normal", _("正常")), ("starred", _("带*")), ("abnormal", _("异常"))],
    )
    origin_region = models.CharField(
        _("来源地区划代码"), max_length=12, blank=True, help_text=_("14 天内到达地（县级代码）")
    )
    changed_at = models.DateTimeField(_("变更时间"))

    class Meta:
        ordering = ["-changed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person_key", "changed_at"], name="itinerary_natural_key"
            )
        ]
        verbose_name = _("行程码变更")
        verbose_name_plural = _("行程码变更")

    def __str__(self):
        return f"{self.status} {self.changed_at:%Y-%m-%d %H:%M}"


class DrugClass(models.TextChoices):
    FEVER = "fever", _("退热类")
    COUGH = "cough", _("止咳类")
    ANTIVIRAL = "antiviral", _("抗病毒类")
    ANTIBIOTIC = "antibiotic", _("抗生素类")


class DrugPurchase(Event):
    """A purchase of one of the four drug classes reported by a sentinel pharmacy.
    Natural key: (source, record number)."""

    record_no = models.CharField(_("记录编号"), max_length=64)
    pharmacy = models.CharField(_("药店"), max_length=128)
    pharmacy_region = models.CharField(_("药店区划代码"), max_length=12, blank=True)
    drug_class = models.CharField(_("药品类别"), max_length=16, choices=DrugClass.choices)
    purchased_at = models.DateTimeField(_("购药时间"))

    class Meta:
        ordering = ["-purchased_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "record_no"], name="drug_purchase_natural_key"
            )
        ]
        verbose_name = _("购药记录")
        verbose_name_plural = _("购药记录")

    def __str__(self):
        return f"{self.get_drug_class_display()} {self.purchased_at:%Y-%m-%d}"
