"""Pages of the incidents area (INC-01, INC-02, INC-04): the incident list (a region's for the
government roles, the own unit's for a unit), a unit's incidents with its zones (only the affected
ones stop) and observation capacity against its plan, the report form, and the incident page with
its step timeline (owner, deadline with countdown or overdue badge, done), the silent periods with
their daily tests, the linked tracing job and contingency plan, and the forms to work it.

Rows come through ``visible_to``; writes through ``command.actions``.
"""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from sibao.accounts.access import allowing_grants, can, covers
from sibao.accounts.roles import Role
from sibao.command import actions
from sibao.command import queries_incidents as queries
from sibao.command.actions.incidents import SKIPPABLE
from sibao.command.filtersets_incidents import IncidentFilterSet
from sibao.command.forms_incidents import ExcludeForm, IncidentOpenForm, NoteForm, StepForm
from sibao.command.models import Incident, IncidentStep, SilentPeriod, StepKind
from sibao.core import audit
from sibao.core.generic import GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.enterprises.models import Enterprise


def may_open(user, enterprise) -> bool:
    """The unit's admin (``add``) or a health office over its region."""
    return covers(
        user, Incident, "add", region_code=enterprise.region_id, enterprise_id=enterprise.pk
    ) or is_health(user, enterprise.region_id)


def is_health(user, region_code: str) -> bool:
    return any(
        g.role == Role.HEALTH_OFFICE and not g.enterprise_id and region_code.startswith(g.region_id)
        for g in allowing_grants(user, "command.incident", "change")
    )


def may_change(user, incident) -> bool:
    return Incident.objects.visible_to(user, "change").filter(pk=incident.pk).exists()


def _openable_units(user):
    """The units the user reports for: those its enterprise-bound grants may add incidents to."""
    ids = [
        g.enterprise_id for g in allowing_grants(user, "command.incident", "add") if g.enterprise_id
    ]
    return Enterprise.objects.filter(pk__in=ids).order_by("name") if ids else []


# --- lists ---------------------------------------------------------------------------------------


class IncidentListView(ScopedListView):
    """INC-01: incidents in the user's scope, active ones first, with open and overdue steps."""

    model = Incident
    filterset_class = IncidentFilterSet
    template_name = "command/incidents_list.html"
    partial_template_name = "command/incidents_table.html"

    def get_base_queryset(self):
        self.now = timezone.now()
        queryset = super().get_base_queryset().select_related("enterprise", "zone", "staff")
        return queries.with_step_figures(queryset, self.now).order_by(
            "closed_at", "-opened_at", "-id"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            now=self.now,
            summary=queries.summary(
                Incident.objects.visible_to(user, "view"),
                SilentPeriod.objects.visible_to(user, "view"),
                self.now,
            ),
            own_units=_openable_units(user),
            export_query=self.request.GET.urlencode(),
        )
        return context


class _Echo:
    def write(self, value):
        return value


