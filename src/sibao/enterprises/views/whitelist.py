"""Whitelist pages (WL-05, WL-06, WL-07): the list of whitelisted units and its export, the
whitelist panel of a unit with its history and the department's adjustments, batches, coverage.

Every row comes through ``visible_to``; writes go through ``enterprises.actions``.
"""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from sibao.accounts.access import can, covers
from sibao.core import audit, rules
from sibao.core.generic import GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.enterprises import actions
from sibao.enterprises.filtersets_whitelist import (
    WhitelistBatchFilterSet,
    WhitelistEntryFilterSet,
)
from sibao.enterprises.forms_whitelist import (
    AddUnitForm,
    BatchPublishForm,
    RemoveUnitForm,
    TierForm,
)
from sibao.enterprises.models import (
    Enterprise,
    ServiceTier,
    WhitelistBatch,
    WhitelistChange,
    WhitelistEntry,
    WhitelistStatus,
)
from sibao.enterprises.queries import (
    coverage,
    coverage_candidates,
    coverage_scope,
    jurisdiction_industries,
    jurisdiction_regions,
)
from sibao.regions.models import IndustryDomain, Region

# --- the list and its export ---------------------------------------------------------------------


class WhitelistEntryListView(ScopedListView):
    """WL-05, WL-06: whitelisted (and removed) units in the user's scope, with their tiers."""

    model = WhitelistEntry
    filterset_class = WhitelistEntryFilterSet
    template_name = "enterprises/whitelist/entry_list.html"
    partial_template_name = "enterprises/whitelist/entry_table.html"

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("enterprise__region", "industry")
            .order_by("region_code", "enterprise__name")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_export"] = can(self.request.user, WhitelistEntry, "export")
        return context


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming ``csv``."""

    def write(self, value):
        return value


EXPORT_COLUMNS = (
    "enterprise__name",
    "enterprise__credit_code",
    "region_code",
    "enterprise__region__name",
    "industry__name",
    "tier",
    "status",
    "listed_at",
    "removed_at",
)


class WhitelistExportView(GrantRequiredMixin, View):
    """The filtered whitelist as a CSV file, streamed in chunks; the download is audited."""

    permission = (WhitelistEntry, "export")

    def get(self, request):
        queryset = WhitelistEntry.objects.visible_to(request.user, "export")
        filterset = WhitelistEntryFilterSet(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound:
            queryset = filterset.qs
        rows = queryset.order_by("region_code", "enterprise__name").values_list(*EXPORT_COLUMNS)
        # the audit row sits in the exporter's own jurisdiction (not in a region named by the
        # query string), so that the auditors above the exporter always see it
        reach = jurisdiction_regions(request.user, WhitelistEntry, "export")
        audit.record(
            "whitelist.export",
            actor=request.user,
            note=request.GET.urlencode(),
            region_code=reach[0].code if reach else request.user.region_id or "",
        )
        writer = csv.writer(_Echo())
        header = [
            _("名称"),
            _("统一社会信用代码"),
            _("区划代码"),
            _("区划"),
            _("行业领域"),
            _("服务层级"),
            _("状态"),
            _("纳入时间"),
            _("移出时间"),
        ]
        tiers = dict(ServiceTier.choices)
        statuses = dict(WhitelistStatus.choices)

        def when(value):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

        def lines():
            # the byte-order mark lets spreadsheet programs read the Chinese text as UTF-8
            yield "\ufeff" + writer.writerow(header)
            for (
                name,
                code,
                region,
                region_name,
                industry,
                tier,
                status,
                listed,
                removed,
            ) in rows.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        name,
                        code,
                        region,
                        region_name,
                        industry,
                        tiers.get(tier, tier),
                        statuses.get(status, status),
                        when(listed),
                        when(removed),
                    ]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="whitelist-{stamp}.csv"'
        return response


# --- a unit's whitelist panel and its adjustments --------------------------------------------------


def _panel_context(request, enterprise, **forms):
    user = request.user
    entry = (
        WhitelistEntry.objects.visible_to(user, "view")
        .filter(enterprise=enterprise)
        .select_related("application")
        .first()
    )
    changes = []
    if entry is not None and can(user, WhitelistChange, "view"):
        changes = (
            WhitelistChange.objects.visible_to(user, "view")
            .filter(entry=entry)
            .select_related("actor", "batch")
        )
    can_adjust = not enterprise.merged_into_id and covers(
        user,
        WhitelistEntry,
        "adjust",
        region_code=enterprise.region_id,
        industry=enterprise.industry_id,
        enterprise_id=enterprise.pk,
    )
    context = {
        "enterprise": enterprise,
        "entry": entry,
        "changes": changes,
        "can_adjust": can_adjust,
    }
    if can_adjust:
        if entry is None or not entry.is_listed:
            context["add_form"] = forms.get("add_form") or AddUnitForm(
                initial={"tier": entry.tier if entry else ServiceTier.COUNTY}
            )
        else:
            context["remove_form"] = forms.get("remove_form") or RemoveUnitForm()
            context["tier_form"] = forms.get("tier_form") or TierForm(initial={"tier": entry.tier})
    return context


def _visible_enterprise(request, pk):
    return get_object_or_404(
        Enterprise.objects.visible_to(request.user, "view").select_related("region", "industry"),
        pk=pk,
    )


class WhitelistPanelView(GrantRequiredMixin, View):
    """The whitelist panel of the enterprise page (loaded by HTMX): status, tier, listed date,
    the history of changes and, for the competent department, the adjustment forms."""

    permission = (WhitelistEntry, "view")

    def get(self, request, pk):
        enterprise = _visible_enterprise(request, pk)
        return render(
            request, "enterprises/whitelist/panel.html", _panel_context(request, enterprise)
        )


class _AdjustView(GrantRequiredMixin, View):
    """POST only: run one adjustment; HTMX gets the panel again (with errors, if any), a plain
    form post is sent back to the enterprise page with a message."""

    permission = (WhitelistEntry, "view")
    http_method_names = ["post"]
    form_class = None
    form_name = ""
    success_message = ""

    def get_enterprise_and_entry(self, request, pk):
        raise NotImplementedError

    def perform(self, enterprise, entry, data):
        raise NotImplementedError

    def post(self, request, pk):
        enterprise, entry = self.get_enterprise_and_entry(request, pk)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.perform(enterprise, entry, form.cleaned_data)
            except ValidationError as exc:
                for field, errors in _error_dict(exc).items():
                    form.add_error(field if field in form.fields else None, errors)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("您无权调整该单位的白名单状态。"))
        if form.is_valid() and not form.errors:
            messages.success(request, self.success_message)
            if request.htmx:
                return render(
                    request,
                    "enterprises/whitelist/panel.html",
                    {**_panel_context(request, enterprise), "done": self.success_message},
                )
            return redirect("enterprises:enterprise_detail", enterprise.pk)
        if request.htmx:
            context = _panel_context(request, enterprise, **{self.form_name: form})
            if self.form_name not in context:
                # the form is not on the panel (refused, or the status changed meanwhile)
                context["refused"] = [e for errors in form.errors.values() for e in errors]
            return render(request, "enterprises/whitelist/panel.html", context)
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect("enterprises:enterprise_detail", enterprise.pk)


def _error_dict(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {None: exc.messages}


class WhitelistAddView(_AdjustView):
    """WL-05: the department adds a unit (tier and reason required)."""

    form_class = AddUnitForm
    form_name = "add_form"

    @property
    def success_message(self):
        return _("已将该单位纳入白名单。")

    def get_enterprise_and_entry(self, request, pk):
        return _visible_enterprise(request, pk), None

    def perform(self, enterprise, entry, data):
        actions.add_unit(
            enterprise, actor=self.request.user, tier=data["tier"], reason=data["reason"]
        )


class _EntryAdjustView(_AdjustView):
    def get_enterprise_and_entry(self, request, pk):
        entry = get_object_or_404(
            WhitelistEntry.objects.visible_to(request.user, "view").select_related(
                "enterprise__region", "enterprise__industry"
            ),
            pk=pk,
        )
        return entry.enterprise, entry


class WhitelistRemoveView(_EntryAdjustView):
    """WL-05: the department removes a unit, with the reason."""

    form_class = RemoveUnitForm
    form_name = "remove_form"

    @property
    def success_message(self):
        return _("已将该单位移出白名单。")

    def perform(self, enterprise, entry, data):
        actions.remove_unit(entry, actor=self.request.user, reason=data["reason"])


class WhitelistTierView(_EntryAdjustView):
    """WL-06: the department changes the unit's service tier, with the reason."""

    form_class = TierForm
    form_name = "tier_form"

    @property
    def success_message(self):
        return _("已调整服务层级。")

    def perform(self, enterprise, entry, data):
        actions.set_service_tier(
            entry, actor=self.request.user, tier=data["tier"], reason=data["reason"]
        )


