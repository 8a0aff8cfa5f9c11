"""POL-02, POL-03: the result of matching one policy version with one enterprise, and the uptake
of the benefit ("应享尽享"). A row exists for every pair that is eligible or possibly eligible
(an ineligible pair has none, unless its uptake had started: then the row stays with the new
result, so no history is lost). The uptake's transitions are recorded with ``core.workflow``."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


class MatchResult(models.TextChoices):
    ELIGIBLE = "eligible", _("符合")
    POSSIBLE = "possible", _("可能符合（待补充信息）")
    INELIGIBLE = "ineligible", _("不符合")


class UptakeStatus(models.TextChoices):
    MATCHED = "matched", _("待推送")
    NOTIFIED = "notified", _("已推送")
    READ = "read", _("已查看")
    APPLIED = "applied", _("已申请")
    GRANTED = "granted", _("已批准")
    DECLINED = "declined", _("未批准")
    PAID = "paid", _("已拨付")
    RECEIVED = "received", _("企业确认到账")


class PolicyMatch(models.Model):
    id = models.BigAutoField(primary_key=True)
    # no single-column indexes: the unique pair serves the policy, ``match_by_enterprise`` the
    # enterprise (each index is written again for every row a cold run creates)
    policy = models.ForeignKey(
        "policies.Policy",
        models.CASCADE,
        related_name="matches",
        verbose_name=_("政策"),
        db_index=False,
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.CASCADE,
        related_name="policy_matches",
        verbose_name=_("企业"),
        db_index=False,
    )
    result = models.CharField(_("匹配结果"), max_length=16, choices=MatchResult.choices)
    # the interpreter's explanation: per condition, its outcome and the facts it read
    explanation = models.JSONField(_("匹配说明"), default=list, blank=True)
    # attribute keys whose values are unknown (what a "possibly" enterprise must supply)
    missing = models.JSONField(_("待补充信息"), default=list, blank=True)
    matched_at = models.DateTimeField(_("匹配时间"))
    uptake = models.CharField(
        _("兑现进度"), max_length=16, choices=UptakeStatus.choices, default=UptakeStatus.MATCHED
    )
    notified_at = models.DateTimeField(_("推送时间"), null=True, blank=True)
    applied_at = models.DateTimeField(_("申请时间"), null=True, blank=True)
    granted_amount = models.DecimalField(
        _("批准金额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    granted_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    paid_at = models.DateTimeField(_("拨付时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("确认到账时间"), null=True, blank=True)
    # copied from the enterprise: scoping is one prefix match (core.scoping)
    region_code = models.CharField(_("区划代码"), max_length=12)
    industry_id = models.CharField(_("行业领域"), max_length=32, blank=True)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id", industry="industry_id")

    class Meta:
        ordering = ["policy_id", "enterprise_id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "enterprise"], name="match_once_per_pair")
        ]
        indexes = [
            # an enterprise's own list ("my policies") and its re-matching
            models.Index(fields=["enterprise", "result"], name="match_by_enterprise"),
            # rates and "应享未享" lists per policy and region
            models.Index(fields=["policy", "result", "region_code"], name="match_by_policy"),
        ]
        verbose_name = _("政策匹配")
        verbose_name_plural = _("政策匹配")

    def __str__(self):
        return f"{self.policy_id} × {self.enterprise_id}"


class MatchInput(models.Model):
    """What the last bulk run (``matching.match_all`` on PostgreSQL) read of one enterprise: the
    digest of its row of current facts (``matching_sql``'s pivot). The next run evaluates only
    the enterprises whose digest changed against a policy it ran with the same statement
    (``MatchState``). Internal bookkeeping: never shown, never scoped."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", models.CASCADE, primary_key=True, related_name="+"
    )
    digest = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("匹配输入摘要")
        verbose_name_plural = _("匹配输入摘要")

    def __str__(self):
        return f"{self.enterprise_id}: {self.digest}"


class MatchState(models.Model):
    """The statement (compiled conditions, scope and parameters) the last bulk run matched one
    active policy with, as a digest. A policy without a row — new, edited since, re-matched on
    its own, inactive at the last run — is evaluated against every enterprise."""

    policy = models.OneToOneField(
        "policies.Policy", models.CASCADE, primary_key=True, related_name="+"
    )
    digest = models.CharField(max_length=32)
    matched_at = models.DateTimeField()

    class Meta:
        verbose_name = _("匹配语句摘要")
        verbose_name_plural = _("匹配语句摘要")

    def __str__(self):
        return f"{self.policy_id}: {self.digest}"
