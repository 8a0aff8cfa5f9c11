from rest_framework import serializers

from sibao.enterprises.models import Enterprise


class EnterpriseSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    industry = serializers.CharField(source="industry_id", read_only=True)

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
        ]
