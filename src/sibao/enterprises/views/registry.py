"""Registry pages (WL-01, WL-02): the list with search, filters and export; a unit's page; the
create and edit forms; the Excel import; possible duplicates and their merge."""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from sibao.accounts.access import can
from sibao.core.generic import GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.enterprises import actions, imports
from sibao.enterprises.actions.registry import ImportRefused
from sibao.enterprises.filtersets import EnterpriseFilterSet
from sibao.enterprises.forms import EnterpriseForm, ImportForm, MergeForm, OwnUnitForm
from sibao.enterprises.models import Enterprise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_SALT = "sibao.enterprises.import-report"


def _add_errors(form, exc: ValidationError) -> None:
    """An action's ValidationError shown on the form: on the field it names, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class EnterpriseListView(ScopedListView):
    """WL-01: the registered units in the user's jurisdiction (and industry, for departments);
    merged records are history and not listed."""

    model = Enterprise
    filterset_class = EnterpriseFilterSet
    template_name = "enterprises/enterprise_list.html"
    partial_template_name = "enterprises/enterprise_table.html"

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .active()
            .select_related("region", "industry", "park", "whitelist_entry")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_add"] = can(user, Enterprise, "add")
        context["can_export"] = can(user, Enterprise, "export")
        context["can_merge"] = can(user, Enterprise, "merge")
        return context


class EnterpriseDetailView(ScopedDetailView):
    """A unit's page: its registry card (a merged record says where it went; a park lists its
    members); the other areas' panels load below it."""

    model = Enterprise
    template_name = "enterprises/enterprise_detail.html"
    members_shown = 20

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("region__parent", "industry", "park", "merged_into")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        context["can_change"] = not unit.merged_into_id and can(user, Enterprise, "change", unit)
        context["merged_into_visible"] = bool(
            unit.merged_into_id
            and Enterprise.objects.visible_to(user, "view").filter(pk=unit.merged_into_id).exists()
        )
        if unit.is_park:
            context["can_add"] = not unit.merged_into_id and can(user, Enterprise, "add")
            members = (
                Enterprise.objects.visible_to(user, "view")
                .active()
                .filter(park=unit)
                .select_related("region", "industry")
            )
            context["member_count"] = members.count()
            context["members"] = members[: self.members_shown]
        return context


class EnterpriseFormMixin:
    """Render the form page, or just the form for HTMX; a saved unit goes to its page."""

    template_name = "enterprises/registry/enterprise_form.html"
    partial_template_name = "enterprises/registry/_form.html"

    def render_form(self, form, status=200):
        template = (
            self.partial_template_name
            if getattr(self.request, "htmx", False)
            else self.template_name
        )
        context = {"form": form, "object": getattr(self, "object", None)}
        return render(self.request, template, context, status=status)

    def saved(self, unit, message):
        messages.success(self.request, message)
        url = reverse("enterprises:enterprise_detail", args=[unit.pk])
        if getattr(self.request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)


