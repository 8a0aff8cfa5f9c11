"""Pages of the follow-up area (DEM-05): the demand's follow-up panel (the enterprise's rating form,
the visits, the appeals with the appeal form and the office's decision), the demand's whole
history as a timeline (a panel, and a printable page), the order's follow-up panel (review /
rework / visit / close for those who may use them, with the version the user saw) and the
office's visit queue (回访核实). Every write goes through ``workorders.actions.followup``; every
scoped read through ``visible_to``."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from openpyxl import Workbook

from sibao.accounts.access import can
from sibao.core import audit
from sibao.core.generic import GrantRequiredMixin, ScopedListView
from sibao.core.tabular import workbook_response
from sibao.workorders import queries_history
from sibao.workorders.access import is_office_of
from sibao.workorders.actions import followup as actions
from sibao.workorders.filtersets_followup import VisitQueueFilterSet
from sibao.workorders.forms_followup import (
    AppealDecisionForm,
    AppealForm,
    CloseForm,
    RateForm,
    ReviewForm,
    ReworkForm,
    VisitForm,
)
from sibao.workorders.models import (
    Appeal,
    Demand,
    DemandStatus,
    OrderRole,
    Resolution,
    Satisfaction,
    Visit,
    WorkOrder,
)


def _flash_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _flash_form(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


def _panel(view):
    """A fragment for HTMX: anonymous to the login page, out of scope 404 (in the view)."""

    def wrapped(request, pk):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, pk)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _labelled(visits) -> list:
    """Visits with the labels of their verdict (the columns keep the codes)."""
    visits = list(visits)
    for v in visits:
        v.resolution_label = Resolution(v.resolution).label
        v.satisfaction_label = Satisfaction(v.satisfaction).label
    return visits


# --- the demand's follow-up panel ---


def _appeal_open(user, demand) -> bool:
    deadline = actions.appeal_deadline(demand)
    return (
        demand.status == DemandStatus.CLOSED
        and deadline is not None
        and timezone.now() <= deadline
        and can(user, Appeal, "add")
        and actions.may_rate(user, demand)
        and not demand.appeals.filter(outcome=Appeal.Outcome.PENDING).exists()
    )


def _may_rate_now(user, demand, lead) -> bool:
    if lead is None or lead.status not in actions.RATEABLE or not actions.may_rate(user, demand):
        return False
    return not (demand.status == DemandStatus.CLOSED and demand.rated_at is not None)


def _may_decide(user, lead) -> bool:
    return lead is not None and is_office_of(user, lead.region_code, "decide")


@_panel
def demand_followup_panel(request, pk):
    """DEM-05: the enterprise's verdict, visits and appeals of one demand."""
    user = request.user
    demand = get_object_or_404(Demand.objects.visible_to(user, "view"), pk=pk)
    lead = actions.lead_order(demand)
    visits = (
        Visit.objects.visible_to(user, "view")
        .filter(order__demand=demand)
        .select_related("order", "by")
    )
    appeals = Appeal.objects.visible_to(user, "view").filter(demand=demand).select_related("by")
    context = {
        "demand": demand,
        "lead": lead,
        "visits": _labelled(visits),
        "appeals": appeals,
        "rate_form": RateForm() if _may_rate_now(user, demand, lead) else None,
        "appeal_form": AppealForm() if _appeal_open(user, demand) else None,
        "appeal_deadline": actions.appeal_deadline(demand),
        "decision_form": AppealDecisionForm() if _may_decide(user, lead) else None,
        "needs_approval": actions.needs_approval(demand),
    }
    return render(request, "workorders/followup_demand_panel.html", context)


# --- the whole history ---


def _history_context(user, pk) -> dict:
    demand = get_object_or_404(
        Demand.objects.visible_to(user, "view").select_related("enterprise"), pk=pk
    )
    return {"demand": demand, "events": queries_history.history(demand)}


@_panel
def demand_history_panel(request, pk):
    """DEM-05: every step of the demand and its orders, oldest first."""
    context = _history_context(request.user, pk)
    return render(request, "workorders/followup_history_panel.html", context)


class DemandHistoryView(GrantRequiredMixin, View):
    """DEM-05: the whole history on one printable page."""

    permission = (Demand, "view")

    def get(self, request, pk):
        context = _history_context(request.user, pk)
        return render(request, "workorders/followup_history.html", context)


