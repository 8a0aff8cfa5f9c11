from sibao.core.generic import ScopedDetailView, ScopedListView
from sibao.enterprises.filtersets import EnterpriseFilterSet
from sibao.enterprises.models import Enterprise


class EnterpriseListView(ScopedListView):
    """WL-01: the registered units in the user's jurisdiction (and industry, for departments)."""

    model = Enterprise
    filterset_class = EnterpriseFilterSet
    template_name = "enterprises/enterprise_list.html"
    partial_template_name = "enterprises/enterprise_table.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("region", "industry")


class EnterpriseDetailView(ScopedDetailView):
    model = Enterprise
    template_name = "enterprises/enterprise_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("region__parent", "industry")