class EnterpriseCreateView(EnterpriseFormMixin, GrantRequiredMixin, View):
    """WL-01/WL-02: register a unit (enterprise, project, park or bonded zone)."""

    permission = (Enterprise, "add")

    def get(self, request):
        initial = {}
        if request.GET.get("park"):
            initial["park"] = request.GET["park"]
        return self.render_form(EnterpriseForm(user=request.user, initial=initial))

    def post(self, request):
        form = EnterpriseForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_form(form)
        try:
            unit = actions.create_enterprise(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.render_form(form)
        return self.saved(unit, _("已登记“%(name)s”。") % {"name": unit.name})


class EnterpriseUpdateView(EnterpriseFormMixin, ScopedDetailView):
    """WL-01: edit a unit. Officials edit every field within their jurisdiction; an enterprise's
    own admin gets a form with only what it may change."""

    model = Enterprise
    action = "change"

    def get_form(self, data=None):
        own_unit_only = not actions.registry_jurisdiction(self.request.user, self.object)
        if own_unit_only:
            return OwnUnitForm(data, instance=self.object)
        return EnterpriseForm(data, instance=self.object, user=self.request.user, action="change")

    def get_object(self, queryset=None):
        unit = super().get_object(queryset)
        if unit.merged_into_id:
            raise Http404(_("该记录已合并，不能修改。"))
        return unit

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_form(self.get_form())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render_form(form)
        changes = {name: form.cleaned_data[name] for name in form.fields}
        try:
            unit = actions.update_enterprise(self.object, actor=request.user, **changes)
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.render_form(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.render_form(form, status=403)
        return self.saved(unit, _("已保存“%(name)s”。") % {"name": unit.name})


class ImportView(GrantRequiredMixin, View):
    """WL-01: import units from an .xlsx or .csv file, all rows or none, with a row-by-row
    error report on the page and as a download."""

    permission = (Enterprise, "add")
    template_name = "enterprises/registry/import.html"

    def get(self, request):
        return render(request, self.template_name, {"form": ImportForm()})

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        context = {"form": form}
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                created = actions.import_enterprises(upload.read(), upload.name, actor=request.user)
            except ImportRefused as exc:
                errors = [e.as_dict() for e in exc.row_errors]
                context.update(
                    refused=exc.messages[0],
                    errors=errors,
                    rows=exc.rows,
                    report=signing.dumps(errors, salt=REPORT_SALT, compress=True),
                )
                return render(request, self.template_name, context, status=422)
            messages.success(
                request, _("导入完成：新登记 %(count)d 个单位。") % {"count": len(created)}
            )
            return redirect("enterprises:enterprise_list")
        return render(request, self.template_name, context, status=422)


class ImportTemplateView(GrantRequiredMixin, View):
    """The .xlsx import template with its instructions sheet."""

    permission = (Enterprise, "add")

    def get(self, request):
        response = HttpResponse(imports.template_xlsx(), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="enterprise-import-template.xlsx"'
        return response


@method_decorator(require_POST, name="dispatch")
class ImportReportView(GrantRequiredMixin, View):
    """The error report of a refused import as .xlsx. The page hands the report back signed, so
    nothing is kept on the server between the upload and the download."""

    permission = (Enterprise, "add")

    def post(self, request):
        try:
            errors = signing.loads(request.POST.get("report", ""), salt=REPORT_SALT)
        except signing.BadSignature:
            raise Http404 from None
        response = HttpResponse(imports.error_report_xlsx(errors), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="import-errors.xlsx"'
        return response


class ExportView(GrantRequiredMixin, View):
    """WL-01: the filtered list as .xlsx or .csv, streamed; audited."""

    permission = (Enterprise, "export")

    def get(self, request):
        try:
            return imports.export_response(
                request.user, request.GET, request.GET.get("fmt", "xlsx")
            )
        except ValidationError as exc:
            return HttpResponse("; ".join(exc.messages), status=400, content_type="text/plain")


class DuplicateListView(GrantRequiredMixin, View):
    """WL-01: credit codes with more than one active record the user may merge, with a merge
    form per code."""

    permission = (Enterprise, "merge")
    template_name = "enterprises/registry/duplicates.html"
    paginate_by = 20

    def get(self, request):
        return self.render(request)

    def render(self, request, form=None, status=200):
        records = Enterprise.objects.visible_to(request.user, "merge").active()
        codes = (
            records.values("credit_code")
            .annotate(count=Count("id"))
            .filter(count__gt=1)
            .order_by("credit_code")
        )
        page = Paginator(codes, self.paginate_by).get_page(request.GET.get("page"))
        page_codes = [row["credit_code"] for row in page.object_list]
        groups = {code: [] for code in page_codes}
        for unit in records.filter(credit_code__in=page_codes).select_related(
            "region", "industry", "whitelist_entry"
        ):
            groups[unit.credit_code].append(unit)
        context = {
            "groups": groups,
            "page_obj": page,
            "form": form or MergeForm(),
            "query_without_page": "",
        }
        return render(request, self.template_name, context, status=status)


@method_decorator(require_POST, name="dispatch")
class MergeView(DuplicateListView):
    """Merge one record into another of the same credit code."""

    def post(self, request):
        form = MergeForm(request.POST)
        if not form.is_valid():
            return self.render(request, form, status=422)
        records = Enterprise.objects.visible_to(request.user, "merge")
        survivor = get_object_or_404(records, pk=form.cleaned_data["survivor"])
        duplicate = get_object_or_404(records, pk=form.cleaned_data["duplicate"])
        try:
            actions.merge_enterprises(
                survivor, duplicate, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.render(request, form, status=422)
        messages.success(
            request,
            _("已将记录 #%(dup)s 合并到“%(name)s”（#%(pk)s）。")
            % {"dup": duplicate.pk, "name": survivor.name, "pk": survivor.pk},
        )
        return redirect("enterprises:enterprise_detail", survivor.pk)
