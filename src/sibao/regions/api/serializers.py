from rest_framework import serializers

from sibao.regions.models import Department, Headquarters, IndustryDomain, Region, WorkingGroup


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "is_statistical_zone"]


class IndustryDomainSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndustryDomain
        fields = ["code", "name", "competent_department"]


class DepartmentSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "region", "kind", "name"]


class WorkingGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkingGroup
        fields = ["id", "kind", "name", "lead_department"]


class HeadquartersSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    working_groups = WorkingGroupSerializer(many=True, read_only=True)

    class Meta:
        model = Headquarters
        fields = ["id", "region", "name", "office_name", "office_phone", "working_groups"]
