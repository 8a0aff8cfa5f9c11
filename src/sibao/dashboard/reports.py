"""Daily and weekly reports per HQ level (MON-04): the data of every section.

A report covers one region (the province, a city or a county inside the user's grants) over one
period: a day (日报) or a week from Monday to Sunday (周报), in Asia/Shanghai days. Each section
is one function ``section(ctx) -> Section | None`` (``None``: the user may not read what it
counts) that reads every scoped model through ``visible_to``; coverage goes through
``enterprises.queries.coverage`` over the industries the user's grants cover, as the coverage
page does. The printable page and the Excel workbook render the same ``Report``, so they never
disagree.

Two kinds of number:

* period figures count what happened in the period — additions to and removals from the
  whitelist, demands received and closed, work orders dispatched, incidents opened and ended,
  alerts and warnings raised and closed, production reports — by the row's own timestamp;
* state figures — units on the whitelist, coverage, staff overdue for their test, open alerts
  and incidents — are read when the report is generated (the platform keeps the current state,
  not its history), and the report says so.

Every number a list page can show exactly links to that list, filtered to the rows it counts
(the same contract as the dashboard's figures); the tests compare the two.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.accounts.access import can, prefix_range
from sibao.command.models import (
    ACTIVE_WARNING_STATUSES,
    EarlyWarning,
    Incident,
    WarningDimension,
)
from sibao.dashboard.panels import Figure
from sibao.enterprises.models import (
    ProductionReport,
    ProductionState,
    ServiceTier,
    WhitelistChange,
    WhitelistChangeKind,
    WhitelistEntry,
    WhitelistStatus,
)
from sibao.enterprises.queries import coverage, jurisdiction_industries
from sibao.epidemic import compliance
from sibao.epidemic.models import AlertKind, AlertStatus, SentinelAlert, StaffMember
from sibao.workorders import metrics
from sibao.workorders.models import Demand, Level, WorkOrder

DAILY, WEEKLY = "daily", "weekly"
KIND_LABELS = {DAILY: gettext_lazy("日报"), WEEKLY: gettext_lazy("周报")}
TITLES = {
    DAILY: gettext_lazy("河南省“四保”白名单企业（项目）运行调度日报"),
    WEEKLY: gettext_lazy("河南省“四保”白名单企业（项目）运行调度周报"),
}
WEEKDAYS = (
    gettext_lazy("星期一"),
    gettext_lazy("星期二"),
    gettext_lazy("星期三"),
    gettext_lazy("星期四"),
    gettext_lazy("星期五"),
    gettext_lazy("星期六"),
    gettext_lazy("星期日"),
)
# how many rows of a long list (whitelisted units, changes, units' compliance) the page shows;
# the workbook always has them all. A display limit, not a policy number.
LIST_PREVIEW = 1000

TEXT, INT, PCT, MONEY, DATETIME = "text", "int", "pct", "money", "datetime"
ONE_DAY = datetime.timedelta(days=1)


# --- the period -----------------------------------------------------------------------------------


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the platform's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


@dataclass(frozen=True)
class Period:
    """A day, or a week from Monday to Sunday; ``start`` inclusive, ``end`` exclusive."""

    kind: str
    first: datetime.date
    last: datetime.date

    @classmethod
    def of(cls, kind: str, day: datetime.date) -> "Period":
        if kind == WEEKLY:
            monday = day - datetime.timedelta(days=day.weekday())
            return cls(kind, monday, monday + datetime.timedelta(days=6))
        return cls(DAILY, day, day)

    @property
    def days(self) -> list[datetime.date]:
        return [self.first + i * ONE_DAY for i in range((self.last - self.first).days + 1)]

    @property
    def start(self) -> datetime.datetime:
        return day_start(self.first)

    @property
    def end(self) -> datetime.datetime:
        return day_start(self.last + ONE_DAY)

    def q(self, path: str) -> Q:
        """Rows whose datetime at ``path`` falls in the period."""
        return Q(**{f"{path}__gte": self.start, f"{path}__lt": self.end})

    @property
    def label(self) -> str:
        if self.kind == WEEKLY:
            return _("%(first)s 至 %(last)s") % {
                "first": self.first.isoformat(),
                "last": self.last.isoformat(),
            }
        return f"{self.first.isoformat()}（{WEEKDAYS[self.first.weekday()]}）"

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    def previous(self) -> "Period":
        return Period.of(self.kind, self.first - ONE_DAY)

    def following(self) -> "Period":
        return Period.of(self.kind, self.last + ONE_DAY)


def default_day(kind: str, today: datetime.date) -> datetime.date:
    """Yesterday for a daily report, the Monday of last week for a weekly one."""
    if kind == WEEKLY:
        return today - datetime.timedelta(days=today.weekday() + 7)
    return today - ONE_DAY


# --- what a report is made of ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReportContext:
    user: object
    region: object  # regions.Region: the province, a city or a county inside the user's grants
    period: Period
    rules: object  # core.rules.RuleSet
    now: datetime.datetime  # when the report is generated; state figures are read at this moment


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT
    width: int = 12  # characters, for the workbook
    wraps: bool = False  # long text (names, reasons) wraps on the page; the rest stays on a line

    @property
    def is_number(self) -> bool:
        return self.kind not in (TEXT, DATETIME)


@dataclass(frozen=True)
class Cell:
    """A table cell whose number links to the list of the rows it counts."""

    value: object
    url: str = ""


@dataclass
class Table:
    key: str
    title: str  # also the worksheet's name: short and unique within a report
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    total: list | None = None
    note: str = ""
    count: int | None = None  # all rows, when ``rows`` is only the first part of a long list
    stream: Callable[[], Iterable[list]] | None = None  # every row, read in chunks (workbook)

    @property
    def is_preview(self) -> bool:
        return self.count is not None and self.count > len(self.rows)

    def every_row(self) -> Iterable[list]:
        return self.stream() if self.stream is not None else iter(self.rows)

    def display(self, row: list) -> list[dict]:
        return [
            {
                "text": display(cell.value if isinstance(cell, Cell) else cell, column.kind),
                "url": cell.url if isinstance(cell, Cell) else "",
                "is_number": column.is_number,
                "wraps": column.wraps,
            }
            for cell, column in zip(row, self.columns, strict=True)
        ]

    @property
    def display_rows(self) -> list[list[dict]]:
        return [self.display(row) for row in self.rows]

    @property
    def display_total(self) -> list[dict] | None:
        return self.display(self.total) if self.total is not None else None


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    number: str = ""  # 一、二、… given by ``build``

    @property
    def display_figures(self) -> list[tuple[Figure, str]]:
        return [(f, display(f.value, PCT if f.unit == "%" else INT)) for f in self.figures]


@dataclass
class Report:
    title: str
    region: object
    period: Period
    generated_at: datetime.datetime
    sections: list[Section]
    withheld: list[str]  # titles of the sections the user's roles may not read
    rule_version: int


def display(value, kind: str = TEXT) -> str:
    """A cell as the page shows it (the workbook keeps the raw value)."""
    if value is None or value == "":
        return "—"
    if kind == INT and isinstance(value, int | Decimal | float):
        return f"{value:,}"
    if kind == PCT:
        return f"{Decimal(str(value)):.1f}"
    if kind == MONEY:
        return f"{Decimal(value):,.2f}"
    if kind == DATETIME and isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _url(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def _within(ctx, path: str = "region_code") -> Q:
    return prefix_range(path, ctx.region.code)


def _preview(rows: Iterable[list]) -> list[list]:
    preview = []
    for row in rows:
        preview.append(row)
        if len(preview) >= LIST_PREVIEW:
            break
    return preview


def _pct(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1")) if whole else None


def _as_of(ctx) -> str:
    return _("截至报告生成时（%(at)s）的状态。") % {
        "at": timezone.localtime(ctx.now).strftime("%Y-%m-%d %H:%M")
    }


# --- (a) the whitelist ----------------------------------------------------------------------------


def whitelist_section(ctx: ReportContext) -> Section | None:
    """Units on the whitelist by industry and service tier (now), the additions, removals and
    tier changes of the period (``WhitelistChange``), and the list of whitelisted units."""
    user, code = ctx.user, ctx.region.code
    if not can(user, WhitelistEntry, "view"):
        return None
    industries = jurisdiction_industries(user, WhitelistEntry, "view", code)
    tiers = list(ServiceTier)
    tier_names = dict(ServiceTier.choices)
    listed = WhitelistEntry.objects.visible_to(user, "view").filter(
        _within(ctx), status=WhitelistStatus.LISTED
    )
    counts = {
        (group["industry_id"], group["tier"]): group["n"]
        for group in listed.values("industry_id", "tier").annotate(n=Count("pk")).order_by()
    }
    total = sum(counts.values())

    def link(**params) -> str:
        return _url(
            "enterprises:whitelist_list", region=code, status=WhitelistStatus.LISTED, **params
        )

    rows = []
    for industry in industries:
        per_tier = [counts.get((industry.code, tier.value), 0) for tier in tiers]
        rows.append(
            [industry.name]
            + [
                Cell(n, link(industry=industry.code, tier=tier.value))
                for n, tier in zip(per_tier, tiers, strict=True)
            ]
            + [Cell(sum(per_tier), link(industry=industry.code))]
        )
    by_tier = [
        Cell(sum(n for (_i, t), n in counts.items() if t == tier.value), link(tier=tier.value))
        for tier in tiers
    ]
    section = Section(
        "whitelist",
        _("白名单企业（项目）"),
        figures=[Figure(_("在册白名单单位"), total, link(), key="listed")],
        tables=[
            Table(
                "whitelist_by_tier",
                _("白名单单位（按行业和层级）"),
                [Column(_("行业领域"), width=14)]
                + [Column(_("%(tier)s保障") % {"tier": t.label}, INT) for t in tiers]
                + [Column(_("合计"), INT)],
                rows,
                total=[_("合计"), *by_tier, Cell(total, link())],
            )
        ],
        notes=[_as_of(ctx)],
    )
    if can(user, WhitelistChange, "view"):
        changes = WhitelistChange.objects.visible_to(user, "view").filter(
            _within(ctx), ctx.period.q("at")
        )
        kinds = dict(changes.values_list("kind").annotate(n=Count("pk")).order_by())
        removed = kinds.get(WhitelistChangeKind.REMOVED, 0) + kinds.get(
            WhitelistChangeKind.FUSED, 0
        )
        section.figures += [
            Figure(_("本期纳入"), kinds.get(WhitelistChangeKind.ADDED, 0), key="added"),
            Figure(_("本期移出（含熔断）"), removed, key="removed"),
            Figure(
                _("本期调整服务层级"), kinds.get(WhitelistChangeKind.TIER_CHANGED, 0), key="tier"
            ),
        ]
        change_names = dict(WhitelistChangeKind.choices)
        ordered = changes.select_related("enterprise__region", "industry").order_by("at", "id")

        def change_rows(queryset=ordered):
            for change in queryset.iterator(chunk_size=2000):
                yield [
                    change.at,
                    change.enterprise.name,
                    change.enterprise.region.name,
                    change.industry.name,
                    change_names.get(change.kind, change.kind),
                    tier_names.get(change.tier, change.tier),
                    change.reason,
                ]

        count = sum(kinds.values())
        section.tables.append(
            Table(
                "whitelist_changes",
                _("白名单本期变更"),
                [
                    Column(_("时间"), DATETIME, 17),
                    Column(_("单位"), width=32, wraps=True),
                    Column(_("区县"), width=12),
                    Column(_("行业领域"), width=12),
                    Column(_("变更"), width=12),
                    Column(_("服务层级"), width=10),
                    Column(_("理由"), width=40, wraps=True),
                ],
                _preview(change_rows(ordered[:LIST_PREVIEW])) if count else [],
                count=count,
                stream=change_rows,
                note="" if count else _("本期没有白名单变更。"),
            )
        )
    units = listed.order_by("region_code", "enterprise__name", "pk").values_list(
        "enterprise__name", "enterprise__region__name", "industry__name", "tier"
    )

    def unit_rows(queryset=units):
        for name, county, industry, tier in queryset.iterator(chunk_size=2000):
            yield [name, county, industry, tier_names.get(tier, tier)]

    section.tables.append(
        Table(
            "whitelist_units",
            _("白名单单位名单"),
            [
                Column(_("单位名称"), width=36, wraps=True),
                Column(_("区县"), width=12),
                Column(_("行业领域"), width=12),
                Column(_("服务层级"), width=10),
            ],
            _preview(unit_rows(units[:LIST_PREVIEW])) if total else [],
            count=total,
            stream=unit_rows,
        )
    )
    return section


# --- (b) coverage ---------------------------------------------------------------------------------


def coverage_section(ctx: ReportContext) -> Section | None:
    """WL-07 coverage per industry the user's grants cover (``enterprises.queries.coverage``):
    the region's own row per industry, and the ratio per child region and industry."""
    user, region = ctx.user, ctx.region
    if not can(user, WhitelistEntry, "view"):
        return None
    industries = jurisdiction_industries(user, WhitelistEntry, "view", region.code)
    if not industries:
        return None
    results = [(industry, coverage(industry, region, ctx.rules)) for industry in industries]

    def link(industry, code) -> str:
        return _url("enterprises:coverage", region=code, industry=industry.code)

    rows = []
    for industry, (own, *_children) in results:
        rows.append(
            [
                Cell(industry.name, link(industry, region.code)),
                own.units,
                own.covered_units,
                own.total,
                own.covered,
                own.ratio_pct,
                own.target_pct,
                own.gap if own.is_below_target else None,
            ]
        )
    below = sum(1 for _industry, (own, *_rest) in results if own.is_below_target)
    reached = sum(
        1 for _industry, (own, *_rest) in results if own.total and not own.is_below_target
    )
    section = Section(
        "coverage",
        _("白名单覆盖率"),
        figures=[
            Figure(_("达到目标的行业"), reached, key="reached"),
            Figure(_("低于目标的行业"), below, key="below", tone="danger" if below else ""),
        ],
        tables=[
            Table(
                "coverage_by_industry",
                _("覆盖率（按行业）"),
                [
                    Column(_("行业领域"), width=14),
                    Column(_("单位数"), INT),
                    Column(_("白名单单位"), INT),
                    Column(_("总产值/投资额（万元）"), MONEY, 20),
                    Column(_("白名单产值（万元）"), MONEY, 18),
                    Column(_("覆盖率（%）"), PCT),
                    Column(_("目标（%）"), PCT),
                    Column(_("缺口（万元）"), MONEY, 16),
                ],
                rows,
            )
        ],
        notes=[
            _(
                "覆盖率 = 白名单单位（含已纳入园区的成员企业）总产值（项目为投资额）÷ 该行业全部单位"
                "总产值（投资额）；目标取自规则集 v%(version)s。"
            )
            % {"version": ctx.rules.version},
            _as_of(ctx),
        ],
    )
    children = results[0][1][1:]
    if children:
        section.tables.append(
            Table(
                "coverage_by_region",
                _("覆盖率（按下级区划）"),
                [Column(_("区划"), width=14)]
                + [
                    Column(_("%(industry)s（%%）") % {"industry": i.name}, PCT, 14)
                    for i in industries
                ],
                [
                    [child.region.name]
                    + [
                        Cell(rows_[i + 1].ratio_pct, link(industry, child.region.code))
                        for industry, rows_ in results
                    ]
                    for i, child in enumerate(children)
                ],
                note=_("“—”：该区划没有此行业的单位产值。"),
            )
        )
    return section


