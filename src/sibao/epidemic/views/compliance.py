"""Pages of test compliance (EPI-04) and the electronic sentinel (EPI-10): overdue staff per unit
and region with their export, compliance rates by region with drill-down, alert lists, counts and
the alert page with its assign/close forms, and the enterprise page's panel. The reminder outbox
moved to the platform's outbox page (``core:outbox_list``); its old address redirects there.

Every row comes through ``visible_to``; writes go through ``epidemic.actions``.
"""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import RedirectView, TemplateView

from sibao.accounts.access import allowing_grants, can
from sibao.core import audit, rules
from sibao.core.generic import GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.core.models import OutboxMessage
from sibao.enterprises.models import Enterprise
from sibao.epidemic import actions, compliance, sentinel
from sibao.epidemic.filtersets_compliance import (
    OverdueStaffFilterSet,
    SentinelAlertFilterSet,
)
from sibao.epidemic.forms_compliance import AlertAssignForm, AlertCloseForm
from sibao.epidemic.models import (
    AlertKind,
    AlertStatus,
    PostClass,
    SentinelAlert,
    StaffCategory,
    StaffMember,
)
from sibao.regions.models import Region


def jurisdiction(user, model, action: str, region_code: str | None) -> tuple:
    """``(region, reachable regions)`` for a regional figure: the asked region if some
    region-wide grant reaches it (else 404, as for a missing one), by default the broadest.
    A user whose grants reach single units only gets 403: these are figures of a jurisdiction."""
    grants = [
        g for g in allowing_grants(user, model._meta.label_lower, action) if not g.enterprise_id
    ]
    reach = sorted({g.region_id: g.region for g in grants}.values(), key=lambda r: len(r.code))
    if not reach:
        raise PermissionDenied(_("这是按辖区统计的数据，您的角色无权查看。"))
    if not region_code:
        return reach[0], reach
    if not any(region_code.startswith(r.code) for r in reach):
        raise Http404
    region = Region.objects.filter(pk=region_code).first()
    if region is None:
        raise Http404
    return region, reach


def _ancestors(region, reach) -> list:
    return [a for a in region.ancestors() if any(a.code.startswith(r.code) for r in reach)]


# --- overdue staff (EPI-04) ------------------------------------------------------------------------


