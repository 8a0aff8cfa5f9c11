"""Pages of arrival reports and risk areas for signed-in users (EPI-08, EPI-09): a unit's arrivals
to verify, the region's list for the health office, one report with its decision and history,
supplementary registration, and the risk-area list. Every write goes through
``epidemic.actions``."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from django.views.generic import View

from sibao.accounts.access import allowing_grants, can
from sibao.core.generic import (
    FilteredListView,
    GrantRequiredMixin,
    ScopedDetailView,
    ScopedListView,
)
from sibao.enterprises.models import Enterprise
from sibao.epidemic import actions
from sibao.epidemic.filtersets_arrivals import ArrivalReportFilterSet, RiskAreaFilterSet
from sibao.epidemic.forms_arrivals import (
    COMMON_ORIGINS,
    CloseForm,
    RiskAreaForm,
    SupplementaryArrivalForm,
    VerifyForm,
)
from sibao.epidemic.models import ArrivalReport, ArrivalStatus, RiskArea

ACTION_LABELS = {"code": _lazy("赋码"), "arrive": _lazy("到达"), "close": _lazy("结束")}


def form_errors(form, exc: ValidationError) -> None:
    """Put an action's ``ValidationError`` on the form: field errors where the field exists."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def own_units(user):
    """The units whose arrivals the user may register (an enterprise admin's own units)."""
    ids = [
        g.enterprise_id
        for g in allowing_grants(user, "epidemic.arrivalreport", "change")
        if g.enterprise_id
    ]
    return Enterprise.objects.filter(pk__in=ids).order_by("name") if ids else []


# --- arrivals -----------------------------------------------------------------------------------


class ArrivalListView(ScopedListView):
    """EPI-08: arrival reports in scope — a unit's own (expected today and tomorrow first in the
    summary), the region's for the health office — with decision, test deadline and isolation."""

    model = ArrivalReport
    filterset_class = ArrivalReportFilterSet
    template_name = "epidemic/arrivals/arrival_list.html"
    partial_template_name = "epidemic/arrivals/arrival_table.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("enterprise__region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        # one aggregate query for the four figures of the summary
        context["summary"] = (
            ArrivalReport.objects.visible_to(user, "view")
            .exclude(status=ArrivalStatus.CLOSED)
            .aggregate(
                today=Count("pk", filter=Q(expected_arrival=today)),
                tomorrow=Count("pk", filter=Q(expected_arrival=today + datetime.timedelta(days=1))),
                test_overdue=Count("pk", filter=Q(test_due_at__lt=timezone.now())),
                isolating=Count(
                    "pk",
                    filter=Q(status=ArrivalStatus.ARRIVED, isolation_until__gte=today),
                ),
            )
        )
        context["can_change"] = can(user, ArrivalReport, "change")
        context["own_units"] = own_units(user)
        context["now"] = timezone.now()
        return context


class ArrivalDetailView(ScopedDetailView):
    """EPI-08, EPI-09: one report — the person (masked), the trip, the coding decision with its
    rule, inputs and rule-set version, the verification and the transition history."""

    model = ArrivalReport
    template_name = "epidemic/arrivals/arrival_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("enterprise__region", "verified_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, report = self.request.user, self.object
        record = report.decision_inputs or {}
        context["record"] = record
        context["inputs"] = record.get("inputs", {})
        context["history"] = [
            {
                "at": t.at,
                "actor": t.actor_name,
                "action": ACTION_LABELS.get(t.action, t.action),
                "target": ArrivalStatus(t.target).label
                if t.target in ArrivalStatus.values
                else t.target,
                "note": t.note,
            }
            for t in report.workflow.history(report)
        ]
        context["can_change"] = can(user, ArrivalReport, "change", report)
        context["can_unmask"] = can(user, ArrivalReport, "unmask", report)
        context["next_actions"] = report.workflow.actions_from(report.status)
        context["verify_form"] = VerifyForm(initial={"note": report.verification_note})
        context["close_form"] = CloseForm()
        context["now"] = timezone.now()
        return context


class ArrivalWriteView(ScopedDetailView):
    """A POST about one report the user may change (404 out of scope, 403 without the role)."""

    action = "change"

    def post(self, request, *args, **kwargs):
        report = self.get_object()
        try:
            self.perform(report)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        return redirect("epidemic:arrival_detail", report.pk)

    def perform(self, report):
        raise NotImplementedError


@method_decorator(require_POST, name="dispatch")
class ArrivalVerifyView(ArrivalWriteView):
    """EPI-08: the unit records what its verification found."""

    model = ArrivalReport

    def perform(self, report):
        form = VerifyForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(
                [e for errors in form.errors.values() for e in errors]  # the form's messages
            )
        actions.verify_arrival(report, actor=self.request.user, note=form.cleaned_data["note"])
        messages.success(self.request, _("已记录核查情况。"))


@method_decorator(require_POST, name="dispatch")
class ArrivalArriveView(ArrivalWriteView):
    """The person has arrived: deadlines run from now."""

    model = ArrivalReport

    def perform(self, report):
        actions.mark_arrived(report, actor=self.request.user)
        messages.success(self.request, _("已登记到达。"))


