"""Pages of the passes area (LOG-02): the pass list (filters, export), the company's application
form, a pass's detail with its signed QR and the printable "码卡证合一" card, and the logistics
group's decision forms (approve, refuse, revoke) and the applicant's withdrawal. Every write goes
through ``logistics.actions.passes``; every read through ``visible_to``."""

import datetime

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from openpyxl import Workbook

from sibao.accounts.access import can
from sibao.core.forms import errors_to_form as _errors_to_form
from sibao.core.generic import GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.core.masking import mask_name
from sibao.core.tabular import workbook_response
from sibao.logistics.actions import passes as actions
from sibao.logistics.filtersets_passes import VehiclePassFilterSet
from sibao.logistics.forms_passes import DecisionForm, PassApplyForm, ReasonForm
from sibao.logistics.models import PassStatus, VehiclePass
from sibao.regions.models import Region


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _flash(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _passes(user):
    return VehiclePass.objects.visible_to(user, "view").select_related(
        "vehicle", "company", "served_unit"
    )


def _region_names(*codes) -> dict:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


class PassListView(ScopedListView):
    model = VehiclePass
    filterset_class = VehiclePassFilterSet
    template_name = "logistics/passes_list.html"
    partial_template_name = "logistics/passes_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return _passes(self.request.user).order_by(*VehiclePass._meta.ordering)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mine = VehiclePass.objects.visible_to(self.request.user, "view")
        context["counts"] = {
            status: mine.filter(status=status).count()
            for status in (PassStatus.APPLIED, PassStatus.APPROVED, PassStatus.REVOKED)
        }
        context["can_apply"] = can(self.request.user, VehiclePass, "apply")
        context["can_export"] = can(self.request.user, VehiclePass, "export")
        return context


class PassExportView(GrantRequiredMixin, View):
    permission = (VehiclePass, "export")

    def get(self, request):
        queryset = VehiclePass.objects.visible_to(request.user, "export").select_related(
            "vehicle", "company", "served_unit"
        )
        filterset = VehiclePassFilterSet(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound:
            queryset = filterset.qs
        header = [
            _("通行证编号"),
            _("车牌号"),
            _("申请企业"),
            _("服务的白名单单位"),
            _("起点"),
            _("终点"),
            _("有效期起"),
            _("有效期止"),
            _("状态"),
            _("申请时间"),
            _("审批时间"),
            _("审批意见"),
        ]
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("通行证"))
        sheet.append(header)
        count = 0
        for p in queryset.order_by(*VehiclePass._meta.ordering).iterator(chunk_size=500):
            sheet.append(
                [
                    p.number,
                    p.vehicle.plate,
                    p.company.name,
                    p.served_unit.name,
                    p.origin,
                    p.destination,
                    _when(p.valid_from),
                    _when(p.valid_until),
                    str(p.get_status_display()),
                    _when(p.applied_at),
                    _when(p.decided_at),
                    p.decision_reason or p.revoke_reason,
                ]
            )
            count += 1
        actions.record_pass_export(actor=request.user, rows=count, filters=request.GET.urlencode())
        name = f"passes-{timezone.localdate():%Y%m%d}.xlsx"
        return workbook_response(workbook, name)


class PassApplyView(GrantRequiredMixin, View):
    permission = (VehiclePass, "apply")
    template_name = "logistics/passes_apply.html"

    def _render(self, form, status=200):
        return render(self.request, self.template_name, {"form": form}, status=status)

    def get(self, request):
        now = timezone.localtime().replace(second=0, microsecond=0)
        initial = {"valid_from": now, "valid_until": now + datetime.timedelta(days=7)}
        raw = request.GET.get("vehicle", "")
        if raw.isdigit():
            initial["vehicle"] = int(raw)
        return self._render(PassApplyForm(user=request.user, initial=initial))

    def post(self, request):
        form = PassApplyForm(request.POST, user=request.user)
        if not form.is_valid():
            return self._render(form, 422)
        data = dict(form.cleaned_data)
        vehicle = data.pop("vehicle")
        try:
            vehicle_pass = actions.apply_for_pass(vehicle, actor=request.user, **data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self._render(form, 422)
        messages.success(request, _("通行证申请已提交：%(n)s") % {"n": vehicle_pass.number})
        return redirect("logistics:pass_detail", vehicle_pass.pk)


def _label(status: str) -> str:
    try:
        return str(PassStatus(status).label)
    except ValueError:
        return status


def qr_svg(token: str) -> str:
    return segno.make(token, error="m").svg_inline(scale=4, border=2)


def card_drivers(vehicle_pass) -> list[dict]:
    return [
        {"name": mask_name(d.name), "id": d.id_masked, "licence": d.licence_class}
        for d in vehicle_pass.drivers.all()
    ]


class PassDetailView(ScopedDetailView):
    model = VehiclePass
    template_name = "logistics/passes_detail.html"
    context_object_name = "pass"

    def get_queryset(self):
        return _passes(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        p, user = self.object, self.request.user
        may_decide = actions.may_decide(user, p)
        regions = _region_names(p.origin_region_code, p.destination_region_code)
        context.update(
            qr=qr_svg(p.token) if p.status == PassStatus.APPROVED and p.token else "",
            drivers=card_drivers(p),
            origin_region=regions.get(p.origin_region_code, p.origin_region_code),
            destination_region=regions.get(p.destination_region_code, p.destination_region_code),
            history=[
                {"at": h.at, "actor": h.actor_name, "note": h.note, "label": _label(h.target)}
                for h in VehiclePass.workflow.history(p).order_by("at", "id")
            ],
            can_decide=may_decide and p.status == PassStatus.APPLIED,
            can_revoke=may_decide and p.status == PassStatus.APPROVED,
            can_withdraw=actions.may_withdraw(user, p),
            decision_form=DecisionForm(initial={"version": p.version}),
            reason_form=ReasonForm(initial={"version": p.version}),
        )
        return context


class _PassPost(GrantRequiredMixin, View):
    permission = (VehiclePass, "view")
    form_class = ReasonForm

    def post(self, request, pk):
        vehicle_pass = get_object_or_404(
            VehiclePass.objects.visible_to(request.user, "view"), pk=pk
        )
        form = self.form_class(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        else:
            try:
                self.perform(vehicle_pass, form.cleaned_data)
            except ValidationError as exc:
                _flash(request, exc)
        return redirect(reverse("logistics:pass_detail", args=[vehicle_pass.pk]))


class PassApproveView(_PassPost):
    form_class = DecisionForm

    def perform(self, p, data):
        actions.approve_pass(p, actor=self.request.user, note=data["note"], version=data["version"])
        messages.success(self.request, _("通行证已核发。"))


class PassRefuseView(_PassPost):
    def perform(self, p, data):
        actions.refuse_pass(
            p, actor=self.request.user, reason=data["reason"], version=data["version"]
        )
        messages.success(self.request, _("已不予核发。"))


class PassRevokeView(_PassPost):
    def perform(self, p, data):
        actions.revoke_pass(
            p, actor=self.request.user, reason=data["reason"], version=data["version"]
        )
        messages.success(self.request, _("通行证已吊销。"))


class PassWithdrawView(_PassPost):
    form_class = DecisionForm

    def perform(self, p, data):
        actions.withdraw_pass(
            p, actor=self.request.user, reason=data["note"], version=data["version"]
        )
        messages.success(self.request, _("申请已撤回。"))


pass_detail = PassDetailView.as_view()

urlpatterns = [
    path("passes/", PassListView.as_view(), name="pass_list"),
    path("passes/export/", PassExportView.as_view(), name="pass_export"),
    path("passes/apply/", PassApplyView.as_view(), name="pass_apply"),
    path("passes/<int:pk>/", pass_detail, name="pass_detail"),
    path("passes/<int:pk>/approve/", PassApproveView.as_view(), name="pass_approve"),
    path("passes/<int:pk>/refuse/", PassRefuseView.as_view(), name="pass_refuse"),
    path("passes/<int:pk>/revoke/", PassRevokeView.as_view(), name="pass_revoke"),
    path("passes/<int:pk>/withdraw/", PassWithdrawView.as_view(), name="pass_withdraw"),
]
