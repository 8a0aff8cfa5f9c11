"""Pages of the oversight area: shutdown requests with their clock and the provincial joint
decision (INC-03), restrictions and violations, inspection control with the city dispatch HQ's
approval queue and the departments' protected-inspection lists (CMD-04), and rewards and
penalties (CMD-05), with a unit page and a region page. Every write goes through
``command.actions.oversight``; every scoped read through ``visible_to``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from openpyxl import Workbook

from sibao.accounts.access import can, covers, prefix_range
from sibao.command import queries_oversight as queries
from sibao.command.actions import oversight as actions
from sibao.command.filtersets_oversight import (
    InspectionRequestFilterSet,
    ProtectedInspectionFilterSet,
    RestrictionFilterSet,
    RewardPenaltyFilterSet,
    ShutdownRequestFilterSet,
)
from sibao.command.forms_oversight import (
    EndRestrictionForm,
    InspectionDoneForm,
    InspectionRequestForm,
    ProtectedInspectionForm,
    ReasonForm,
    RestrictionForm,
    RewardPenaltyForm,
    ShutdownDecisionForm,
    ShutdownRequestForm,
    user_departments,
)
from sibao.command.models import (
    InspectionRequest,
    ProtectedInspection,
    Restriction,
    RewardPenalty,
    ShutdownRequest,
)
from sibao.core import rules
from sibao.core.generic import ActionFormView, GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.core.tabular import workbook_response
from sibao.enterprises.models import Enterprise
from sibao.regions.models import Region


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _flash_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _xlsx(title: str, header, rows, stem: str, *, actor, what: str, filters: str):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append([str(h) for h in header])
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    actions.record_oversight_export(actor=actor, what=what, rows=count, filters=filters)
    filename = f"{stem}-{timezone.localdate():%Y%m%d}.xlsx"
    return workbook_response(workbook, filename)


ACTION_LABELS = {
    "concur": gettext_lazy("一方同意，待另一方决定"),
    "approve": gettext_lazy("批准"),
    "reject": gettext_lazy("不批准"),
    "withdraw": gettext_lazy("撤回"),
    "end": gettext_lazy("提前结束停产"),
    "expire": gettext_lazy("停产期满"),
    "inspect": gettext_lazy("登记检查结果"),
    "inspect_unapproved": gettext_lazy("未经批准开展检查"),
}


def _labelled(history) -> list:
    rows = list(history)
    for row in rows:
        row.label = ACTION_LABELS.get(row.action, row.action)
    return rows


class OversightFormView(ActionFormView):
    """An oversight form page (core.generic.ActionFormView); the forms take the user."""

    testid = "oversight-form"
    list_name = "command:shutdown_list"

    def form_kwargs(self) -> dict:
        return {"user": self.request.user}


def _initial_unit(request):
    raw = request.GET.get("enterprise", "")
    return {"enterprise": int(raw)} if raw.isdigit() else {}


# --- shutdown requests (INC-03) ---


class ShutdownListView(ScopedListView):
    """INC-03: shutdown requests of the user's jurisdiction, by status, with the clock."""

    model = ShutdownRequest
    filterset_class = ShutdownRequestFilterSet
    template_name = "command/oversight_shutdown_list.html"
    partial_template_name = "command/oversight_shutdown_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("enterprise__region", "requested_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        hours = rules.current()["shutdown_expiry_warning_hours"]
        for row in context["object_list"]:
            row.clock = queries.clock(row, now, hours)
        user = self.request.user
        context["can_request"] = actions.may_request_shutdown(user, None)
        context["max_days"] = rules.current()["shutdown_max_days"]
        context["warning_hours"] = hours
        context["counts"] = _status_counts(super().get_base_queryset())
        return context


def _status_counts(queryset) -> dict:
    now = timezone.now()
    return {
        "submitted": queryset.filter(status=ShutdownRequest.Status.SUBMITTED).count(),
        "running": queryset.filter(queries.in_force_q(now)).count(),
    }