class OverdueStaffListView(ScopedListView):
    """EPI-04: staff overdue for their NAT in the user's scope (a unit's admin: the own unit),
    with their window and how long they are overdue; personal data masked."""

    model = StaffMember
    filterset_class = OverdueStaffFilterSet
    template_name = "epidemic/compliance/overdue_list.html"
    partial_template_name = "epidemic/compliance/overdue_table.html"

    def get_base_queryset(self):
        self.now = timezone.now()
        self.ruleset = rules.current()
        self.scope = compliance.emergency_scope()
        return compliance.overdue_staff(
            super().get_base_queryset(), self.now, self.ruleset, self.scope
        ).select_related("enterprise")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for staff in context["object_list"]:
            staff.window_hours = compliance.window_for(staff, self.ruleset, self.scope)
            staff.deadline = compliance.deadline_for(staff, self.ruleset, self.scope)
        context.update(
            ruleset=self.ruleset,
            emergency=self.scope,
            can_export=can(self.request.user, StaffMember, "export"),
            export_query=self.request.GET.urlencode(),
        )
        return context


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming ``csv``."""

    def write(self, value):
        return value


class OverdueStaffExportView(GrantRequiredMixin, View):
    """EPI-04: the filtered overdue list as CSV, streamed; masked personal data only; audited."""

    permission = (StaffMember, "export")

    def get(self, request):
        now, ruleset, scope = timezone.now(), rules.current(), compliance.emergency_scope()
        queryset = compliance.overdue_staff(
            StaffMember.objects.visible_to(request.user, "export"), now, ruleset, scope
        )
        filterset = OverdueStaffFilterSet(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound:
            queryset = filterset.qs
        rows = queryset.values_list(
            "enterprise__name",
            "enterprise__credit_code",
            "enterprise_id",
            "region_code",
            "name",
            "id_masked",
            "phone_masked",
            "category",
            "post_class",
            "team",
            "last_negative_at",
        )
        grants = allowing_grants(request.user, "epidemic.staffmember", "export")
        own_unit = next((g.enterprise_id for g in grants if g.enterprise_id), None)
        regional = sorted((g.region_id for g in grants if not g.enterprise_id), key=len)
        # the audit row sits where the exporter's auditors see it: the exporter's jurisdiction
        audit.record(
            "compliance.overdue_export",
            actor=request.user,
            note=request.GET.urlencode(),
            region_code=regional[0] if regional else (request.user.region_id or ""),
            enterprise_id=None if regional else own_unit,
        )
        writer = csv.writer(_Echo())
        header = [
            _("单位"),
            _("统一社会信用代码"),
            _("区划代码"),
            _("姓名"),
            _("身份证号码"),
            _("手机号码"),
            _("人员类别"),
            _("岗位类别"),
            _("班组"),
            _("最近阴性采样时间"),
            _("检测周期（小时）"),
        ]
        categories, posts = dict(StaffCategory.choices), dict(PostClass.choices)

        def lines():
            # the byte-order mark lets spreadsheet programs read the Chinese text as UTF-8
            yield "\ufeff" + writer.writerow(header)
            for (
                unit,
                credit,
                unit_id,
                region,
                name,
                id_masked,
                phone,
                cat,
                post,
                team,
                last,
            ) in rows.iterator(chunk_size=2000):
                hours = compliance.window_hours(
                    post, in_emergency=scope.covers(region, unit_id), rules=ruleset
                )
                yield writer.writerow(
                    [
                        unit,
                        credit,
                        region,
                        name,
                        id_masked,
                        phone,
                        categories.get(cat, cat),
                        posts.get(post, post),
                        team,
                        timezone.localtime(last).strftime("%Y-%m-%d %H:%M") if last else "",
                        hours,
                    ]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="nat-overdue-{stamp}.csv"'
        return response


class ComplianceRegionView(GrantRequiredMixin, TemplateView):
    """EPI-04: a region's active staff, overdue staff and rates, per child region (drill down to
    counties) and per unit, from the user's jurisdiction. A user whose grants reach single units
    (a unit's admin) sees the same figures for those units only."""

    permission = (StaffMember, "view")
    template_name = "epidemic/compliance/regions.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        now, ruleset, scope = timezone.now(), rules.current(), compliance.emergency_scope()
        staff = StaffMember.objects.visible_to(user, "view")
        regional = any(
            not g.enterprise_id for g in allowing_grants(user, "epidemic.staffmember", "view")
        )
        if regional:
            region, reach = jurisdiction(user, StaffMember, "view", self.request.GET.get("region"))
            rows = compliance.region_rates(staff, region, now, ruleset, scope)
            staff = staff.filter(region_code__startswith=region.code)
            own, children, ancestors = rows[0], rows[1:], _ancestors(region, reach)
        else:
            region, children, ancestors = None, [], []
            counts = compliance.unit_counts(staff, now, ruleset, scope)
            own = compliance.RateRow("", _("本单位"), counts["staff"], counts["overdue"], True)
        units = compliance.unit_rates(staff, now, ruleset, scope)
        # ``?overdue=true``: only the units with overdue staff (what the board's figure counts)
        overdue_only = self.request.GET.get("overdue") == "true"
        if overdue_only:
            units = units.filter(overdue__gt=0)
        page = Paginator(units, self.paginate_by).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        toggle = query.copy()
        toggle.pop("overdue", None)
        if not overdue_only:
            toggle["overdue"] = "true"
        context.update(
            overdue_only=overdue_only,
            overdue_toggle=toggle.urlencode(),
            region=region,
            own=own,
            children=children,
            page_obj=page,
            unit_rows=[compliance.as_unit_row(values) for values in page.object_list],
            query_without_page=query.urlencode(),
            ancestors=ancestors,
            ruleset=ruleset,
            emergency=scope,
        )
        return context


class CompliancePanelView(ScopedDetailView):
    """The enterprise page's panel (HTMX): the unit's overdue staff and open sentinel alerts,
    each shown only to roles that may read them."""

    model = Enterprise
    template_name = "epidemic/compliance/panel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        now, ruleset, scope = timezone.now(), rules.current(), compliance.emergency_scope()
        context["can_staff"] = can(user, StaffMember, "view")
        context["can_alerts"] = can(user, SentinelAlert, "view")
        if context["can_staff"]:
            context["counts"] = compliance.unit_counts(
                StaffMember.objects.visible_to(user, "view").filter(enterprise=unit),
                now,
                ruleset,
                scope,
            )
            context["windows"] = compliance.post_windows(ruleset)
            context["in_emergency"] = scope.covers(unit.region_id, unit.pk)
        if context["can_alerts"]:
            open_alerts = SentinelAlert.objects.visible_to(user, "view").filter(
                enterprise=unit, status=AlertStatus.OPEN
            )
            context["open_alerts"] = list(open_alerts.select_related("staff")[:5])
            context["open_count"] = open_alerts.count()
            context["late_count"] = open_alerts.filter(due_at__lt=now).count()
        return context

    def render_to_response(self, context, **kwargs):
        if not (context["can_staff"] or context["can_alerts"]):
            return HttpResponse("")
        return super().render_to_response(context, **kwargs)


# --- sentinel alerts (EPI-10) ----------------------------------------------------------------------


class AlertListView(ScopedListView):
    """EPI-10: sentinel alerts in the user's scope, open ones with the nearest deadline first."""

    model = SentinelAlert
    filterset_class = SentinelAlertFilterSet
    template_name = "epidemic/compliance/alert_list.html"
    partial_template_name = "epidemic/compliance/alert_table.html"

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("staff", "enterprise", "owner")
            .order_by("status", "due_at", "-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["now"] = timezone.now()
        context["can_count"] = any(
            not g.enterprise_id
            for g in allowing_grants(self.request.user, "epidemic.sentinelalert", "view")
        )
        return context


class AlertCountsView(GrantRequiredMixin, TemplateView):
    """EPI-10: open alerts per kind and region (drill down), past-deadline and closed counts."""

    permission = (SentinelAlert, "view")
    template_name = "epidemic/compliance/alert_counts.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        region, reach = jurisdiction(user, SentinelAlert, "view", self.request.GET.get("region"))
        rows = sentinel.alert_counts(
            SentinelAlert.objects.visible_to(user, "view"), region, timezone.now()
        )
        kinds = list(AlertKind)
        for row in rows:
            row["by_kind"] = [row["open"].get(kind.value, 0) for kind in kinds]
        context.update(
            region=region,
            rows=rows,
            kinds=kinds,
            ancestors=_ancestors(region, reach),
        )
        return context


class AlertDetailView(ScopedDetailView):
    """EPI-10: one alert: the person (masked), the unit, deadline and owner, the reminder sent,
    and the assign and close forms for those who may handle it."""

    model = SentinelAlert
    template_name = "epidemic/compliance/alert_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("staff", "enterprise", "owner", "closed_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, alert = self.request.user, self.object
        may_change = alert.status == AlertStatus.OPEN and can(user, SentinelAlert, "change", alert)
        context["may_change"] = may_change
        if may_change:
            context.setdefault(
                "assign_form",
                AlertAssignForm(
                    owners=sentinel.assignable_users(alert),
                    initial={"owner": alert.owner_id or user.pk},
                ),
            )
            context.setdefault("close_form", AlertCloseForm())
        context["reminders"] = (
            OutboxMessage.objects.visible_to(user, "view").filter(
                dedupe_key=f"sentinel:{alert.dedupe_key}"
            )
            if can(user, OutboxMessage, "view")
            else None
        )
        context["now"] = timezone.now()
        return context


class _AlertFormView(GrantRequiredMixin, View):
    """POST only: a form of the alert page; on an error the page is shown again with it."""

    permission = (SentinelAlert, "change")
    http_method_names = ["post"]

    def alert(self, request, pk):
        return get_object_or_404(SentinelAlert.objects.visible_to(request.user, "view"), pk=pk)

    def show_again(self, request, alert, **forms):
        view = AlertDetailView()
        view.setup(request, pk=alert.pk)
        view.object = alert
        context = view.get_context_data(object=alert, **forms)
        response = view.render_to_response(context)
        response.status_code = 400
        return response


class AlertAssignView(_AlertFormView):
    def post(self, request, pk):
        alert = self.alert(request, pk)
        form = AlertAssignForm(request.POST, owners=sentinel.assignable_users(alert))
        if form.is_valid():
            try:
                actions.assign_alert(alert, actor=request.user, owner=form.cleaned_data["owner"])
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
            else:
                messages.success(request, _("已指派责任人。"))
                return redirect("epidemic:alert_detail", alert.pk)
        return self.show_again(request, alert, assign_form=form)


class AlertCloseView(_AlertFormView):
    def post(self, request, pk):
        alert = self.alert(request, pk)
        form = AlertCloseForm(request.POST)
        if form.is_valid():
            try:
                actions.close_alert(alert, actor=request.user, outcome=form.cleaned_data["outcome"])
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
            else:
                messages.success(request, _("预警已处置。"))
                return redirect("epidemic:alert_detail", alert.pk)
        return self.show_again(request, alert, close_form=form)


# --- reminders ---------------------------------------------------------------------------------


class OutboxRedirectView(GrantRequiredMixin, RedirectView):
    """The reminder outbox's old address: the platform's outbox page (MON-05), filters kept."""

    permission = (OutboxMessage, "view")
    pattern_name = "core:outbox_list"
    query_string = True
