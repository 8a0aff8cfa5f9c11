"""EPI-13: "划小单元" — a unit's zones by type and risk grade, its teams and their shifts, the
dormitory rooms a team lives in, and bubble groups for closed-loop production."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


class ZoneKind(models.TextChoices):
    HANDOVER = "handover", _("交接区域")
    PRODUCTION = "production", _("生产经营区域")
    LIVING = "living", _("生活区域")
    PUBLIC = "public", _("公共空间")


class RiskGrade(models.TextChoices):
    LOW = "low", _("低风险")
    MEDIUM = "medium", _("中风险")
    HIGH = "high", _("高风险")


class UnitPart(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.CASCADE, related_name="+", verbose_name=_("单位")
    )
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        abstract = True


class Zone(UnitPart):
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("区域类型"), max_length=16, choices=ZoneKind.choices)
    risk_grade = models.CharField(
        _("风险等级"), max_length=8, choices=RiskGrade.choices, default=RiskGrade.LOW
    )
    note = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        ordering = ["enterprise_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="zone_name_per_unit")
        ]
        verbose_name = _("区域")
        verbose_name_plural = _("区域")

    def __str__(self):
        return self.name


class BubbleGroup(UnitPart):
    """A closed-loop "bubble": teams that live and work together and meet no one else."""

    name = models.CharField(_("名称"), max_length=64)
    note = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        ordering = ["enterprise_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="bubble_name_per_unit")
        ]
        verbose_name = _("气泡组")
        verbose_name_plural = _("气泡组")

    def __str__(self):
        return self.name


class Team(UnitPart):
    """A team (班组); roster rows name it in ``StaffMember.team``."""

    name = models.CharField(_("名称"), max_length=64)
    bubble = models.ForeignKey(
        BubbleGroup,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams",
        verbose_name=_("气泡组"),
    )

    class Meta:
        ordering = ["enterprise_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="team_name_per_unit")
        ]
        verbose_name = _("班组")
        verbose_name_plural = _("班组")

    def __str__(self):
        return self.name


class Shift(UnitPart):
    """A team's daily working time in one zone; ``ends`` before ``starts`` runs past midnight."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="shifts", verbose_name=_("班组"))
    zone = models.ForeignKey(Zone, models.CASCADE, related_name="shifts", verbose_name=_("区域"))
    name = models.CharField(_("班次"), max_length=32)
    starts = models.TimeField(_("开始时间"))
    ends = models.TimeField(_("结束时间"))

    class Meta:
        ordering = ["enterprise_id", "zone_id", "starts"]
        verbose_name = _("班次")
        verbose_name_plural = _("班次")

    def __str__(self):
        return f"{self.team} {self.name}"


class DormitoryRoom(UnitPart):
    """A dormitory room; it houses one team (roster rows name it in ``StaffMember.dormitory``)."""

    name = models.CharField(_("房间"), max_length=64)
    building = models.CharField(_("楼栋"), max_length=64, blank=True)
    capacity = models.PositiveSmallIntegerField(_("床位数"), default=0)
    team = models.ForeignKey(
        Team,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="rooms",
        verbose_name=_("入住班组"),
    )

    class Meta:
        ordering = ["enterprise_id", "building", "name"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="room_name_per_unit")
        ]
        verbose_name = _("宿舍房间")
        verbose_name_plural = _("宿舍房间")

    def __str__(self):
        return f"{self.building}{self.name}"