# --- batches -------------------------------------------------------------------------------------


class BatchListView(ScopedListView):
    """WL-05: the published batches of the user's regions and industries."""

    model = WhitelistBatch
    filterset_class = WhitelistBatchFilterSet
    template_name = "enterprises/whitelist/batch_list.html"
    partial_template_name = "enterprises/whitelist/batch_table.html"

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("region", "industry", "published_by")
            .annotate(change_count=Count("changes"))
            .order_by("-published_at", "-id")  # Meta.ordering is dropped by GROUP BY
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_publish"] = can(self.request.user, WhitelistBatch, "publish")
        return context


class BatchDetailView(ScopedDetailView):
    """WL-05: one batch and the additions, removals and tier changes it published."""

    model = WhitelistBatch
    template_name = "enterprises/whitelist/batch_detail.html"
    context_object_name = "batch"

    def get_queryset(self):
        return super().get_queryset().select_related("region", "industry", "published_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["changes"] = (
            WhitelistChange.objects.visible_to(self.request.user, "view")
            .filter(batch=self.object)
            .select_related("enterprise", "actor")
            .order_by("kind", "enterprise__name")
        )
        return context


def pending_changes(user, region, industry):
    """The changes a batch of ``region`` and ``industry`` would publish now (the same filter as
    ``publish_batch``), as far as the user may see them."""
    return (
        WhitelistChange.objects.visible_to(user, "view")
        .filter(batch__isnull=True, industry=industry, region_code__startswith=region.code)
        .select_related("enterprise", "actor")
        .order_by("at", "id")
    )


