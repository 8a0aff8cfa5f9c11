"""Pages of the orders area (DEM-02): the handling unit's queue (filters, search, export, bulk
sign), an order's page with the forms the user may use (sign, start, reply with evidence, return,
extension, suspend/resume, escalate) and the office's decisions on pending requests, the orders
panel of a demand with the dispatch form (routing suggestion preselected), and the routing rules.
Every write goes through ``workorders.actions.orders``; every scoped read through
``visible_to``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from openpyxl import Workbook

from sibao.accounts.access import can
from sibao.core.generic import FilteredListView, GrantRequiredMixin, ScopedDetailView
from sibao.core.tabular import workbook_response
from sibao.regions.models import DepartmentKind
from sibao.workorders import access
from sibao.workorders.actions import orders as actions
from sibao.workorders.filtersets_orders import RoutingRuleFilterSet, WorkOrderFilterSet
from sibao.workorders.forms_orders import (
    BulkSignForm,
    DecisionForm,
    DispatchForm,
    ExtensionForm,
    ReasonForm,
    ReplyForm,
    ReturnForm,
    RoutingRuleForm,
    VersionForm,
)
from sibao.workorders.models import (
    Demand,
    DemandCategory,
    ExtensionRequest,
    OrderRole,
    OrderStatus,
    RequestStatus,
    ReturnRequest,
    RoutingRule,
    WorkOrder,
)
from sibao.workorders.queries_orders import clock_facts, queue_for

S = OrderStatus


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _flash_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _flash_form(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


# --- the queue ---


class OrderListView(FilteredListView):
    """DEM-02: the handling unit's queue (its departments' orders; the office: its level's)."""

    model = WorkOrder
    permission = (WorkOrder, "view")
    filterset_class = WorkOrderFilterSet
    template_name = "workorders/orders_list.html"
    partial_template_name = "workorders/orders_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return (
            queue_for(self.request.user)
            .select_related("department", "enterprise", "demand")
            .order_by(*WorkOrder._meta.ordering)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        for row in context["object_list"]:
            row.overdue = row.is_overdue(now)
            row.can_sign = row.status == S.DISPATCHED and access.handles(user, row)
        context["can_bulk_sign"] = any(r.can_sign for r in context["object_list"])
        return context


class OrderExportView(GrantRequiredMixin, View):
    permission = (WorkOrder, "export")

    def get(self, request):
        queryset = queue_for(request.user).filter(
            pk__in=WorkOrder.objects.visible_to(request.user, "export")
        )
        filterset = WorkOrderFilterSet(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound:
            queryset = filterset.qs
        queryset = queryset.select_related("department", "enterprise", "demand")
        now = timezone.now()
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("工单"))
        sheet.append(
            [
                _("工单编号"),
                _("诉求编号"),
                _("标题"),
                _("企业"),
                _("承办单位"),
                _("主办/协办"),
                _("层级"),
                _("状态"),
                _("派单时间"),
                _("签收时限"),
                _("办理时限"),
                _("超期"),
            ]
        )
        count = 0
        for o in queryset.iterator(chunk_size=500):
            sheet.append(
                [
                    o.number,
                    o.demand.number,
                    o.demand.title,
                    o.enterprise.name,
                    o.department.name,
                    str(o.get_role_display()),
                    str(o.get_level_display()),
                    str(o.get_status_display()),
                    _when(o.dispatched_at),
                    _when(o.sign_due_at),
                    _when(o.due_at),
                    _("是") if o.is_overdue(now) else "",
                ]
            )
            count += 1
        actions.record_order_export(actor=request.user, rows=count, filters=request.GET.urlencode())
        name = f"work-orders-{timezone.localdate():%Y%m%d}.xlsx"
        return workbook_response(workbook, name)


class OrderBulkSignView(GrantRequiredMixin, View):
    """DEM-02: sign the selected orders, each through the action; conflicts reported per order."""

    permission = (WorkOrder, "handle")

    def post(self, request):
        visible = WorkOrder.objects.visible_to(request.user, "view")
        ids = [int(v) for v in request.POST.getlist("orders") if v.isdigit()]
        form = BulkSignForm(
            request.POST, order_ids=visible.filter(pk__in=ids).values_list("pk", flat=True)
        )
        if not form.is_valid():
            messages.error(request, _("请选择要签收的工单。"))
            return redirect("workorders:order_list")
        signed = 0
        for order in visible.filter(pk__in=form.cleaned_data["orders"]).order_by("pk"):
            raw = request.POST.get(f"version-{order.pk}", "")
            version = int(raw) if raw.isdigit() else None
            try:
                actions.sign(order, actor=request.user, version=version)
                signed += 1
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(getattr(exc, "messages", None) or [str(exc)])
                messages.error(request, f"{order.number}：{text}")
        if signed:
            messages.success(request, _("已签收 %(n)s 张工单。") % {"n": signed})
        return redirect("workorders:order_list")


