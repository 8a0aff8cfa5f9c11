"""The board's demand-SLA panel (MON-01): open demands and how the region's work orders keep
their clocks.

On time, overdue and escalated are the work-order metrics' own definitions
(``workorders.metrics``: held orders, the open overdue ones always counted, escalation counted
at the level that holds the order now), over the orders handled in the region (``region_code``:
the handler's region, as the metrics page's region filter). Each count links to the metrics
page's list of the orders behind it, filtered the same way; the rates are the metrics page's.
"""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.accounts.access import can, prefix_range
from sibao.dashboard.panels import Figure, Indicator, Panel
from sibao.dashboard.panels.grouping import per_child
from sibao.workorders import metrics
from sibao.workorders.models import Demand, WorkOrder
from sibao.workorders.models.demands import OPEN_STATUSES
from sibao.workorders.models.orders import OPEN_ORDER_STATUSES
from sibao.workorders.queries_intake import demands_for

# the orders behind the metrics page's numbers are listed for those who may export them
ORDERS_ACTION = "export"


def _url(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def orders_url(code: str, count: str = "orders", **params) -> str:
    """The metrics page's list of the orders behind ``count`` in region ``code``."""
    return _url("workorders:metrics_orders", region=code, count=count, **params)


def _orders(ctx):
    if not can(ctx.user, WorkOrder, ORDERS_ACTION):
        return None
    return WorkOrder.objects.visible_to(ctx.user, ORDERS_ACTION)


def demands(ctx) -> Panel | None:
    """Open demands (one query) and the region's work orders: open, closed on time, open
    overdue, escalated, and the on-time sign and close rates (one aggregate query)."""
    may_demands = can(ctx.user, Demand, "view")
    orders = _orders(ctx)
    if not may_demands and orders is None:
        return None
    code = ctx.region.code
    figures = []
    if may_demands:
        open_demands = (
            demands_for(ctx.user)
            .filter(prefix_range("region_code", code), status__in=OPEN_STATUSES)
            .count()
        )
        figures.append(
            Figure(
                _("未办结诉求"),
                open_demands,
                _url("workorders:demand_list", region=code, open="true"),
                key="open_demands",
                unit=_("件"),
            )
        )
    if orders is not None:
        conditions = metrics.conditions(ctx.now)
        counts = orders.filter(prefix_range("region_code", code)).aggregate(
            open=Count("pk", filter=Q(status__in=OPEN_ORDER_STATUSES)),
            **{name: Count("pk", filter=q) for name, q in conditions.items()},
        )
        totals = metrics.Metrics({name: counts[name] for name in metrics.COUNTS})
        figures += [
            Figure(
                _("未办结工单"),
                counts["open"],
                orders_url(code, open="true"),
                key="open_orders",
                unit=_("件"),
            ),
            Figure(
                _("按时办结"),
                counts["closed_on_time"],
                orders_url(code, "closed_on_time"),
                key="closed_on_time",
                unit=_("件"),
                tone="success" if counts["closed_on_time"] else "",
            ),
            Figure(
                _("超期工单"),
                counts["open_overdue"],
                orders_url(code, "open_overdue"),
                key="overdue",
                unit=_("件"),
                tone="danger" if counts["open_overdue"] else "",
                hint=_("未办结且已过办理时限，或已答复但答复超过时限"),
            ),
            Figure(
                _("已提级"),
                counts["escalated"],
                orders_url(code, "escalated"),
                key="escalated",
                unit=_("件"),
                tone="warning" if counts["escalated"] else "",
            ),
            Figure(
                _("按时签收率"),
                totals.sign_rate,
                key="sign_rate",
                unit="%",
                hint=_("按时签收 ÷ 应签收"),
            ),
            Figure(
                _("按时办结率"),
                totals.close_rate,
                key="close_rate",
                unit="%",
                hint=_("按时办结 ÷（已办结 + 未办结超期）"),
            ),
        ]
    return Panel(
        key="demands",
        title=_("诉求办理时效"),
        figures=figures,
        more_url=_url("workorders:metrics", region=code) if orders is not None else "",
        more_label=_("办理统计") if orders is not None else "",
    )


def overdue_order_values(ctx, children) -> dict:
    orders = _orders(ctx)
    if orders is None:
        return {}
    overdue = metrics.conditions(ctx.now)["open_overdue"]
    counts = per_child(orders, ctx.region, children, overdue=Count("pk", filter=overdue))
    return {code: c["overdue"] for code, c in counts.items()}


def overdue_order_url(ctx, code: str) -> str:
    return orders_url(code, "open_overdue")


OVERDUE_ORDERS = Indicator(
    key="overdue_orders",
    label=gettext_lazy("超期工单"),
    values=overdue_order_values,
    url=overdue_order_url,
    unit=gettext_lazy("件"),
)