class BatchPublishView(GrantRequiredMixin, FormView):
    """WL-05: a department publishes the next batch of its region and industry, after a preview
    of the pending changes. Published batches appear on the public page at once."""

    permission = (WhitelistBatch, "publish")
    form_class = BatchPublishForm
    template_name = "enterprises/whitelist/batch_publish.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.regions = jurisdiction_regions(request.user, WhitelistBatch, "publish")
            codes = {}
            for region in self.regions:
                for industry in jurisdiction_industries(
                    request.user, WhitelistBatch, "publish", region.code
                ):
                    codes[industry.code] = industry
            self.industries = sorted(codes.values(), key=lambda i: i.sort_order)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(regions=self.regions, industries=self.industries)
        if self.request.method == "GET" and self.request.GET:
            kwargs["initial"] = self.request.GET.dict()
        return kwargs

    def selection(self, data):
        region = next((r for r in self.regions if r.code == data.get("region")), None)
        industry = next((i for i in self.industries if i.code == data.get("industry")), None)
        if region is None and self.regions:
            region = self.regions[0]
        if industry is None and self.industries:
            industry = self.industries[0]
        return region, industry

    def get_template_names(self):
        if self.request.htmx and self.request.method == "GET":
            return ["enterprises/whitelist/batch_preview.html"]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.request.POST if self.request.method == "POST" else self.request.GET
        region, industry = self.selection(data)
        context["region"], context["industry"] = region, industry
        if region is not None and industry is not None:
            context["pending"] = pending_changes(self.request.user, region, industry)
            context["covered"] = covers(
                self.request.user,
                WhitelistBatch,
                "publish",
                region_code=region.code,
                industry=industry.code,
            )
            context["next_number"] = (
                WhitelistBatch.objects.filter(region=region, industry=industry).count() + 1
            )
        return context

    def form_valid(self, form):
        region = Region.objects.get(pk=form.cleaned_data["region"])
        industry = IndustryDomain.objects.get(pk=form.cleaned_data["industry"])
        try:
            batch = actions.publish_batch(
                region,
                industry,
                actor=self.request.user,
                title=form.cleaned_data["title"],
                note=form.cleaned_data["note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            messages_ = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            for message in messages_:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("已发布“%(title)s”（%(n)s 条变更），公示页面已同步显示。")
            % {"title": batch.title, "n": batch.changes.count()},
        )
        return redirect("enterprises:batch_detail", batch.pk)


# --- coverage ------------------------------------------------------------------------------------


class CoverageView(GrantRequiredMixin, TemplateView):
    """WL-07: coverage of one industry in one region and its child regions, against the rule
    set's target; a chart, drill-down by region, and the candidates that close the gap."""

    permission = (WhitelistEntry, "view")
    template_name = "enterprises/whitelist/coverage.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        region, industry, industries = coverage_scope(
            user, self.request.GET.get("industry"), self.request.GET.get("region")
        )
        ruleset = rules.current()
        rows = coverage(industry, region, ruleset)
        reachable = jurisdiction_regions(user, WhitelistEntry, "view")
        context.update(
            region=region,
            industry=industry,
            industries=industries,
            ruleset=ruleset,
            rows=rows,
            own=rows[0],
            children=rows[1:],
            ancestors=[
                a for a in region.ancestors() if any(a.code.startswith(r.code) for r in reachable)
            ],
            chart={
                "names": [row.region.name for row in rows[1:]],
                "codes": [row.region.code for row in rows[1:]],
                "ratios": [
                    float(row.ratio_pct) if row.ratio_pct is not None else None for row in rows[1:]
                ],
                "target": float(rows[0].target_pct),
                "labels": {
                    "ratio": _("覆盖率（%）"),
                    "target": _("目标"),
                },
            },
            candidates=coverage_candidates(industry, region, ruleset, row=rows[0]),
        )
        return context
