from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县（市、区）")


class Region(models.Model):
    """A unit of the Henan region tree, keyed by its code (GB/T 2260, statistical codes for zones).

    The code is the primary key so that every row pointing at a region carries the code itself:
    scoping by jurisdiction is then a prefix match on one indexed column (``4101`` covers
    ``410102``). 济源 (419001) hangs directly under the province as a city-level unit.
    """

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级区划"),
    )
    is_statistical_zone = models.BooleanField(
        _("功能区（统计用）"),
        default=False,
        help_text=_("开发区、航空港区等功能区：统计代码，不属于 GB/T 2260 行政区划。"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self):
        return self.name

    @property
    def full_name(self) -> str:
        names = []
        node = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))

    def contains(self, code: str) -> bool:
        return code.startswith(self.code)

    def ancestors(self) -> list["Region"]:
        """From the province down to this region's parent."""
        chain = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class DepartmentKind(models.TextChoices):
    """Departments named in D3, each present at province, city and county level."""

    DEVELOPMENT_REFORM = "development_reform", _("发展改革")
    INDUSTRY_IT = "industry_it", _("工业和信息化")
    PUBLIC_SECURITY = "public_security", _("公安")
    FINANCE = "finance", _("财政")
    HOUSING = "housing", _("住房城乡建设")
    TRANSPORT = "transport", _("交通运输")
    AGRICULTURE = "agriculture", _("农业农村")
    COMMERCE = "commerce", _("商务")
    CULTURE_TOURISM = "culture_tourism", _("文化和旅游")
    HEALTH = "health", _("卫生健康")
    ADMIN_APPROVAL = "admin_approval", _("行政审批和政务信息管理")
    CUSTOMS = "customs", _("海关")
    POSTAL = "postal", _("邮政管理")
    HUMAN_RESOURCES = "human_resources", _("人力资源社会保障")
    TAX = "tax", _("税务")
    MARKET_REGULATION = "market_regulation", _("市场监管")


class Headquarters(models.Model):
    """The 指挥部 of one province, city or county, with its office (办公室)."""

    region = models.OneToOneField(
        Region, models.PROTECT, related_name="headquarters", verbose_name=_("区划")
    )
    name = models.CharField(_("名称"), max_length=128)
    office_name = models.CharField(_("办公室"), max_length=128)
    office_phone = models.CharField(_("办公室电话"), max_length=32, blank=True)

    class Meta:
        ordering = ["region_id"]
        verbose_name = _("指挥部")
        verbose_name_plural = _("指挥部")

    def __str__(self):
        return self.name


class Department(models.Model):
    """A government department at one level (e.g. 郑州市工业和信息化局)."""

    region = models.ForeignKey(
        Region, models.PROTECT, related_name="departments", verbose_name=_("区划")
    )
    kind = models.CharField(_("部门类别"), max_length=32, choices=DepartmentKind.choices)
    name = models.CharField(_("名称"), max_length=128)

    class Meta:
        ordering = ["region_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kind"], name="department_unique_per_region")
        ]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self):
        return self.name


class IndustryDomain(models.Model):
    """One of the five whitelist industries and the kind of department competent for it."""

    code = models.CharField(_("代码"), max_length=32, primary_key=True)
    name = models.CharField(_("名称"), max_length=32)
    competent_department = models.CharField(
        _("主管部门类别"), max_length=32, choices=DepartmentKind.choices
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order"]
        verbose_name = _("行业领域")
        verbose_name_plural = _("行业领域")

    def __str__(self):
        return self.name


class WorkingGroupKind(models.TextChoices):
    INDUSTRY = "industry", _("工业生产组")
    COMMERCE = "commerce", _("商贸流通组")
    TRANSPORT = "transport", _("交通运输组")
    CULTURE_TOURISM = "culture_tourism", _("文化旅游组")
    KEY_PROJECT = "key_project", _("重点项目组")
    EPIDEMIC = "epidemic", _("防疫保障组")


class WorkingGroup(models.Model):
    """A working group (工作组/专班) of an HQ, led by one department of the same level."""

    headquarters = models.ForeignKey(
        Headquarters, models.CASCADE, related_name="working_groups", verbose_name=_("指挥部")
    )
    kind = models.CharField(_("类别"), max_length=32, choices=WorkingGroupKind.choices)
    name = models.CharField(_("名称"), max_length=128)
    lead_department = models.ForeignKey(
        Department,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="led_groups",
        verbose_name=_("牵头部门"),
    )

    class Meta:
        ordering = ["headquarters_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["headquarters", "kind"], name="working_group_unique")
        ]
        verbose_name = _("工作组")
        verbose_name_plural = _("工作组")

    def __str__(self):
        return self.name
