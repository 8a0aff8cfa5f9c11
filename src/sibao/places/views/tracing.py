"""Pages of the tracing area (EPI-07): the tracing jobs of the user's jurisdiction, a new job
(cases by ID number, or the positive person of a sentinel alert), a job's contacts grouped by
unit and team, and the export for the health authority. The health office runs and exports jobs;
the headquarters read them. ID numbers typed into the form are turned into person keys and never
shown again; the export has them in clear only for readers who may unmask (audited)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from openpyxl import Workbook

from sibao.accounts.access import can
from sibao.core import rules
from sibao.core.generic import GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.core.tabular import workbook_response
from sibao.epidemic.models import AlertKind, SentinelAlert
from sibao.places import actions, queries_tracing
from sibao.places.filtersets_tracing import TracingContactFilterSet, TracingJobFilterSet
from sibao.places.forms_tracing import TracingJobForm
from sibao.places.models import TracingContact, TracingJob

CONTACTS_PER_PAGE = 100


class TracingJobListView(ScopedListView):
    """EPI-07: tracing jobs of the user's jurisdiction, newest first."""

    model = TracingJob
    filterset_class = TracingJobFilterSet
    template_name = "places/tracing_list.html"
    partial_template_name = "places/tracing_table.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = can(self.request.user, TracingJob, "add")
        return context


def _positive_alert(request, pk):
    """The positive-result alert named in ``?alert=``, if the user may see it (else 404)."""
    if not str(pk).isdigit():
        raise Http404
    return get_object_or_404(
        SentinelAlert.objects.visible_to(request.user, "view")
        .filter(kind=AlertKind.POSITIVE)
        .select_related("staff", "enterprise"),
        pk=int(pk),
    )


