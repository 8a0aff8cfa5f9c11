from rest_framework import serializers

from sibao.core.models import AuditLog, OutboxMessage


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
            # the tamper-evident chain (core.auditchain): empty until the row is sealed
            "seq",
            "digest",
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


# --- outbox: messages to phones and other channels (MON-05) ---


class OutboxMessageSerializer(serializers.ModelSerializer):
    """One outbox message with its delivery state; the recipient masked, never in clear (no
    encrypted phone, no person key)."""

    recipient_label = serializers.CharField(
        read_only=True, help_text="接收人：脱敏手机号码或平台用户"
    )

    class Meta:
        model = OutboxMessage
        fields = [
            "id",
            "channel",
            "recipient",
            "recipient_label",
            "phone_masked",
            "subject",
            "body",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "created_at",
            "sent_at",
            "region_code",
            "enterprise_id",
        ]
        read_only_fields = fields


class OutboxCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