class ShutdownCreateView(OversightFormView):
    """INC-03: the county (or city) HQ office asks the province to shut down a whitelisted unit."""

    permission = (ShutdownRequest, "request")
    form_class = ShutdownRequestForm
    title = gettext_lazy("申请白名单单位停产停工停运")
    intro = gettext_lazy(
        "白名单单位不得随意关停。确需关停的，报省疫情防控指挥部和省经济运行调度指挥部会商确定，"
        "停工停产原则上不超过规则参数规定的天数；两方均同意后开始计时，到期前提醒。"
    )
    submit_label = gettext_lazy("报省级会商决定")
    testid = "shutdown-form"

    def get_initial(self):
        return _initial_unit(self.request)

    def perform(self, data):
        request = actions.request_shutdown(
            data["enterprise"],
            actor=self.request.user,
            reason=data["reason"],
            days=data["days"],
            incident=data["incident"],
        )
        messages.success(self.request, _("已报省级会商决定。"))
        return redirect("command:shutdown_detail", request.pk)


class ShutdownDetailView(ScopedDetailView):
    """INC-03: one request: the two provincial decisions, the clock, the history and the
    restrictions recorded against it; the decision forms for the sides the user decides."""

    model = ShutdownRequest
    template_name = "command/oversight_shutdown_detail.html"
    context_object_name = "shutdown"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "enterprise__region",
                "incident",
                "requested_by",
                "epidemic_decided_by",
                "dispatch_decided_by",
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, shutdown = self.request.user, self.object
        waiting = shutdown.status == ShutdownRequest.Status.SUBMITTED
        sides = []
        for side, (_permission, prefix) in actions.SIDES.items():
            decision = getattr(shutdown, f"{prefix}_decision")
            sides.append(
                {
                    "side": side,
                    "name": actions._side_name(side),
                    "decision": decision,
                    "label": ShutdownRequest.Decision(decision).label,
                    "by": getattr(shutdown, f"{prefix}_decided_by"),
                    "note": getattr(shutdown, f"{prefix}_note"),
                    "form": ShutdownDecisionForm(initial={"side": side})
                    if waiting and not decision and actions.may_decide(user, side)
                    else None,
                }
            )
        now = timezone.now()
        context.update(
            sides=sides,
            clock=queries.clock(shutdown, now),
            history=_labelled(actions.SHUTDOWN_WORKFLOW.history(shutdown)),
            restrictions=Restriction.objects.visible_to(user).filter(request=shutdown),
            can_withdraw=waiting and actions.may_request_shutdown(user, shutdown.enterprise),
            can_end=shutdown.status == ShutdownRequest.Status.APPROVED
            and shutdown.ends_at is not None
            and shutdown.ends_at > now
            and actions._may_end(user, shutdown),
            reason_form=ReasonForm(),
            warning_hours=rules.current()["shutdown_expiry_warning_hours"],
        )
        return context


class _ShutdownPost(GrantRequiredMixin, View):
    permission = (ShutdownRequest, "view")

    def shutdown(self, pk):
        return get_object_or_404(
            ShutdownRequest.objects.visible_to(self.request.user).select_related("enterprise"),
            pk=pk,
        )

    def post(self, request, pk):
        shutdown = self.shutdown(pk)
        try:
            self.perform(shutdown)
        except ValidationError as exc:
            _flash_errors(request, exc)
        return redirect("command:shutdown_detail", shutdown.pk)


class ShutdownDecideView(_ShutdownPost):
    def perform(self, shutdown):
        form = ShutdownDecisionForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(_("请选择同意或不同意。"))
        data = form.cleaned_data
        if not actions.may_decide(self.request.user, data["side"]):
            raise PermissionDenied(_("您不能代表该省级机关作出决定。"))
        shutdown = actions.decide_shutdown(
            shutdown,
            actor=self.request.user,
            side=data["side"],
            approve=data["approve"],
            note=data["note"],
        )
        messages.success(
            self.request,
            _("已记录决定。申请状态：%(status)s。") % {"status": shutdown.get_status_display()},
        )


