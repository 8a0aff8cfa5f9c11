"""Pages of the units area: daily reports and missing reports (EPI-11), preparedness and the
readiness ranking (EPI-14), sampling houses and subsidies (EPI-15), goods lots and their QR
labels (EPI-16), and the unit panel on the enterprise page. Every write goes through
``epidemic.actions``; every scoped read through ``visible_to``."""

import datetime

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from sibao.accounts.access import allowing_grants, can, covers
from sibao.core import rules as rule_set
from sibao.core.generic import GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.enterprises.models import Enterprise
from sibao.enterprises.queries import jurisdiction_regions
from sibao.epidemic import actions, queries_units, readiness
from sibao.epidemic.filtersets_units import GoodsLotFilterSet
from sibao.epidemic.forms_units import (
    DailyReportForm,
    DeploymentForm,
    DrillForm,
    GoodsLotForm,
    PreparednessForm,
    SamplingHouseForm,
    SubsidyPaidForm,
    ZeroReportForm,
)
from sibao.epidemic.models import (
    DailyReport,
    Drill,
    GoodsLot,
    Preparedness,
    RiskArea,
    SamplingHouse,
    StaffMember,
)
from sibao.regions.models import Region


def _may(user, model, action: str, unit) -> bool:
    return covers(user, model, action, region_code=unit.region_id, enterprise_id=unit.pk)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _flash_errors(request, exc) -> None:
    messages.error(request, "；".join(exc.messages) if hasattr(exc, "messages") else str(exc))


class UnitView(ScopedDetailView):
    """A page about one unit the user sees (another county's unit: 404, as for a missing one);
    ``permission`` names the model the page is about."""

    model = Enterprise
    context_object_name = "unit"

    def get_queryset(self):
        return Enterprise.objects.visible_to(self.request.user, "view").select_related("region")


class UnitFormView(UnitView):
    """A form about one unit; the action decides and its errors land on the form."""

    form_class = None

    def get_initial(self):
        return {}

    def render_form(self, form):
        context = self.get_context_data(object=self.object, form=form)
        return render(self.request, self.template_name, context)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_form(self.form_class(initial=self.get_initial()))

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                return self.form_valid(form)
            except ValidationError as exc:
                _form_errors(form, exc)
        return self.render_form(form)


class RegionPageMixin(GrantRequiredMixin):
    """A region figure (counts, rankings): for roles with a jurisdiction. A unit admin, whose
    grants reach single units only, is sent to the same page of its own unit instead.

    ``?region=`` picks a region inside the jurisdiction (default the broadest); outside it: 404.
    """

    unit_url_name = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            model, action = self.get_permission()
            if not jurisdiction_regions(request.user, model, action):
                unit_ids = [
                    g.enterprise_id
                    for g in allowing_grants(request.user, model._meta.label_lower, action)
                    if g.enterprise_id
                ]
                if unit_ids:
                    return redirect(self.unit_url_name, min(unit_ids))
        return super().dispatch(request, *args, **kwargs)

    def region(self) -> Region:
        model, action = self.get_permission()
        return queries_units.jurisdiction_region(
            self.request.user, model, action, self.request.GET.get("region")
        )

    def units(self, region):
        return Enterprise.objects.visible_to(self.request.user, "view").filter(
            region__code__startswith=region.code
        )

    def breadcrumbs(self, region) -> list[Region]:
        model, action = self.get_permission()
        top = jurisdiction_regions(self.request.user, model, action)
        chain = [*region.ancestors(), region]
        return [r for r in chain if any(r.code.startswith(t.code) for t in top)]


# --- daily reports (EPI-11) ----------------------------------------------------------------------


