"""The board's production panel (MON-03): the units of the region by current state, those that
have not reported for ``production_stale_days``, those short of raw material, the average
capacity; and two map indicators per child region (share operating, average capacity).

Every count is a filter of the status list (``enterprises:production_list``) over the same
queryset (``queries_production.status_units``), so each number equals the list it links to."""

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.accounts.access import can
from sibao.dashboard.panels import BoardContext, Figure, Indicator, Panel
from sibao.dashboard.panels.grouping import per_child, percent
from sibao.enterprises import queries_production as queries
from sibao.enterprises.models import ProductionReport, ProductionState


def _may_read(ctx: BoardContext) -> bool:
    return can(ctx.user, ProductionReport, "view")


def production(ctx: BoardContext) -> Panel | None:
    if not _may_read(ctx):
        return None
    code = ctx.region.code
    units = queries.in_region(queries.status_units(ctx.user), code)
    s = queries.summary(units, today=ctx.today, rules=ctx.rules)
    stale_days = ctx.rules["production_stale_days"]
    low = ctx.rules["production_raw_material_days_low"]

    def url(**params):
        return queries.list_url(region=code, **params)

    labels = dict(ProductionState.choices)
    figures = [
        Figure(
            str(labels[ProductionState.OPERATING]),
            s.operating,
            url(state=ProductionState.OPERATING),
            key="operating",
            tone="success",
        ),
        Figure(
            str(labels[ProductionState.PARTIAL]),
            s.partial,
            url(state=ProductionState.PARTIAL),
            key="partial",
            tone="warning" if s.partial else "",
        ),
        Figure(
            str(labels[ProductionState.SUSPENDED]),
            s.suspended,
            url(state=ProductionState.SUSPENDED),
            key="suspended",
            tone="danger" if s.suspended else "",
        ),
        Figure(
            _("%(days)d 天未报") % {"days": stale_days},
            s.stale,
            url(stale=stale_days),
            key="not_reported",
            tone="warning" if s.stale else "",
            hint=_("在册单位连续 %(days)d 天（含今天）没有填报，或从未填报。")
            % {"days": stale_days},
        ),
        Figure(
            _("原材料不足 %(days)d 天") % {"days": low},
            s.raw_low,
            url(raw_below=low),
            key="raw_material_low",
            tone="danger" if s.raw_low else "",
        ),
        Figure(
            _("平均产能利用率"),
            s.capacity,
            key="average_capacity",
            unit="%",
            hint=_("各单位最近一次填报的产能利用率的平均值（%(n)d 家单位）。") % {"n": s.reported},
        ),
    ]
    total = s.operating + s.partial + s.suspended
    chart = None
    if total:
        chart = {
            "tooltip": {"trigger": "item"},
            "series": [
                {
                    "type": "pie",
                    "radius": ["45%", "70%"],
                    "data": [
                        {"name": f.label, "value": f.value, "itemStyle": {"color": colour}}
                        for f, colour in zip(
                            figures[:3], ("#2fb344", "#f59f00", "#d63939"), strict=True
                        )
                    ],
                }
            ],
        }
    return Panel(
        key="production",
        title=_("生产经营状况"),
        figures=figures,
        chart=chart,
        more_url=reverse("enterprises:production_trend") + f"?region={code}",
        more_label=_("生产经营趋势"),
    )


# --- map indicators ------------------------------------------------------------------------------


def _per_child(ctx: BoardContext, children) -> dict[str, dict] | None:
    if not _may_read(ctx):
        return None
    # the status list's units carry their county code as ``region_code`` (queries_production)
    return per_child(
        queries.status_units(ctx.user),
        ctx.region,
        children,
        units=Count("pk"),
        operating=Count("pk", filter=queries.state_q(ProductionState.OPERATING)),
        reported=Count("pk", filter=Q(status__id__isnull=False)),
        capacity=Sum("status__capacity_percent"),
    )


def operating_share_values(ctx: BoardContext, children) -> dict | None:
    """Per child region: the units operating normally (正常生产) in percent of the units on its
    status list."""
    counts = _per_child(ctx, children)
    if counts is None:
        return None
    return {code: percent(c["operating"], c["units"]) for code, c in counts.items()}


def average_capacity_values(ctx: BoardContext, children) -> dict | None:
    """Per child region: the average capacity of the units' current reports."""
    counts = _per_child(ctx, children)
    if counts is None:
        return None
    return {
        code: round(c["capacity"] / c["reported"], 1) if c["reported"] else None
        for code, c in counts.items()
    }


OPERATING_SHARE = Indicator(
    key="production_operating_share",
    label=gettext_lazy("正常生产占比"),
    values=operating_share_values,
    url=lambda ctx, code: queries.list_url(region=code, state=ProductionState.OPERATING),
    unit="%",
)
AVERAGE_CAPACITY = Indicator(
    key="production_average_capacity",
    label=gettext_lazy("平均产能利用率"),
    values=average_capacity_values,
    url=lambda ctx, code: queries.list_url(region=code),
    unit="%",
)