class TracingJobCreateView(GrantRequiredMixin, View):
    """EPI-07: run a tracing job now (the health office); prefilled from a positive alert with
    ``?alert=<id>``."""

    permission = (TracingJob, "add")
    template_name = "places/tracing_form.html"

    def render_form(self, form, alert, status=200):
        context = {"form": form, "alert": alert}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        ruleset = rules.current()
        initial = {
            "window_minutes": ruleset["tracing_window_minutes"],
            "widen": "code",
            "include_secondary": True,
        }
        alert = None
        if request.GET.get("alert"):
            alert = _positive_alert(request, request.GET["alert"])
            initial.update(
                alert=alert.pk,
                case_ref=_("预警%(pk)s") % {"pk": alert.pk},
                reason=_("核酸阳性流调：%(detail)s") % {"detail": alert.detail},
            )
        return self.render_form(TracingJobForm(initial=initial), alert)

    def post(self, request):
        form = TracingJobForm(request.POST)
        alert = None
        if request.POST.get("alert"):
            alert = _positive_alert(request, request.POST["alert"])
        if not form.is_valid():
            return self.render_form(form, alert, status=422)
        data = form.cleaned_data
        try:
            job = actions.run_trace(
                actor=request.user,
                case_id_numbers=form.id_numbers(),
                case_keys=[alert.person_key] if alert else None,
                period_from=data["period_from"],
                period_to=data["period_to"],
                window_minutes=data["window_minutes"],
                widen=data["widen"],
                include_secondary=data["include_secondary"],
                reason=data["reason"],
                case_ref=data["case_ref"],
                alert=alert,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                field = "case_id_numbers" if field == "case_keys" else field
                form.add_error(field if field in form.fields else None, errors)
            return self.render_form(form, alert, status=422)
        messages.success(
            request,
            _("流调完成：密接 %(close)s 人，次密接 %(secondary)s 人，用时 %(ms)s 毫秒。")
            % {"close": job.close_count, "secondary": job.secondary_count, "ms": job.took_ms},
        )
        return redirect("places:tracing_detail", job.pk)


class TracingJobDetailView(ScopedDetailView):
    """EPI-07: one job — what was asked and why, the counts and time taken, contacts per unit,
    and the contacts grouped by unit and team (filterable, paginated)."""

    model = TracingJob
    template_name = "places/tracing_detail.html"
    context_object_name = "job"

    def get_queryset(self):
        return super().get_queryset().select_related("created_by", "alert")

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return ["places/tracing_contacts.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job, user = self.object, self.request.user
        units = queries_tracing.unit_summary(job)
        filterset = TracingContactFilterSet(
            self.request.GET or None,
            queryset=queries_tracing.contacts_queryset(job),
            request=self.request,
            units=[(u["enterprise_id"], u["name"]) for u in units],
        )
        queryset = filterset.qs if filterset.is_bound else filterset.queryset
        page = Paginator(queryset, CONTACTS_PER_PAGE).get_page(self.request.GET.get("page"))
        page.object_list = queries_tracing.decorate(page.object_list, job)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filterset=filterset,
            page_obj=page,
            contacts=page.object_list,
            query_without_page=query.urlencode(),
            cases=list(zip(job.case_keys, job.case_labels, strict=False)),
            can_export=can(user, TracingJob, "export", job),
            can_unmask=can(user, TracingContact, "unmask"),
        )
        if not getattr(self.request, "htmx", False):
            context["units"] = units
        return context


class TracingJobExportView(ScopedDetailView):
    """EPI-07: the job's contacts as .xlsx for the health authority: a sheet describing the job
    and the list unit by unit and team by team. ID number and phone in clear on the rows the
    reader may unmask (from the roster), masked otherwise; audited with both counts."""

    model = TracingJob
    action = "export"

    def get(self, request, *args, **kwargs):
        job = self.get_object()
        clear_ids = set()
        if can(request.user, TracingContact, "unmask"):
            clear_ids = set(
                TracingContact.objects.visible_to(request.user, "unmask")
                .filter(job=job)
                .values_list("pk", flat=True)
            )
        workbook = Workbook(write_only=True)
        about = workbook.create_sheet(_("流调任务"))
        for label, value in _job_lines(job):
            about.append([label, value])
        sheet = workbook.create_sheet(_("密接次密接名单"))
        sheet.append([str(h) for h in queries_tracing.EXPORT_HEADER])
        rows = clear_rows = 0
        for row, clear in queries_tracing.export_rows(job, clear_ids):
            sheet.append(row)
            rows += 1
            clear_rows += clear
        actions.record_tracing_export(job, actor=request.user, rows=rows, clear_rows=clear_rows)
        stem = f"tracing-{job.pk}-{timezone.localdate():%Y%m%d}"
        return workbook_response(workbook, f"{stem}.xlsx")


def _job_lines(job) -> list[tuple[str, str]]:
    def when(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")

    return [
        (_("流调任务"), f"#{job.pk}"),
        (_("病例（事件）编号"), job.case_ref),
        (_("流调事由"), job.reason),
        (_("病例"), "、".join(job.case_labels)),
        (_("追溯期间"), f"{when(job.period_from)} — {when(job.period_to)}"),
        (_("时间窗口（前后，分钟）"), str(job.window_minutes)),
        (_("判定范围"), str(job.get_widen_display())),
        (_("密接人数"), str(job.close_count)),
        (_("次密接人数"), str(job.secondary_count)),
        (_("流调人员"), str(job.created_by) if job.created_by else _("平台自动")),
        (_("创建时间"), when(job.created_at)),
        (_("导出时间"), when(timezone.now())),
    ]


# included by ``places/urls.py`` (names in the ``places`` namespace)
urlpatterns = [
    path("tracing/", TracingJobListView.as_view(), name="tracing_list"),
    path("tracing/new/", TracingJobCreateView.as_view(), name="tracing_create"),
    path("tracing/<int:pk>/", TracingJobDetailView.as_view(), name="tracing_detail"),
    path("tracing/<int:pk>/export.xlsx", TracingJobExportView.as_view(), name="tracing_export"),
]