# --- (c) staff test compliance --------------------------------------------------------------------


def compliance_section(ctx: ReportContext) -> Section | None:
    """EPI-04 compliance per child region (a county: per unit), read through
    ``epidemic.compliance`` at the moment of generation with the rule set's test windows."""
    user, region = ctx.user, ctx.region
    if not can(user, StaffMember, "view"):
        return None
    scope = compliance.emergency_scope()
    staff = StaffMember.objects.visible_to(user, "view")
    own, *children = compliance.region_rates(staff, region, ctx.now, ctx.rules, scope)

    def overdue_link(**params) -> str:
        return _url("epidemic:compliance_overdue", **params)

    columns = [
        Column(_("在岗人员"), INT),
        Column(_("超时未检测"), INT),
        Column(_("超时率（%）"), PCT),
        Column(_("检测合规率（%）"), PCT, 14),
    ]

    def cells(row, **params) -> list:
        return [
            row.staff,
            Cell(row.overdue, overdue_link(**params)),
            row.overdue_pct,
            row.compliance_pct,
        ]

    section = Section(
        "compliance",
        _("员工核酸检测合规"),
        figures=[
            Figure(_("在岗人员"), own.staff, key="staff"),
            Figure(
                _("超时未检测"),
                own.overdue,
                overdue_link(region=region.code),
                key="overdue",
                tone="danger" if own.overdue else "",
            ),
            Figure(_("检测合规率"), own.compliance_pct, key="compliance", unit="%"),
        ],
        notes=[
            _(
                "超时未检测：在岗人员最近一次阴性采样早于检测周期（普通岗位 %(ordinary)s 小时，"
                "流动岗位 %(mobile)s 小时，封控区域和闭环单位 %(emergency)s 小时；规则集 "
                "v%(version)s）。"
            )
            % {
                "ordinary": ctx.rules["nat_interval_hours"],
                "mobile": ctx.rules["nat_interval_hours_mobile_post"],
                "emergency": ctx.rules["nat_interval_hours_emergency"],
                "version": ctx.rules.version,
            },
            _as_of(ctx),
        ],
    )
    if children:
        section.tables.append(
            Table(
                "compliance_by_region",
                _("核酸检测合规（按区划）"),
                [Column(_("区划"), width=14), *columns],
                [[row.name, *cells(row, region=row.code)] for row in children],
                total=[_("合计"), *cells(own, region=region.code)],
            )
        )
        return section
    units = compliance.unit_rates(
        staff.filter(prefix_range("region_code", region.code)), ctx.now, ctx.rules, scope
    )

    def unit_rows(queryset=units):
        for values in queryset.iterator(chunk_size=2000):
            row = compliance.as_unit_row(values)
            yield [row.name, *cells(row, enterprise=values["enterprise_id"])]

    count = units.count()
    section.tables.append(
        Table(
            "compliance_by_unit",
            _("核酸检测合规（按单位）"),
            [Column(_("单位"), width=36, wraps=True), *columns],
            _preview(unit_rows(units[:LIST_PREVIEW])) if count else [],
            total=[_("合计"), *cells(own, region=region.code)],
            count=count,
            stream=unit_rows,
        )
    )
    return section


