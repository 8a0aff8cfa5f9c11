"""EPI-05: a unit's spaces as a tree, the place codes on them, and personal badges.

A space belongs to one unit and copies its region (scoping is one prefix match). The kind of a
space and the venue type of its site decide whether it needs a code (``places.coding_rules``, from
the rule set). A place code is a row; its QR payload carries only the row's id and a signature
(``places.signing``), so a revoked or expired code is refused by the row, an altered one by the
signature.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sibao.core.scoping import Scope, ScopedManager


class SpaceKind(models.TextChoices):
    SITE = "site", _("厂区（场所）")
    BUILDING = "building", _("楼栋")
    FLOOR = "floor", _("单元（楼层）")
    WORKSHOP = "workshop", _("车间")
    AREA = "area", _("区域")
    ROOM = "room", _("房间")
    DOOR = "door", _("出入口")
    ENCLOSED = "enclosed", _("独立封闭空间")


class VenueType(models.TextChoices):
    """The seed's place types with their own code rules (D2 二(二))."""

    INDUSTRIAL = "industrial", _("工业企业")
    CONSTRUCTION = "construction", _("建筑工地")
    MARKET = "market", _("商贸市场")
    MALL = "mall", _("商场超市")
    PARK = "park", _("大型园区")
    STATION = "station", _("车站")
    HOTEL = "hotel", _("宾馆酒店")
    SCENIC = "scenic", _("景区")


class Space(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.CASCADE, related_name="spaces", verbose_name=_("单位")
    )
    parent = models.ForeignKey(
        "self",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级空间"),
    )
    kind = models.CharField(_("空间类型"), max_length=16, choices=SpaceKind.choices)
    # set on a site (the root of a tree); its descendants follow the site's rules
    venue_type = models.CharField(
        _("场所类型"), max_length=16, choices=VenueType.choices, blank=True
    )
    name = models.CharField(_("名称"), max_length=64)
    zone = models.ForeignKey(
        "places.Zone",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="spaces",
        verbose_name=_("所属区域（划小单元）"),
    )
    # ids from the root down to this space, e.g. "12/40/41/": subtree = prefix (tracing's widening)
    path = models.CharField(_("路径"), max_length=255, editable=False, default="")
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # copied from the unit: scoping is one prefix match (core.scoping)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["enterprise_id", "path"]
        indexes = [models.Index(fields=["enterprise", "path"], name="space_tree")]
        verbose_name = _("空间")
        verbose_name_plural = _("空间")

    def __str__(self):
        return self.name


class PlaceCode(models.Model):
    """One place code on one space (a space has at most one valid code at a time)."""

    id = models.BigAutoField(primary_key=True)
    space = models.ForeignKey(Space, models.CASCADE, related_name="codes", verbose_name=_("空间"))
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.CASCADE, related_name="+", verbose_name=_("单位")
    )
    issued_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("生成人"),
    )
    expires_on = models.DateField(_("有效期至"))
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("作废原因"), max_length=128, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["space"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_valid_code_per_space",
            )
        ]
        verbose_name = _("场所码")
        verbose_name_plural = _("场所码")

    def __str__(self):
        return f"{self.space} #{self.pk}"

    @property
    def payload(self) -> str:
        """What the QR carries (inside the scan page's URL): the signed id (``places.signing``)."""
        from sibao.places.signing import PLACE, sign

        return sign(PLACE, self.pk)


class Badge(models.Model):
    """A personal badge QR for a worker without a smartphone; a gate device scans it instead of
    the person scanning the place (EPI-06)."""

    id = models.BigAutoField(primary_key=True)
    staff = models.ForeignKey(
        "epidemic.StaffMember", models.CASCADE, related_name="badges", verbose_name=_("人员")
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.CASCADE, related_name="+", verbose_name=_("单位")
    )
    issued_at = models.DateTimeField(_("发放时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)

    objects = ScopedManager()
    scope = Scope(region="region_code", enterprise="enterprise_id")

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_valid_badge_per_person",
            )
        ]
        verbose_name = _("人员工牌码")
        verbose_name_plural = _("人员工牌码")

    def __str__(self):
        return f"{self.staff} #{self.pk}"

    @property
    def payload(self) -> str:
        from sibao.places.signing import BADGE, sign

        return sign(BADGE, self.pk)
