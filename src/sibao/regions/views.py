from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from sibao.accounts.access import can
from sibao.core.generic import FilteredListView, GrantRequiredMixin
from sibao.enterprises.models import Enterprise
from sibao.regions.filtersets import DepartmentFilterSet, HeadquartersFilterSet
from sibao.regions.models import Department, Headquarters, IndustryDomain, Region


class RegionListView(GrantRequiredMixin, ListView):
    """ORG-01: the province and its cities, each with its county-level units."""

    template_name = "regions/region_list.html"

    def get_queryset(self):
        return Region.objects.filter(level__in=["province", "city"]).annotate(
            child_count=Count("children")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counties = Region.objects.filter(level="county").order_by("code")
        by_parent: dict[str, list] = {}
        for county in counties:
            by_parent.setdefault(county.parent_id, []).append(county)
        context["cities"] = [
            (city, by_parent.get(city.code, []))
            for city in context["object_list"]
            if city.level == "city"
        ]
        context["province"] = next(
            (r for r in context["object_list"] if r.level == "province"), None
        )
        context["county_total"] = sum(1 for c in counties if not c.is_statistical_zone)
        context["zone_total"] = sum(1 for c in counties if c.is_statistical_zone)
        return context


class RegionDetailView(GrantRequiredMixin, DetailView):
    """A region's children and what belongs to it: HQ, departments, enterprises in the user's scope."""

    model = Region
    template_name = "regions/region_detail.html"
    slug_field = "code"
    slug_url_kwarg = "code"

    def get_queryset(self):
        return Region.objects.select_related("parent__parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region = self.object
        context["children"] = region.children.all()
        context["headquarters"] = Headquarters.objects.filter(region=region).first()
        context["departments"] = Department.objects.filter(region=region)
        user = self.request.user
        if can(user, Enterprise, "view"):
            visible = Enterprise.objects.visible_to(user, "view").filter(
                region__code__startswith=region.code
            )
            context["enterprise_count"] = visible.count()
            context["enterprises"] = visible.select_related("industry", "region")[:20]
        return context


class HeadquartersListView(FilteredListView):
    """ORG-02: the HQs of the three levels."""

    model = Headquarters
    filterset_class = HeadquartersFilterSet
    template_name = "regions/headquarters_list.html"

    def get_base_queryset(self):
        return (
            Headquarters.objects.select_related("region")
            .annotate(group_count=Count("working_groups"))
            .order_by("region_id")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(industries=IndustryDomain.objects.all(), **kwargs)


class HeadquartersDetailView(GrantRequiredMixin, DetailView):
    """One HQ: office, working groups with their lead departments, the level's departments."""

    template_name = "regions/headquarters_detail.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Headquarters.objects.select_related("region"), region_id=self.kwargs["code"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        hq = self.object
        context["working_groups"] = hq.working_groups.select_related("lead_department")
        context["departments"] = Department.objects.filter(region=hq.region)
        context["industries"] = IndustryDomain.objects.all()
        return context


class DepartmentListView(FilteredListView):
    """ORG-02: departments of every level, and the industries each is competent for."""

    model = Department
    filterset_class = DepartmentFilterSet
    template_name = "regions/department_list.html"

    def get_base_queryset(self):
        return Department.objects.select_related("region")

    def get_context_data(self, **kwargs):
        return super().get_context_data(industries=IndustryDomain.objects.all(), **kwargs)
