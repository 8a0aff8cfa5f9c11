"""Pages anyone may read without signing in (WL-03, WL-05, WL-11): the published selection
standards with their prevention guides, and the published whitelist batches. Only published
data: never a draft, never a change that is not yet in a batch."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.views.generic import ListView, TemplateView

from sibao.core import ratelimit
from sibao.enterprises.models import CriteriaSet, WhitelistBatch
from sibao.enterprises.queries_criteria import (
    batch_changes,
    described,
    public_criteria_set,
    published_batches,
    published_criteria_sets,
    tiers_of,
)
from sibao.enterprises.views.criteria import checklist_by_section
from sibao.regions.models import IndustryDomain


def criteria_card(criteria_set) -> dict:
    criteria = list(criteria_set.criteria.all())
    return {
        "set": criteria_set,
        "criteria": described(criteria),
        "tiers": tiers_of(criteria),
        "sections": checklist_by_section(criteria_set.checklist.all()),
    }


@method_decorator(ratelimit.limit("public"), name="dispatch")
class PublicIndexView(TemplateView):
    """WL-03: the published criteria of every industry, per department, and the latest
    batches."""

    template_name = "enterprises/public/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by_industry = {}
        for criteria_set in published_criteria_sets():
            by_industry.setdefault(criteria_set.industry_id, []).append(criteria_card(criteria_set))
        context["industries"] = [
            (industry, by_industry.get(industry.code, []))
            for industry in IndustryDomain.objects.order_by("sort_order")
        ]
        context["batches"] = published_batches()[:20]
        return context


@method_decorator(ratelimit.limit("public"), name="dispatch")
class PublicCriteriaDetailView(TemplateView):
    """One published version (or one since superseded, marked so)."""

    template_name = "enterprises/public/criteria_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            criteria_set = public_criteria_set(self.kwargs["pk"])
        except CriteriaSet.DoesNotExist:
            raise Http404 from None
        context["card"] = criteria_card(criteria_set)
        return context


@method_decorator(ratelimit.limit("public"), name="dispatch")
class PublicBatchListView(ListView):
    """WL-05: every published batch, newest first."""

    template_name = "enterprises/public/batch_list.html"
    paginate_by = 50

    def get_queryset(self):
        batches = published_batches()
        industry = self.request.GET.get("industry")
        if industry:
            batches = batches.filter(industry_id=industry)
        return batches

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["industries"] = IndustryDomain.objects.order_by("sort_order")
        context["industry"] = self.request.GET.get("industry", "")
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        return context


@method_decorator(ratelimit.limit("public"), name="dispatch")
class PublicBatchDetailView(TemplateView):
    """WL-05: one batch and its changes: unit, credit code, region, industry, tier, change,
    date."""

    template_name = "enterprises/public/batch_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = get_object_or_404(
            WhitelistBatch.objects.select_related("region", "industry"), pk=self.kwargs["pk"]
        )
        context["batch"] = batch
        context["changes"] = batch_changes(batch)
        return context