class IncidentExportView(GrantRequiredMixin, View):
    """The filtered incident list as CSV (masked personal data only), audited."""

    permission = (Incident, "view")

    def get(self, request):
        now = timezone.now()
        queryset = queries.with_step_figures(
            Incident.objects.visible_to(request.user, "view").select_related(
                "enterprise", "zone", "staff"
            ),
            now,
        ).order_by("closed_at", "-opened_at", "-id")
        filterset = IncidentFilterSet(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound:
            queryset = filterset.qs
        regional = sorted(
            (
                g.region_id
                for g in allowing_grants(request.user, "command.incident", "view")
                if not g.enterprise_id
            ),
            key=len,
        )
        audit.record(
            "command.incident.export",
            actor=request.user,
            note=request.GET.urlencode(),
            region_code=regional[0] if regional else (request.user.region_id or ""),
        )
        writer = csv.writer(_Echo())
        header = [
            _("编号"),
            _("单位"),
            _("区划代码"),
            _("类型"),
            _("状态"),
            _("涉及人员"),
            _("身份证号码"),
            _("涉及区域"),
            _("留观房间"),
            _("发现时间"),
            _("未完成环节"),
            _("超时环节"),
            _("结束时间"),
        ]

        def when(value):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

        def lines():
            yield "\ufeff" + writer.writerow(header)
            for i in queryset.iterator(chunk_size=500):
                yield writer.writerow(
                    [
                        i.pk,
                        i.enterprise.name,
                        i.region_code,
                        i.get_kind_display(),
                        i.get_status_display(),
                        i.staff.name if i.staff else "",
                        i.staff.id_masked if i.staff else "",
                        i.zone.name if i.zone else "",
                        i.observation_room,
                        when(i.opened_at),
                        i.steps_open,
                        i.steps_overdue if i.status != Incident.Status.RESUMED else 0,
                        when(i.closed_at),
                    ]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="incidents-{stamp}.csv"'
        return response


class UnitIncidentsView(ScopedDetailView):
    """INC-01, INC-04: one unit's incidents, its zones (only those an active incident names are
    stopped) and its observation rooms against its contingency plan and staff."""

    model = Enterprise
    permission = (Incident, "view")
    template_name = "command/incidents_unit.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit, now = self.request.user, self.object, timezone.now()
        incidents = queries.with_step_figures(
            Incident.objects.visible_to(user, "view").filter(enterprise=unit), now
        ).select_related("zone", "staff")
        context.update(
            now=now,
            incidents=incidents.order_by("closed_at", "-opened_at", "-id")[:100],
            zones=queries.zone_status(unit),
            capacity=queries.observation_capacity(unit),
            may_open=may_open(user, unit),
        )
        return context


# --- opening -------------------------------------------------------------------------------------


class IncidentCreateView(GrantRequiredMixin, TemplateView):
    """INC-01: a unit (or the local health office) reports a suspected case."""

    permission = (Incident, "view")
    template_name = "command/incidents_form.html"

    def unit(self):
        unit = get_object_or_404(
            Enterprise.objects.visible_to(self.request.user, "view"), pk=self.kwargs["pk"]
        )
        if not may_open(self.request.user, unit):
            raise PermissionDenied(
                _("只有本单位疫情防控专班或属地卫健（疫情防控）部门可以报告事件。")
            )
        return unit

    def form(self, unit, data=None):
        from sibao.epidemic.models import StaffMember
        from sibao.places.models import Zone

        return IncidentOpenForm(
            data,
            staff=StaffMember.objects.filter(enterprise=unit, is_active=True).order_by("name"),
            zones=Zone.objects.filter(enterprise=unit).order_by("kind", "name"),
        )

    def get(self, request, pk):
        unit = self.unit()
        return self.render_to_response(self.context(unit, self.form(unit)))

    def context(self, unit, form):
        return self.get_context_data(
            unit=unit, form=form, capacity=queries.observation_capacity(unit)
        )

    def post(self, request, pk):
        unit = self.unit()
        form = self.form(unit, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident = actions.open_incident(
                    unit,
                    actor=request.user,
                    kind=data["kind"],
                    description=data["description"],
                    staff=data["staff"],
                    zone=data["zone"],
                    observation_room=data["observation_room"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("事件已报告，属地卫健（疫情防控）部门已收到通知。"))
                return redirect("command:incident_detail", incident.pk)
        response = self.render_to_response(self.context(unit, form))
        response.status_code = 400
        return response


def _add_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# --- the incident page ---------------------------------------------------------------------------


class IncidentDetailView(ScopedDetailView):
    """INC-01, INC-02, INC-04: one incident: the step timeline, silent periods with their daily
    tests, the tracing job, the contingency plan and capacity, the forms that work it."""

    model = Incident
    template_name = "command/incidents_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("enterprise", "zone", "staff", "alert", "tracing_job", "opened_by")
        )

    def get_context_data(self, **kwargs):
        from sibao.epidemic.models import StaffMember
        from sibao.places.models import TracingJob

        context = super().get_context_data(**kwargs)
        user, incident, now = self.request.user, self.object, timezone.now()
        changeable = may_change(user, incident)
        health = is_health(user, incident.region_code)
        active = incident.status != Incident.Status.RESUMED
        steps = [
            queries.step_view(s, now) for s in incident.steps.select_related("owner", "done_by")
        ]
        for view in steps:
            view.may_complete = (
                active
                and changeable
                and view.step.done_at is None
                and view.step.kind != StepKind.RESUME
                and (view.side == queries.UNIT or health)
            )
            view.skippable = view.step.kind in SKIPPABLE
        periods = []
        for period in incident.silent_periods.select_related("staff").order_by("starts_on", "pk"):
            period.days = queries.silent_period_days(period, now)
            period.may_end = (
                period.returned_at is None
                and timezone.localdate(now) >= period.ends_on
                and SilentPeriod.objects.visible_to(user, "change").filter(pk=period.pk).exists()
            )
            period.contacts = list(
                StaffMember.objects.filter(
                    enterprise_id=incident.enterprise_id, person_key__in=period.contact_keys
                ).order_by("name")
            )
            periods.append(period)
        job = incident.tracing_job
        if job is None and incident.alert_id:
            job = TracingJob.objects.filter(alert_id=incident.alert_id).order_by("-pk").first()
        retested = any(v.step.kind == StepKind.RETEST and v.step.done_at for v in steps)
        may_exclude = (
            retested
            and actions.INCIDENT_WORKFLOW.find(incident.status, "exclude") is not None
            and covers(
                user,
                SilentPeriod,
                "add",
                region_code=incident.region_code,
                enterprise_id=incident.enterprise_id,
            )
        )
        context.update(
            now=now,
            steps=steps,
            periods=periods,
            tracing_job=job,
            tracing_linked=incident.tracing_job_id is not None,
            can_read_job=job is not None and can(user, TracingJob, "view", job),
            may_trace=active and health and changeable and incident.tracing_job_id is None,
            may_exclude=may_exclude,
            may_confirm=active
            and health
            and actions.INCIDENT_WORKFLOW.find(incident.status, "confirm") is not None,
            may_resume=changeable
            and actions.INCIDENT_WORKFLOW.find(incident.status, "resume") is not None,
            capacity=queries.observation_capacity(incident.enterprise),
            history=self.history(incident),
            step_form=StepForm(),
            note_form=NoteForm(),
        )
        if may_exclude:
            context.setdefault("exclude_form", ExcludeForm(contacts=self.contacts(incident)))
        return context

    @staticmethod
    def history(incident):
        records = list(actions.INCIDENT_WORKFLOW.history(incident).order_by("at", "pk"))
        for record in records:
            try:
                record.target_label = Incident.Status(record.target).label
            except ValueError:
                record.target_label = record.target
        return records

    @staticmethod
    def contacts(incident):
        """Roster rows that may return with an excluded suspect: the unit's active staff, the
        linked tracing job's contacts first (``traced``)."""
        from django.db.models import Exists, OuterRef, Value

        from sibao.epidemic.models import StaffMember
        from sibao.places.models import TracingContact

        staff = StaffMember.objects.filter(enterprise_id=incident.enterprise_id, is_active=True)
        if incident.person_key:
            staff = staff.exclude(person_key=incident.person_key)
        if incident.tracing_job_id:
            traced = Exists(
                TracingContact.objects.filter(
                    job_id=incident.tracing_job_id, person_key=OuterRef("person_key")
                )
            )
        else:
            traced = Value(False)
        return staff.annotate(traced=traced).order_by("-traced", "name")


class _IncidentPost(GrantRequiredMixin, View):
    """POST only: a form of the incident page; on an error the page is shown again with it."""

    permission = (Incident, "view")
    http_method_names = ["post"]

    def incident(self, request, pk):
        return get_object_or_404(Incident.objects.visible_to(request.user, "view"), pk=pk)

    def show_again(self, request, incident, message=None, **forms):
        view = IncidentDetailView()
        view.setup(request, pk=incident.pk)
        view.object = Incident.objects.select_related(
            "enterprise", "zone", "staff", "alert", "tracing_job"
        ).get(pk=incident.pk)
        context = view.get_context_data(object=view.object, error=message, **forms)
        response = view.render_to_response(context)
        response.status_code = 400
        return response

    def run(self, request, incident, call, success):
        try:
            call()
        except ValidationError as exc:
            return self.show_again(request, incident, " ".join(exc.messages))
        messages.success(request, success)
        return redirect("command:incident_detail", incident.pk)


class StepCompleteView(_IncidentPost):
    def post(self, request, pk):
        step = get_object_or_404(
            IncidentStep.objects.filter(
                incident__in=Incident.objects.visible_to(request.user, "view")
            ),
            pk=pk,
        )
        form = StepForm(request.POST)
        if not form.is_valid():
            return self.show_again(request, step.incident, step_form=form)
        data = form.cleaned_data
        return self.run(
            request,
            step.incident,
            lambda: actions.complete_step(
                step,
                actor=request.user,
                note=data["note"],
                not_needed=data["not_needed"],
                room=data["room"],
            ),
            _("“%(step)s”已办结。") % {"step": step.get_kind_display()},
        )


class IncidentTraceView(_IncidentPost):
    def post(self, request, pk):
        incident = self.incident(request, pk)
        return self.run(
            request,
            incident,
            lambda: actions.link_tracing(incident, actor=request.user),
            _("已关联流调任务。"),
        )


class IncidentExcludeView(_IncidentPost):
    def post(self, request, pk):
        incident = self.incident(request, pk)
        form = ExcludeForm(request.POST, contacts=IncidentDetailView.contacts(incident))
        if not form.is_valid():
            return self.show_again(request, incident, exclude_form=form)
        data = form.cleaned_data
        try:
            actions.exclude_suspect(
                incident,
                actor=request.user,
                room=data["room"],
                days=data["days"],
                contact_keys=[s.person_key for s in data["contacts"]],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.show_again(request, incident, exclude_form=form)
        messages.success(request, _("已排除感染风险，进入静默期。"))
        return redirect("command:incident_detail", incident.pk)


class IncidentConfirmView(_IncidentPost):
    def post(self, request, pk):
        incident = self.incident(request, pk)
        form = NoteForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        return self.run(
            request,
            incident,
            lambda: actions.confirm_case(incident, actor=request.user, note=note),
            _("已确认复核阳性，由属地疫情防控部门按流程处置。"),
        )


class IncidentResumeView(_IncidentPost):
    def post(self, request, pk):
        incident = self.incident(request, pk)
        form = NoteForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        return self.run(
            request,
            incident,
            lambda: actions.resume_production(incident, actor=request.user, note=note),
            _("已恢复生产。"),
        )


class SilentPeriodEndView(_IncidentPost):
    def post(self, request, pk):
        period = get_object_or_404(SilentPeriod.objects.visible_to(request.user, "view"), pk=pk)
        incident = Incident.objects.filter(pk=period.incident_id).first()
        if incident is None:
            raise Http404
        return self.run(
            request,
            incident,
            lambda: actions.end_silent_period(period, actor=request.user),
            _("静默期结束，人员及其密接、次密接人员同步返岗。"),
        )


urlpatterns = [
    path("incidents/", IncidentListView.as_view(), name="incident_list"),
    path("incidents/export.csv", IncidentExportView.as_view(), name="incident_export"),
    path("incidents/<int:pk>/", IncidentDetailView.as_view(), name="incident_detail"),
    path("incidents/<int:pk>/trace/", IncidentTraceView.as_view(), name="incident_trace"),
    path("incidents/<int:pk>/exclude/", IncidentExcludeView.as_view(), name="incident_exclude"),
    path("incidents/<int:pk>/confirm/", IncidentConfirmView.as_view(), name="incident_confirm"),
    path("incidents/<int:pk>/resume/", IncidentResumeView.as_view(), name="incident_resume"),
    path(
        "incidents/steps/<int:pk>/complete/",
        StepCompleteView.as_view(),
        name="incident_step_complete",
    ),
    path(
        "incidents/silent-periods/<int:pk>/end/",
        SilentPeriodEndView.as_view(),
        name="silent_period_end",
    ),
    path("units/<int:pk>/incidents/", UnitIncidentsView.as_view(), name="unit_incidents"),
    path("units/<int:pk>/incidents/new/", IncidentCreateView.as_view(), name="incident_create"),
]
