from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sibao.enterprises.actions.registry import REGISTRY_FIELDS
from sibao.enterprises.models import Enterprise
from sibao.regions.models import IndustryDomain, Region


class EnterpriseSerializer(serializers.ModelSerializer):
    """A registered unit (WL-01); ``park`` is the park or bonded zone it belongs to (WL-02),
    ``merged_into`` the record that replaced it if it was a duplicate."""

    region = serializers.CharField(source="region_id", read_only=True)
    industry = serializers.CharField(source="industry_id", read_only=True)
    park = serializers.IntegerField(source="park_id", read_only=True, allow_null=True)
    merged_into = serializers.IntegerField(source="merged_into_id", read_only=True, allow_null=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "credit_code",
            "name",
            "kind",
            "region",
            "address",
            "industry",
            "sub_type",
            "is_city_operation",
            "output_value",
            "investment",
            "employees",
            "has_dormitory",
            "has_canteen",
            "park",
            "merged_into",
        ]


class EnterpriseWriteSerializer(serializers.ModelSerializer):
    """Input of create and update: shapes and types only; the registry actions decide scope,
    duplicates and which fields the caller may change."""

    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), help_text=_("县级区划代码")
    )
    industry = serializers.PrimaryKeyRelatedField(
        queryset=IndustryDomain.objects.all(), help_text=_("行业领域代码")
    )
    park = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("所属园区（保税区）的记录编号"),
    )

    class Meta:
        model = Enterprise
        fields = list(REGISTRY_FIELDS)


class MergeSerializer(serializers.Serializer):
    duplicate = serializers.IntegerField(help_text=_("并入本记录的重复记录编号"))
    reason = serializers.CharField(max_length=2000)


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_(".xlsx 或 .csv（UTF-8 或 GBK），列与导入模板一致"))


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True)
    column = serializers.CharField()
    value = serializers.CharField()
    message = serializers.CharField()


class ImportRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    rows = serializers.IntegerField()
    errors = ImportErrorSerializer(many=True)


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
