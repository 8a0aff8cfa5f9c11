"""Pages of the clocks area (DEM-03): the handling metrics per unit, level or category with the
orders behind every count and an Excel export; the office's supervision view (overdue, about to
expire, supervised and escalated orders of its region, each with the urge form); and the clock
panel of one order (limit used, deadline, remaining working time, calendar warning, reminders and
urgings so far). Every write goes through ``actions.clocks``; every scoped read through
``visible_to``."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from sibao.accounts.access import has_any_grant
from sibao.core import audit
from sibao.core.generic import FilteredListView, GrantRequiredMixin
from sibao.core.tabular import workbook_response
from sibao.workorders import clocks, metrics
from sibao.workorders.actions import clocks as actions
from sibao.workorders.filtersets_clocks import (
    SUPERVISION_VIEWS,
    MetricsFilterSet,
    SupervisionFilterSet,
    supervision_q,
)
from sibao.workorders.models import Urging, WorkOrder

DIMENSION_LABELS = {
    "department": gettext_lazy("承办单位"),
    "level": gettext_lazy("层级"),
    "category": gettext_lazy("诉求类别"),
}
EXPIRING_DAYS = 2


def _dimension(request) -> str:
    value = request.GET.get("dim", "department")
    return value if value in metrics.DIMENSIONS else "department"


def _scoped_orders(request, action="export"):
    """The orders the user may see, filtered by the metrics filters (bound or not)."""
    queryset = WorkOrder.objects.visible_to(request.user, action)
    filterset = MetricsFilterSet(request.GET or None, queryset=queryset, request=request)
    return filterset, (filterset.qs if filterset.is_bound else queryset)


# --- metrics ---


class MetricsView(GrantRequiredMixin, View):
    """DEM-03: on-time sign and close rates (open overdue orders counted), resolution and
    satisfaction apart, return, rework and extension rates and the median handling time."""

    permission = (WorkOrder, "export")

    def get(self, request):
        filterset, orders = _scoped_orders(request)
        dimension = _dimension(request)
        now = timezone.now()
        calendar = clocks.WorkCalendar.from_rules()
        query = request.GET.copy()
        query.pop("dim", None)
        return render(
            request,
            "workorders/clocks_metrics.html",
            {
                "filterset": filterset,
                "rows": [
                    (row.label, row.metrics, _links(query, dimension, row.key))
                    for row in metrics.by(dimension, orders, now=now, calendar=calendar)
                ],
                "total": metrics.compute(orders, now=now, calendar=calendar),
                "total_links": _links(query, dimension, ""),
                "dimension": dimension,
                "dimension_label": DIMENSION_LABELS[dimension],
                "dimensions": DIMENSION_LABELS.items(),
                "filters": query.urlencode(),
                "query": request.GET.urlencode(),
            },
        )


def _links(query, dimension: str, key) -> dict[str, str]:
    """For each count of one row, the address of the list of the orders behind it."""
    base = reverse("workorders:metrics_orders")
    links = {}
    for name in metrics.COUNTS:
        params = query.copy()
        params["dim"], params["count"] = dimension, name
        if key != "":
            params["key"] = str(key)
        links[name] = f"{base}?{params.urlencode()}"
    return links


def _header():
    return [
        DIMENSION_LABELS["department"],
        _("工单数"),
        _("应签收"),
        _("按时签收"),
        _("按时签收率（%）"),
        _("已办结"),
        _("按时办结"),
        _("未办结超期"),
        _("按时办结率（%）"),
        _("已评价（解决）"),
        _("已解决"),
        _("解决率（%）"),
        _("已评价（满意）"),
        _("满意及基本满意"),
        _("满意率（%）"),
        _("申请退回"),
        _("退回率（%）"),
        _("重办"),
        _("重办率（%）"),
        _("延期"),
        _("延期率（%）"),
        _("已退回（同意）"),
        _("已提级"),
        _("办理时长中位数（工作小时）"),
    ]


def _line(label, m):
    c = m.counts
    return [
        label,
        c["orders"],
        c["sign_due"],
        c["signed_on_time"],
        m.sign_rate,
        c["closed"],
        c["closed_on_time"],
        c["open_overdue"],
        m.close_rate,
        c["rated_resolution"],
        c["resolved"],
        m.resolution_rate,
        c["rated_satisfaction"],
        c["satisfied"],
        m.satisfaction_rate,
        c["return_requested"],
        m.return_rate,
        c["reworked"],
        m.rework_rate,
        c["extended"],
        m.extension_rate,
        c["returned"],
        c["escalated"],
        m.median_hours,
    ]


class MetricsExportView(GrantRequiredMixin, View):
    """DEM-03: the metrics table as a spreadsheet (audited)."""

    permission = (WorkOrder, "export")

    def get(self, request):
        _filterset, orders = _scoped_orders(request)
        dimension = _dimension(request)
        now = timezone.now()
        rows = metrics.by(dimension, orders, now=now)
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(str(_("办理统计")))
        header = _header()
        header[0] = DIMENSION_LABELS[dimension]
        sheet.append([str(h) for h in header])
        for row in rows:
            sheet.append(_line(row.label, row.metrics))
        sheet.append(_line(str(_("合计")), metrics.compute(orders, now=now)))
        audit.record(
            "workorder.metrics_export",
            actor=request.user,
            changes={"rows": len(rows), "filters": request.GET.urlencode()},
            region_code="",
        )
        filename = f"workorder-metrics-{timezone.localdate():%Y%m%d}.xlsx"
        return workbook_response(workbook, filename)


COUNT_LABELS = {
    "orders": gettext_lazy("全部工单"),
    "sign_due": gettext_lazy("应签收"),
    "signed_on_time": gettext_lazy("按时签收"),
    "closed": gettext_lazy("已办结"),
    "closed_on_time": gettext_lazy("按时办结"),
    "open_overdue": gettext_lazy("未办结超期"),
    "rated_resolution": gettext_lazy("已评价（解决情况）"),
    "resolved": gettext_lazy("已解决"),
    "rated_satisfaction": gettext_lazy("已评价（满意度）"),
    "satisfied": gettext_lazy("满意及基本满意"),
    "return_requested": gettext_lazy("申请过退回"),
    "reworked": gettext_lazy("重办过"),
    "extended": gettext_lazy("延期过"),
    "returned": gettext_lazy("已退回（同意）"),
    "escalated": gettext_lazy("已提级"),
    "replied": gettext_lazy("已答复"),
    "held": gettext_lazy("计入考核"),
}


class MetricsOrdersView(FilteredListView):
    """The orders behind one number of the metrics table: the same filters, the group
    (``dim`` = ``key``) and the count (``count``)."""

    model = WorkOrder
    permission = (WorkOrder, "export")
    filterset_class = MetricsFilterSet
    template_name = "workorders/clocks_metrics_orders.html"
    paginate_by = 50

    def count_name(self) -> str:
        name = self.request.GET.get("count", "orders")
        return name if name in metrics.COUNTS else "orders"

    def get_base_queryset(self):
        orders = WorkOrder.objects.visible_to(self.request.user, "export")
        dimension = self.request.GET.get("dim", "")
        key = self.request.GET.get("key", "")
        if dimension in metrics.DIMENSIONS and key:
            orders = orders.filter(**{metrics.DIMENSIONS[dimension][0]: key})
        orders = metrics.orders_behind(self.count_name(), orders, now=timezone.now())
        return orders.select_related("department", "demand", "enterprise").order_by("due_at", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["count_label"] = COUNT_LABELS.get(self.count_name(), "")
        query = self.request.GET.copy()
        for name in ("count", "key", "page"):
            query.pop(name, None)
        context["back_query"] = query.urlencode()
        context["now"] = timezone.now()
        return context


# --- supervision ---


class SupervisionView(FilteredListView):
    """DEM-03: the office's supervision view: open orders of its region that are overdue, about
    to expire, under supervision or escalated, each with the urge form."""

    model = WorkOrder
    permission = (WorkOrder, "urge")
    filterset_class = SupervisionFilterSet
    template_name = "workorders/clocks_supervision.html"
    partial_template_name = "workorders/clocks_supervision_table.html"
    paginate_by = 30

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.now = timezone.now()
        calendar = clocks.WorkCalendar.from_rules()
        self.soon = calendar.add(self.now, EXPIRING_DAYS * calendar.minutes_per_day)

    def get_queryset(self):
        queryset = self.get_base_queryset()
        self.filterset = self.filterset_class(
            self.request.GET or None,
            queryset=queryset,
            request=self.request,
            now=self.now,
            soon=self.soon,
        )
        if self.filterset.is_bound:
            return self.filterset.qs
        return queryset.filter(_any_view(self.now, self.soon))

    def get_base_queryset(self):
        return (
            WorkOrder.objects.visible_to(self.request.user, "urge")
            .select_related("department", "demand", "enterprise", "parent")
            .order_by("due_at", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        base = self.get_base_queryset()
        context["counts"] = [
            (key, label, base.filter(supervision_q(key, self.now, self.soon)).count())
            for key, label in SUPERVISION_VIEWS
        ]
        context["now"] = self.now
        context["next"] = self.request.get_full_path()
        return context


def _any_view(now, soon):
    q = None
    for key, _label in SUPERVISION_VIEWS:
        q = supervision_q(key, now, soon) if q is None else q | supervision_q(key, now, soon)
    return q


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@require_POST
def order_urge(request, pk):
    """DEM-03: urge one order (the form on the supervision page and in the clock panel)."""
    order = get_object_or_404(WorkOrder.objects.visible_to(request.user, "view"), pk=pk)
    target = _safe_next(request, reverse("workorders:order_detail", args=[order.pk]))
    try:
        actions.urge(order, actor=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(target)
    messages.success(request, _("已督办工单 %(n)s，承办单位已收到督办通知。") % {"n": order.number})
    return redirect(target)


# --- the order's clock panel ---


def clock_state(order, now, calendar) -> dict:
    """What the panel shows: share of the limit used, the deadline, remaining (or overdue)
    working minutes, the calendar warning. A replied order's clock stopped at the reply."""
    end = now if order.is_handling else (order.replied_at or order.closed_at or now)
    used = clocks.used_percent(order, end, calendar)
    stop = order.suspended_at or end
    overdue = stop > order.due_at
    minutes = (
        calendar.between(order.due_at, stop) if overdue else calendar.between(stop, order.due_at)
    )
    return {
        "used": used,
        "bar": min(used, 100),
        "tone": "danger"
        if used >= 100
        else "warning"
        if used >= 80
        else "info"
        if used >= 50
        else "success",
        "overdue": overdue,
        "remaining_hours": round(minutes / 60, 1),
        "remaining_days": round(minutes / calendar.minutes_per_day, 1),
        "warning": clocks.calendar_warning(order.sign_due_at, order.due_at),
        "running": order.is_handling and order.suspended_at is None,
    }


