from rest_framework import serializers

from sibao.core.models import AuditLog


class AuditLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditLog
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "actor_roles",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "note",
            "client_address",
            "region_code",
            "rule_version",
        ]


class RuleParameterSerializer(serializers.Serializer):
    key = serializers.CharField()
    value = serializers.JSONField()
    unit = serializers.CharField()
    source = serializers.CharField()
    label = serializers.CharField()
    group = serializers.CharField()
    version = serializers.IntegerField()


class RuleChangeSerializer(serializers.Serializer):
    value = serializers.JSONField()
    reason = serializers.CharField(max_length=2000)