# --- (d) demands and work orders ------------------------------------------------------------------


METRIC_FIGURES = (
    ("orders", gettext_lazy("派发工单")),
    ("closed", gettext_lazy("已办结工单")),
    ("open_overdue", gettext_lazy("超期未办结")),
    ("escalated", gettext_lazy("提级办理")),
)
RATE_FIGURES = (
    ("sign_rate", gettext_lazy("按时签收率")),
    ("close_rate", gettext_lazy("按时办结率")),
    ("resolution_rate", gettext_lazy("解决率")),
    ("satisfaction_rate", gettext_lazy("满意率")),
)


def demands_section(ctx: ReportContext) -> Section | None:
    """DEM-01..03: demands received and closed in the period (the enterprise's region), and the
    work orders dispatched in the period to departments of the region, counted and rated by
    ``workorders.metrics`` (overdue and escalated as of generation)."""
    user, code, period = ctx.user, ctx.region.code, ctx.period
    may_demands = can(user, Demand, "view")
    may_orders = can(user, WorkOrder, "export")
    if not (may_demands or may_orders):
        return None
    section = Section("demands", _("企业诉求办理"))
    if may_demands:
        counts = (
            Demand.objects.visible_to(user, "view")
            .filter(_within(ctx))
            .aggregate(
                received=Count("pk", filter=period.q("submitted_at")),
                closed=Count("pk", filter=period.q("closed_at")),
            )
        )
        section.figures += [
            Figure(
                _("收到诉求"),
                counts["received"],
                _url(
                    "workorders:demand_list",
                    region=code,
                    submitted_from=period.first.isoformat(),
                    submitted_to=period.last.isoformat(),
                ),
                key="received",
            ),
            Figure(_("诉求销号"), counts["closed"], key="demands_closed"),
        ]
    if may_orders:
        orders = WorkOrder.objects.visible_to(user, "export").filter(
            _within(ctx), period.q("dispatched_at")
        )
        total = metrics.compute(orders, now=ctx.now)

        def link(count: str, **params) -> str:
            return _url(
                "workorders:metrics_orders",
                region=code,
                dispatched_from=period.first.isoformat(),
                dispatched_to=period.last.isoformat(),
                count=count,
                **params,
            )

        section.figures += [
            Figure(str(label), total.counts[name], link(name), key=name)
            for name, label in METRIC_FIGURES
        ]
        section.figures += [
            Figure(str(label), getattr(total, name), key=name, unit="%")
            for name, label in RATE_FIGURES
        ]
        levels = dict(Level.choices)

        def row(label, m, **params) -> list:
            return [
                label,
                Cell(m.counts["orders"], link("orders", **params)),
                Cell(m.counts["closed"], link("closed", **params)),
                Cell(m.counts["closed_on_time"], link("closed_on_time", **params)),
                Cell(m.counts["open_overdue"], link("open_overdue", **params)),
                Cell(m.counts["escalated"], link("escalated", **params)),
                m.sign_rate,
                m.close_rate,
            ]

        section.tables.append(
            Table(
                "orders_by_level",
                _("工单办理（按层级）"),
                [
                    Column(_("层级"), width=10),
                    Column(_("派发工单"), INT),
                    Column(_("已办结"), INT),
                    Column(_("按时办结"), INT),
                    Column(_("超期未办结"), INT),
                    Column(_("提级办理"), INT),
                    Column(_("按时签收率（%）"), PCT, 14),
                    Column(_("按时办结率（%）"), PCT, 14),
                ],
                [
                    row(levels.get(r.key, r.key), r.metrics, dim="level", key=r.key)
                    for r in metrics.by("level", orders, now=ctx.now)
                ],
                total=row(_("合计"), total),
                note="" if total.counts["orders"] else _("本期没有派发工单。"),
            )
        )
        section.notes.append(
            _(
                "工单按派单时间计入本期、按承办单位所在区划统计；按时办结率 = 按时办结 ÷（已办结 + "
                "超期未办结），超期与提级为报告生成时的状态。"
            )
        )
    return section


