"""Early warnings (MON-02): the warning list and page, and "一键响应" from a warning.

- the list (``warning_list``): active warnings by dimension on top (each count links to its
  rows), filters (dimension, level, status, region, rule, unit, overdue), search, export;
- a warning (``warning_detail``): the rule in words with the parameter values and the figures
  that fired it, owner, deadline, outcome, the linked work order or consultation, the history,
  and the response buttons the user's role and the warning's status allow;
- the responses (POST only): acknowledge, assign, open a work order, open a consultation,
  resolve, dismiss — each calls one action of ``command.actions.warnings``; a refusal of the
  action answers 403, bad input or a status that moved meanwhile comes back as a message.

Every scoped read goes through ``visible_to``."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from openpyxl import Workbook

from sibao.accounts.access import can
from sibao.command import monitoring
from sibao.command import queries_warnings as queries
from sibao.command.actions import warnings as actions
from sibao.command.filtersets_warnings import EarlyWarningFilterSet
from sibao.command.forms_warnings import (
    AcknowledgeForm,
    AssignForm,
    ConsultationForm,
    DismissForm,
    ResolveForm,
    WorkOrderForm,
)
from sibao.command.models import WARNING_WORKFLOW, Consultation, EarlyWarning
from sibao.core.generic import GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.core.tabular import workbook_response


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _filtered(request, queryset):
    filterset = EarlyWarningFilterSet(request.GET or None, queryset=queryset, request=request)
    return filterset.qs if filterset.is_bound else queryset


def _flash_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _flash_form(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


class WarningListView(ScopedListView):
    """MON-02: the warnings of the user's jurisdiction, newest first."""

    model = EarlyWarning
    filterset_class = EarlyWarningFilterSet
    template_name = "command/warnings_list.html"
    partial_template_name = "command/warnings_table.html"
    paginate_by = 50

    def get_base_queryset(self):
        return queries.warnings_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        for warning in context["object_list"]:
            warning.is_overdue = bool(
                warning.status in queries.ACTIVE_STATUSES
                and warning.deadline
                and warning.deadline < now
            )
        counts, overdue = queries.dimension_counts(
            EarlyWarning.objects.visible_to(self.request.user, "view"), now=now
        )
        context.update(
            dimension_counts=counts,
            overdue_count=overdue,
            overdue_url=queries.list_url(status=queries.ACTIVE, overdue="true"),
        )
        return context


class WarningExportView(GrantRequiredMixin, View):
    permission = (EarlyWarning, "view")

    def get(self, request):
        warnings = _filtered(request, queries.warnings_for(request.user))
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("监测预警"))
        sheet.append(
            [
                _("编号"),
                _("监测维度"),
                _("预警规则"),
                _("预警等级"),
                _("预警事项"),
                _("预警情况"),
                _("单位"),
                _("区划代码"),
                _("状态"),
                _("预警时间"),
                _("最近一次触发"),
                _("响应时限"),
                _("责任人"),
                _("责任部门"),
                _("转办诉求"),
                _("处置结果"),
                _("规则版本"),
            ]
        )
        names = {r.code: str(r.name) for r in monitoring.rules_of()}
        count = 0
        for w in warnings.iterator(chunk_size=500):
            sheet.append(
                [
                    w.pk,
                    str(w.get_dimension_display()),
                    names.get(w.rule, w.rule),
                    str(w.get_level_display()),
                    w.title,
                    w.detail,
                    w.enterprise.name if w.enterprise else "",
                    w.region_code,
                    str(w.get_status_display()),
                    _when(w.raised_at),
                    _when(w.last_seen_at),
                    _when(w.deadline),
                    str(w.owner) if w.owner else "",
                    w.owner_department.name if w.owner_department else "",
                    w.demand.number if w.demand else "",
                    w.outcome,
                    w.rule_set_version,
                ]
            )
            count += 1
        actions.record_warnings_export(
            actor=request.user, rows=count, filters=request.GET.urlencode()
        )
        filename = f"warnings-{timezone.localdate():%Y%m%d}.xlsx"
        return workbook_response(workbook, filename)