class DailyReportUnitView(UnitFormView):
    """EPI-11: a unit's daily report page: today's report (the form, or the one-click zero
    report), the state of yesterday's report until its deadline, and the history."""

    permission = (DailyReport, "view")
    form_class = DailyReportForm
    template_name = "epidemic/units/daily_report_unit.html"

    def get_permission(self):
        if self.request.method == "POST":
            return (DailyReport, "add")
        return self.permission

    def _report(self, day):
        return (
            DailyReport.objects.visible_to(self.request.user, "view")
            .filter(enterprise=self.object, report_date=day)
            .first()
        )

    def get_initial(self):
        today = queries_units.province_today()
        current = self._report(today)
        if current is not None:
            return {
                "report_date": today,
                "staff_on_site": current.staff_on_site,
                "symptomatic": current.symptomatic,
                "sent_to_clinic": current.sent_to_clinic,
                "tests_done": current.tests_done,
                "note": current.note,
            }
        return {"report_date": today, "staff_on_site": readiness.staff_count(self.object)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        rules = rule_set.current()
        today = queries_units.province_today()
        yesterday = today - datetime.timedelta(days=1)
        staff = readiness.staff_count(unit)
        tested_today = StaffMember.objects.filter(
            enterprise=unit, is_active=True, last_negative_at__date=today
        ).count()
        history = DailyReport.objects.visible_to(user, "view").filter(enterprise=unit)
        page = Paginator(history.select_related("filed_by"), 30).get_page(
            self.request.GET.get("page")
        )
        context.update(
            today=today,
            today_report=self._report(today),
            yesterday=yesterday,
            yesterday_report=self._report(yesterday),
            yesterday_deadline=queries_units.daily_report_deadline(yesterday, rules),
            yesterday_late=queries_units.deadline_passed(yesterday, rules=rules),
            today_deadline=queries_units.daily_report_deadline(today, rules),
            can_file=_may(user, DailyReport, "add", unit),
            zero_form=ZeroReportForm(
                initial={"report_date": today, "staff_on_site": staff, "tests_done": tested_today}
            ),
            zero_staff=staff,
            zero_tests=tested_today,
            page_obj=page,
            reports=page.object_list,
        )
        return context

    def form_valid(self, form):
        try:
            report = actions.file_daily_report(
                self.object, actor=self.request.user, is_zero_report=False, **form.cleaned_data
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.render_form(form)
        messages.success(
            self.request,
            _("已提交 %(date)s 健康日报。") % {"date": report.report_date.isoformat()},
        )
        return redirect("epidemic:daily_report_unit", self.object.pk)


class ZeroReportView(UnitView):
    """EPI-11: the one-click zero report (零报告) with the counts shown on the button."""

    permission = (DailyReport, "add")
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        unit = self.get_object()
        form = ZeroReportForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("零报告内容不完整，请刷新页面后重试。"))
            return redirect("epidemic:daily_report_unit", unit.pk)
        try:
            actions.file_daily_report(
                unit,
                actor=request.user,
                is_zero_report=True,
                symptomatic=0,
                sent_to_clinic=0,
                note="",
                **form.cleaned_data,
            )
        except (ValidationError, PermissionDenied) as exc:
            _flash_errors(request, exc)
        else:
            messages.success(request, _("已提交零报告。"))
        return redirect("epidemic:daily_report_unit", unit.pk)


class MissingReportsView(RegionPageMixin, TemplateView):
    """EPI-11: for a date and a region, the listed units' reports by child region (listed,
    filed, zero reports, late, missing) with a drill-down, and the units without a report —
    flagged as missing once the deadline has passed."""

    permission = (DailyReport, "view")
    unit_url_name = "epidemic:daily_report_unit"
    template_name = "epidemic/units/missing_reports.html"

    def report_date(self):
        raw = (self.request.GET.get("date") or "").strip()
        today = queries_units.province_today()
        if raw:
            try:
                day = datetime.date.fromisoformat(raw)
            except ValueError:
                day = None
            if day is not None and day <= today:
                return day
            messages.warning(self.request, _("日期无效，已显示昨日。"))
        return today - datetime.timedelta(days=1)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region = self.region()
        day = self.report_date()
        rules = rule_set.current()
        units = self.units(region)
        rows = queries_units.missing_by_region(day, region, units, rules=rules)
        missing = queries_units.units_without_report(day, units).select_related("region")
        page = Paginator(missing.order_by("region_id", "name"), 50).get_page(
            self.request.GET.get("page")
        )
        totals = {
            "listed": sum(r.listed for r in rows),
            "filed": sum(r.filed for r in rows),
            "zero": sum(r.zero for r in rows),
            "late": sum(r.late for r in rows),
        }
        totals["missing"] = totals["listed"] - totals["filed"]
        context.update(
            region=region,
            crumbs=self.breadcrumbs(region),
            report_date=day,
            deadline=queries_units.daily_report_deadline(day, rules),
            deadline_passed=queries_units.deadline_passed(day, rules=rules),
            rows=rows,
            drill_down=any(r.region.code != region.code for r in rows),
            totals=totals,
            page_obj=page,
            missing=page.object_list,
            query_without_page=f"date={day.isoformat()}&region={region.code}",
            extra_query=f"&date={day.isoformat()}",
        )
        return context


# --- preparedness (EPI-14) -----------------------------------------------------------------------


class PreparednessUnitView(UnitFormView):
    """EPI-14: a unit's preparedness: the score card with its breakdown against the rule-set
    norms, the form (for the unit's admin) and the drills."""

    permission = (Preparedness, "view")
    form_class = PreparednessForm
    template_name = "epidemic/units/preparedness_unit.html"

    def get_permission(self):
        if self.request.method == "POST":
            return (Preparedness, "change")
        return self.permission

    def current(self):
        return (
            Preparedness.objects.visible_to(self.request.user, "view")
            .filter(enterprise=self.object)
            .first()
        )

    def get_initial(self):
        row = self.current()
        return readiness.preparedness_values(row) or {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        context.update(
            readiness=readiness.for_unit(unit),
            preparedness=self.current(),
            can_change=_may(user, Preparedness, "change", unit),
            can_add_drill=_may(user, Drill, "add", unit),
            drills=Drill.objects.visible_to(user, "view")
            .filter(enterprise=unit)
            .select_related("recorded_by")[:20],
        )
        return context

    def form_valid(self, form):
        try:
            actions.update_preparedness(self.object, actor=self.request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.render_form(form)
        messages.success(self.request, _("已更新常态常备情况。"))
        return redirect("epidemic:preparedness_unit", self.object.pk)


class DrillAddView(UnitFormView):
    """EPI-14: record a drill or a stress test of the unit."""

    permission = (Drill, "add")
    form_class = DrillForm
    template_name = "epidemic/units/drill_form.html"

    def get_initial(self):
        return {"held_on": queries_units.province_today()}

    def form_valid(self, form):
        actions.record_drill(self.object, actor=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("已登记演练。"))
        return redirect("epidemic:preparedness_unit", self.object.pk)


class ReadinessListView(RegionPageMixin, TemplateView):
    """EPI-14: the listed units of a region ranked by readiness score, weakest first, with the
    items each one misses."""

    permission = (Preparedness, "view")
    unit_url_name = "epidemic:preparedness_unit"
    template_name = "epidemic/units/readiness_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region = self.region()
        rules = rule_set.current()
        today = queries_units.province_today()
        units = readiness.with_readiness_facts(queries_units.listed_units(self.units(region)))
        rows = readiness.ranked(units, today=today, rules=rules)
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        scores = [r.score for _u, r in rows]
        context.update(
            region=region,
            crumbs=self.breadcrumbs(region),
            children=Region.objects.filter(parent=region).order_by("code"),
            rows=page.object_list,
            page_obj=page,
            rank_offset=page.start_index() - 1 if rows else 0,
            average=round(sum(scores) / len(scores), 1) if scores else None,
            below_60=sum(1 for s in scores if s < 60),
            rule_version=rules.version,
            query_without_page=f"region={region.code}",
        )
        return context


# --- sampling houses (EPI-15) --------------------------------------------------------------------


def _house_state(unit, *, rules, today, houses=None):
    houses = (
        houses if houses is not None else SamplingHouse.objects.filter(enterprise=unit).order_by()
    )
    first = min((h.deployed_on for h in houses if h.deployed_on), default=None)
    return queries_units.sampling_house_status(
        staff=readiness.staff_count(unit),
        region=unit.region,
        houses=len(houses),
        first_deployed_on=first,
        today=today,
        rules=rules,
    )


class SamplingHouseUnitView(UnitView):
    """EPI-15: a unit's sampling houses with their subsidy, its obligation (staff against the
    threshold) and its deployment deadline."""

    permission = (SamplingHouse, "view")
    template_name = "epidemic/units/sampling_house_unit.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        houses = list(SamplingHouse.objects.visible_to(user, "view").filter(enterprise=unit))
        rules = rule_set.current()
        today = queries_units.province_today()
        context.update(
            houses=houses,
            state=_house_state(unit, rules=rules, today=today, houses=houses),
            can_add=_may(user, SamplingHouse, "add", unit),
            can_pay=_may(user, SamplingHouse, "change", unit),
            today=today,
            deploy_form=DeploymentForm(initial={"deployed_on": today}),
            paid_form=SubsidyPaidForm(initial={"paid_on": today}),
            rules=rules,
        )
        return context


class SamplingHouseAddView(UnitFormView):
    """EPI-15: register a sampling house the unit bought; the subsidy is computed."""

    permission = (SamplingHouse, "add")
    form_class = SamplingHouseForm
    template_name = "epidemic/units/sampling_house_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rules"] = rule_set.current()
        return context

    def form_valid(self, form):
        house = actions.record_sampling_house(
            self.object, actor=self.request.user, **form.cleaned_data
        )
        messages.success(
            self.request,
            _("已登记核酸采样屋，补贴 %(total)s 元（省级 %(province)s 元，市县 %(local)s 元）。")
            % {
                "total": house.subsidy_total,
                "province": house.subsidy_province,
                "local": house.subsidy_local,
            },
        )
        return redirect("epidemic:sampling_house_unit", self.object.pk)


class _HouseStep(GrantRequiredMixin, View):
    """A POST-only step on one sampling house the user may ``action`` (else 404)."""

    action = "view"
    form_class = None
    http_method_names = ["post"]

    def get_permission(self):
        return (SamplingHouse, self.action)

    def post(self, request, pk):
        house = get_object_or_404(
            SamplingHouse.objects.visible_to(request.user, self.action), pk=pk
        )
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, _("请填写有效日期。"))
        else:
            try:
                self.apply(house, form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                _flash_errors(request, exc)
            else:
                messages.success(request, self.done)
        return redirect("epidemic:sampling_house_unit", house.enterprise_id)


class SamplingHouseDeployView(_HouseStep):
    """EPI-15: the unit records the day its house went into use."""

    action = "add"
    form_class = DeploymentForm
    done = _("已登记投入使用。")

    def apply(self, house, data):
        actions.record_sampling_house_deployment(
            house, actor=self.request.user, deployed_on=data["deployed_on"]
        )


class SamplingHousePaidView(_HouseStep):
    """EPI-15: the HQ office records the subsidy as paid."""

    action = "change"
    form_class = SubsidyPaidForm
    done = _("已登记补贴拨付。")

    def apply(self, house, data):
        actions.mark_subsidy_paid(house, actor=self.request.user, paid_on=data["paid_on"])


class SamplingHouseRegionView(RegionPageMixin, TemplateView):
    """EPI-15: per child region, the units that should own a house, those flagged (none yet)
    and overdue against their area's deadline, and the subsidy (province vs city/county, paid);
    then the flagged and overdue units."""

    permission = (SamplingHouse, "view")
    unit_url_name = "epidemic:sampling_house_unit"
    template_name = "epidemic/units/sampling_house_region.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        region = self.region()
        rules = rule_set.current()
        today = queries_units.province_today()
        children = {c.code: c for c in Region.objects.filter(parent=region).order_by("code")}
        if not children:
            children = {region.code: region}
        table = {
            code: {
                "region": child,
                "required": 0,
                "flagged": 0,
                "overdue": 0,
                "houses": 0,
                "total": 0,
                "province": 0,
                "local": 0,
                "paid": 0,
            }
            for code, child in children.items()
        }

        def child_of(code):
            for length in (len(region.code) + 2, 6):
                if code[:length] in table:
                    return code[:length]
            return None

        urban_cache = {}
        attention = []
        units = queries_units.units_needing_house(self.units(region), rules).select_related(
            "region"
        )
        for unit in units:
            if unit.region_id not in urban_cache:
                urban_cache[unit.region_id] = queries_units.is_main_urban(unit.region)
            state = queries_units.sampling_house_status(
                staff=unit.staff_count,
                region=unit.region,
                houses=unit.houses,
                first_deployed_on=unit.first_deployed_on,
                today=today,
                rules=rules,
            )
            row = table.get(child_of(unit.region_id) or "")
            if row is not None:
                row["required"] += 1
                row["flagged"] += int(state.flagged)
                row["overdue"] += int(state.status == queries_units.HouseStatus.OVERDUE)
            if state.flagged or state.status == queries_units.HouseStatus.OVERDUE:
                attention.append((unit, state))
        houses = SamplingHouse.objects.visible_to(user, "view").filter(
            region_code__startswith=region.code
        )
        sums = (
            houses.order_by()
            .values("region_code")
            .annotate(
                n=Count("pk"),
                total=Sum("subsidy_total"),
                province=Sum("subsidy_province"),
                local=Sum("subsidy_local"),
                paid=Sum("subsidy_total", filter=Q(subsidy_paid_on__isnull=False)),
            )
        )
        for entry in sums:
            row = table.get(child_of(entry["region_code"]) or "")
            if row is None:
                continue
            row["houses"] += entry["n"]
            for key in ("total", "province", "local", "paid"):
                row[key] += entry[key] or 0
        attention.sort(
            key=lambda pair: (pair[1].status != "overdue", pair[0].region_id, pair[0].name)
        )
        context.update(
            region=region,
            crumbs=self.breadcrumbs(region),
            rows=list(table.values()),
            drill_down=region.code not in table,
            totals=queries_units.subsidy_totals(houses),
            attention=attention,
            rules=rules,
            today=today,
        )
        return context


# --- goods (EPI-16) ------------------------------------------------------------------------------


class GoodsLotListView(ScopedListView):
    """EPI-16: goods lots in scope (a unit admin: its own), filtered; lots from a county with a
    risk area on the day they moved are highlighted."""

    model = GoodsLot
    filterset_class = GoodsLotFilterSet
    template_name = "epidemic/units/goods_list.html"
    partial_template_name = "epidemic/units/goods_table.html"

    def get_base_queryset(self):
        return queries_units.goods_with_risk(
            super().get_base_queryset().select_related("enterprise")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        raw = self.request.GET.get("enterprise", "")
        unit = None
        if raw.isdigit():
            unit = Enterprise.objects.visible_to(self.request.user, "view").filter(pk=raw).first()
        context["unit"] = unit
        context["can_add"] = unit is not None and _may(self.request.user, GoodsLot, "add", unit)
        context["own_units"] = [
            g.enterprise
            for g in allowing_grants(self.request.user, "epidemic.goodslot", "add")
            if g.enterprise_id
        ]
        return context


class GoodsLotAddView(UnitFormView):
    """EPI-16: record a lot entering or leaving the unit; its label is printed next."""

    permission = (GoodsLot, "add")
    form_class = GoodsLotForm
    template_name = "epidemic/units/goods_form.html"

    def get_initial(self):
        from django.utils import timezone

        return {
            "moved_at": timezone.localtime().replace(second=0, microsecond=0),
            "direction": "in",
        }

    def form_valid(self, form):
        lot = actions.record_goods_lot(self.object, actor=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("已登记物料，追溯码 %(code)s。") % {"code": lot.code})
        return redirect("epidemic:goods_detail", lot.pk)


class GoodsLotDetailView(ScopedDetailView):
    """EPI-16: one lot (where its QR label leads), with the risk areas of its origin county."""

    model = GoodsLot
    template_name = "epidemic/units/goods_detail.html"
    context_object_name = "lot"

    def get_queryset(self):
        return queries_units.goods_with_risk(super().get_queryset().select_related("enterprise"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lot = self.object
        context["risk_areas"] = (
            RiskArea.objects.filter(
                region_code=lot.origin_region, valid_from__lte=lot.moved_on
            ).exclude(valid_to__lt=lot.moved_on)
            if lot.origin_region
            else []
        )
        return context


def goods_label_svg(request, lot) -> str:
    """The QR code of a lot: a link to the lot's page on this platform."""
    url = request.build_absolute_uri(reverse("epidemic:goods_detail", args=[lot.pk]))
    return segno.make(url, error="m").svg_inline(scale=4)


class GoodsLotLabelView(ScopedDetailView):
    """EPI-16: the printable label of a lot (``?format=svg``: the QR code alone)."""

    model = GoodsLot
    template_name = "epidemic/units/goods_label.html"
    context_object_name = "lot"

    def get_queryset(self):
        return super().get_queryset().select_related("enterprise")

    def render_to_response(self, context, **response_kwargs):
        if self.request.GET.get("format") == "svg":
            url = self.request.build_absolute_uri(
                reverse("epidemic:goods_detail", args=[self.object.pk])
            )
            svg = segno.make(url, error="m").svg_inline(scale=4)
            response = HttpResponse(svg, content_type="image/svg+xml")
            response["Content-Disposition"] = f'inline; filename="{self.object.code}.svg"'
            return response
        return super().render_to_response(context, **response_kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["qr_svg"] = goods_label_svg(self.request, self.object)
        context["lot_url"] = self.request.build_absolute_uri(
            reverse("epidemic:goods_detail", args=[self.object.pk])
        )
        return context


# --- the panel on the enterprise page ------------------------------------------------------------


class UnitsPanelView(UnitView):
    """The enterprise page's epidemic panel (HTMX): today's and yesterday's daily report, the
    readiness score and the sampling-house state."""

    permission = (DailyReport, "view")
    template_name = "epidemic/units/panel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        rules = rule_set.current()
        today = queries_units.province_today()
        yesterday = today - datetime.timedelta(days=1)
        reports = {
            r.report_date: r
            for r in DailyReport.objects.visible_to(user, "view").filter(
                enterprise=unit, report_date__in=[today, yesterday]
            )
        }
        context.update(
            today=today,
            today_report=reports.get(today),
            yesterday=yesterday,
            yesterday_report=reports.get(yesterday),
            yesterday_late=queries_units.deadline_passed(yesterday, rules=rules),
            readiness=readiness.for_unit(unit, rules=rules, today=today)
            if can(user, Preparedness, "view")
            else None,
            house_state=_house_state(unit, rules=rules, today=today)
            if can(user, SamplingHouse, "view")
            else None,
            can_view_goods=can(user, GoodsLot, "view"),
        )
        return context
