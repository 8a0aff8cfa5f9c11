"""Pages of production and operation status (MON-03).

- the status list (``production_list``): each unit of the user's scope with its current report;
  filters by region, industry, state, days without a report and raw material left; export;
- reporting (``production_report``): a unit's admin reports the day's status (填报今日生产经营状况);
- the import (``production_import``): an HQ office or a department enters reports on behalf of
  units from a file, all rows or none, with a row-by-row error report;
- the region trend (``production_trend``): per day, units operating / partial / suspended, average
  capacity and staff on site, with the drill-down province → city → county;
- a unit's trend (``production_unit``) and its panel on the unit's page (``production_panel``).

Every write goes through ``enterprises.actions.production``; every scoped read through
``visible_to`` (``queries_production``)."""

import tempfile

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from sibao.accounts.access import can
from sibao.core import rules as rule_set
from sibao.core.forms import errors_to_form
from sibao.core.generic import GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.enterprises import imports, imports_production
from sibao.enterprises import queries_production as queries
from sibao.enterprises.actions import production as actions
from sibao.enterprises.actions.registry import ImportRefused
from sibao.enterprises.filtersets_production import ProductionStatusFilterSet
from sibao.enterprises.forms import ImportForm
from sibao.enterprises.forms_production import ProductionReportForm
from sibao.enterprises.models import ProductionReport, ProductionState
from sibao.enterprises.queries import jurisdiction_regions

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_SALT = "sibao.enterprises.production-import-report"
MIN_DAYS, MAX_DAYS = 7, 180
UNIT_PANEL_DAYS = 14


def _days(request) -> int:
    """The trend's length: ``?days=`` within bounds, else the rule set's default."""
    raw = request.GET.get("days", "")
    if raw.isdigit():
        return max(MIN_DAYS, min(MAX_DAYS, int(raw)))
    return rule_set.current()["production_trend_days"]


def _status_rows(user):
    """The status list's rows: units with their current report's figures as plain columns."""
    return (
        queries.status_units(user)
        .select_related("region", "industry")
        .annotate(
            current_state=F("status__state"),
            current_on=F("status__reported_on"),
            current_capacity=F("status__capacity_percent"),
            current_staff=F("status__staff_on_site"),
            current_raw=F("status__raw_material_days"),
            current_note=F("status__note"),
        )
        .order_by(F("status__reported_on").asc(nulls_first=True), "region_id", "name", "pk")
    )


def _filtered(request):
    rows = _status_rows(request.user)
    filterset = ProductionStatusFilterSet(request.GET or None, queryset=rows, request=request)
    return filterset.qs if filterset.is_bound else rows


# --- the status list -----------------------------------------------------------------------------


class ProductionListView(ScopedListView):
    """MON-03: every unit of the user's scope with its current production status."""

    model = ProductionReport
    filterset_class = ProductionStatusFilterSet
    template_name = "enterprises/production/list.html"
    partial_template_name = "enterprises/production/table.html"
    paginate_by = 50

    def get_base_queryset(self):
        return _status_rows(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        ruleset = rule_set.current()
        today = queries.province_today()
        context.update(
            today=today,
            ruleset=ruleset,
            summary=queries.summary(queries.status_units(user), today=today, rules=ruleset),
            stale_days=ruleset["production_stale_days"],
            raw_low=ruleset["production_raw_material_days_low"],
            can_report=can(user, ProductionReport, "add"),
            can_import=can(user, ProductionReport, "import"),
            can_export=can(user, ProductionReport, "export"),
            can_trend=bool(jurisdiction_regions(user, ProductionReport, "view")),
        )
        return context


class ProductionExportView(GrantRequiredMixin, View):
    """MON-03: the filtered status list as .xlsx; audited."""

    permission = (ProductionReport, "export")

    def get(self, request):
        rows = _filtered(request)
        spool = tempfile.TemporaryFile(suffix=".xlsx")
        count = imports_production.export_xlsx(rows, spool)
        actions.record_production_export(
            actor=request.user, rows=count, filters=request.GET.urlencode()
        )
        spool.seek(0)
        filename = f"production-{queries.province_today():%Y%m%d}.xlsx"
        return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX)


# --- reporting -----------------------------------------------------------------------------------