# --- (e) incidents and sentinel alerts ------------------------------------------------------------


def incidents_section(ctx: ReportContext) -> Section | None:
    """INC-01 incidents opened and ended (production resumed) in the period and those still
    running; EPI-10 sentinel alerts raised and closed in the period and those still open."""
    user, code, period = ctx.user, ctx.region.code, ctx.period
    may_incidents = can(user, Incident, "view")
    may_alerts = can(user, SentinelAlert, "view")
    if not (may_incidents or may_alerts):
        return None
    section = Section("incidents", _("应急处置事件和哨点预警"))
    if may_incidents:
        incidents = Incident.objects.visible_to(user, "view").filter(_within(ctx))
        groups = list(
            incidents.values("kind")
            .annotate(
                opened=Count("pk", filter=period.q("opened_at")),
                closed=Count("pk", filter=period.q("closed_at")),
                **{
                    status: Count("pk", filter=Q(status=status))
                    for status in (
                        Incident.Status.OPEN,
                        Incident.Status.EXCLUDED,
                        Incident.Status.CONFIRMED,
                    )
                },
            )
            .order_by()
        )

        def summed(name) -> int:
            return sum(group[name] for group in groups)

        def status_link(status) -> str:
            return _url("command:incident_list", region=code, status=status)

        section.figures += [
            Figure(_("新发事件"), summed("opened"), key="incidents_opened"),
            Figure(_("恢复生产（事件结束）"), summed("closed"), key="incidents_closed"),
            Figure(
                _("处置中"),
                summed(Incident.Status.OPEN),
                status_link(Incident.Status.OPEN),
                key="incidents_open",
                tone="warning" if summed(Incident.Status.OPEN) else "",
            ),
            Figure(
                _("已确诊（处置中）"),
                summed(Incident.Status.CONFIRMED),
                status_link(Incident.Status.CONFIRMED),
                key="incidents_confirmed",
            ),
            Figure(
                _("已排除（静默期）"),
                summed(Incident.Status.EXCLUDED),
                status_link(Incident.Status.EXCLUDED),
                key="incidents_excluded",
            ),
        ]
        by_kind = {group["kind"]: group for group in groups}
        section.tables.append(
            Table(
                "incidents_by_kind",
                _("应急处置事件（按类型）"),
                [
                    Column(_("类型"), width=24, wraps=True),
                    Column(_("新发"), INT),
                    Column(_("恢复生产"), INT),
                    Column(_("尚未结束"), INT),
                ],
                [
                    [
                        label,
                        by_kind.get(kind, {}).get("opened", 0),
                        by_kind.get(kind, {}).get("closed", 0),
                        sum(
                            by_kind.get(kind, {}).get(s, 0)
                            for s in (
                                Incident.Status.OPEN,
                                Incident.Status.EXCLUDED,
                                Incident.Status.CONFIRMED,
                            )
                        ),
                    ]
                    for kind, label in Incident.Kind.choices
                ],
                total=[
                    _("合计"),
                    summed("opened"),
                    summed("closed"),
                    summed(Incident.Status.OPEN)
                    + summed(Incident.Status.EXCLUDED)
                    + summed(Incident.Status.CONFIRMED),
                ],
            )
        )
    if may_alerts:
        alerts = SentinelAlert.objects.visible_to(user, "view").filter(_within(ctx))
        open_ = Q(status=AlertStatus.OPEN)
        groups = {
            group["kind"]: group
            for group in alerts.values("kind")
            .annotate(
                raised=Count("pk", filter=period.q("raised_at")),
                closed=Count("pk", filter=period.q("closed_at")),
                open=Count("pk", filter=open_),
                late=Count("pk", filter=open_ & Q(due_at__lt=ctx.now)),
            )
            .order_by()
        }

        def summed_alerts(name) -> int:
            return sum(group[name] for group in groups.values())

        def alert_link(**params) -> str:
            return _url("epidemic:alert_list", region=code, status=AlertStatus.OPEN, **params)

        section.figures += [
            Figure(_("新发哨点预警"), summed_alerts("raised"), key="alerts_raised"),
            Figure(_("已处置哨点预警"), summed_alerts("closed"), key="alerts_closed"),
            Figure(_("待处置哨点预警"), summed_alerts("open"), alert_link(), key="alerts_open"),
            Figure(
                _("超过处置时限"),
                summed_alerts("late"),
                alert_link(overdue="true"),
                key="alerts_late",
                tone="danger" if summed_alerts("late") else "",
            ),
        ]
        section.tables.append(
            Table(
                "alerts_by_kind",
                _("哨点预警（按类型）"),
                [
                    Column(_("预警类型"), width=28, wraps=True),
                    Column(_("新发"), INT),
                    Column(_("已处置"), INT),
                    Column(_("待处置"), INT),
                    Column(_("超过处置时限"), INT, 14),
                ],
                [
                    [
                        label,
                        groups.get(kind, {}).get("raised", 0),
                        groups.get(kind, {}).get("closed", 0),
                        Cell(groups.get(kind, {}).get("open", 0), alert_link(kind=kind)),
                        Cell(
                            groups.get(kind, {}).get("late", 0),
                            alert_link(kind=kind, overdue="true"),
                        ),
                    ]
                    for kind, label in AlertKind.choices
                ],
                total=[
                    _("合计"),
                    summed_alerts("raised"),
                    summed_alerts("closed"),
                    Cell(summed_alerts("open"), alert_link()),
                    Cell(summed_alerts("late"), alert_link(overdue="true")),
                ],
            )
        )
    section.notes.append(
        _("新发、恢复生产、已处置按本期时间统计；处置中、待处置为报告生成时的状态。")
    )
    return section


