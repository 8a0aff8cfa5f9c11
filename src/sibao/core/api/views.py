from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.core import rules
from sibao.core.actions import (
    cancel_outbox_message,
    change_rule_parameter,
    retry_outbox_message,
)
from sibao.core.api.serializers import (
    AuditLogSerializer,
    OutboxCancelSerializer,
    OutboxMessageSerializer,
    RuleChangeSerializer,
    RuleParameterSerializer,
)
from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.core.filtersets import AuditLogFilterSet, OutboxMessageFilterSet
from sibao.core.models import AuditLog, OutboxMessage


class AuditLogViewSet(ScopedReadOnlyViewSet):
    """ORG-05: the audit trail within the caller's jurisdiction."""

    queryset = AuditLog.objects.all()
    serializer_class = AuditLogSerializer
    filterset_class = AuditLogFilterSet


def _parameter_data(parameter, ruleset):
    return {
        "key": parameter.key,
        "value": ruleset[parameter.key],
        "unit": str(parameter.unit),
        "source": parameter.source,
        "label": str(parameter.label),
        "group": str(parameter.group),
        "version": ruleset.version,
    }


class RuleViewSet(viewsets.ViewSet):
    """PLAT-05: the current rule set; changing a parameter makes a new version."""

    lookup_field = "key"
    lookup_value_regex = "[a-z0-9_]+"

    @extend_schema(responses=RuleParameterSerializer(many=True))
    def list(self, request):
        ruleset = rules.current()
        return Response([_parameter_data(p, ruleset) for p in rules.PARAMETERS])

    @extend_schema(responses=RuleParameterSerializer)
    def retrieve(self, request, key=None):
        parameter = rules.BY_KEY.get(key)
        if parameter is None:
            raise Http404
        return Response(_parameter_data(parameter, rules.current()))

    @extend_schema(request=RuleChangeSerializer, responses=RuleParameterSerializer)
    def partial_update(self, request, key=None):
        parameter = rules.BY_KEY.get(key)
        if parameter is None:
            raise Http404
        body = RuleChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        change_rule_parameter(
            key,
            body.validated_data["value"],
            actor=request.user,
            reason=body.validated_data["reason"],
        )
        return Response(_parameter_data(parameter, rules.current()))


# --- outbox: messages to phones and other channels (MON-05) ---


class OutboxMessageViewSet(ScopedReadOnlyViewSet):
    """MON-05: outbox messages in the caller's jurisdiction with their delivery state (health
    office, system administrators), recipients masked. ``retry`` sends a failed message again;
    ``cancel`` withdraws a pending one (both audited)."""

    queryset = OutboxMessage.objects.select_related("recipient")
    serializer_class = OutboxMessageSerializer
    filterset_class = OutboxMessageFilterSet

    def _changeable(self):
        message = self.get_object()
        if not can(self.request.user, OutboxMessage, "change", message):
            raise exceptions.PermissionDenied(_("您的角色不能处理外发消息。"))
        return message

    @extend_schema(request=None, responses=OutboxMessageSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        message = retry_outbox_message(self._changeable(), actor=request.user)
        return Response(OutboxMessageSerializer(message).data)

    @extend_schema(request=OutboxCancelSerializer, responses=OutboxMessageSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        body = OutboxCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        message = cancel_outbox_message(
            self._changeable(), actor=request.user, reason=body.validated_data.get("reason", "")
        )
        return Response(OutboxMessageSerializer(message).data)