# --- one order ---


def _order_flags(user, order, now) -> dict:
    handles = access.handles(user, order)
    decider = actions.may_decide(user, order)
    office = access.is_office_of(user, order.region_code)
    status = order.status
    pending_ext = order.extension_requests.filter(status=RequestStatus.PENDING).exists()
    return {
        "can_sign": handles and status == S.DISPATCHED,
        "can_start": handles and status in (S.DISPATCHED, S.SIGNED),
        "can_reply": handles and status in (S.SIGNED, S.IN_PROGRESS),
        "can_return": handles
        and status in (S.DISPATCHED, S.SIGNED)
        and actions.return_window_open(order, now),
        "can_extend": handles
        and status in (S.SIGNED, S.IN_PROGRESS, S.SUSPENDED)
        and not pending_ext,
        "can_suspend": handles and status in (S.SIGNED, S.IN_PROGRESS),
        "can_resume": (handles or decider) and status == S.SUSPENDED,
        "can_escalate": (handles or office)
        and status in (S.DISPATCHED, S.SIGNED, S.IN_PROGRESS)
        and order.role == OrderRole.LEAD
        and actions.escalation_target(order) is not None,
        "is_decider": decider,
    }


def _history(order) -> list:
    labels = dict(OrderStatus.choices)
    rows = list(WorkOrder.workflow.history(order).order_by("at", "id"))
    for row in rows:
        row.target_label = labels.get(row.target, row.target)
    return rows


class OrderDetailView(ScopedDetailView):
    """DEM-02: one order — facts, clock, requests, the forms the user may use."""

    model = WorkOrder
    template_name = "workorders/orders_detail.html"
    context_object_name = "order"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("department__region", "demand", "enterprise", "parent", "dispatched_by")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, order, now = self.request.user, self.object, timezone.now()
        flags = _order_flags(user, order, now)
        context.update(flags)
        pending = RequestStatus.PENDING
        context.update(
            clock=clock_facts(order, now),
            demand_visible=Demand.objects.visible_to(user).filter(pk=order.demand_id).exists(),
            return_requests=list(order.return_requests.select_related("suggested_department")),
            extension_requests=list(order.extension_requests.all()),
            suspensions=list(order.suspensions.all()),
            escalated_to=list(order.escalated_to.select_related("department")),
            attachments=list(order.attachments.all()),
            history=_history(order),
            pending_return=order.return_requests.filter(status=pending).first()
            if flags["is_decider"]
            else None,
            pending_extension=order.extension_requests.filter(status=pending).first()
            if flags["is_decider"]
            else None,
            escalation_target=actions.escalation_target(order) if flags["can_escalate"] else None,
            return_form=ReturnForm(region_code=order.region_code),
            reply_form=ReplyForm(),
            extension_form=ExtensionForm(),
            decision_form=DecisionForm(),
        )
        return context


def _step_sign(order, user, data):
    actions.sign(order, actor=user, version=data.get("version"))
    return _("工单已签收。")


def _step_start(order, user, data):
    actions.start(order, actor=user, version=data.get("version"))
    return _("已开始办理。")


def _step_reply(order, user, data):
    actions.reply(
        order, actor=user, answer=data["answer"], files=data["files"], version=data.get("version")
    )
    return _("已答复，等待指挥部办公室审核。")


def _step_return(order, user, data):
    actions.request_return(
        order,
        actor=user,
        reason=data["reason"],
        suggested_department=data.get("suggested_department"),
        version=data.get("version"),
    )
    return _("退回申请已提交，等待指挥部办公室审批。")


def _step_extension(order, user, data):
    actions.request_extension(
        order, actor=user, working_days=data["working_days"], reason=data["reason"]
    )
    return _("延期申请已提交。")


def _step_suspend(order, user, data):
    actions.suspend(order, actor=user, reason=data["reason"], version=data.get("version"))
    return _("已暂停计时。")


def _step_resume(order, user, data):
    actions.resume(order, actor=user, version=data.get("version"))
    return _("已恢复计时。")