class WarningDetailView(ScopedDetailView):
    """MON-02: one warning — why it fired (rule, parameters, figures), who owns it by when, what
    was done (history), and the response buttons."""

    model = EarlyWarning
    template_name = "command/warnings_detail.html"
    context_object_name = "warning"

    def get_queryset(self):
        return queries.warnings_for(self.request.user).select_related(
            "acknowledged_by", "resolved_by", "enterprise__region"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        warning, user = self.object, self.request.user
        now = timezone.now()
        may_respond = actions.may_respond(user, warning)
        allowed = WARNING_WORKFLOW.actions_from(warning.status, user.roles()) if may_respond else []
        local = timezone.localtime(now) + datetime.timedelta(days=1)
        held_at = local.replace(hour=9, minute=0, second=0, microsecond=0)
        context.update(
            rule=queries.rule_of(warning),
            region_name=queries.region_name(warning.region_code),
            parameters=queries.parameter_rows(warning),
            figures=queries.figure_rows(warning),
            history=queries.history(warning),
            is_overdue=bool(
                warning.status in queries.ACTIVE_STATUSES
                and warning.deadline
                and warning.deadline < now
            ),
            may_respond=may_respond,
            can_acknowledge="acknowledge" in allowed,
            can_assign="assign" in allowed,
            can_resolve="resolve" in allowed,
            can_dismiss="dismiss" in allowed,
            can_work_order="assign" in allowed
            and warning.enterprise_id is not None
            and warning.demand_id is None,
            can_consult="assign" in allowed
            and warning.consultation_id is None
            and can(user, Consultation, "add"),
        )
        if context["can_assign"]:
            context["assign_form"] = AssignForm(
                warning=warning,
                initial={
                    "owner": warning.owner_id,
                    "department": warning.owner_department_id,
                    "deadline": timezone.localtime(warning.deadline) if warning.deadline else None,
                },
            )
        if context["can_work_order"]:
            context["work_order_form"] = WorkOrderForm(
                initial={
                    "category": actions.WORK_ORDER_CATEGORIES.get(warning.rule, "other"),
                    "urgency": "urgent" if warning.level == "severe" else "normal",
                }
            )
        if context["can_consult"]:
            context["consultation_form"] = ConsultationForm(
                warning=warning,
                initial={
                    "held_at": held_at,
                    "participants": [warning.owner_department_id]
                    if warning.owner_department_id
                    else [],
                },
            )
        context["resolve_form"] = ResolveForm()
        context["dismiss_form"] = DismissForm()
        return context


class _WarningPost(GrantRequiredMixin, View):
    """POST one response; the warning is looked up in the user's scope (404 outside it)."""

    permission = (EarlyWarning, "view")
    form_class = None
    success = ""

    def get_form(self, warning):
        return self.form_class(self.request.POST)

    def post(self, request, pk):
        warning = get_object_or_404(EarlyWarning.objects.visible_to(request.user, "view"), pk=pk)
        form = self.get_form(warning)
        if not form.is_valid():
            _flash_form(request, form)
            return redirect("command:warning_detail", warning.pk)
        try:
            self.perform(warning, form.cleaned_data)
        except ValidationError as exc:
            _flash_errors(request, exc)
        else:
            messages.success(request, self.success)
        return redirect("command:warning_detail", warning.pk)

    def perform(self, warning, data):
        raise NotImplementedError


class WarningAcknowledgeView(_WarningPost):
    form_class = AcknowledgeForm

    @property
    def success(self):
        return _("已确认，请及时处置。")

    def perform(self, warning, data):
        actions.acknowledge_warning(warning, actor=self.request.user, note=data["note"])


class WarningAssignView(_WarningPost):
    def get_form(self, warning):
        return AssignForm(self.request.POST, warning=warning)

    @property
    def success(self):
        return _("已交办。")

    def perform(self, warning, data):
        actions.assign_warning(
            warning,
            actor=self.request.user,
            owner=data["owner"],
            department=data["department"],
            deadline=data["deadline"],
            note=data["note"],
        )


class WarningWorkOrderView(_WarningPost):
    form_class = WorkOrderForm

    @property
    def success(self):
        return _("已转为企业诉求，进入问题收集、工作交办流程。")

    def perform(self, warning, data):
        actions.open_work_order(
            warning,
            actor=self.request.user,
            category=data["category"],
            urgency=data["urgency"],
            description=data["description"],
        )


class WarningConsultView(_WarningPost):
    def get_form(self, warning):
        return ConsultationForm(self.request.POST, warning=warning)

    @property
    def success(self):
        return _("已提交联合会商，预警已列为会商议题。")

    def perform(self, warning, data):
        actions.open_consultation(
            warning,
            actor=self.request.user,
            title=data["title"],
            held_at=data["held_at"],
            participants=data["participants"],
            other_participants=data["other_participants"],
        )


class WarningResolveView(_WarningPost):
    form_class = ResolveForm

    @property
    def success(self):
        return _("已记录处置结果。")

    def perform(self, warning, data):
        actions.resolve_warning(warning, actor=self.request.user, outcome=data["outcome"])


class WarningDismissView(_WarningPost):
    form_class = DismissForm

    @property
    def success(self):
        return _("已排除该预警。")

    def perform(self, warning, data):
        actions.dismiss_warning(warning, actor=self.request.user, reason=data["reason"])


urlpatterns = [
    path("warnings/", WarningListView.as_view(), name="warning_list"),
    path("warnings/export/", WarningExportView.as_view(), name="warning_export"),
    path("warnings/<int:pk>/", WarningDetailView.as_view(), name="warning_detail"),
    path(
        "warnings/<int:pk>/acknowledge/",
        WarningAcknowledgeView.as_view(),
        name="warning_acknowledge",
    ),
    path("warnings/<int:pk>/assign/", WarningAssignView.as_view(), name="warning_assign"),
    path(
        "warnings/<int:pk>/work-order/", WarningWorkOrderView.as_view(), name="warning_work_order"
    ),
    path("warnings/<int:pk>/consult/", WarningConsultView.as_view(), name="warning_consult"),
    path("warnings/<int:pk>/resolve/", WarningResolveView.as_view(), name="warning_resolve"),
    path("warnings/<int:pk>/dismiss/", WarningDismissView.as_view(), name="warning_dismiss"),
]