# --- (f) production status and early warnings -----------------------------------------------------


def production_section(ctx: ReportContext) -> Section | None:
    """MON-03 production reports of the period by state (if units reported) and MON-02 early
    warnings raised and resolved in the period, by dimension."""
    user, period = ctx.user, ctx.period
    may_production = can(user, ProductionReport, "view")
    may_warnings = can(user, EarlyWarning, "view")
    if not (may_production or may_warnings):
        return None
    section = Section("production", _("生产经营状况和监测预警"))
    if may_production:
        reports = ProductionReport.objects.visible_to(user, "view").filter(
            _within(ctx), reported_on__gte=period.first, reported_on__lte=period.last
        )
        summary = reports.aggregate(
            reports=Count("pk"),
            units=Count("enterprise", distinct=True),
            capacity=Avg("capacity_percent"),
        )
        states = {
            group["state"]: group
            for group in reports.values("state")
            .annotate(
                n=Count("pk"),
                units=Count("enterprise", distinct=True),
                capacity=Avg("capacity_percent"),
                staff=Avg("staff_on_site"),
            )
            .order_by()
        }

        def avg(value) -> Decimal | None:
            return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))

        section.figures += [
            Figure(_("填报单位"), summary["units"], key="production_units"),
            Figure(_("填报次数"), summary["reports"], key="production_reports"),
            Figure(
                _("停产填报"),
                states.get(ProductionState.SUSPENDED, {}).get("n", 0),
                key="production_suspended",
            ),
            Figure(_("平均产能利用率"), avg(summary["capacity"]), key="capacity", unit="%"),
        ]
        if summary["reports"]:
            section.tables.append(
                Table(
                    "production_by_state",
                    _("生产经营状况（按状态）"),
                    [
                        Column(_("生产状态"), width=12),
                        Column(_("填报次数"), INT),
                        Column(_("单位数"), INT),
                        Column(_("平均产能利用率（%）"), PCT, 18),
                        Column(_("平均在岗人数"), PCT, 14),
                    ],
                    [
                        [
                            label,
                            states.get(state, {}).get("n", 0),
                            states.get(state, {}).get("units", 0),
                            avg(states.get(state, {}).get("capacity")),
                            avg(states.get(state, {}).get("staff")),
                        ]
                        for state, label in ProductionState.choices
                    ],
                    total=[
                        _("合计"),
                        summary["reports"],
                        summary["units"],
                        avg(summary["capacity"]),
                        None,
                    ],
                )
            )
        else:
            section.notes.append(_("本期没有单位填报生产经营状况。"))
    if may_warnings:
        warnings = EarlyWarning.objects.visible_to(user, "view").filter(_within(ctx))
        groups = {
            group["dimension"]: group
            for group in warnings.values("dimension")
            .annotate(
                raised=Count("pk", filter=period.q("raised_at")),
                resolved=Count("pk", filter=period.q("resolved_at")),
                active=Count("pk", filter=Q(status__in=ACTIVE_WARNING_STATUSES)),
            )
            .order_by()
        }

        def summed(name) -> int:
            return sum(group[name] for group in groups.values())

        def active_link(**params) -> str:
            # the list's pseudo-status "active": open, acknowledged or assigned
            return _url("command:warning_list", region=ctx.region.code, status="active", **params)

        section.figures += [
            Figure(_("新发监测预警"), summed("raised"), key="warnings_raised"),
            Figure(_("已处置监测预警"), summed("resolved"), key="warnings_resolved"),
            Figure(_("尚未闭环的预警"), summed("active"), active_link(), key="warnings_active"),
        ]
        section.tables.append(
            Table(
                "warnings_by_dimension",
                _("监测预警（按维度）"),
                [
                    Column(_("监测维度"), width=16),
                    Column(_("新发"), INT),
                    Column(_("已处置"), INT),
                    Column(_("尚未闭环"), INT),
                ],
                [
                    [
                        label,
                        groups.get(dimension, {}).get("raised", 0),
                        groups.get(dimension, {}).get("resolved", 0),
                        Cell(
                            groups.get(dimension, {}).get("active", 0),
                            active_link(dimension=dimension),
                        ),
                    ]
                    for dimension, label in WarningDimension.choices
                ],
                total=[
                    _("合计"),
                    summed("raised"),
                    summed("resolved"),
                    Cell(summed("active"), active_link()),
                ],
            )
        )
        section.notes.append(
            _("新发、已处置按本期时间统计；尚未闭环（待响应、已确认、已交办）为报告生成时的状态。")
        )
    return section


