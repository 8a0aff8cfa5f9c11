"""Pages of the cadres area (DEM-06): a liaison cadre's own units (我的包保企业) with their open
demands, overdue orders and closures awaiting the unit's rating, each with the items behind it;
the office's assignments of cadres to the whitelisted units of its region (包保干部); and the
panel on the unit's page naming its cadres. Writes go through ``workorders.actions.cadres``;
scoped reads through ``visible_to`` (``queries_cadres``)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from openpyxl import Workbook

from sibao.accounts.access import has_any_grant
from sibao.core.generic import FilteredListView, GrantRequiredMixin
from sibao.core.tabular import workbook_response
from sibao.enterprises.models import Enterprise, WhitelistStatus
from sibao.workorders import queries_cadres as queries
from sibao.workorders.actions import cadres as actions
from sibao.workorders.filtersets_cadres import UnitCadreFilterSet
from sibao.workorders.forms_cadres import AssignCadreForm
from sibao.workorders.models import Demand, WorkOrder


def _url(name, *args) -> str:
    """A page of another area, or "" while that area has not landed yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


class CadreRequiredMixin(GrantRequiredMixin):
    """Only users holding a liaison_cadre grant (others: 403)."""

    def get_permission(self):
        return None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not queries.is_cadre(request.user):
            if has_any_grant(request.user):
                raise PermissionDenied(_("只有包保干部可以访问此页面。"))
        return super().dispatch(request, *args, **kwargs)