def _step_escalate(order, user, data):
    new = actions.escalate(order, actor=user, reason=data["reason"])
    return _("已提级至%(d)s（%(n)s）。") % {"d": new.department.name, "n": new.number}


STEPS = {
    "sign": (VersionForm, _step_sign),
    "start": (VersionForm, _step_start),
    "reply": (ReplyForm, _step_reply),
    "return": (ReturnForm, _step_return),
    "extension": (ExtensionForm, _step_extension),
    "suspend": (ReasonForm, _step_suspend),
    "resume": (VersionForm, _step_resume),
    "escalate": (ReasonForm, _step_escalate),
}


class OrderStepView(GrantRequiredMixin, View):
    """POST one handling step of an order; the action's refusals come back as messages."""

    permission = (WorkOrder, "view")

    def post(self, request, pk, step):
        order = get_object_or_404(WorkOrder.objects.visible_to(request.user), pk=pk)
        if step not in STEPS:
            raise PermissionDenied(_("未知的操作。"))
        form_class, perform = STEPS[step]
        kwargs = {"region_code": order.region_code} if form_class is ReturnForm else {}
        form = form_class(request.POST, request.FILES, **kwargs)
        if not form.is_valid():
            _flash_form(request, form)
        else:
            try:
                messages.success(request, perform(order, request.user, form.cleaned_data))
            except ValidationError as exc:
                _flash_errors(request, exc)
        return redirect("workorders:order_detail", order.pk)


class _DecideView(GrantRequiredMixin, View):
    permission = (WorkOrder, "decide")
    model = None
    decide = None

    def post(self, request, pk):
        visible = WorkOrder.objects.visible_to(request.user)
        item = get_object_or_404(
            self.model.objects.filter(order__in=visible).select_related("order"), pk=pk
        )
        form = DecisionForm(request.POST)
        if not form.is_valid():
            _flash_form(request, form)
        else:
            approve = form.cleaned_data["decision"] == "approve"
            try:
                type(self).decide(
                    item, actor=request.user, approve=approve, note=form.cleaned_data["note"]
                )
                messages.success(request, _("已审批。"))
            except ValidationError as exc:
                _flash_errors(request, exc)
        return redirect("workorders:order_detail", item.order_id)


class ReturnDecideView(_DecideView):
    model = ReturnRequest
    decide = actions.decide_return


class ExtensionDecideView(_DecideView):
    model = ExtensionRequest
    decide = actions.decide_extension


# --- the demand's orders ---


def _dispatch_regions(user, demand) -> list[str]:
    """The levels whose office ``user`` is and that cover the demand, narrowest first."""
    codes = {
        g.region_id
        for g in access.office_grants(user)
        if demand.region_code.startswith(g.region_id)
    }
    return sorted(codes, key=len, reverse=True)


def _panel_context(user, demand) -> dict:
    orders = list(
        WorkOrder.objects.visible_to(user)
        .filter(demand=demand)
        .select_related("department")
        .order_by("dispatched_at", "id")
    )
    regions = _dispatch_regions(user, demand)
    form = suggestion = None
    if regions and demand.status in actions.DISPATCHABLE:
        suggestion = actions.suggest_department(demand, region_code=regions[0])
        has_lead = any(o.role == OrderRole.LEAD and o.is_open for o in orders)
        form = DispatchForm(
            region_codes=regions,
            initial={
                "department": suggestion.pk if suggestion else None,
                "role": OrderRole.ASSIST if has_lead else OrderRole.LEAD,
                "version": demand.version,
            },
        )
    return {"demand": demand, "orders": orders, "dispatch_form": form, "suggestion": suggestion}