# --- the weekly trend -----------------------------------------------------------------------------


def _daily_counts(queryset, period: Period, **conditions) -> dict[str, list[int]]:
    """Per day of ``period``, how many rows of ``queryset`` meet each condition
    (``name=lambda day: Q(...)``): one aggregate query for all days and conditions."""
    days = period.days
    row = queryset.order_by().aggregate(
        **{
            f"{name}_{i}": Count("pk", filter=condition(day))
            for name, condition in conditions.items()
            for i, day in enumerate(days)
        }
    )
    return {name: [row[f"{name}_{i}"] for i in range(len(days))] for name in conditions}


def _on(path: str):
    return lambda day: Q(
        **{f"{path}__gte": day_start(day), f"{path}__lt": day_start(day + ONE_DAY)}
    )


def _trend_series():
    """The weekly trend's columns: per model (and the action that reads it), its labelled
    per-day conditions."""
    removed = [WhitelistChangeKind.REMOVED, WhitelistChangeKind.FUSED]
    return (
        (
            WhitelistChange,
            "view",
            (
                (
                    gettext_lazy("白名单纳入"),
                    lambda d: _on("at")(d) & Q(kind=WhitelistChangeKind.ADDED),
                ),
                (gettext_lazy("白名单移出"), lambda d: _on("at")(d) & Q(kind__in=removed)),
            ),
        ),
        (
            Demand,
            "view",
            (
                (gettext_lazy("收到诉求"), _on("submitted_at")),
                (gettext_lazy("诉求销号"), _on("closed_at")),
            ),
        ),
        (WorkOrder, "export", ((gettext_lazy("派发工单"), _on("dispatched_at")),)),
        (
            Incident,
            "view",
            (
                (gettext_lazy("新发事件"), _on("opened_at")),
                (gettext_lazy("恢复生产"), _on("closed_at")),
            ),
        ),
        (
            SentinelAlert,
            "view",
            (
                (gettext_lazy("新发哨点预警"), _on("raised_at")),
                (gettext_lazy("已处置哨点预警"), _on("closed_at")),
            ),
        ),
        (
            ProductionReport,
            "view",
            (
                (gettext_lazy("生产填报"), lambda d: Q(reported_on=d)),
                (
                    gettext_lazy("停产填报"),
                    lambda d: Q(reported_on=d, state=ProductionState.SUSPENDED),
                ),
            ),
        ),
        (
            EarlyWarning,
            "view",
            (
                (gettext_lazy("新发监测预警"), _on("raised_at")),
                (gettext_lazy("已处置监测预警"), _on("resolved_at")),
            ),
        ),
    )


