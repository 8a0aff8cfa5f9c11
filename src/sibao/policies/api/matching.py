"""API of the matching area (POL-02): the matches in the caller's scope (list, filters,
detail), the explanation of one policy × enterprise pair, and an enterprise's own matches
(the self-check). Reads go through ``visible_to`` and the catalogue's readable policies, like
the pages."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.enterprises.models import Enterprise
from sibao.policies import matching, queries_matching
from sibao.policies.filtersets_matching import PolicyMatchFilterSet
from sibao.policies.models import PolicyMatch


class PolicyMatchSerializer(serializers.ModelSerializer):
    policy_title = serializers.CharField(source="policy.title", read_only=True)
    policy_series = serializers.CharField(source="policy.series", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)

    class Meta:
        model = PolicyMatch
        fields = [
            "id",
            "policy",
            "policy_series",
            "policy_title",
            "enterprise",
            "enterprise_name",
            "credit_code",
            "region_code",
            "industry_id",
            "result",
            "missing",
            "explanation",
            "matched_at",
            "uptake",
        ]
        read_only_fields = fields


ENTERPRISE = OpenApiParameter("enterprise", int, description="enterprise id")


class PolicyMatchViewSet(ScopedReadOnlyViewSet):
    """Policy × enterprise matches in the caller's scope: eligible and possibly eligible pairs
    (and pairs no longer eligible whose uptake had started), with the stored explanation."""

    queryset = PolicyMatch.objects.all()
    serializer_class = PolicyMatchSerializer
    filterset_class = PolicyMatchFilterSet

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("policy", "enterprise")
            .order_by("policy_id", "enterprise_id")
        )

    def _id(self, request, name, required=True):
        value = request.query_params.get(name, "")
        if not value:
            if required:
                raise exceptions.ValidationError({name: _("必填。")})
            return None
        if not value.isdigit():
            raise exceptions.ValidationError({name: _("须为编号。")})
        return int(value)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(
        detail=False,
        methods=["get"],
        url_path=r"explain/(?P<policy>[0-9]+)/(?P<enterprise>[0-9]+)",
        url_name="explain",
    )
    def explain(self, request, policy=None, enterprise=None):
        """Why the enterprise is (or is not, or may be) eligible for the policy, evaluated now
        over its current facts: per condition the clause, outcome and the facts read with
        their source and date; ``missing``: what a "possibly" enterprise would need."""
        policy = queries_matching.readable_policies_for_api(request.user, int(policy))
        unit = get_object_or_404(
            Enterprise.objects.visible_to(request.user, "view"), pk=int(enterprise)
        )
        return Response(matching.explain(policy, unit))

    @extend_schema(parameters=[ENTERPRISE], responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def mine(self, request):
        """The self-check of one enterprise (the caller's own unit, or ``enterprise`` in an
        official's jurisdiction): every active policy that applies where it is registered,
        grouped eligible / possible / ineligible, each with its explanation."""
        enterprise_id = self._id(request, "enterprise", required=False)
        if enterprise_id is None:
            units = queries_matching.own_units(request.user)
            if not units:
                raise exceptions.ValidationError({"enterprise": _("请指定企业。")})
            unit = units[0]
        else:
            unit = get_object_or_404(
                Enterprise.objects.visible_to(request.user, "view").active(), pk=enterprise_id
            )
        groups = queries_matching.self_check(unit, request.user)
        out = {"enterprise": unit.pk, "enterprise_name": unit.name}
        for key, answers in groups.items():
            out[key] = [
                {
                    **{k: v for k, v in a.items() if k not in ("policy_obj", "match")},
                    "policy_title": a["policy_obj"].title,
                    "match": a["match"].pk if a["match"] is not None else None,
                    "uptake": a["match"].uptake if a["match"] is not None else None,
                }
                for a in answers
            ]
        return Response(out)
