"""Roster pages (EPI-01, EPI-03, EPI-12, EPI-16, EPI-17): the roster of a region and of a unit
with the vaccination table, a person's page with their 两码一证, the add and edit forms, the
import, the audited unmask, the exact-ID lookup, the enterprise page's roster panel and the
code-protection list with its export.

ID numbers and phones show masked; the clear values appear only in the unmask answer and the
unmasked export, both audited.
"""

import tempfile

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from sibao.accounts.access import can, covers
from sibao.core import rules
from sibao.core.generic import GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.core.personal import normalise_id_number, person_key
from sibao.enterprises.models import Enterprise
from sibao.epidemic import actions, queries_roster
from sibao.epidemic import imports_roster as files
from sibao.epidemic.actions.roster import RosterImportRefused
from sibao.epidemic.filtersets_roster import (
    FULL_NUMBER_REFUSED,
    ProtectionFilterSet,
    StaffFilterSet,
    has_full_number,
)
from sibao.epidemic.forms_roster import (
    DeactivateForm,
    FindForm,
    ImportForm,
    StaffForm,
    StaffUpdateForm,
)
from sibao.epidemic.models import StaffMember

REPORT_SALT = "sibao.epidemic.roster-import-report"


def _add_errors(form, exc: ValidationError) -> None:
    """An action's ValidationError shown on the form: on the field it names, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _unit(request, pk):
    """The unit named in the URL, if the user may see it (else 404, like a missing one)."""
    return get_object_or_404(
        Enterprise.objects.visible_to(request.user, "view").active().select_related("region"),
        pk=pk,
    )


class UnitMixin:
    """Views under ``units/<pk>/``: the unit is looked up after the sign-in and grant checks
    (put this after ``GrantRequiredMixin``), so that no grant answers 403, out of scope 404."""

    def dispatch(self, request, *args, **kwargs):
        self.unit = _unit(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


def _may_manage(user, unit, action="add") -> bool:
    return covers(user, StaffMember, action, region_code=unit.region_id, enterprise_id=unit.pk)


class NoFullNumberInSearchMixin:
    """A full ID number typed into the search box is dropped from the URL at once (with a hint
    to use the posted lookup), so that it is not echoed into the page, its links or history."""

    def get(self, request, *args, **kwargs):
        if has_full_number(request.GET.get("q", "")):
            query = request.GET.copy()
            query.pop("q")
            messages.error(request, FULL_NUMBER_REFUSED)
            return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
        return super().get(request, *args, **kwargs)


class StaffListView(NoFullNumberInSearchMixin, ScopedListView):
    """EPI-01: the roster of the user's jurisdiction (a region's staff, scoped), with filters by
    unit, team, zone, post and category, status and quiet period; EPI-17: the vaccination
    table of what the filters select, by county."""

    model = StaffMember
    filterset_class = StaffFilterSet
    template_name = "epidemic/roster/staff_list.html"
    partial_template_name = "epidemic/roster/staff_table.html"
    vaccination_by = "county"
    unit = None

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("enterprise")

    def get_queryset(self):
        queryset = super().get_queryset()
        self.filtered = queryset
        ruleset = rules.current()
        self.ruleset = ruleset
        return queryset.annotate(is_overdue=queries_roster.overdue_flag(ruleset))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if not getattr(self.request, "htmx", False):
            total, rows = queries_roster.vaccination(
                self.filtered, by=self.vaccination_by, ruleset=self.ruleset
            )
            context["vaccination_total"], context["vaccination_rows"] = total, rows
            context["vaccine_full_doses"] = self.ruleset["vaccine_full_doses"]
            context["find_form"] = FindForm()
        context["unit"] = self.unit
        context["can_unmask"] = can(user, StaffMember, "unmask")
        context["today"] = timezone.localdate()
        return context


class UnitStaffListView(StaffListView):
    """EPI-01: one unit's roster, with its add and import buttons for those who manage it and its
    vaccination figures."""

    vaccination_by = "enterprise"

    def get_base_queryset(self):
        # looked up here, after the grant checks of dispatch: no grant is 403, out of scope 404
        self.unit = _unit(self.request, self.kwargs["pk"])
        return super().get_base_queryset().filter(enterprise=self.unit)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = _may_manage(self.request.user, self.unit)
        return context


class StaffDetailView(ScopedDetailView):
    """EPI-01, EPI-03: a person on a roster, masked, with their 两码一证: health code, itinerary,
    last test, last negative and whether the certificate is valid for their post now."""

    model = StaffMember
    template_name = "epidemic/roster/staff_detail.html"
    context_object_name = "staff"

    def get_queryset(self):
        return super().get_queryset().select_related("enterprise")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, staff = self.request.user, self.object
        context["certificate"] = queries_roster.certificate(staff)
        context["can_change"] = can(user, StaffMember, "change", staff)
        context["can_unmask"] = can(user, StaffMember, "unmask", staff)
        context["deactivate_form"] = DeactivateForm()
        context["today"] = timezone.localdate()
        return context


class StaffFormMixin:
    """Render the form page, or just the form for HTMX; a saved person goes to their page."""

    template_name = "epidemic/roster/staff_form.html"
    partial_template_name = "epidemic/roster/_staff_form.html"

    def render_form(self, form, status=200):
        template = (
            self.partial_template_name
            if getattr(self.request, "htmx", False)
            else self.template_name
        )
        context = {"form": form, "unit": self.unit, "staff": getattr(self, "object", None)}
        return render(self.request, template, context, status=status)

    def saved(self, staff, message):
        messages.success(self.request, message)
        url = reverse("epidemic:staff_detail", args=[staff.pk])
        if getattr(self.request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)


class StaffCreateView(StaffFormMixin, GrantRequiredMixin, UnitMixin, View):
    """EPI-01: put a person on a unit's roster (the unit's own admin)."""

    permission = (StaffMember, "add")

    def get(self, request, pk):
        if not _may_manage(request.user, self.unit):
            raise PermissionDenied(_("您无权管理该单位的员工花名册。"))
        return self.render_form(StaffForm())

    def post(self, request, pk):
        form = StaffForm(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=422)
        try:
            staff = actions.add_staff(self.unit, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.render_form(form, status=422)
        return self.saved(staff, _("已登记“%(name)s”。") % {"name": staff.name})


class StaffUpdateView(StaffFormMixin, ScopedDetailView):
    """EPI-01: edit a roster row; the ID number stays, a new phone is protected again."""

    model = StaffMember
    action = "change"

    def get_form(self, data=None):
        staff = self.object
        initial = {
            name: getattr(staff, name)
            for name in actions.STAFF_FIELDS
            if name != "phone" and hasattr(staff, name)
        }
        return StaffUpdateForm(data, initial=initial, phone_masked=staff.phone_masked)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.unit = self.object.enterprise
        return self.render_form(self.get_form())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.unit = self.object.enterprise
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=422)
        try:
            staff = actions.update_staff(self.object, actor=request.user, **form.changes())
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.render_form(form, status=422)
        return self.saved(staff, _("已保存“%(name)s”。") % {"name": staff.name})


@method_decorator(require_POST, name="dispatch")
class StaffDeactivateView(ScopedDetailView):
    """EPI-01: take a person off duty (the row stays as history)."""

    model = StaffMember
    action = "change"

    def post(self, request, *args, **kwargs):
        staff = self.get_object()
        form = DeactivateForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        actions.deactivate_staff(staff, actor=request.user, reason=reason)
        messages.success(request, _("已停用“%(name)s”。") % {"name": staff.name})
        return redirect("epidemic:staff_detail", staff.pk)


@method_decorator(require_POST, name="dispatch")
class StaffReactivateView(ScopedDetailView):
    """EPI-01: put a deactivated person back on duty."""

    model = StaffMember
    action = "change"

    def post(self, request, *args, **kwargs):
        staff = self.get_object()
        actions.reactivate_staff(staff, actor=request.user)
        messages.success(request, _("已恢复“%(name)s”在岗。") % {"name": staff.name})
        return redirect("epidemic:staff_detail", staff.pk)


@method_decorator(require_POST, name="dispatch")
class StaffRevealView(ScopedDetailView):
    """EPI-01, PLAT-03: one ID number in clear for the health office; audited. HTMX swaps the
    cell."""

    model = StaffMember
    action = "unmask"

    def post(self, request, *args, **kwargs):
        id_number = actions.reveal_staff_id(self.get_object(), actor=request.user)
        return render(request, "epidemic/roster/id_revealed.html", {"id_number": id_number})


@method_decorator(require_POST, name="dispatch")
class StaffFindView(GrantRequiredMixin, View):
    """EPI-01: find a person by their full ID number, posted (never in a URL): the number is
    turned into the person key and matched against the rosters the user may see."""

    permission = (StaffMember, "view")
    template_name = "epidemic/roster/find.html"

    def post(self, request):
        form = FindForm(request.POST)
        found = None
        if form.is_valid():
            try:
                key = person_key(normalise_id_number(form.cleaned_data["id_number"]))
            except ValidationError as exc:
                form.add_error("id_number", exc.messages)
            else:
                found = list(
                    StaffMember.objects.visible_to(request.user, "view")
                    .filter(person_key=key)
                    .select_related("enterprise")
                )
                if len(found) == 1:
                    return redirect("epidemic:staff_detail", found[0].pk)
        status = 200 if form.is_valid() else 422
        return render(request, self.template_name, {"form": form, "found": found}, status=status)


class StaffImportView(GrantRequiredMixin, UnitMixin, View):
    """EPI-01: import a unit's roster from an .xlsx or .csv file, all rows or none, with a
    row-by-row error report (ID numbers and phones masked) on the page and as a download."""

    permission = (StaffMember, "add")
    template_name = "epidemic/roster/import.html"

    def get(self, request, pk):
        if not _may_manage(request.user, self.unit):
            raise PermissionDenied(_("您无权管理该单位的员工花名册。"))
        return render(request, self.template_name, {"form": ImportForm(), "unit": self.unit})

    def post(self, request, pk):
        form = ImportForm(request.POST, request.FILES)
        context = {"form": form, "unit": self.unit}
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                created = actions.import_roster(
                    upload.read(), upload.name, self.unit, actor=request.user
                )
            except RosterImportRefused as exc:
                errors = [e.as_dict() for e in exc.row_errors]
                context.update(
                    refused=exc.messages[0],
                    errors=errors,
                    rows=exc.rows,
                    report=signing.dumps(errors, salt=REPORT_SALT, compress=True),
                )
                return render(request, self.template_name, context, status=422)
            messages.success(
                request, _("导入完成：新登记 %(count)d 名人员。") % {"count": len(created)}
            )
            return redirect("epidemic:unit_staff", self.unit.pk)
        return render(request, self.template_name, context, status=422)


class StaffImportTemplateView(GrantRequiredMixin, View):
    """The .xlsx roster template with its instructions sheet."""

    permission = (StaffMember, "add")

    def get(self, request):
        response = HttpResponse(files.template_xlsx(), content_type=files.XLSX)
        response["Content-Disposition"] = 'attachment; filename="roster-import-template.xlsx"'
        return response


@method_decorator(require_POST, name="dispatch")
class StaffImportReportView(GrantRequiredMixin, View):
    """The error report of a refused import as .xlsx. The page hands the (masked) report back
    signed, so nothing is kept on the server between the upload and the download."""

    permission = (StaffMember, "add")

    def post(self, request):
        try:
            errors = signing.loads(request.POST.get("report", ""), salt=REPORT_SALT)
        except signing.BadSignature:
            raise Http404 from None
        response = HttpResponse(files.error_report_xlsx(errors), content_type=files.XLSX)
        response["Content-Disposition"] = 'attachment; filename="roster-import-errors.xlsx"'
        return response


class UnitStaffPanelView(ScopedDetailView):
    """The enterprise page's roster panel (HTMX): staff by post class, overdue tests, quiet
    period, and the link to the roster."""

    model = Enterprise
    permission = (StaffMember, "view")
    template_name = "epidemic/roster/panel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        staff = StaffMember.objects.visible_to(user, "view").filter(enterprise=unit)
        context["counts"] = queries_roster.unit_panel(staff)
        context["can_add"] = not unit.merged_into_id and _may_manage(user, unit)
        return context


# --- code protection (EPI-12) ----------------------------------------------------------------------


class ProtectionListView(NoFullNumberInSearchMixin, ScopedListView):
    """EPI-12: the staff and logistics staff of whitelisted units to register with the provincial
    platform for code protection, and on each person whether protection applies now (not for
    positives, close or secondary contacts) with the reason."""

    model = StaffMember
    filterset_class = ProtectionFilterSet
    template_name = "epidemic/roster/protection_list.html"
    partial_template_name = "epidemic/roster/protection_table.html"

    def get_base_queryset(self):
        return queries_roster.protection_queryset(self.request.user).select_related("enterprise")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for staff in context["object_list"]:
            staff.protection_reason = queries_roster.protection_reason(
                staff.status_result, staff.status_contact
            )[1]
        user = self.request.user
        context["can_export"] = can(user, StaffMember, "export")
        context["can_unmask"] = can(user, StaffMember, "unmask")
        return context


class ProtectionExportView(GrantRequiredMixin, View):
    """EPI-12: the registration list as .xlsx or .csv, streamed, filtered like the page. ID
    numbers (and phones) are in clear only on rows the reader may unmask; the export is audited
    with its row count and how many rows were in clear."""

    permission = (StaffMember, "export")

    def get(self, request):
        try:
            return protection_export(request.user, request.GET, request.GET.get("fmt", "xlsx"))
        except ValidationError as exc:
            return HttpResponse("; ".join(exc.messages), status=400, content_type="text/plain")


def protection_export(user, params, file_format: str):
    """The export response shared by the page and the API."""
    queryset = queries_roster.protection_queryset(user, "export")
    filterset = ProtectionFilterSet(params, queryset=queryset, request=None)
    if not filterset.is_valid():
        raise ValidationError(
            "; ".join(str(e) for errors in filterset.errors.values() for e in errors)
        )
    if file_format not in ("xlsx", "csv"):
        raise ValidationError(_("导出格式须为 xlsx 或 csv。"))
    queryset = queries_roster.with_clear_flag(filterset.qs, user)
    filters = {k: v for k, v in filterset.form.cleaned_data.items() if v not in (None, "")}
    rows = queryset.count()
    clear_rows = queryset.filter(clear=True).count()
    actions.record_protection_export(
        actor=user, rows=rows, clear_rows=clear_rows, file_format=file_format, filters=filters
    )
    lines = files.protection_rows(queryset, reasons=queries_roster.protection_reason)
    stem = f"code-protection-{timezone.localdate():%Y%m%d}"
    if file_format == "csv":
        response = StreamingHttpResponse(
            files.csv_chunks(lines), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        return response
    spool = tempfile.TemporaryFile(suffix=".xlsx")
    files.write_xlsx(lines, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"{stem}.xlsx", content_type=files.XLSX)