def order_clock_panel(request, pk):
    """The order's clock (a fragment the order page loads with HTMX)."""
    order = get_object_or_404(
        WorkOrder.objects.visible_to(request.user, "view").select_related("department"), pk=pk
    )
    calendar = clocks.WorkCalendar.from_rules()
    urgings = Urging.objects.visible_to(request.user, "view").filter(order=order)
    return render(
        request,
        "workorders/clocks_order_panel.html",
        {
            "order": order,
            "clock": clock_state(order, timezone.now(), calendar),
            "urgings": urgings.select_related("by")[:20],
            "can_urge": order.is_open and actions.may_urge(request.user, order),
            "next": reverse("workorders:order_detail", args=[order.pk]),
        },
    )


def _with_grant(view):
    """Signed in (else to the login page) with some grant (else 403), as the generic views."""

    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_any_grant(request.user):
            raise PermissionDenied(_("您的账户尚未授予角色，请联系系统管理员。"))
        return view(request, *args, **kwargs)

    return wrapped


urlpatterns = [
    path("orders/<int:pk>/clock-panel/", _with_grant(order_clock_panel), name="order_clock_panel"),
    path("orders/<int:pk>/urge/", _with_grant(order_urge), name="order_urge"),
    path("metrics/", MetricsView.as_view(), name="metrics"),
    path("metrics/export/", MetricsExportView.as_view(), name="metrics_export"),
    path("metrics/orders/", MetricsOrdersView.as_view(), name="metrics_orders"),
    path("supervision/", SupervisionView.as_view(), name="supervision"),
]