class ProductionReportView(GrantRequiredMixin, View):
    """MON-03: 填报今日生产经营状况 — the unit's admin reports (or corrects) a day's status."""

    permission = (ProductionReport, "add")
    template_name = "enterprises/production/report_form.html"

    def units(self):
        return queries.units_for(self.request.user, "add").order_by("name", "pk")

    def render_form(self, form, unit, status=200):
        today = queries.province_today()
        filed = None
        if unit is not None:
            filed = (
                ProductionReport.objects.visible_to(self.request.user, "view")
                .filter(enterprise=unit, reported_on=today)
                .first()
            )
        context = {
            "form": form,
            "unit": unit,
            "today": today,
            "filed_today": filed,
            "backfill_days": rule_set.current()["production_backfill_days"],
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        units = self.units()
        raw = request.GET.get("unit", "")
        unit = units.filter(pk=int(raw)).first() if raw.isdigit() else units.first()
        if unit is None:
            raise Http404
        today = queries.province_today()
        initial = {"enterprise": unit.pk, "reported_on": today}
        # start from the unit's latest report: most days only a few figures change
        latest = (
            ProductionReport.objects.visible_to(request.user, "view")
            .filter(enterprise=unit)
            .order_by("-reported_on")
            .first()
        )
        if latest is not None:
            initial.update({name: getattr(latest, name) for name in actions.REPORT_FIELDS})
            if latest.reported_on != today:
                initial["note"] = ""
        form = ProductionReportForm(units=units, initial=initial)
        return self.render_form(form, unit)

    def post(self, request):
        units = self.units()
        form = ProductionReportForm(request.POST, units=units)
        unit = form.cleaned_data["enterprise"] if form.is_valid() else None
        if unit is None:
            return self.render_form(form, units.first(), status=422)
        data = form.cleaned_data
        before = (
            ProductionReport.objects.visible_to(request.user, "view")
            .filter(enterprise=unit, reported_on=data["reported_on"])
            .exists()
        )
        try:
            actions.report_production(
                unit,
                actor=request.user,
                reported_on=data["reported_on"],
                state=data["state"],
                capacity_percent=data["capacity_percent"],
                staff_on_site=data["staff_on_site"],
                raw_material_days=data["raw_material_days"],
                note=data["note"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
            return self.render_form(form, unit, status=422)
        messages.success(
            request,
            _("已更正 %(day)s 的生产经营状况。") % {"day": data["reported_on"].isoformat()}
            if before
            else _("已填报 %(day)s 的生产经营状况。") % {"day": data["reported_on"].isoformat()},
        )
        return redirect("enterprises:production_unit", unit.pk)


# --- import on behalf of units -------------------------------------------------------------------


class ProductionImportView(GrantRequiredMixin, View):
    """MON-03: an HQ office or a department enters units' reports from a file, all rows or
    none, with a row-by-row error report on the page and as a download."""

    permission = (ProductionReport, "import")
    template_name = "enterprises/production/import.html"

    def context(self, form, **extra):
        return {
            "form": form,
            "backfill_days": rule_set.current()["production_backfill_days"],
            **extra,
        }

    def get(self, request):
        return render(request, self.template_name, self.context(ImportForm()))

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, self.context(form), status=422)
        upload = form.cleaned_data["file"]
        try:
            counts = actions.import_production_reports(
                upload.read(), upload.name, actor=request.user
            )
        except ImportRefused as exc:
            errors = [e.as_dict() for e in exc.row_errors]
            context = self.context(
                form,
                refused=exc.messages[0],
                errors=errors,
                rows=exc.rows,
                report=signing.dumps(errors, salt=REPORT_SALT, compress=True),
            )
            return render(request, self.template_name, context, status=422)
        messages.success(
            request,
            _("导入完成：新填报 %(created)d 条，更正 %(corrected)d 条，未变 %(unchanged)d 条。")
            % counts,
        )
        return redirect("enterprises:production_list")


class ProductionImportTemplateView(GrantRequiredMixin, View):
    """The .xlsx import template with its instructions sheet."""

    permission = (ProductionReport, "import")

    def get(self, request):
        response = HttpResponse(imports_production.template_xlsx(), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="production-import-template.xlsx"'
        return response


@method_decorator(require_POST, name="dispatch")
class ProductionImportReportView(GrantRequiredMixin, View):
    """The error report of a refused import as .xlsx; the page hands the report back signed, so
    nothing is kept on the server between the upload and the download."""

    permission = (ProductionReport, "import")

    def post(self, request):
        try:
            errors = signing.loads(request.POST.get("report", ""), salt=REPORT_SALT)
        except signing.BadSignature:
            raise Http404 from None
        response = HttpResponse(imports.error_report_xlsx(errors), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="production-import-errors.xlsx"'
        return response


# --- trends ----------------------------------------------------------------------------------------


class ProductionTrendView(GrantRequiredMixin, TemplateView):
    """MON-03: a region's production over the last days, and its child regions' status now."""

    permission = (ProductionReport, "view")
    template_name = "enterprises/production/trend.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        region = queries.jurisdiction_region(user, self.request.GET.get("region"))
        days = _days(self.request)
        today = queries.province_today()
        ruleset = rule_set.current()
        trend = queries.region_trend(user, region, days=days, today=today)
        units = queries.status_units(user)
        rows = queries.child_rows(units, region, today=today, rules=ruleset)
        reachable = jurisdiction_regions(user, ProductionReport, "view")
        labels = dict(ProductionState.choices)
        context.update(
            region=region,
            days=days,
            day_choices=sorted({7, 14, 28, 60, 90, days}),
            today=today,
            ruleset=ruleset,
            trend=trend,
            children=[row for row in rows if row.region.code != region.code],
            rows=rows,
            own=queries.summary(queries.in_region(units, region.code), today=today, rules=ruleset),
            stale_days=ruleset["production_stale_days"],
            raw_low=ruleset["production_raw_material_days_low"],
            ancestors=[
                a for a in region.ancestors() if any(a.code.startswith(r.code) for r in reachable)
            ],
            chart={
                "days": [d.day.strftime("%m-%d") for d in trend],
                "operating": [d.operating for d in trend],
                "partial": [d.partial for d in trend],
                "suspended": [d.suspended for d in trend],
                "capacity": [float(d.capacity) if d.capacity is not None else None for d in trend],
                "staff": [d.staff for d in trend],
                "labels": {
                    "operating": str(labels[ProductionState.OPERATING]),
                    "partial": str(labels[ProductionState.PARTIAL]),
                    "suspended": str(labels[ProductionState.SUSPENDED]),
                    "capacity": _("平均产能利用率（%）"),
                    "staff": _("在岗人数"),
                    "units": _("单位数"),
                },
            },
        )
        return context


class ProductionUnitView(ScopedDetailView):
    """MON-03: one unit's reports over time, as a chart and a table."""

    permission = (ProductionReport, "view")
    template_name = "enterprises/production/unit.html"
    context_object_name = "unit"

    def get_queryset(self):
        return queries.units_for(self.request.user, "view").select_related("region", "industry")

    def get_days(self):
        return _days(self.request)

    def chart_id(self) -> str:
        return "unit-trend"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        days = self.get_days()
        today = queries.province_today()
        reports = list(queries.unit_reports(user, unit, days=days, today=today))
        current = (
            ProductionReport.objects.visible_to(user, "view")
            .filter(enterprise=unit, is_current=True)
            .first()
        )
        labels = dict(ProductionState.choices)
        context.update(
            days=days,
            today=today,
            chart_id=self.chart_id(),
            chart_data_id=f"{self.chart_id()}-data",
            reports=list(reversed(reports)),
            current=current,
            raw_low=rule_set.current()["production_raw_material_days_low"],
            can_report=can(user, ProductionReport, "add")
            and queries.units_for(user, "add").filter(pk=unit.pk).exists(),
            chart={
                "days": [r.reported_on.strftime("%m-%d") for r in reports],
                "capacity": [r.capacity_percent for r in reports],
                "staff": [r.staff_on_site for r in reports],
                "states": [r.state for r in reports],
                "stateLabels": {k: str(v) for k, v in labels.items()},
                "labels": {"capacity": _("产能利用率（%）"), "staff": _("在岗人数")},
            },
        )
        return context


class ProductionPanelView(ProductionUnitView):
    """The unit page's production panel (HTMX): the current status and the last two weeks."""

    template_name = "enterprises/production/panel.html"

    def get_days(self):
        return UNIT_PANEL_DAYS

    def chart_id(self) -> str:
        return f"production-panel-chart-{self.object.pk}"


urlpatterns = [
    path("production/", ProductionListView.as_view(), name="production_list"),
    path("production/export/", ProductionExportView.as_view(), name="production_export"),
    path("production/report/", ProductionReportView.as_view(), name="production_report"),
    path("production/import/", ProductionImportView.as_view(), name="production_import"),
    path(
        "production/import/template.xlsx",
        ProductionImportTemplateView.as_view(),
        name="production_import_template",
    ),
    path(
        "production/import/report.xlsx",
        ProductionImportReportView.as_view(),
        name="production_import_report",
    ),
    path("production/trend/", ProductionTrendView.as_view(), name="production_trend"),
    path("<int:pk>/production/", ProductionUnitView.as_view(), name="production_unit"),
    path("<int:pk>/production/panel/", ProductionPanelView.as_view(), name="production_panel"),
]