class ShutdownEndView(_ShutdownPost):
    def perform(self, shutdown):
        actions.end_shutdown(
            shutdown, actor=self.request.user, reason=self.request.POST.get("reason", "")
        )
        messages.success(self.request, _("停产已结束，单位恢复生产。"))


class ShutdownWithdrawView(_ShutdownPost):
    def perform(self, shutdown):
        actions.withdraw_shutdown(
            shutdown, actor=self.request.user, reason=self.request.POST.get("reason", "")
        )
        messages.success(self.request, _("申请已撤回。"))


class ShutdownExportView(GrantRequiredMixin, View):
    permission = (ShutdownRequest, "view")

    def get(self, request):
        queryset = ShutdownRequest.objects.visible_to(request.user).select_related(
            "enterprise__region"
        )
        filterset = ShutdownRequestFilterSet(request.GET or None, queryset=queryset)
        if filterset.is_bound:
            queryset = filterset.qs
        now = timezone.now()
        hours = rules.current()["shutdown_expiry_warning_hours"]
        decisions = dict(ShutdownRequest.Decision.choices)

        def rows():
            for r in queryset.iterator(chunk_size=500):
                clock = queries.clock(r, now, hours)
                yield [
                    r.pk,
                    r.enterprise.name,
                    r.enterprise.region.name,
                    r.days,
                    str(r.get_status_display()),
                    str(decisions.get(r.epidemic_decision, "")),
                    str(decisions.get(r.dispatch_decision, "")),
                    _when(r.requested_at),
                    _when(r.starts_at),
                    _when(r.ends_at),
                    clock.remaining_text,
                    r.reason,
                ]

        header = [
            _("编号"),
            _("单位"),
            _("区划"),
            _("申请天数"),
            _("状态"),
            _("省疫情防控指挥部意见"),
            _("省经济运行调度指挥部意见"),
            _("申请时间"),
            _("停产开始"),
            _("停产结束"),
            _("剩余时间"),
            _("申请理由"),
        ]
        return _xlsx(
            _("停产申请"),
            header,
            rows(),
            "shutdowns",
            actor=request.user,
            what="shutdowns",
            filters=request.GET.urlencode(),
        )


# --- restrictions ---


class RestrictionListView(ScopedListView):
    """INC-03: restrictions found on whitelisted units; those without approval are violations."""

    model = Restriction
    filterset_class = RestrictionFilterSet
    template_name = "command/oversight_restriction_list.html"
    partial_template_name = "command/oversight_restriction_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("enterprise__region", "request")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_add"] = can(user, Restriction, "add")
        context["can_change"] = can(user, Restriction, "change")
        context["violation_count"] = (
            super().get_base_queryset().filter(is_violation=True, ended_at__isnull=True).count()
        )
        return context


class RestrictionCreateView(OversightFormView):
    permission = (Restriction, "add")
    form_class = RestrictionForm
    title = gettext_lazy("登记限制措施")
    intro = gettext_lazy(
        "登记对白名单单位实际采取的停产、封控、阻断通行等限制措施。未经省级会商批准的停产，"
        "以及其他任何限制白名单单位正常生产运营的措施，均记为违规限制。"
    )
    submit_label = gettext_lazy("登记")
    testid = "restriction-form"

    def get_initial(self):
        return _initial_unit(self.request)

    def cancel_url(self):
        return reverse("command:restriction_list")

    def perform(self, data):
        restriction = actions.record_restriction(
            data["enterprise"],
            actor=self.request.user,
            kind=data["kind"],
            imposed_by=data["imposed_by"],
            description=data["description"],
            started_at=data["started_at"],
        )
        if restriction.is_violation:
            messages.warning(self.request, _("已登记。该限制措施未经批准，记为违规限制。"))
        else:
            messages.success(
                self.request,
                _("已登记。该停产有经批准的申请（#%(pk)s）。") % {"pk": restriction.request_id},
            )
        return redirect(
            reverse("command:restriction_list") + f"?enterprise={restriction.enterprise_id}"
        )


