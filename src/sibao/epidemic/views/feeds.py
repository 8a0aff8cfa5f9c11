"""Pages of the feeds area: the feed batches received (EPI-02) and one person's 两码一证 looked up
by ID number (EPI-03), both for the health office (and the batches for system administrators)."""

from django.shortcuts import render
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView

from sibao.core import audit
from sibao.core.generic import FilteredListView, GrantRequiredMixin
from sibao.core.personal import person_key
from sibao.epidemic import status
from sibao.epidemic.filtersets_feeds import FeedBatchFilterSet
from sibao.epidemic.forms_feeds import PersonLookupForm
from sibao.epidemic.models import FeedBatch, TestResult


class FeedBatchListView(FilteredListView):
    """EPI-02: feed batches received, newest first, with their counts. Batches carry no
    personal data and belong to no region: whoever may view batches sees all of them."""

    model = FeedBatch
    permission = (FeedBatch, "view")
    filterset_class = FeedBatchFilterSet
    template_name = "epidemic/feeds/batch_list.html"
    partial_template_name = "epidemic/feeds/batch_table.html"

    def get_base_queryset(self):
        return FeedBatch.objects.select_related("source").defer("errors")


class FeedBatchDetailView(GrantRequiredMixin, DetailView):
    """EPI-02: one batch, with each rejected record's position, field and reason."""

    model = FeedBatch
    permission = (FeedBatch, "view")
    template_name = "epidemic/feeds/batch_detail.html"
    context_object_name = "batch"

    def get_queryset(self):
        return FeedBatch.objects.select_related("source", "received_by")


class PersonStatusView(GrantRequiredMixin, View):
    """EPI-03: one person's 两码一证 (health code, itinerary, last test, valid certificate) and
    recent feed events, found by the full ID number. The number is posted (never in a URL),
    turned into the person key and never written back into the page; every lookup is audited,
    because it is a read of sensitive personal data."""

    permission = (TestResult, "view")
    template_name = "epidemic/feeds/person_status.html"

    def get(self, request):
        return render(request, self.template_name, {"form": PersonLookupForm()})

    def post(self, request):
        form = PersonLookupForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=422)
        key = person_key(form.cleaned_data["id_number"])
        overview = status.person_overview(request.user, key, timezone.now())
        first = overview["staff"][0] if overview["staff"] else None
        audit.record(
            "personal_data.lookup",
            actor=request.user,
            obj=overview["status"],
            note="两码一证查询" + ("" if overview["in_reach"] else "（辖区内未找到）"),
            region_code=first.region_code if first else "",
            enterprise_id=first.enterprise_id if first else None,
        )
        return render(
            request,
            self.template_name,
            {"form": PersonLookupForm(), "looked_up": True, **overview},
        )
