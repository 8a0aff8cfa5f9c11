"""Pages of the emergency area: the joint-office view of regions in emergency (CMD-01), a region's
page with its units and switch history, the switch itself with its confirmation, the closed-loop
units and each unit's loop page with its plan and daily loop reports (CMD-02), and the city-supply
staff of a unit (CMD-06). Every write goes through ``command.actions``; every scoped read through
``visible_to``."""

import csv
import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from sibao.accounts.access import allowing_grants, covers, prefix_range
from sibao.command import actions
from sibao.command import queries_emergency as queries
from sibao.command.filtersets_emergency import EmergencySwitchFilterSet, LoopStatusFilterSet
from sibao.command.forms_emergency import (
    CitySupplyForm,
    LoopPlanForm,
    LoopReportForm,
    SwitchForm,
)
from sibao.command.models import (
    CitySupplyAssignment,
    EmergencySwitch,
    LoopMode,
    LoopPlan,
    LoopReport,
    LoopStatus,
    RegionState,
    RegionStatus,
)
from sibao.core import audit
from sibao.core import rules as rule_set
from sibao.core.generic import GrantRequiredMixin, ScopedListView
from sibao.enterprises.models import Enterprise
from sibao.enterprises.queries import is_whitelisted, jurisdiction_regions
from sibao.epidemic import compliance
from sibao.epidemic.models import StaffCategory, StaffMember
from sibao.regions.models import Region, RegionLevel

SWITCH_TARGETS = {"emergency": RegionStatus.EMERGENCY, "normal": RegionStatus.NORMAL}


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _own_units(user, model, action: str) -> list[int]:
    return sorted(
        g.enterprise_id
        for g in allowing_grants(user, model._meta.label_lower, action)
        if g.enterprise_id
    )


class UnitAdminRedirectMixin:
    """Region pages: a user whose grants reach single units only is taken to its unit's loop."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not jurisdiction_regions(
            request.user, LoopStatus, "view"
        ):
            units = _own_units(request.user, LoopStatus, "view")
            if units:
                return redirect("command:emergency_loop", units[0])
        return super().dispatch(request, *args, **kwargs)


def switchable_regions(user) -> list[Region]:
    """The cities and counties ``user`` may switch, by code."""
    codes = sorted(
        {
            g.region_id
            for g in allowing_grants(user, RegionState._meta.label_lower, "switch")
            if not g.enterprise_id
        }
    )
    if not codes:
        return []
    q = Q(pk__in=[])
    for code in codes:
        q |= prefix_range("code", code)
    return list(
        Region.objects.filter(q, level__in=[RegionLevel.CITY, RegionLevel.COUNTY]).order_by("code")
    )


def _may_switch(user, region) -> bool:
    return region.level in (RegionLevel.CITY, RegionLevel.COUNTY) and covers(
        user, RegionState, "switch", region_code=region.code
    )


# --- the joint-office view (CMD-01) --------------------------------------------------------------


class EmergencyIndexView(UnitAdminRedirectMixin, GrantRequiredMixin, TemplateView):
    """CMD-01: the joint office (三级指挥部联合办公): the regions in emergency or announced for it,
    with their units in loop, today's loop reports and since when; a switch entry for the HQs
    allowed to switch."""

    permission = (RegionState, "view")
    template_name = "command/emergency_index.html"

    def get(self, request, *args, **kwargs):
        code = (request.GET.get("region") or "").strip()
        if code.isdigit() and len(code) <= 12:
            # the region picker: to the region's page (which checks the jurisdiction)
            return redirect("command:emergency_region", code)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        rows = queries.joint_office_rows(RegionState.objects.visible_to(user, "view"), now)
        for row in rows:
            row.may_switch = _may_switch(user, row.state.region)
        # jurisdictions in emergency through a switched ancestor outside the user's rows
        shown = {row.state.region_id for row in rows}
        inherited = []
        for region in jurisdiction_regions(user, RegionState, "view"):
            status = queries.state_of(region.code, now)
            if status != RegionStatus.NORMAL and region.code not in shown:
                preview = queries.switch_preview(region, now)
                if preview.inherited and preview.in_force.region_id not in shown:
                    inherited.append(preview)
        context.update(
            now=now,
            rows=rows,
            inherited=inherited,
            totals={
                "emergency": sum(1 for r in rows if r.status == RegionStatus.EMERGENCY),
                "pending": sum(1 for r in rows if r.status == RegionStatus.PENDING),
                "in_loop": sum(r.units_in_loop for r in rows),
                "upcoming": sum(r.units_pending for r in rows),
                "reported_today": sum(r.reported_today for r in rows),
            },
            switchable=switchable_regions(user),
        )
        return context


class RegionView(GrantRequiredMixin, TemplateView):
    """A region's emergency page: its state now, who put it there, its whitelisted units with
    their loop, and the history of switches. Outside the user's jurisdiction: 404."""

    permission = (RegionState, "view")
    template_name = "command/emergency_region.html"

    def get_region(self) -> Region:
        region = get_object_or_404(Region, code=self.kwargs["code"])
        if not covers(self.request.user, RegionState, "view", region_code=region.code):
            raise Http404
        return region

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        region = self.get_region()
        preview = queries.switch_preview(region, now)
        units = (
            Enterprise.objects.visible_to(user, "view")
            .filter(prefix_range("region_id", region.code))
            .filter(is_whitelisted())
            .select_related("region", "industry")
            .order_by("region_id", "name")
        )
        page = Paginator(units, 50).get_page(self.request.GET.get("page"))
        loops = {
            loop.enterprise_id: loop
            for loop in queries.with_report_figures(
                LoopStatus.objects.filter(
                    enterprise__in=[u.pk for u in page.object_list], ended_at__isnull=True
                ),
                now,
            )
        }
        for unit in page.object_list:
            unit.loop = loops.get(unit.pk)
            unit.loop_phase = queries.loop_phase(unit.loop, now) if unit.loop else ""
        history = queries.region_history(region)
        own = RegionState.objects.filter(region=region).select_related("last_switch").first()
        may_switch = _may_switch(user, region)
        context.update(
            region=region,
            preview=preview,
            own_state=own,
            own_status=queries.effective_status(own, now) if own else RegionStatus.NORMAL,
            page_obj=page,
            units=page.object_list,
            history=Paginator(history, 20).get_page(self.request.GET.get("hpage")),
            may_switch=may_switch,
            can_switch_on=may_switch and preview.status == RegionStatus.NORMAL,
            can_switch_off=may_switch
            and own is not None
            and not preview.inherited
            and preview.status != RegionStatus.NORMAL,
            breadcrumbs=[r for r in region.ancestors() if r.level != RegionLevel.PROVINCE],
        )
        return context


