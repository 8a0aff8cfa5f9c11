"""Pages of the intake area (DEM-01): the demand list of the user's scope (a unit its own, an
office its region) with filters and export, the filing form (similar open demands suggested
while typing), the office's intake queue (accept / reject / merge, each carrying the version the
official saw so that a second official acting at once gets the conflict message), the demand
page (facts, attachments, intake actions and the other areas' panels) and the bulk import of
demands collected on visits. Every write goes through ``workorders.actions.intake``; every
scoped read through ``visible_to``."""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import DetailView
from openpyxl import Workbook

from sibao.accounts.access import can
from sibao.core.forms import errors_to_form as _errors_to_form
from sibao.core.generic import FilteredListView, GrantRequiredMixin, ScopedListView
from sibao.core.tabular import workbook_response
from sibao.enterprises.imports import error_report_xlsx
from sibao.workorders import queries_intake as queries
from sibao.workorders.actions import intake as actions
from sibao.workorders.filtersets_intake import DemandFilterSet
from sibao.workorders.forms_intake import (
    AcceptForm,
    DemandForm,
    ImportForm,
    MergeForm,
    RejectForm,
    WithdrawForm,
)
from sibao.workorders.models import Attachment, Demand, RejectReason

XLSX = queries.XLSX
REPORT_SALT = "sibao.workorders.demand-import-report"