class RestrictionEndView(GrantRequiredMixin, View):
    permission = (Restriction, "change")

    def post(self, request, pk):
        restriction = get_object_or_404(Restriction.objects.visible_to(request.user), pk=pk)
        form = EndRestrictionForm(request.POST)
        ended_at = form.cleaned_data["ended_at"] if form.is_valid() else None
        try:
            actions.end_restriction(restriction, actor=request.user, ended_at=ended_at)
            messages.success(request, _("已登记解除限制措施。"))
        except ValidationError as exc:
            _flash_errors(request, exc)
        return redirect(request.POST.get("next") or reverse("command:restriction_list"))


class RestrictionExportView(GrantRequiredMixin, View):
    permission = (Restriction, "view")

    def get(self, request):
        queryset = Restriction.objects.visible_to(request.user).select_related("enterprise__region")
        filterset = RestrictionFilterSet(request.GET or None, queryset=queryset)
        if filterset.is_bound:
            queryset = filterset.qs

        def rows():
            for r in queryset.iterator(chunk_size=500):
                yield [
                    r.pk,
                    r.enterprise.name,
                    r.enterprise.region.name,
                    str(r.get_kind_display()),
                    r.imposed_by,
                    _when(r.started_at),
                    _when(r.ended_at),
                    _("违规") if r.is_violation else _("经批准"),
                    r.request_id or "",
                    r.description,
                ]

        header = [
            _("编号"),
            _("单位"),
            _("区划"),
            _("限制措施"),
            _("实施单位"),
            _("开始时间"),
            _("结束时间"),
            _("认定"),
            _("依据的申请"),
            _("情况"),
        ]
        return _xlsx(
            _("限制措施"),
            header,
            rows(),
            "restrictions",
            actor=request.user,
            what="restrictions",
            filters=request.GET.urlencode(),
        )


# --- inspections (CMD-04) ---


class InspectionListView(ScopedListView):
    """CMD-04: inspection requests of the user's jurisdiction; ``?status=pending`` is the city
    dispatch HQ's approval queue; inspections done without a needed approval are flagged."""

    model = InspectionRequest
    filterset_class = InspectionRequestFilterSet
    template_name = "command/oversight_inspection_list.html"
    partial_template_name = "command/oversight_inspection_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("enterprise__region", "department", "requested_by")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        base = super().get_base_queryset()
        context["can_add"] = bool(user_departments(user, InspectionRequest, "add"))
        context["pending_count"] = base.filter(status=InspectionRequest.Status.PENDING).count()
        context["flagged_count"] = base.filter(
            pk__in=queries.unapproved_inspections().values("pk")
        ).count()
        return context


class InspectionCreateView(OversightFormView):
    permission = (InspectionRequest, "add")
    form_class = InspectionRequestForm
    title = gettext_lazy("申请涉企检查")
    intro = gettext_lazy(
        "对白名单单位开展除疫情防控、安全生产、出入境检验检疫外的工作检查，须经市级经济运行调度"
        "指挥部事先批准（D1 六(三)）。"
    )
    submit_label = gettext_lazy("提交")
    testid = "inspection-form"

    def get_initial(self):
        return _initial_unit(self.request)

    def cancel_url(self):
        return reverse("command:inspection_list")

    def perform(self, data):
        inspection = actions.request_inspection(
            data["enterprise"],
            actor=self.request.user,
            department=data["department"],
            purpose=data["purpose"],
            matters=data["matters"],
            planned_on=data["planned_on"],
        )
        if inspection.status == InspectionRequest.Status.PENDING:
            messages.success(self.request, _("已提交市级经济运行调度指挥部审批。"))
        else:
            messages.success(self.request, _("该类检查无需审批，已登记。"))
        return redirect("command:inspection_detail", inspection.pk)


