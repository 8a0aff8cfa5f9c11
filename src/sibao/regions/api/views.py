from rest_framework import viewsets

from sibao.regions.api import serializers
from sibao.regions.filtersets import DepartmentFilterSet, HeadquartersFilterSet, RegionFilterSet
from sibao.regions.models import Department, Headquarters, IndustryDomain, Region


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """ORG-01: the Henan region tree (reference data, readable by every user with a grant)."""

    queryset = Region.objects.all()
    serializer_class = serializers.RegionSerializer
    filterset_class = RegionFilterSet
    lookup_field = "code"


class IndustryDomainViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = IndustryDomain.objects.all()
    serializer_class = serializers.IndustryDomainSerializer
    pagination_class = None


class HeadquartersViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Headquarters.objects.prefetch_related("working_groups")
    serializer_class = serializers.HeadquartersSerializer
    filterset_class = HeadquartersFilterSet


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Department.objects.all()
    serializer_class = serializers.DepartmentSerializer
    filterset_class = DepartmentFilterSet