def trend_section(ctx: ReportContext) -> Section | None:
    """A weekly report's per-day counts of the period figures of every section the user may
    read; the totals equal the sections' figures."""
    user, period = ctx.user, ctx.period
    columns: list[tuple[Column, list[int]]] = []

    def add(label, values):
        columns.append((Column(label, INT, 10), values))

    for model, action, series in _trend_series():
        if not can(user, model, action):
            continue
        counts = _daily_counts(
            model.objects.visible_to(user, action).filter(_within(ctx)),
            period,
            **{f"s{i}": condition for i, (_label, condition) in enumerate(series)},
        )
        for i, (label, _condition) in enumerate(series):
            add(str(label), counts[f"s{i}"])
    if not columns:
        return None
    rows = [
        [f"{day.isoformat()} {WEEKDAYS[day.weekday()]}"] + [values[i] for _c, values in columns]
        for i, day in enumerate(period.days)
    ]
    return Section(
        "trend",
        _("逐日趋势"),
        tables=[
            Table(
                "trend",
                _("逐日趋势"),
                [Column(_("日期"), width=16)] + [column for column, _v in columns],
                rows,
                total=[_("合计")] + [sum(values) for _c, values in columns],
            )
        ],
        notes=[_("每日按发生时间（北京时间）统计；合计与前文各部分的本期数一致。")],
    )


