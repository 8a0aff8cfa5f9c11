"""The warnings panel of the board (MON-01 × MON-02): active warnings of the region in each of
the seven dimensions and those past their response deadline, each linking to the warning list
filtered to exactly those rows (status "active", the dimension or "overdue", the region prefix);
and the map indicator "active warnings" per child region. One grouped query each, through
``visible_to``."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.accounts.access import can
from sibao.command import queries_warnings as queries
from sibao.command.models import EarlyWarning
from sibao.dashboard.panels import Figure, Indicator, Panel


def _visible(ctx):
    return EarlyWarning.objects.visible_to(ctx.user, "view")


def warnings_panel(ctx) -> Panel | None:
    if not can(ctx.user, EarlyWarning, "view"):
        return None
    code = ctx.region.code
    counts, overdue = queries.dimension_counts(_visible(ctx), region=code, now=ctx.now)
    figures = [
        Figure(
            label=str(c.label),
            value=c.active,
            url=c.url,
            key=c.key,
            tone="warning" if c.active else "",
        )
        for c in counts
    ]
    figures.append(
        Figure(
            label=_("超时未响应"),
            value=overdue,
            url=queries.list_url(status=queries.ACTIVE, overdue="true", region=code),
            key="overdue",
            tone="danger" if overdue else "success",
            hint=_("未办结且已超过响应时限的预警"),
        )
    )
    return Panel(
        key="warnings",
        title=_("监测预警"),
        figures=figures,
        more_url=queries.list_url(status=queries.ACTIVE, region=code),
        more_label=_("全部未办结预警"),
        width=12,
    )


def _indicator_values(ctx, children) -> dict | None:
    if not can(ctx.user, EarlyWarning, "view"):
        return None
    return queries.region_counts(_visible(ctx), ctx.region.code, children)


def _indicator_url(ctx, code) -> str:
    return queries.list_url(status=queries.ACTIVE, region=code)


ACTIVE_WARNINGS = Indicator(
    key="warnings_active",
    label=gettext_lazy("未办结预警"),
    values=_indicator_values,
    url=_indicator_url,
    unit=gettext_lazy("条"),
)