class InspectionDetailView(ScopedDetailView):
    model = InspectionRequest
    template_name = "command/oversight_inspection_detail.html"
    context_object_name = "inspection"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("enterprise__region", "department", "requested_by", "decided_by")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, inspection = self.request.user, self.object
        S = InspectionRequest.Status
        context.update(
            needs_approval=queries.approval_needed(inspection.purpose),
            protected=queries.protected_items(inspection.department_id, inspection.purpose),
            unapproved=inspection.inspected_on is not None
            and inspection.status in (S.PENDING, S.REJECTED),
            can_decide=inspection.status == S.PENDING
            and inspection.inspected_on is None
            and actions.may_decide_inspection(user, inspection),
            can_record=inspection.inspected_on is None
            and bool(
                actions._department_grants(
                    user, "change", inspection.department_id, inspection.region_code
                )
            ),
            done_form=InspectionDoneForm(),
            history=_labelled(actions.INSPECTION_WORKFLOW.history(inspection)),
        )
        return context


class _InspectionPost(GrantRequiredMixin, View):
    permission = (InspectionRequest, "view")

    def post(self, request, pk):
        inspection = get_object_or_404(
            InspectionRequest.objects.visible_to(request.user).select_related("enterprise"),
            pk=pk,
        )
        try:
            self.perform(inspection)
        except ValidationError as exc:
            _flash_errors(request, exc)
        return redirect("command:inspection_detail", inspection.pk)


class InspectionDecideView(_InspectionPost):
    def perform(self, inspection):
        approve = self.request.POST.get("approve")
        if approve not in ("1", "0"):
            raise ValidationError(_("请选择批准或不批准。"))
        actions.decide_inspection(
            inspection,
            actor=self.request.user,
            approve=approve == "1",
            note=self.request.POST.get("note", ""),
        )
        messages.success(self.request, _("已审批。"))


class InspectionDoneView(_InspectionPost):
    def perform(self, inspection):
        form = InspectionDoneForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        inspection = actions.record_inspection_done(
            inspection,
            actor=self.request.user,
            inspected_on=form.cleaned_data["inspected_on"],
            findings=form.cleaned_data["findings"],
        )
        if inspection.status == InspectionRequest.Status.DONE:
            messages.success(self.request, _("已登记检查结果。"))
        else:
            messages.warning(self.request, _("已登记。该检查未经批准，已标记并报告指挥部。"))


class InspectionExportView(GrantRequiredMixin, View):
    permission = (InspectionRequest, "view")

    def get(self, request):
        queryset = InspectionRequest.objects.visible_to(request.user).select_related(
            "enterprise__region", "department"
        )
        filterset = InspectionRequestFilterSet(request.GET or None, queryset=queryset)
        if filterset.is_bound:
            queryset = filterset.qs
        S = InspectionRequest.Status

        def rows():
            for r in queryset.iterator(chunk_size=500):
                flagged = r.inspected_on is not None and r.status in (S.PENDING, S.REJECTED)
                yield [
                    r.pk,
                    r.enterprise.name,
                    r.enterprise.region.name,
                    r.department.name,
                    str(r.get_purpose_display()),
                    r.matters,
                    r.planned_on,
                    str(r.get_status_display()),
                    _when(r.decided_at),
                    r.inspected_on,
                    _("未经批准") if flagged else "",
                    r.findings,
                ]

        header = [
            _("编号"),
            _("单位"),
            _("区划"),
            _("检查部门"),
            _("检查类别"),
            _("检查事项"),
            _("计划日期"),
            _("状态"),
            _("审批时间"),
            _("检查日期"),
            _("标记"),
            _("检查结果"),
        ]
        return _xlsx(
            _("涉企检查"),
            header,
            rows(),
            "inspections",
            actor=request.user,
            what="inspections",
            filters=request.GET.urlencode(),
        )