class ManagerRequiredMixin(GrantRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and has_any_grant(request.user):
            if not actions.may_manage_cadres(request.user):
                raise PermissionDenied(_("只有指挥部办公室或系统管理员可以管理包保干部。"))
        return super().dispatch(request, *args, **kwargs)


# --- the cadre's own page ---


class MyUnitsView(CadreRequiredMixin, TemplateView):
    """DEM-06: the cadre's units with tier, open demands, overdue orders and to-rate closures;
    the most overdue orders listed below, each linking to its order."""

    template_name = "workorders/cadres_my_units.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        rows = queries.overview(user, now=now)
        ids = [row.unit.pk for row in rows]
        overdue = (
            WorkOrder.objects.visible_to(user, "view")
            .filter(queries.overdue_orders_q(now), enterprise_id__in=ids)
            .select_related("demand", "department", "enterprise")
            .order_by("due_at", "id")[:20]
        )
        create = _url("workorders:demand_create")
        for row in rows:
            row.create_url = f"{create}?enterprise={row.unit.pk}" if create else ""
        context.update(
            rows=rows,
            overdue=list(overdue),
            now=now,
            totals={
                "units": len(rows),
                "open": sum(r.open_demands for r in rows),
                "overdue": sum(r.overdue_orders for r in rows),
                "to_rate": sum(r.to_rate for r in rows),
            },
        )
        return context


ITEM_KINDS = {
    "open": gettext_lazy("未办结诉求"),
    "overdue": gettext_lazy("超期工单"),
    "rate": gettext_lazy("待评价的销号诉求"),
}


class MyUnitItemsView(CadreRequiredMixin, FilteredListView):
    """DEM-06: the items behind one count of the cadre's page (one unit, one kind)."""

    template_name = "workorders/cadres_unit_items.html"
    partial_template_name = "workorders/cadres_unit_items_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        user = self.request.user
        self.unit = get_object_or_404(queries.units_of(user), pk=self.kwargs["pk"])
        self.kind = self.kwargs["kind"]
        if self.kind not in ITEM_KINDS:
            raise Http404(_("未知的列表类型。"))
        if self.kind == "overdue":
            return (
                WorkOrder.objects.visible_to(user, "view")
                .filter(queries.overdue_orders_q(timezone.now()), enterprise=self.unit)
                .select_related("demand", "department")
                .order_by("due_at", "id")
            )
        q = queries.open_demands_q() if self.kind == "open" else queries.to_rate_q()
        return (
            Demand.objects.visible_to(user, "view")
            .filter(q, enterprise=self.unit)
            .order_by("-submitted_at", "-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            unit=self.unit,
            kind=self.kind,
            kind_label=ITEM_KINDS[self.kind],
            kinds=ITEM_KINDS,
            now=timezone.now(),
        )
        return context


# --- the office's assignments ---


def _grants_by_unit(unit_ids) -> dict[int, list]:
    found: dict[int, list] = {}
    for grant in queries.assignments().filter(enterprise_id__in=unit_ids).order_by("granted_at"):
        found.setdefault(grant.enterprise_id, []).append(grant)
    return found


def _listed_units(user):
    return (
        Enterprise.objects.visible_to(user, "view")
        .filter(whitelist_entry__status=WhitelistStatus.LISTED)
        .select_related("region", "whitelist_entry")
        .order_by("region_id", "name", "id")
    )


class CadreAssignmentsView(ManagerRequiredMixin, FilteredListView):
    """DEM-06: the whitelisted units of the office's region with their cadres; assign and
    remove cadres; search by unit, credit code or cadre."""

    model = Enterprise
    filterset_class = UnitCadreFilterSet
    template_name = "workorders/cadres_assignments.html"
    partial_template_name = "workorders/cadres_assignments_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return _listed_units(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = list(context["object_list"])
        grants = _grants_by_unit([u.pk for u in rows])
        for unit in rows:
            unit.cadre_grants = grants.get(unit.pk, [])
            unit.can_assign = actions.may_assign(user, unit)
        units = _listed_units(user)
        covered = units.filter(pk__in=queries.assignments().values("enterprise_id")).count()
        context.update(
            rows=rows,
            counts={"units": units.count(), "covered": covered},
            form=AssignCadreForm(),
        )
        return context


class CadreAssignmentExportView(ManagerRequiredMixin, View):
    """DEM-06: the assignments of the office's region as an Excel sheet (audited)."""

    def get(self, request):
        units = _listed_units(request.user)
        filterset = UnitCadreFilterSet(request.GET or None, queryset=units, request=request)
        if filterset.is_bound:
            units = filterset.qs
        units = list(units)
        grants = _grants_by_unit([u.pk for u in units])
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("包保干部"))
        header = [_("企业"), _("统一社会信用代码"), _("所在区划"), _("服务层级")]
        sheet.append([*header, _("包保干部"), _("用户名"), _("指定时间")])
        count = 0
        for unit in units:
            base = [unit.name, unit.credit_code, unit.region.full_name, _tier(unit)]
            for grant in grants.get(unit.pk, []) or [None]:
                if grant is None:
                    sheet.append([*base, "", "", ""])
                else:
                    when = timezone.localtime(grant.granted_at).strftime("%Y-%m-%d")
                    cadre = grant.user
                    sheet.append([*base, cadre.full_name or cadre.username, cadre.username, when])
                count += 1
        actions.record_cadre_export(actor=request.user, rows=count, filters=request.GET.urlencode())
        name = f"liaison-cadres-{timezone.localdate():%Y%m%d}.xlsx"
        return workbook_response(workbook, name)


def _tier(unit) -> str:
    entry = getattr(unit, "whitelist_entry", None)
    return str(entry.get_tier_display()) if entry is not None else ""


def _back(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _flash(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


class AssignCadreView(ManagerRequiredMixin, View):
    """POST: name a cadre for one unit (the action checks who may)."""

    def post(self, request, pk):
        unit = get_object_or_404(_listed_units(request.user), pk=pk)
        form = AssignCadreForm(request.POST, actor=request.user)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        else:
            try:
                grant = actions.assign_cadre(
                    unit, form.cleaned_data["username"], actor=request.user
                )
                cadre = grant.user.full_name or grant.user.username
                messages.success(
                    request,
                    _("已指定%(who)s为“%(name)s”的包保干部。") % {"who": cadre, "name": unit.name},
                )
            except ValidationError as exc:
                _flash(request, exc)
        return redirect(_back(request, reverse("workorders:cadre_assignments")))


class UnassignCadreView(ManagerRequiredMixin, View):
    """POST: end one assignment."""

    def post(self, request, pk):
        units = _listed_units(request.user).values("pk")
        grant = get_object_or_404(queries.assignments().filter(enterprise__in=units), pk=pk)
        try:
            actions.unassign_cadre(grant, actor=request.user)
            messages.success(request, _("包保关系已解除。"))
        except ValidationError as exc:
            _flash(request, exc)
        return redirect(_back(request, reverse("workorders:cadre_assignments")))


# --- the panel on the unit's page ---


class UnitCadresPanelView(GrantRequiredMixin, View):
    """DEM-06: the unit's liaison cadres (masked phones) on its page; 404 out of scope."""

    def get(self, request, pk):
        unit = get_object_or_404(Enterprise.objects.visible_to(request.user, "view"), pk=pk)
        grants = _grants_by_unit([unit.pk]).get(unit.pk, [])
        manage_url = ""
        if actions.may_assign(request.user, unit) and actions.may_manage_cadres(request.user):
            manage_url = f"{reverse('workorders:cadre_assignments')}?q={unit.credit_code}"
        return render(
            request,
            "workorders/cadres_unit_panel.html",
            {"unit": unit, "grants": grants, "manage_url": manage_url},
        )


urlpatterns = [
    path("units/<int:pk>/cadres-panel/", UnitCadresPanelView.as_view(), name="unit_cadres_panel"),
    path("units/mine/", MyUnitsView.as_view(), name="my_units"),
    path("units/mine/<int:pk>/<slug:kind>/", MyUnitItemsView.as_view(), name="my_unit_items"),
    path("units/cadres/", CadreAssignmentsView.as_view(), name="cadre_assignments"),
    path("units/cadres/export.xlsx", CadreAssignmentExportView.as_view(), name="cadre_export"),
    path("units/<int:pk>/cadres/assign/", AssignCadreView.as_view(), name="cadre_assign"),
    path("cadres/<int:pk>/unassign/", UnassignCadreView.as_view(), name="cadre_unassign"),
]