# --- the order's follow-up panel ---


def _order_flags(user, order) -> dict:
    office = is_office_of(user, order.region_code, "review")
    status = order.status
    lead = order.role == OrderRole.LEAD
    return {
        "can_review": office and status == "replied",
        "can_rework": office and status in ("replied", "reviewed", "visited"),
        "can_visit": status == "reviewed" and actions.may_visit(user, order),
        "can_close": office and (status == "visited" if lead else status == "reviewed"),
    }


@_panel
def order_followup_panel(request, pk):
    """DEM-05: review / rework / visit / close for those who may, with the order's visits."""
    user = request.user
    order = get_object_or_404(
        WorkOrder.objects.visible_to(user, "view").select_related("demand"), pk=pk
    )
    flags = _order_flags(user, order)
    visits = _labelled(
        Visit.objects.visible_to(user, "view").filter(order=order).select_related("by")
    )
    last = visits[0] if visits else None
    initial = {"version": order.version}
    propose_rework = (
        order.status == "visited" and last is not None and last.resolution == "unresolved"
    )
    context = {
        "order": order,
        "demand": order.demand,
        "visits": visits,
        "propose_rework": propose_rework,
        "visit_deadline": actions.visit_deadline(order) if order.status == "reviewed" else None,
        "needs_approval": order.role == OrderRole.LEAD and actions.needs_approval(order.demand),
        "may_decide": is_office_of(user, order.region_code, "decide"),
        "review_form": ReviewForm(initial=initial) if flags["can_review"] else None,
        "rework_form": ReworkForm(initial=initial) if flags["can_rework"] else None,
        "visit_form": VisitForm() if flags["can_visit"] else None,
        "close_form": CloseForm(initial=initial) if flags["can_close"] else None,
    }
    return render(request, "workorders/followup_order_panel.html", context)


# --- writes (POST) ---


def _review(request, order, data):
    actions.review(order, actor=request.user, note=data["note"], version=data["version"])
    return _("答复已审核，已请企业确认办理结果。")


def _rework(request, order, data):
    order = actions.rework(
        order, actor=request.user, reason=data["reason"], version=data["version"]
    )
    if order.supervised:
        return _("已退回重办；该工单已列入重点督办。")
    return _("已退回重办。")


def _visit(request, order, data):
    visit = actions.record_visit(order, actor=request.user, **data)
    if visit.resolution == "unresolved":
        return _("回访已记录。企业反映问题未解决，建议退回重办。")
    return _("回访已记录。")


def _close(request, order, data):
    order = actions.close_order(
        order,
        actor=request.user,
        unsatisfied_reason=data["unsatisfied_reason"],
        version=data["version"],
    )
    if order.role == OrderRole.LEAD:
        return _("工单已办结，诉求已销号。")
    return _("协办工单已办结。")


ORDER_STEPS = {
    "review": (ReviewForm, _review),
    "rework": (ReworkForm, _rework),
    "visit": (VisitForm, _visit),
    "close": (CloseForm, _close),
}


class OrderFollowupView(GrantRequiredMixin, View):
    """POST one follow-up step of an order; refusals and conflicts come back as messages."""

    permission = (WorkOrder, "view")

    def post(self, request, pk, step):
        order = get_object_or_404(WorkOrder.objects.visible_to(request.user, "view"), pk=pk)
        if step not in ORDER_STEPS:
            return redirect("workorders:order_detail", order.pk)
        form_class, perform = ORDER_STEPS[step]
        form = form_class(request.POST)
        if not form.is_valid():
            _flash_form(request, form)
        else:
            try:
                messages.success(request, perform(request, order, form.cleaned_data))
            except ValidationError as exc:
                _flash_errors(request, exc)
        return redirect("workorders:order_detail", order.pk)


class _DemandPost(GrantRequiredMixin, View):
    permission = (Demand, "view")
    form_class = None

    def post(self, request, pk):
        demand = get_object_or_404(Demand.objects.visible_to(request.user, "view"), pk=pk)
        form = self.form_class(request.POST)
        if not form.is_valid():
            _flash_form(request, form)
        else:
            try:
                messages.success(request, self.perform(demand, form.cleaned_data))
            except ValidationError as exc:
                _flash_errors(request, exc)
        return redirect("workorders:demand_detail", demand.pk)


