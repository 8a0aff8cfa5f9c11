"""Pages of the common area (DEM-04, "点办理、批处理"): similar open demands while a demand is typed
and on a demand's page, the latest clustering run's clusters by hotness (promote, run now), and
common issues handled as one batch (start, resolve, link demands, send to the policy reserve).
Every write goes through ``workorders.actions.common``; scoped reads through ``visible_to``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from openpyxl import Workbook

from sibao.accounts.access import can
from sibao.core.generic import GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.core.tabular import workbook_response
from sibao.workorders import queries_common as queries
from sibao.workorders.actions import common as actions
from sibao.workorders.filtersets_common import CommonIssueFilterSet
from sibao.workorders.forms_common import NumbersForm, PromoteForm, ReserveForm, ResolveForm
from sibao.workorders.models import (
    CommonIssue,
    Demand,
    DemandCategory,
    DemandCluster,
    IssueStatus,
)


def _flash(request, exc) -> None:
    for message in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, message)


def _flash_form(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


# --- similar demands ---


class SimilarSuggestView(GrantRequiredMixin, View):
    """DEM-04: the intake form's fragment: up to 5 similar open demands of the city while the
    enterprise types (another unit's name only for those who may see its demand)."""

    permission = (Demand, "view")

    def get(self, request):
        text = f"{request.GET.get('title', '')} {request.GET.get('description', '')}".strip()
        rows = []
        if len(text) >= 4:
            region = queries.filing_region(request.user, request.GET.get("enterprise"))
            pairs = actions.similarity.similar_open_demands(
                text, region_code=region, category=request.GET.get("category") or None
            )
            rows = queries.similar_rows(request.user, pairs)
        return render(
            request, "workorders/common_suggest.html", {"rows": rows, "typed": len(text) >= 4}
        )


class DemandSimilarPanelView(GrantRequiredMixin, View):
    """DEM-04: on a demand's page: similar open demands, its common issue, and for the office a
    form to link it to an open common issue of its region."""

    permission = (Demand, "view")

    def get(self, request, pk):
        demand = get_object_or_404(Demand.objects.visible_to(request.user), pk=pk)
        user = request.user
        issue = None
        if demand.common_issue_id:
            issue = demand.common_issue
            issue.is_visible = can(user, CommonIssue, "view", obj=issue)
        issues = []
        if issue is None and demand.is_open:
            issues = [
                i
                for i in CommonIssue.objects.visible_to(user)
                .exclude(status=IssueStatus.RESOLVED)
                .filter(category=demand.category)
                if demand.region_code.startswith(i.region_code) and actions.may_manage(user, i)
            ]
        context = {
            "demand": demand,
            "rows": queries.similar_to_demand(user, demand),
            "issue": issue,
            "issues": issues,
        }
        return render(request, "workorders/common_similar_panel.html", context)


# --- clusters ---


class ClusterListView(GrantRequiredMixin, View):
    """DEM-04: the latest run's clusters by hotness (label, size, units, demands); the office
    promotes one to a common issue or runs the clustering now."""

    permission = (DemandCluster, "view")

    def get(self, request):
        user = request.user
        run = queries.latest_run()
        clusters = []
        if run is not None:
            clusters = list(
                DemandCluster.objects.visible_to(user)
                .filter(run=run)
                .select_related("promoted_to")
                .prefetch_related("demands__enterprise")
                .order_by("-hotness", "id")
            )
        visible = set(
            Demand.objects.visible_to(user)
            .filter(clusters__in=clusters)
            .values_list("pk", flat=True)
        )
        for cluster in clusters:
            cluster.category_label = _category(cluster.category)
            cluster.rows = [(d, d.pk in visible) for d in cluster.demands.all()]
            cluster.can_promote = not cluster.promoted_to_id and actions.may_manage(
                user, cluster.region_code
            )
            if cluster.can_promote:
                cluster.form = PromoteForm(
                    region_code=cluster.region_code,
                    initial={"title": cluster.label.replace("、", "")[:120]},
                    prefix=f"c{cluster.pk}",
                )
        context = {
            "run": run,
            "clusters": clusters,
            "can_run": can(user, CommonIssue, "add"),
        }
        return render(request, "workorders/common_cluster_list.html", context)


class ClusterRunView(GrantRequiredMixin, View):
    permission = (CommonIssue, "add")

    def post(self, request):
        run = actions.run_clustering(actor=request.user)
        messages.success(
            request,
            _("聚类完成：%(demands)s 件诉求，%(clusters)s 个聚类。")
            % {"demands": run.demand_count, "clusters": run.cluster_count},
        )
        return redirect("workorders:cluster_list")


class ClusterPromoteView(GrantRequiredMixin, View):
    permission = (DemandCluster, "view")

    def post(self, request, pk):
        cluster = get_object_or_404(DemandCluster.objects.visible_to(request.user), pk=pk)
        form = PromoteForm(request.POST, region_code=cluster.region_code, prefix=f"c{cluster.pk}")
        if not form.is_valid():
            _flash_form(request, form)
            return redirect("workorders:cluster_list")
        try:
            issue = actions.promote_cluster(
                cluster,
                actor=request.user,
                title=form.cleaned_data["title"],
                department=form.cleaned_data["department"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _flash(request, exc)
            return redirect("workorders:cluster_list")
        messages.success(
            request, _("已转为共性问题，并关联 %(n)s 件诉求。") % {"n": issue.demands.count()}
        )
        return redirect("workorders:issue_detail", issue.pk)


# --- common issues ---


class IssueListView(ScopedListView):
    """DEM-04: the common issues of the jurisdiction, open ones and the hottest first."""

    model = CommonIssue
    filterset_class = CommonIssueFilterSet
    template_name = "workorders/common_issue_list.html"
    partial_template_name = "workorders/common_issue_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("department", "policy_draft")
            .annotate(demand_count=Count("demands"))
            .order_by(*CommonIssue._meta.ordering)
        )


class IssueExportView(GrantRequiredMixin, View):
    permission = (CommonIssue, "view")

    def get(self, request):
        queryset = (
            CommonIssue.objects.visible_to(request.user)
            .select_related("department")
            .annotate(demand_count=Count("demands"))
        )
        filterset = CommonIssueFilterSet(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound:
            queryset = filterset.qs
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("共性问题"))
        sheet.append(
            [_("编号"), _("共性问题"), _("类别"), _("区划"), _("牵头单位"), _("关联诉求")]
            + [_("热度"), _("状态"), _("创建时间"), _("解决时间"), _("批量办理结果")]
        )
        for i in queryset.order_by(*CommonIssue._meta.ordering):
            sheet.append(
                [i.pk, i.title, _category(i.category), i.region_code, str(i.department or "")]
                + [i.demand_count, i.hotness, str(i.get_status_display())]
                + [_when(i.created_at), _when(i.resolved_at), i.resolution]
            )
        name = f"common-issues-{timezone.localdate():%Y%m%d}.xlsx"
        return workbook_response(workbook, name)


def _category(code: str) -> str:
    try:
        return str(DemandCategory(code).label)
    except ValueError:
        return code


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class IssueDetailView(ScopedDetailView):
    """DEM-04: one common issue: its linked demands with their status and the batch actions."""

    model = CommonIssue
    template_name = "workorders/common_issue_detail.html"
    context_object_name = "issue"

    def get_queryset(self):
        return super().get_queryset().select_related("department", "policy_draft", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, issue = self.request.user, self.object
        is_open = issue.status != IssueStatus.RESOLVED
        may_manage = actions.may_manage(user, issue)
        context.update(
            category_label=_category(issue.category),
            demands=list(
                Demand.objects.visible_to(user)
                .filter(common_issue=issue)
                .select_related("enterprise")
                .order_by("submitted_at", "id")
            ),
            hidden_count=Demand.objects.filter(common_issue=issue)
            .exclude(pk__in=Demand.objects.visible_to(user).values("pk"))
            .count(),
            can_start=issue.status == IssueStatus.OPEN and actions.may_handle(user, issue),
            can_resolve=is_open and actions.may_handle(user, issue),
            can_link=is_open and may_manage,
            can_reserve=may_manage and not issue.policy_draft_id,
            resolve_form=ResolveForm(),
            reserve_form=ReserveForm(region_code=issue.region_code),
            link_form=NumbersForm(),
        )
        return context


class _IssuePost(GrantRequiredMixin, View):
    permission = (CommonIssue, "view")
    form_class = None

    def get_form(self, issue):
        return self.form_class(self.request.POST) if self.form_class else None

    def post(self, request, pk):
        issue = get_object_or_404(CommonIssue.objects.visible_to(request.user), pk=pk)
        form = self.get_form(issue)
        if form is not None and not form.is_valid():
            _flash_form(request, form)
        else:
            try:
                self.perform(issue, form.cleaned_data if form is not None else {})
            except (ValidationError, PermissionDenied) as exc:
                _flash(request, exc)
        return redirect("workorders:issue_detail", issue.pk)


def _version(request):
    """The version of the issue the user saw (hidden field), so a stale form gets the conflict."""
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


class IssueStartView(_IssuePost):
    def perform(self, issue, data):
        actions.start_issue(issue, actor=self.request.user, version=_version(self.request))
        messages.success(self.request, _("共性问题已开始批量办理。"))


class IssueResolveView(_IssuePost):
    form_class = ResolveForm

    def perform(self, issue, data):
        actions.resolve_issue(
            issue,
            actor=self.request.user,
            resolution=data["resolution"],
            version=_version(self.request),
        )
        messages.success(self.request, _("共性问题已批量办结，已通知各关联企业核实评价。"))


class IssueReserveView(_IssuePost):
    def get_form(self, issue):
        return ReserveForm(self.request.POST, region_code=issue.region_code)

    def perform(self, issue, data):
        actions.send_to_reserve(
            issue,
            actor=self.request.user,
            department=data["department"],
            proposal=data["proposal"],
        )
        messages.success(self.request, _("已送政策储备。"))


class IssueLinkView(_IssuePost):
    form_class = NumbersForm

    def perform(self, issue, data):
        demands, missing = queries.demands_by_numbers(self.request.user, data["numbers"])
        if missing:
            raise ValidationError(
                _("未找到以下诉求：%(numbers)s") % {"numbers": "、".join(missing)}
            )
        linked = actions.link_demands(issue, demands, actor=self.request.user)
        messages.success(self.request, _("已关联 %(n)s 件诉求。") % {"n": len(linked)})


class IssueUnlinkView(_IssuePost):
    form_class = NumbersForm

    def perform(self, issue, data):
        demands, missing = queries.demands_by_numbers(self.request.user, data["numbers"])
        if missing:
            raise ValidationError(
                _("未找到以下诉求：%(numbers)s") % {"numbers": "、".join(missing)}
            )
        actions.unlink_demands(issue, demands, actor=self.request.user)
        messages.success(self.request, _("已取消关联。"))


# the names ``demand_similar_panel`` and ``similar_suggest`` are used by the intake area
urlpatterns = [
    path(
        "<int:pk>/similar-panel/",
        DemandSimilarPanelView.as_view(),
        name="demand_similar_panel",
    ),
    path("similar/suggest/", SimilarSuggestView.as_view(), name="similar_suggest"),
    path("common/clusters/", ClusterListView.as_view(), name="cluster_list"),
    path("common/clusters/run/", ClusterRunView.as_view(), name="cluster_run"),
    path("common/clusters/<int:pk>/promote/", ClusterPromoteView.as_view(), name="cluster_promote"),
    path("common/issues/", IssueListView.as_view(), name="issue_list"),
    path("common/issues/export.xlsx", IssueExportView.as_view(), name="issue_export"),
    path("common/issues/<int:pk>/", IssueDetailView.as_view(), name="issue_detail"),
    path("common/issues/<int:pk>/start/", IssueStartView.as_view(), name="issue_start"),
    path("common/issues/<int:pk>/resolve/", IssueResolveView.as_view(), name="issue_resolve"),
    path("common/issues/<int:pk>/reserve/", IssueReserveView.as_view(), name="issue_reserve"),
    path("common/issues/<int:pk>/link/", IssueLinkView.as_view(), name="issue_link"),
    path("common/issues/<int:pk>/unlink/", IssueUnlinkView.as_view(), name="issue_unlink"),
]