# --- protected-inspection lists ---


class ProtectedListView(ScopedListView):
    """CMD-04: each department's list of inspections whitelisted units are protected from."""

    model = ProtectedInspection
    filterset_class = ProtectedInspectionFilterSet
    template_name = "command/oversight_protected_list.html"
    partial_template_name = "command/oversight_protected_table.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("department__region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mine = {d.pk for d in user_departments(self.request.user, ProtectedInspection, "change")}
        context["my_departments"] = mine
        context["can_add"] = bool(user_departments(self.request.user, ProtectedInspection, "add"))
        return context


class ProtectedEditView(OversightFormView):
    """Add or replace one purpose's entry of the user's department's list."""

    permission = (ProtectedInspection, "add")
    form_class = ProtectedInspectionForm
    title = gettext_lazy("维护免检清单")
    intro = gettext_lazy(
        "各行业主管部门在产品质量监督检查、环境行政监督检查、产能调控、行业性执法检查等领域"
        "制定白名单单位豁免政策（D1 六(三)）。同一部门同一类别只有一条，保存即更新。"
    )
    submit_label = gettext_lazy("保存")
    testid = "protected-form"

    def get_initial(self):
        initial = {}
        raw = self.request.GET.get("pk", "")
        if raw.isdigit():
            row = ProtectedInspection.objects.visible_to(self.request.user).filter(pk=raw).first()
            if row is not None:
                initial = {
                    "department": row.department_id,
                    "purpose": row.purpose,
                    "items": row.items,
                }
        return initial

    def cancel_url(self):
        return reverse("command:protected_list")

    def perform(self, data):
        actions.save_protected_inspection(
            data["department"],
            actor=self.request.user,
            purpose=data["purpose"],
            items=data["items"],
        )
        messages.success(self.request, _("已保存免检清单。"))
        return redirect("command:protected_list")


class ProtectedDeleteView(GrantRequiredMixin, View):
    permission = (ProtectedInspection, "change")

    def post(self, request, pk):
        row = get_object_or_404(
            ProtectedInspection.objects.visible_to(request.user).select_related("department"),
            pk=pk,
        )
        actions.delete_protected_inspection(row, actor=request.user)
        messages.success(request, _("已删除该项免检清单。"))
        return redirect("command:protected_list")


# --- rewards and penalties (CMD-05) ---


class RewardListView(ScopedListView):
    model = RewardPenalty
    filterset_class = RewardPenaltyFilterSet
    template_name = "command/oversight_reward_list.html"
    partial_template_name = "command/oversight_reward_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("enterprise", "region", "incident", "decided_by")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = can(self.request.user, RewardPenalty, "add")
        return context


class RewardCreateView(OversightFormView):
    permission = (RewardPenalty, "add")
    form_class = RewardPenaltyForm
    title = gettext_lazy("登记奖惩")
    intro = gettext_lazy(
        "表扬激励：对疫情早发现、早报告、早处置起关键作用的单位。尽职免责：认真履行职责、严格落实"
        "防控指南仍发生疫情但及时发现、及时控制的白名单单位，须关联该单位的疫情事件。"
        "约谈、通报：“简单化”“一刀切”或未按要求履行职责、落实防控措施的单位和地方（D2 五、D1 七(一)）。"
    )
    submit_label = gettext_lazy("登记")
    testid = "reward-form"

    def get_initial(self):
        initial = _initial_unit(self.request)
        if "enterprise" in initial:
            unit = Enterprise.objects.filter(pk=initial["enterprise"]).first()
            if unit is not None:
                initial["region"] = unit.region_id
        return initial

    def cancel_url(self):
        return reverse("command:reward_list")

    def perform(self, data):
        row = actions.record_reward_penalty(
            actor=self.request.user,
            kind=data["kind"],
            region=data["region"],
            enterprise=data["enterprise"],
            reason=data["reason"],
            decided_on=data["decided_on"],
            document=data["document"],
            incident=data["incident"],
        )
        messages.success(self.request, _("已登记%(kind)s。") % {"kind": row.get_kind_display()})
        if row.enterprise_id:
            return redirect("command:oversight_unit", row.enterprise_id)
        return redirect("command:oversight_region", row.region_id)