class DemandRateView(_DemandPost):
    form_class = RateForm

    def perform(self, demand, data):
        actions.rate_demand(demand, actor=self.request.user, **data)
        return _("感谢评价，办理结果已确认。")


class DemandAppealView(_DemandPost):
    form_class = AppealForm

    def perform(self, demand, data):
        actions.appeal(demand, actor=self.request.user, reason=data["reason"])
        return _("申诉已提交，指挥部办公室将尽快处理。")


class AppealDecideView(GrantRequiredMixin, View):
    permission = (Appeal, "decide")

    def post(self, request, pk):
        row = get_object_or_404(Appeal.objects.visible_to(request.user, "decide"), pk=pk)
        form = AppealDecisionForm(request.POST)
        if not form.is_valid():
            _flash_form(request, form)
        else:
            reopen = form.cleaned_data["decision"] == "reopen"
            try:
                actions.decide_appeal(
                    row, actor=request.user, reopen=reopen, note=form.cleaned_data["note"]
                )
                messages.success(request, _("已重启办理。") if reopen else _("已维持办结。"))
            except ValidationError as exc:
                _flash_errors(request, exc)
        return redirect("workorders:demand_detail", row.demand_id)


# --- the visit queue ---


def visit_queue_queryset(user):
    """Reviewed orders waiting for a visit that ``user`` may make, oldest review first."""
    return (
        WorkOrder.objects.visible_to(user, "visit")
        .filter(status="reviewed")
        .select_related("demand", "department", "enterprise")
        .order_by("reviewed_at", "id")
    )


class VisitQueueView(ScopedListView):
    """DEM-05: 回访核实 — reviewed orders waiting for the follow-up visit, oldest first, with the
    visit deadline (``workorder_visit_days`` working days after the review)."""

    model = WorkOrder
    action = "visit"
    filterset_class = VisitQueueFilterSet
    template_name = "workorders/followup_visit_queue.html"
    partial_template_name = "workorders/followup_visit_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return visit_queue_queryset(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        for order in context["object_list"]:
            order.visit_due = actions.visit_deadline(order)
            order.visit_late = order.visit_due is not None and now > order.visit_due
        return context


class VisitQueueExportView(GrantRequiredMixin, View):
    permission = (WorkOrder, "visit")

    def get(self, request):
        queryset = visit_queue_queryset(request.user)
        filterset = VisitQueueFilterSet(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound:
            queryset = filterset.qs
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("待回访工单"))
        header = [_("工单编号"), _("诉求"), _("企业"), _("承办单位"), _("审核时间"), _("回访期限")]
        sheet.append([str(h) for h in header])
        count = 0
        for o in queryset.iterator(chunk_size=500):
            due = actions.visit_deadline(o)
            sheet.append(
                [
                    o.number,
                    o.demand.title,
                    o.enterprise.name,
                    o.department.name,
                    _when(o.reviewed_at),
                    _when(due),
                ]
            )
            count += 1
        audit.record(
            "visit_queue.export",
            actor=request.user,
            changes={"rows": count, "filters": request.GET.urlencode()},
            region_code="",
        )
        filename = f"visit-queue-{timezone.localdate():%Y%m%d}.xlsx"
        return workbook_response(workbook, filename)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


urlpatterns = [
    path("<int:pk>/followup-panel/", demand_followup_panel, name="demand_followup_panel"),
    path("<int:pk>/history-panel/", demand_history_panel, name="demand_history_panel"),
    path("<int:pk>/history/", DemandHistoryView.as_view(), name="demand_history"),
    path("<int:pk>/rate/", DemandRateView.as_view(), name="demand_rate"),
    path("<int:pk>/appeal/", DemandAppealView.as_view(), name="demand_appeal"),
    path("appeals/<int:pk>/decide/", AppealDecideView.as_view(), name="appeal_decide"),
    path("orders/<int:pk>/followup-panel/", order_followup_panel, name="order_followup_panel"),
    path(
        "orders/<int:pk>/followup/<slug:step>/",
        OrderFollowupView.as_view(),
        name="order_followup_step",
    ),
    path("visits/", VisitQueueView.as_view(), name="visit_queue"),
    path("visits/export.xlsx", VisitQueueExportView.as_view(), name="visit_queue_export"),
]