def _flash(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _flash_form(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


class _MayFile:
    """The filing pages: the unit's admin or cadre (``add``), or an office (``accept``)."""

    def get_permission(self):
        user = self.request.user
        if can(user, Demand, "add"):
            return (Demand, "add")
        return (Demand, "accept")


# --- list and export ---


class DemandListView(ScopedListView):
    """DEM-01: the demands of the user's scope, newest first."""

    model = Demand
    filterset_class = DemandFilterSet
    template_name = "workorders/intake_list.html"
    partial_template_name = "workorders/intake_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return queries.demands_for(self.request.user).order_by(*Demand._meta.ordering)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_file"] = can(user, Demand, "add") or can(user, Demand, "accept")
        context["can_export"] = can(user, Demand, "export")
        context["can_import"] = can(user, Demand, "import")
        context["can_accept"] = can(user, Demand, "accept")
        return context


class DemandExportView(GrantRequiredMixin, View):
    permission = (Demand, "export")

    def get(self, request):
        queryset = queries.demands_for(request.user, "export")
        filterset = DemandFilterSet(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound:
            queryset = filterset.qs
        queryset = queryset.order_by(*Demand._meta.ordering)
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("企业诉求"))
        sheet.append(queries.export_header())
        count = 0
        for row in queries.export_rows(queryset):
            sheet.append(row)
            count += 1
        actions.record_demand_export(
            actor=request.user, rows=count, filters=request.GET.urlencode()
        )
        filename = f"demands-{timezone.localdate():%Y%m%d}.xlsx"
        return workbook_response(workbook, filename)


# --- filing ---


class DemandCreateView(_MayFile, GrantRequiredMixin, View):
    """DEM-01: file a demand; similar open demands are suggested while typing (common area)."""

    template_name = "workorders/intake_form.html"

    def render_form(self, form, status=200):
        return render(self.request, self.template_name, {"form": form}, status=status)

    def get(self, request):
        return self.render_form(DemandForm(user=request.user))

    def post(self, request):
        form = DemandForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.render_form(form, status=422)
        data = form.cleaned_data
        try:
            demand = actions.file_demand(
                data["enterprise"],
                actor=request.user,
                category=data["category"],
                title=data["title"],
                description=data["description"],
                urgency=data["urgency"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                files=data["files"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.render_form(form, status=422)
        messages.success(request, _("诉求已提交，编号 %(number)s。") % {"number": demand.number})
        return redirect("workorders:demand_detail", demand.pk)


# --- the intake queue ---


class IntakeQueueView(FilteredListView):
    """DEM-01: the office's queue — submitted demands of its region, oldest first."""

    model = Demand
    permission = (Demand, "accept")
    filterset_class = DemandFilterSet
    template_name = "workorders/intake_queue.html"
    partial_template_name = "workorders/intake_queue_table.html"
    paginate_by = 20

    def get_base_queryset(self):
        return queries.intake_queue(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for demand in context["object_list"]:
            demand.targets = list(
                queries.merge_targets(self.request.user, demand).select_related("enterprise")[:50]
            )
        context["reasons"] = RejectReason.choices
        return context


# --- the demand page ---


class DemandDetailView(GrantRequiredMixin, DetailView):
    """DEM-01 (and DEM-05's whole history through the followup panel): one demand with its
    facts, attachments, the intake actions the user may take and the other areas' panels."""

    model = Demand
    permission = (Demand, "view")
    template_name = "workorders/intake_detail.html"
    context_object_name = "demand"

    def get_queryset(self):
        return queries.demands_for(self.request.user).select_related(
            "enterprise__region", "submitted_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, demand = self.request.user, self.object
        allowed = queries.allowed_actions(user, demand)
        context.update(
            allowed=allowed,
            attachments=Attachment.objects.visible_to(user, "view").filter(
                demand=demand, work_order__isnull=True
            ),
            reasons=RejectReason.choices,
            targets=queries.merge_targets(user, demand)[:50] if allowed["merge"] else [],
        )
        return context


class AttachmentDownloadView(GrantRequiredMixin, View):
    """An attachment through the user's scope (404 outside it); never a public media URL."""

    permission = (Attachment, "view")

    def get(self, request, pk):
        attachment = get_object_or_404(Attachment.objects.visible_to(request.user, "view"), pk=pk)
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        return FileResponse(handle, as_attachment=True, filename=attachment.name)


# --- intake decisions (POST) ---


@method_decorator(require_POST, name="dispatch")
class _DemandPost(GrantRequiredMixin, View):
    """One intake decision on one demand: the form's ``version`` is what the user saw; a
    conflict or a refusal comes back as a message on the page the user came from."""

    permission = (Demand, "view")
    form_class = None

    def form(self, demand):
        return self.form_class(self.request.POST)

    def back(self, demand):
        target = self.request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, {self.request.get_host()}):
            return redirect(target)
        return redirect("workorders:demand_detail", demand.pk)

    def post(self, request, pk):
        demand = get_object_or_404(queries.demands_for(request.user), pk=pk)
        form = self.form(demand)
        if not form.is_valid():
            _flash_form(request, form)
            return self.back(demand)
        try:
            self.perform(demand, form.cleaned_data)
        except ValidationError as exc:
            _flash(request, exc)
        return self.back(demand)


class DemandAcceptView(_DemandPost):
    form_class = AcceptForm

    def perform(self, demand, data):
        demand = actions.accept_demand(
            demand, actor=self.request.user, note=data["note"], version=data["version"]
        )
        messages.success(self.request, _("已受理诉求 %(number)s。") % {"number": demand.number})


class DemandRejectView(_DemandPost):
    form_class = RejectForm

    def perform(self, demand, data):
        demand = actions.reject_demand(
            demand,
            actor=self.request.user,
            reason=data["reason"],
            note=data["note"],
            version=data["version"],
        )
        messages.success(self.request, _("诉求 %(number)s 不予受理。") % {"number": demand.number})


class DemandMergeView(_DemandPost):
    form_class = MergeForm

    def form(self, demand):
        return MergeForm(
            self.request.POST, targets=queries.merge_targets(self.request.user, demand)
        )

    def perform(self, demand, data):
        demand = actions.merge_demand(
            demand,
            into=data["into"],
            actor=self.request.user,
            note=data["note"],
            version=data["version"],
        )
        messages.success(
            self.request,
            _("诉求 %(number)s 已合并至 %(into)s。")
            % {"number": demand.number, "into": data["into"].number},
        )


class DemandWithdrawView(_DemandPost):
    form_class = WithdrawForm

    def perform(self, demand, data):
        demand = actions.withdraw_demand(
            demand, actor=self.request.user, note=data["note"], version=data["version"]
        )
        messages.success(self.request, _("诉求 %(number)s 已撤回。") % {"number": demand.number})


# --- bulk import ---


class DemandImportView(GrantRequiredMixin, View):
    """DEM-01: demands collected on visits, from the template; all rows or none."""

    permission = (Demand, "import")
    template_name = "workorders/intake_import.html"

    def get(self, request):
        return render(request, self.template_name, {"form": ImportForm()})

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        context = {"form": form}
        if not form.is_valid():
            return render(request, self.template_name, context, status=422)
        upload = form.cleaned_data["file"]
        result = actions.import_demands(upload.read(), upload.name, actor=request.user)
        if not result.ok:
            context.update(
                errors=result.errors,
                rows=result.rows,
                report=signing.dumps(result.errors, salt=REPORT_SALT, compress=True),
            )
            return render(request, self.template_name, context, status=422)
        messages.success(
            request, _("导入完成：新增 %(count)d 条诉求。") % {"count": len(result.created)}
        )
        return redirect(reverse("workorders:demand_list") + "?channel=visit")


class DemandImportTemplateView(GrantRequiredMixin, View):
    permission = (Demand, "import")

    def get(self, request):
        response = HttpResponse(queries.template_xlsx(), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="demand-import-template.xlsx"'
        return response


@method_decorator(require_POST, name="dispatch")
class DemandImportReportView(GrantRequiredMixin, View):
    """The error report of a refused import, handed back signed by the page (nothing is kept
    on the server between the upload and the download)."""

    permission = (Demand, "import")

    def post(self, request):
        try:
            errors = signing.loads(request.POST.get("report", ""), salt=REPORT_SALT)
        except signing.BadSignature:
            raise Http404 from None
        response = HttpResponse(error_report_xlsx(errors), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="demand-import-errors.xlsx"'
        return response


urlpatterns = [
    path("", DemandListView.as_view(), name="demand_list"),
    path("new/", DemandCreateView.as_view(), name="demand_create"),
    path("export.xlsx", DemandExportView.as_view(), name="demand_export"),
    path("intake/", IntakeQueueView.as_view(), name="intake_queue"),
    path("import/", DemandImportView.as_view(), name="demand_import"),
    path(
        "import/template.xlsx",
        DemandImportTemplateView.as_view(),
        name="demand_import_template",
    ),
    path(
        "import/report.xlsx",
        DemandImportReportView.as_view(),
        name="demand_import_report",
    ),
    path("<int:pk>/", DemandDetailView.as_view(), name="demand_detail"),
    path("<int:pk>/accept/", DemandAcceptView.as_view(), name="demand_accept"),
    path("<int:pk>/reject/", DemandRejectView.as_view(), name="demand_reject"),
    path("<int:pk>/merge/", DemandMergeView.as_view(), name="demand_merge"),
    path("<int:pk>/withdraw/", DemandWithdrawView.as_view(), name="demand_withdraw"),
    path(
        "attachments/<int:pk>/",
        AttachmentDownloadView.as_view(),
        name="demand_attachment",
    ),
]