class RewardExportView(GrantRequiredMixin, View):
    permission = (RewardPenalty, "view")

    def get(self, request):
        queryset = RewardPenalty.objects.visible_to(request.user).select_related(
            "enterprise", "region"
        )
        filterset = RewardPenaltyFilterSet(request.GET or None, queryset=queryset)
        if filterset.is_bound:
            queryset = filterset.qs

        def rows():
            for r in queryset.iterator(chunk_size=500):
                yield [
                    r.pk,
                    str(r.get_kind_display()),
                    r.region.name,
                    r.enterprise.name if r.enterprise_id else "",
                    r.reason,
                    r.incident_id or "",
                    r.decided_on,
                    r.document,
                ]

        header = [
            _("编号"),
            _("类别"),
            _("区划"),
            _("单位"),
            _("事由"),
            _("关联事件"),
            _("决定日期"),
            _("文号"),
        ]
        return _xlsx(
            _("奖惩记录"),
            header,
            rows(),
            "rewards",
            actor=request.user,
            what="rewards",
            filters=request.GET.urlencode(),
        )


# --- the unit page and the region page ---


class UnitOversightView(ScopedDetailView):
    """A unit's shutdown requests, restrictions, inspections and rewards/penalties. An HTMX
    request gets the panel alone (for the unit's page)."""

    model = Enterprise
    permission = (ShutdownRequest, "view")
    template_name = "command/oversight_unit.html"
    context_object_name = "unit"

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return ["command/oversight_unit_panel.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        now = timezone.now()
        hours = rules.current()["shutdown_expiry_warning_hours"]
        shutdowns = list(
            ShutdownRequest.objects.visible_to(user)
            .filter(enterprise=unit)
            .select_related("requested_by")[:20]
        )
        for row in shutdowns:
            row.clock = queries.clock(row, now, hours)
        context.update(
            shutdowns=shutdowns,
            restrictions=Restriction.objects.visible_to(user).filter(enterprise=unit)[:20],
            inspections=InspectionRequest.objects.visible_to(user)
            .filter(enterprise=unit)
            .select_related("department")[:20],
            rewards=queries.rewards_of_unit(unit, user)[:20],
            is_whitelisted=queries.is_whitelisted_unit(unit),
            can_request=actions.may_request_shutdown(user, unit)
            and can(user, ShutdownRequest, "request"),
            can_restrict=covers(
                user, Restriction, "add", region_code=unit.region_id, enterprise_id=unit.pk
            ),
            can_reward=covers(
                user, RewardPenalty, "add", region_code=unit.region_id, enterprise_id=unit.pk
            ),
            can_inspect=bool(user_departments(user, InspectionRequest, "add")),
        )
        return context


class RegionOversightView(GrantRequiredMixin, View):
    """A region's oversight at a glance: shutdowns in force with their clocks, open violations,
    inspections done without approval, pending inspection approvals and rewards/penalties."""

    permission = (Restriction, "view")

    def get(self, request, code):
        region = None
        if code.isdigit():
            region = Region.objects.filter(code=code).select_related("parent").first()
        if region is None:
            raise Http404
        user = request.user
        now = timezone.now()
        hours = rules.current()["shutdown_expiry_warning_hours"]
        visible = ShutdownRequest.objects.visible_to(user).values("pk")
        running = list(queries.shutdowns_in_force(code, now).filter(pk__in=visible))
        for row in running:
            row.clock = queries.clock(row, now, hours)
        inspections = InspectionRequest.objects.visible_to(user).filter(
            pk__in=queries.unapproved_inspections(code).values("pk")
        )
        context = {
            "region": region,
            "ancestors": region.ancestors(),
            "running": running,
            "waiting": ShutdownRequest.objects.visible_to(user)
            .filter(status=ShutdownRequest.Status.SUBMITTED)
            .filter(prefix_range("region_code", code))
            .select_related("enterprise"),
            "violations": queries.violations(code, open_only=True).filter(
                pk__in=Restriction.objects.visible_to(user).values("pk")
            ),
            "unapproved": inspections.select_related("enterprise", "department"),
            "pending_inspections": InspectionRequest.objects.visible_to(user)
            .filter(status=InspectionRequest.Status.PENDING)
            .filter(prefix_range("region_code", code))
            .count(),
            "rewards": queries.rewards_of_region(code, user)[:30],
            "children": region.children.order_by("code"),
        }
        return render(request, "command/oversight_region.html", context)


# included by ``command/urls.py`` (names in the ``command`` namespace)
urlpatterns = [
    path("oversight/shutdowns/", ShutdownListView.as_view(), name="shutdown_list"),
    path("oversight/shutdowns/new/", ShutdownCreateView.as_view(), name="shutdown_create"),
    path("oversight/shutdowns/export.xlsx", ShutdownExportView.as_view(), name="shutdown_export"),
    path("oversight/shutdowns/<int:pk>/", ShutdownDetailView.as_view(), name="shutdown_detail"),
    path(
        "oversight/shutdowns/<int:pk>/decide/",
        ShutdownDecideView.as_view(),
        name="shutdown_decide",
    ),
    path("oversight/shutdowns/<int:pk>/end/", ShutdownEndView.as_view(), name="shutdown_end"),
    path(
        "oversight/shutdowns/<int:pk>/withdraw/",
        ShutdownWithdrawView.as_view(),
        name="shutdown_withdraw",
    ),
    path("oversight/restrictions/", RestrictionListView.as_view(), name="restriction_list"),
    path("oversight/restrictions/new/", RestrictionCreateView.as_view(), name="restriction_create"),
    path(
        "oversight/restrictions/export.xlsx",
        RestrictionExportView.as_view(),
        name="restriction_export",
    ),
    path(
        "oversight/restrictions/<int:pk>/end/",
        RestrictionEndView.as_view(),
        name="restriction_end",
    ),
    path("oversight/inspections/", InspectionListView.as_view(), name="inspection_list"),
    path("oversight/inspections/new/", InspectionCreateView.as_view(), name="inspection_create"),
    path(
        "oversight/inspections/export.xlsx",
        InspectionExportView.as_view(),
        name="inspection_export",
    ),
    path(
        "oversight/inspections/<int:pk>/",
        InspectionDetailView.as_view(),
        name="inspection_detail",
    ),
    path(
        "oversight/inspections/<int:pk>/decide/",
        InspectionDecideView.as_view(),
        name="inspection_decide",
    ),
    path(
        "oversight/inspections/<int:pk>/done/",
        InspectionDoneView.as_view(),
        name="inspection_done",
    ),
    path("oversight/protected/", ProtectedListView.as_view(), name="protected_list"),
    path("oversight/protected/edit/", ProtectedEditView.as_view(), name="protected_edit"),
    path(
        "oversight/protected/<int:pk>/delete/",
        ProtectedDeleteView.as_view(),
        name="protected_delete",
    ),
    path("oversight/rewards/", RewardListView.as_view(), name="reward_list"),
    path("oversight/rewards/new/", RewardCreateView.as_view(), name="reward_create"),
    path("oversight/rewards/export.xlsx", RewardExportView.as_view(), name="reward_export"),
    path("oversight/units/<int:pk>/", UnitOversightView.as_view(), name="oversight_unit"),
    path("oversight/regions/<str:code>/", RegionOversightView.as_view(), name="oversight_region"),
]
