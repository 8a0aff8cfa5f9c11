from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response

from sibao.core import rules
from sibao.core.actions import change_rule_parameter
from sibao.core.api.serializers import (
    AuditLogSerializer,
    RuleChangeSerializer,
    RuleParameterSerializer,
)
from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.core.filtersets import AuditLogFilterSet
from sibao.core.models import AuditLog


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