def demand_orders_panel(request, pk):
    """The orders of a demand; for the office, the dispatch form (an HTMX fragment)."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    demand = get_object_or_404(Demand.objects.visible_to(request.user, "view"), pk=pk)
    return render(
        request, "workorders/orders_demand_panel.html", _panel_context(request.user, demand)
    )


class DemandDispatchView(GrantRequiredMixin, View):
    """DEM-02: the office dispatches the demand (lead or assist) to a department of its level."""

    permission = (WorkOrder, "dispatch")

    def post(self, request, pk):
        demand = get_object_or_404(Demand.objects.visible_to(request.user), pk=pk)
        form = DispatchForm(request.POST, region_codes=_dispatch_regions(request.user, demand))
        if not form.is_valid():
            _flash_form(request, form)
            return redirect("workorders:demand_detail", demand.pk)
        data = form.cleaned_data
        try:
            order = actions.dispatch(
                demand,
                actor=request.user,
                department=data["department"],
                role=data["role"],
                instructions=data["instructions"],
                version=data.get("version"),
            )
        except ValidationError as exc:
            _flash_errors(request, exc)
            return redirect("workorders:demand_detail", demand.pk)
        messages.success(
            request, _("已派单至%(d)s（%(n)s）。") % {"d": order.department.name, "n": order.number}
        )
        return redirect("workorders:demand_detail", demand.pk)


# --- routing rules ---


class RoutingRuleListView(FilteredListView):
    """DEM-02: the routing rules (category × region × tier → department kind)."""

    model = RoutingRule
    permission = (RoutingRule, "view")
    filterset_class = RoutingRuleFilterSet
    template_name = "workorders/orders_rule_list.html"
    partial_template_name = "workorders/orders_rule_table.html"
    paginate_by = 50

    def get_base_queryset(self):
        # the rules that apply in the user's jurisdiction: its own and those of the levels above
        user = self.request.user
        visible = RoutingRule.objects.visible_to(user)
        prefixes = set()
        for grant in user.active_grants():
            code = grant.region_id
            prefixes.update(code[:n] for n in range(2, len(code) + 1))
        return (visible | RoutingRule.objects.filter(region_code__in=prefixes)).distinct()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kinds = dict(DepartmentKind.choices)
        categories = dict(DemandCategory.choices)
        for row in context["object_list"]:
            row.category_label = categories.get(row.category, row.category)
            row.kind_label = kinds.get(row.department_kind, row.department_kind)
            row.editable = can(self.request.user, RoutingRule, "change", obj=row)
        context["can_add"] = can(self.request.user, RoutingRule, "add")
        return context


class RoutingRuleFormView(GrantRequiredMixin, View):
    permission = (RoutingRule, "add")

    def rule(self, pk):
        return None

    def render_form(self, form, rule, status=200):
        return render(
            self.request,
            "workorders/orders_rule_form.html",
            {"form": form, "rule": rule},
            status=status,
        )

    def get(self, request, pk=None):
        rule = self.rule(pk)
        initial = {}
        if rule is not None:
            initial = {
                f: getattr(rule, f)
                for f in ("category", "service_tier", "region_code", "department_kind", "note")
            }
        else:
            grants = access.office_grants(request.user, "dispatch")
            initial = {"region_code": grants[0].region_id} if grants else {}
        return self.render_form(RoutingRuleForm(initial=initial), rule)

    def post(self, request, pk=None):
        rule = self.rule(pk)
        form = RoutingRuleForm(request.POST)
        if not form.is_valid():
            return self.render_form(form, rule, status=422)
        try:
            actions.save_routing_rule(rule, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return self.render_form(form, rule, status=422)
        messages.success(request, _("派单规则已保存。"))
        return redirect("workorders:routing_rule_list")


class RoutingRuleEditView(RoutingRuleFormView):
    permission = (RoutingRule, "change")

    def rule(self, pk):
        return get_object_or_404(RoutingRule.objects.visible_to(self.request.user, "change"), pk=pk)


urlpatterns = [
    path("orders/", OrderListView.as_view(), name="order_list"),
    path("orders/export.xlsx", OrderExportView.as_view(), name="order_export"),
    path("orders/bulk-sign/", OrderBulkSignView.as_view(), name="order_bulk_sign"),
    path("orders/<int:pk>/", OrderDetailView.as_view(), name="order_detail"),
    path("orders/<int:pk>/step/<slug:step>/", OrderStepView.as_view(), name="order_step"),
    path("return-requests/<int:pk>/decide/", ReturnDecideView.as_view(), name="return_decide"),
    path(
        "extension-requests/<int:pk>/decide/",
        ExtensionDecideView.as_view(),
        name="extension_decide",
    ),
    path("<int:pk>/orders-panel/", demand_orders_panel, name="demand_orders_panel"),
    path("<int:pk>/dispatch/", DemandDispatchView.as_view(), name="demand_dispatch"),
    path("routing-rules/", RoutingRuleListView.as_view(), name="routing_rule_list"),
    path("routing-rules/new/", RoutingRuleFormView.as_view(), name="routing_rule_create"),
    path("routing-rules/<int:pk>/edit/", RoutingRuleEditView.as_view(), name="routing_rule_edit"),
]
