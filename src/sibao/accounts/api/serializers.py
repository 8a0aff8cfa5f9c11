from rest_framework import serializers

from sibao.accounts.models import RoleGrant, User


class RoleGrantSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = RoleGrant
        fields = [
            "id",
            "role",
            "region",
            "industry",
            "department",
            "enterprise",
            "is_active",
            "granted_at",
        ]


class UserSerializer(serializers.ModelSerializer):
    """Phones are masked here; the clear value is only behind the audited unmask action."""

    phone = serializers.CharField(source="phone_masked", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True, allow_null=True)
    grants = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "phone",
            "region",
            "enterprise",
            "is_active",
            "grants",
        ]

    def get_grants(self, user) -> list[dict]:
        active = [g for g in user.grants.all() if g.is_active]
        return RoleGrantSerializer(active, many=True).data