class SwitchView(RegionView):
    """CMD-01: the one-action switch, with its confirmation: how many whitelisted units go into
    closed loop (or leave it), when it takes effect; a reason is required."""

    template_name = "command/emergency_switch.html"

    def get_permission(self):
        return (RegionState, "switch")

    def dispatch(self, request, *args, **kwargs):
        if kwargs.get("to") not in SWITCH_TARGETS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_region(self) -> Region:
        region = get_object_or_404(Region, code=self.kwargs["code"])
        if not covers(self.request.user, RegionState, "switch", region_code=region.code):
            raise Http404
        return region

    def get_context_data(self, **kwargs):
        now = timezone.now()
        region = self.get_region()
        target = SWITCH_TARGETS[self.kwargs["to"]]
        preview = queries.switch_preview(region, now)
        return {
            **kwargs,
            "view": self,
            "region": region,
            "preview": preview,
            "target": target,
            "to": self.kwargs["to"],
            "effective_at": now + datetime.timedelta(hours=preview.notice_hours),
            "form": kwargs.get("form") or SwitchForm(),
            "breadcrumbs": [r for r in region.ancestors() if r.level != RegionLevel.PROVINCE],
        }

    def post(self, request, *args, **kwargs):
        region = self.get_region()
        form = SwitchForm(request.POST)
        if form.is_valid():
            action = (
                actions.switch_to_emergency
                if self.kwargs["to"] == "emergency"
                else actions.switch_to_normal
            )
            try:
                outcome = action(region, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                (messages.success if outcome.changed else messages.info)(request, outcome.message)
                return redirect("command:emergency_region", region.code)
        return render(request, self.template_name, self.get_context_data(form=form))


class SwitchListView(ScopedListView):
    """CMD-01: the history of switches in the user's jurisdiction."""

    model = EmergencySwitch
    filterset_class = EmergencySwitchFilterSet
    template_name = "command/emergency_switches.html"
    partial_template_name = "command/emergency_switches_table.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("region", "switched_by", "headquarters")


# --- closed loops (CMD-02) -----------------------------------------------------------------------


class LoopListView(UnitAdminRedirectMixin, ScopedListView):
    """CMD-02: the units in closed loop (open periods by default), with their daily reports."""

    model = LoopStatus
    filterset_class = LoopStatusFilterSet
    template_name = "command/emergency_loops.html"
    partial_template_name = "command/emergency_loops_table.html"

    def get_base_queryset(self):
        queryset = super().get_base_queryset().select_related("enterprise", "enterprise__region")
        if "open" not in self.request.GET:
            queryset = queryset.filter(ended_at__isnull=True)
        return queries.with_report_figures(queryset).order_by("region_code", "enterprise__name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        for loop in context["object_list"]:
            loop.phase = queries.loop_phase(loop, now)
            loop.missing = queries.missing_report_dates(loop, now)
        context["can_export"] = bool(
            allowing_grants(self.request.user, "enterprises.enterprise", "export")
        )
        return context


class _Echo:
    def write(self, value):
        return value


class LoopExportView(GrantRequiredMixin, View):
    """CMD-02: the filtered closed-loop units as CSV (unit data only, no personal data); audited."""

    permission = (Enterprise, "export")

    def get(self, request):
        if not allowing_grants(request.user, "command.loopstatus", "view"):
            raise Http404
        now = timezone.now()
        queryset = LoopStatus.objects.visible_to(request.user, "view").select_related(
            "enterprise", "enterprise__region"
        )
        queryset = queryset.filter(
            enterprise__in=Enterprise.objects.visible_to(request.user, "export")
        )
        if "open" not in request.GET:
            queryset = queryset.filter(ended_at__isnull=True)
        filterset = LoopStatusFilterSet(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound:
            queryset = filterset.qs
        queryset = queries.with_report_figures(queryset).order_by("region_code", "enterprise__name")
        regional = sorted(
            (
                g.region_id
                for g in allowing_grants(request.user, "enterprises.enterprise", "export")
            ),
            key=len,
        )
        audit.record(
            "emergency.loops_export",
            actor=request.user,
            note=request.GET.urlencode(),
            region_code=regional[0] if regional else "",
        )
        writer = csv.writer(_Echo())
        header = [
            _("单位"),
            _("统一社会信用代码"),
            _("所在区划"),
            _("闭环模式"),
            _("进入闭环"),
            _("解除闭环"),
            _("最近日报"),
            _("今日已报"),
            _("缺报天数"),
        ]

        def rows():
            yield "\ufeff" + writer.writerow(header)
            for loop in queryset.iterator(chunk_size=500):
                yield writer.writerow(
                    [
                        loop.enterprise.name,
                        loop.enterprise.credit_code,
                        loop.enterprise.region.full_name,
                        loop.get_mode_display(),
                        timezone.localtime(loop.started_at).strftime("%Y-%m-%d %H:%M"),
                        timezone.localtime(loop.ended_at).strftime("%Y-%m-%d %H:%M")
                        if loop.ended_at
                        else "",
                        loop.last_report.isoformat() if loop.last_report else "",
                        _("是") if loop.reported_today else _("否"),
                        len(queries.missing_report_dates(loop, now)),
                    ]
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="closed-loops-{stamp}.csv"'
        return response


class UnitMixin(GrantRequiredMixin):
    """A page about one unit the user sees (another jurisdiction's unit: 404)."""

    def get_unit(self) -> Enterprise:
        if not hasattr(self, "_unit"):
            self._unit = get_object_or_404(
                Enterprise.objects.visible_to(self.request.user, "view").select_related(
                    "region", "industry"
                ),
                pk=self.kwargs["pk"],
            )
        return self._unit

    def unit_context(self, unit) -> dict:
        user = self.request.user
        return {
            "unit": unit,
            "can_plan": covers(
                user, LoopPlan, "change", region_code=unit.region_id, enterprise_id=unit.pk
            ),
            "can_report": covers(
                user, LoopReport, "add", region_code=unit.region_id, enterprise_id=unit.pk
            ),
            "can_supply": covers(
                user,
                CitySupplyAssignment,
                "view",
                region_code=unit.region_id,
                enterprise_id=unit.pk,
            ),
        }


class UnitLoopView(UnitMixin, TemplateView):
    """CMD-02: a unit's loop page: the region's state, its current loop, its plan (mode default
    from its industry), its daily loop reports with missing days flagged."""

    permission = (LoopStatus, "view")
    template_name = "command/emergency_loop.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        unit = self.get_unit()
        loops = LoopStatus.objects.visible_to(user, "view").filter(enterprise=unit)
        current = loops.filter(ended_at__isnull=True).select_related("switch").first()
        reports = (
            LoopReport.objects.visible_to(user, "view")
            .filter(enterprise=unit)
            .select_related("filed_by")
        )
        plan = LoopPlan.objects.visible_to(user, "view").filter(enterprise=unit).first()
        missing = queries.missing_report_dates(current, now) if current else []
        today = timezone.localtime(now).date()
        context.update(self.unit_context(unit))
        context.update(
            now=now,
            region_status=queries.state_of(unit.region_id, now),
            current=current,
            phase=queries.loop_phase(current, now) if current else "",
            past=loops.exclude(ended_at__isnull=True)[:20],
            plan=plan,
            default_mode=LoopMode(actions.default_loop_mode(unit)),
            reports=Paginator(reports, 30).get_page(self.request.GET.get("page")),
            missing=missing,
            reported_today=reports.filter(report_date=today).exists(),
            whitelisted=Enterprise.objects.filter(pk=unit.pk).filter(is_whitelisted()).exists(),
        )
        return context


class UnitFormView(UnitMixin, TemplateView):
    """A form about one unit; the action decides and its errors land on the form."""

    form_class = None

    def initial(self, unit) -> dict:
        return {}

    def render_form(self, form):
        unit = self.get_unit()
        context = {"view": self, "form": form, **self.unit_context(unit), **self.extra(unit)}
        return render(self.request, self.template_name, context)

    def extra(self, unit) -> dict:
        return {}

    def get(self, request, *args, **kwargs):
        return self.render_form(self.form_class(initial=self.initial(self.get_unit())))

    def post(self, request, *args, **kwargs):
        unit = self.get_unit()
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.save(unit, form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                return redirect("command:emergency_loop", unit.pk)
        return self.render_form(form)


class LoopPlanView(UnitFormView):
    """CMD-02: the unit declares its closed-loop plan (mode, dormitories, routes, headcount)."""

    permission = (LoopPlan, "change")
    form_class = LoopPlanForm
    template_name = "command/emergency_plan.html"

    def initial(self, unit):
        plan = LoopPlan.objects.filter(enterprise=unit).first()
        if plan is None:
            return {"mode": actions.default_loop_mode(unit), "headcount": unit.employees or None}
        return {
            "mode": plan.mode,
            "headcount": plan.headcount,
            "dormitories": plan.dormitories,
            "routes": plan.routes,
            "note": plan.note,
        }

    def extra(self, unit):
        return {"default_mode": LoopMode(actions.default_loop_mode(unit))}

    def save(self, unit, data):
        actions.save_loop_plan(unit, actor=self.request.user, **data)
        messages.success(self.request, _("闭环管理方案已保存。"))


class LoopReportView(UnitFormView):
    """CMD-02: the unit files its daily loop report (once per day, while in loop)."""

    permission = (LoopReport, "add")
    form_class = LoopReportForm
    template_name = "command/emergency_report.html"

    def initial(self, unit):
        plan = LoopPlan.objects.filter(enterprise=unit).first()
        return {
            "report_date": timezone.localdate(),
            "in_loop": plan.headcount if plan else None,
            "outside": 0,
            "breaches": 0,
            "producing": True,
        }

    def extra(self, unit):
        now = timezone.now()
        current = LoopStatus.objects.filter(enterprise=unit, ended_at__isnull=True).first()
        return {
            "current": current,
            "phase": queries.loop_phase(current, now) if current else "",
            "missing": queries.missing_report_dates(current, now) if current else [],
        }

    def save(self, unit, data):
        actions.file_loop_report(unit, actor=self.request.user, **data)
        messages.success(self.request, _("闭环日报已提交。"))


# --- city-supply staff (CMD-06) ------------------------------------------------------------------


class CitySupplyUnitView(UnitMixin, TemplateView):
    """CMD-06: the unit's city-supply staff (roster category city_supply) with their central
    lodging, fixed work area and point-to-point route; the unassigned ones flagged."""

    permission = (CitySupplyAssignment, "view")
    template_name = "command/emergency_city_supply.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        unit = self.get_unit()
        assignments = CitySupplyAssignment.objects.visible_to(user, "view").filter(enterprise=unit)
        staff = (
            StaffMember.objects.visible_to(user, "view")
            .filter(enterprise=unit, category=StaffCategory.CITY_SUPPLY, is_active=True)
            .annotate(assigned=Exists(CitySupplyAssignment.objects.filter(staff=OuterRef("pk"))))
            .select_related("city_supply")
            .order_by("assigned", "name")
        )
        shown = set(staff.values_list("pk", flat=True))
        # officials who read assignments but not rosters still see the arrangements
        extra = assignments.exclude(staff_id__in=shown).select_related("staff")
        ruleset = rule_set.current()
        scope = compliance.emergency_scope()
        page = Paginator(staff, 50).get_page(self.request.GET.get("page"))
        rows = list(page.object_list)
        for member in rows:
            member.window = compliance.window_for(member, ruleset, scope)
            member.is_overdue = compliance.is_overdue(member, now, ruleset, scope)
        context.update(self.unit_context(unit))
        context.update(
            staff=rows,
            page_obj=page,
            extra=extra,
            can_edit=covers(
                user,
                CitySupplyAssignment,
                "change",
                region_code=unit.region_id,
                enterprise_id=unit.pk,
            ),
            region_status=queries.state_of(unit.region_id, now),
            unassigned=sum(1 for m in rows if not m.assigned),
        )
        return context


class CitySupplyEditView(GrantRequiredMixin, TemplateView):
    """CMD-06: arrange one city-supply worker (the unit's admin)."""

    permission = (CitySupplyAssignment, "change")
    template_name = "command/emergency_city_supply_form.html"

    def get_staff(self) -> StaffMember:
        return get_object_or_404(
            StaffMember.objects.visible_to(self.request.user, "view")
            .filter(category=StaffCategory.CITY_SUPPLY)
            .select_related("enterprise", "city_supply"),
            pk=self.kwargs["pk"],
        )

    def render_form(self, staff, form):
        return render(
            self.request,
            self.template_name,
            {"view": self, "form": form, "member": staff, "unit": staff.enterprise},
        )

    def get(self, request, *args, **kwargs):
        staff = self.get_staff()
        current = getattr(staff, "city_supply", None)
        initial = {}
        if current is not None:
            initial = {
                "service": current.service,
                "lodging": current.lodging,
                "work_area": current.work_area,
                "route": current.route,
            }
        return self.render_form(staff, CitySupplyForm(initial=initial))

    def post(self, request, *args, **kwargs):
        staff = self.get_staff()
        form = CitySupplyForm(request.POST)
        if form.is_valid():
            try:
                actions.save_city_supply(staff, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("已保存 %(name)s 的保供安排。") % {"name": staff.name})
                return redirect("command:emergency_city_supply", staff.enterprise_id)
        return self.render_form(staff, form)


urlpatterns = [
    path("emergency/", EmergencyIndexView.as_view(), name="emergency_index"),
    path("emergency/regions/<str:code>/", RegionView.as_view(), name="emergency_region"),
    path(
        "emergency/regions/<str:code>/switch/<str:to>/",
        SwitchView.as_view(),
        name="emergency_switch",
    ),
    path("emergency/switches/", SwitchListView.as_view(), name="emergency_switches"),
    path("emergency/loops/", LoopListView.as_view(), name="emergency_loops"),
    path(
        "emergency/loops/export/",
        LoopExportView.as_view(),
        name="emergency_loops_export",
    ),
    path(
        "emergency/units/<int:pk>/loop/",
        UnitLoopView.as_view(),
        name="emergency_loop",
    ),
    path(
        "emergency/units/<int:pk>/plan/",
        LoopPlanView.as_view(),
        name="emergency_loop_plan",
    ),
    path(
        "emergency/units/<int:pk>/report/",
        LoopReportView.as_view(),
        name="emergency_loop_report",
    ),
    path(
        "emergency/units/<int:pk>/city-supply/",
        CitySupplyUnitView.as_view(),
        name="emergency_city_supply",
    ),
    path(
        "emergency/city-supply/<int:pk>/",
        CitySupplyEditView.as_view(),
        name="emergency_city_supply_edit",
    ),
]