@method_decorator(require_POST, name="dispatch")
class ArrivalCloseView(ArrivalWriteView):
    """End the follow-up of an arrival."""

    model = ArrivalReport

    def perform(self, report):
        form = CloseForm(self.request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        actions.close_arrival(report, actor=self.request.user, note=note)
        messages.success(self.request, _("已结束该报备。"))


@method_decorator(require_POST, name="dispatch")
class ArrivalRevealView(ScopedDetailView):
    """The ID number or phone in the clear, for the health office (unmask); the read is
    audited. HTMX swaps the masked value for it."""

    model = ArrivalReport
    action = "unmask"

    def post(self, request, *args, **kwargs):
        field = request.POST.get("field", "")
        try:
            value = actions.reveal_arrival_personal_data(
                self.get_object(), actor=request.user, field=field
            )
        except ValidationError as exc:
            return HttpResponse("；".join(exc.messages), status=400)
        return HttpResponse(format_html('<span data-testid="revealed">{}</span>', value))


class ArrivalSupplementView(ScopedDetailView):
    """EPI-08: a unit registers an arrival after the fact (补录), e.g. one the feeds flagged as
    unreported; the page belongs to the unit (404 for a unit out of scope)."""

    model = Enterprise
    permission = (ArrivalReport, "change")
    template_name = "epidemic/arrivals/arrival_supplement.html"

    def get_queryset(self):
        return Enterprise.objects.active().visible_to(self.request.user, "view")

    def render_form(self, form):
        context = self.get_context_data(object=self.object, form=form)
        context["common_origins"] = COMMON_ORIGINS
        return render(self.request, self.template_name, context)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_form(
            SupplementaryArrivalForm(initial={"expected_arrival": timezone.localdate()})
        )

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = SupplementaryArrivalForm(request.POST)
        if form.is_valid():
            try:
                report = actions.register_supplementary(
                    self.object, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("已补录：报备编号 %(no)s，%(decision)s。")
                    % {"no": report.report_no, "decision": report.get_decision_display()},
                )
                return redirect("epidemic:arrival_detail", report.pk)
        return self.render_form(form)


# --- risk areas ---------------------------------------------------------------------------------


class RiskAreaListView(FilteredListView):
    """EPI-09: the medium/high-risk and static-management areas the health office keeps; one
    province-wide list (areas lie anywhere in the country), read by every role that codes or
    verifies arrivals."""

    model = RiskArea
    permission = (RiskArea, "view")
    filterset_class = RiskAreaFilterSet
    template_name = "epidemic/arrivals/risk_area_list.html"
    partial_template_name = "epidemic/arrivals/risk_area_table.html"

    def get_base_queryset(self):
        return RiskArea.objects.select_related("declared_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = can(self.request.user, RiskArea, "add")
        context["can_change"] = can(self.request.user, RiskArea, "change")
        context["today"] = timezone.localdate()
        return context


class RiskAreaFormView(GrantRequiredMixin, View):
    template_name = "epidemic/arrivals/risk_area_form.html"
    area = None

    def render_form(self, form):
        return render(self.request, self.template_name, {"form": form, "area": self.area})

    def get(self, request, *args, **kwargs):
        return self.render_form(RiskAreaForm(initial=self.initial()))

    def post(self, request, *args, **kwargs):
        form = RiskAreaForm(request.POST)
        if form.is_valid():
            try:
                self.save(form.cleaned_data)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("已保存风险区域。"))
                return redirect("epidemic:risk_area_list")
        return self.render_form(form)


class RiskAreaAddView(RiskAreaFormView):
    """EPI-09: the health office declares a risk area."""

    permission = (RiskArea, "add")

    def initial(self):
        return {"valid_from": timezone.localdate()}

    def save(self, values):
        actions.add_risk_area(actor=self.request.user, **values)


class RiskAreaEditView(RiskAreaFormView):
    """EPI-09: the health office corrects a risk area."""

    permission = (RiskArea, "change")

    def dispatch(self, request, *args, **kwargs):
        self.area = RiskArea.objects.filter(pk=kwargs["pk"]).first()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.area is None:
            raise Http404
        return super().get(request, *args, **kwargs)

    def initial(self):
        a = self.area
        return {
            "region_code": a.region_code,
            "region_name": a.region_name,
            "name": a.name,
            "level": a.level,
            "valid_from": a.valid_from,
            "valid_to": a.valid_to,
        }

    def save(self, values):
        if self.area is None:
            raise Http404
        actions.change_risk_area(self.area, actor=self.request.user, **values)


@method_decorator(require_POST, name="dispatch")
class RiskAreaEndView(GrantRequiredMixin, View):
    """EPI-09: lift a risk area from today."""

    permission = (RiskArea, "change")

    def post(self, request, pk):
        area = get_object_or_404(RiskArea, pk=pk)
        try:
            actions.end_risk_area(area, actor=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已解除：%(area)s。") % {"area": area})
        return redirect("epidemic:risk_area_list")