# --- the whole report -----------------------------------------------------------------------------


SECTIONS = (
    (gettext_lazy("白名单企业（项目）"), whitelist_section),
    (gettext_lazy("白名单覆盖率"), coverage_section),
    (gettext_lazy("员工核酸检测合规"), compliance_section),
    (gettext_lazy("企业诉求办理"), demands_section),
    (gettext_lazy("应急处置事件和哨点预警"), incidents_section),
    (gettext_lazy("生产经营状况和监测预警"), production_section),
)
NUMERALS = "一二三四五六七八九十"


def build(user, region, period: Period, *, rules, now=None) -> Report:
    """The report of ``region`` over ``period`` as ``user`` may see it. The caller has checked
    that the region lies inside the user's grants (``dashboard.access.board_region``)."""
    now = now or timezone.now()
    ctx = ReportContext(user=user, region=region, period=period, rules=rules, now=now)
    sections, withheld = [], []
    for title, builder in SECTIONS:
        section = builder(ctx)
        if section is None:
            withheld.append(str(title))
        else:
            sections.append(section)
    if period.kind == WEEKLY:
        trend = trend_section(ctx)
        if trend is not None:
            sections.append(trend)
    for number, section in zip(NUMERALS, sections, strict=False):
        section.number = number
    return Report(
        title=str(TITLES[period.kind]),
        region=region,
        period=period,
        generated_at=now,
        sections=sections,
        withheld=withheld,
        rule_version=rules.version,
    )
