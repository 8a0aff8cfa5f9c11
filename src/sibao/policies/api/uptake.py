"""API of the uptake area (POL-03, POL-06): the uptake of matched policies and its transitions
(read, apply, grant, decline, pay, confirm), the rates per policy and per region, the "应享未享"
follow-up tasks and the subsidy calculators with their history. Every write calls the action the
UI calls; every read goes through the same scoped queries."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.core import rules as rule_set
from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.enterprises.models import Enterprise
from sibao.epidemic.queries_units import jurisdiction_region
from sibao.policies import actions, calculators, queries_uptake
from sibao.policies.actions.uptake import UPTAKE_WORKFLOW
from sibao.policies.filtersets_uptake import (
    FollowUpFilterSet,
    SubsidyCalculationFilterSet,
    UptakeFilterSet,
)
from sibao.policies.models import FollowUpTask, PolicyMatch, SubsidyCalculation
from sibao.policies.queries_catalogue import readable_policies

# --- uptake ---------------------------------------------------------------------------------------


class UptakeSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    policy_title = serializers.CharField(source="policy.title", read_only=True)
    route = serializers.CharField(source="policy.route", read_only=True)
    next_steps = serializers.SerializerMethodField(
        help_text="The transitions the caller's roles allow from the current progress."
    )

    class Meta:
        model = PolicyMatch
        fields = [
            "id",
            "policy",
            "policy_title",
            "route",
            "enterprise",
            "enterprise_name",
            "region_code",
            "result",
            "missing",
            "explanation",
            "uptake",
            "notified_at",
            "applied_at",
            "granted_amount",
            "granted_at",
            "paid_at",
            "received_at",
            "next_steps",
        ]
        read_only_fields = fields

    def get_next_steps(self, match) -> list[str]:
        user = self.context["request"].user
        return UPTAKE_WORKFLOW.actions_from(match.uptake, user.roles())


class HistorySerializer(serializers.Serializer):
    action = serializers.CharField()
    source = serializers.CharField()
    target = serializers.CharField()
    actor_name = serializers.CharField()
    note = serializers.CharField()
    at = serializers.DateTimeField()


class ApplySerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    facts = serializers.DictField(
        required=False,
        help_text="For a 'possible' match: attribute key -> value for each missing attribute.",
    )


class GrantSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class UptakeReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class UptakeNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class UptakeViewSet(ScopedReadOnlyViewSet):
    """Matches and their uptake in the caller's scope (an enterprise: its own; a department:
    its industries' enterprises and every match of its own department line's policies), with
    the transitions as POST actions."""

    queryset = PolicyMatch.objects.all()
    serializer_class = UptakeSerializer
    filterset_class = UptakeFilterSet

    def get_queryset(self):
        return (
            queries_uptake.handleable(self.request.user, "view")
            .select_related("policy", "enterprise")
            .order_by("policy_id", "enterprise_id")
        )

    def _step(self, request, serializer_class, run):
        match = self.get_object()
        data = {}
        if serializer_class is not None:
            body = serializer_class(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
        match = run(match, data)
        return Response(self.get_serializer(match).data)

    @extend_schema(responses=HistorySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # the whole history, unpaged
    def history(self, request, pk=None):
        match = self.get_object()
        rows = UPTAKE_WORKFLOW.history(match).order_by("at", "id")
        return Response(HistorySerializer(rows, many=True).data)

    @extend_schema(request=None, responses=UptakeSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        return self._step(request, None, lambda m, d: actions.read_match(m, actor=request.user))

    @extend_schema(request=ApplySerializer, responses=UptakeSerializer)
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        return self._step(
            request,
            ApplySerializer,
            lambda m, d: actions.apply_match(
                m, actor=request.user, facts=d.get("facts"), note=d.get("note", "")
            ),
        )

    @extend_schema(request=GrantSerializer, responses=UptakeSerializer)
    @action(detail=True, methods=["post"])
    def grant(self, request, pk=None):
        return self._step(
            request,
            GrantSerializer,
            lambda m, d: actions.grant_match(
                m, actor=request.user, amount=d.get("amount"), reason=d.get("reason", "")
            ),
        )

    @extend_schema(request=UptakeReasonSerializer, responses=UptakeSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._step(
            request,
            UptakeReasonSerializer,
            lambda m, d: actions.decline_match(m, actor=request.user, reason=d["reason"]),
        )

    @extend_schema(request=UptakeNoteSerializer, responses=UptakeSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        return self._step(
            request,
            UptakeNoteSerializer,
            lambda m, d: actions.pay_match(m, actor=request.user, note=d.get("note", "")),
        )

    @extend_schema(request=None, responses=UptakeSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._step(
            request, None, lambda m, d: actions.confirm_receipt(m, actor=request.user)
        )


# --- rates ----------------------------------------------------------------------------------------


class FunnelSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The policy id, or the region code.")
    label = serializers.CharField()
    eligible = serializers.IntegerField()
    possible = serializers.IntegerField()
    notified = serializers.IntegerField()
    applied = serializers.IntegerField()
    granted = serializers.IntegerField()
    declined = serializers.IntegerField()
    paid = serializers.IntegerField()
    received = serializers.IntegerField()
    unredeemed = serializers.IntegerField()
    expected_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    granted_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    paid_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    received_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    rate_by_count = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    rate_by_amount = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)


def _funnel_data(funnel) -> dict:
    data = funnel.as_dict()
    data.pop("policy", None)
    data.pop("region", None)
    data.pop("own", None)
    data.pop("task", None)
    data.pop("received_rated", None)
    return data


REGION = OpenApiParameter("region", OpenApiTypes.STR, description="Region code (default: yours)")
POLICY = OpenApiParameter("policy", OpenApiTypes.INT, description="One policy (by region only)")


class UptakeRateViewSet(viewsets.ViewSet):
    """The uptake funnel and redemption rates: per policy (``list``) and per child region of a
    region (``regions``). Redemption rate = received ÷ eligible (by count) and Σ granted amount
    of the received ÷ Σ expected amount over the eligible (by amount), in %."""

    def _region(self, request):
        if not can(request.user, PolicyMatch, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))
        return jurisdiction_region(
            request.user, PolicyMatch, "view", request.query_params.get("region")
        )

    @extend_schema(parameters=[REGION], responses=FunnelSerializer(many=True))
    def list(self, request):
        region = self._region(request)
        funnels = queries_uptake.rates_by_policy(
            request.user, region_code=region.code, policies=readable_policies(request.user)
        )
        return Response([_funnel_data(f) for f in funnels])

    @extend_schema(parameters=[REGION, POLICY], responses=FunnelSerializer(many=True))
    @action(detail=False, methods=["get"])
    def regions(self, request):
        region = self._region(request)
        policy = None
        if request.query_params.get("policy"):
            policy = get_object_or_404(
                readable_policies(request.user), pk=request.query_params["policy"]
            )
        funnels = queries_uptake.rates_by_region(request.user, region, policy=policy)
        return Response([_funnel_data(f) for f in funnels])


# --- follow-ups -----------------------------------------------------------------------------------


class FollowUpSerializer(serializers.ModelSerializer):
    policy_title = serializers.CharField(source="policy.title", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = FollowUpTask
        fields = [
            "id",
            "policy",
            "policy_title",
            "department",
            "department_name",
            "region_code",
            "enterprise_count",
            "due_on",
            "status",
            "outcome",
            "created_at",
            "closed_at",
            "overdue",
        ]
        read_only_fields = fields


class FollowUpCreateSerializer(serializers.Serializer):
    policy = serializers.IntegerField()
    region_code = serializers.CharField(max_length=12)


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=2000)


class FollowUpViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """应享未享 follow-up tasks: list (``overdue`` flagged), create from a policy and a region,
    close with an outcome."""

    queryset = FollowUpTask.objects.all()
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilterSet

    def get_queryset(self):
        return queries_uptake.follow_ups(self.request.user).order_by("status", "due_on", "id")

    @extend_schema(request=FollowUpCreateSerializer, responses=FollowUpSerializer)
    def create(self, request, *args, **kwargs):
        body = FollowUpCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        policy = get_object_or_404(
            readable_policies(request.user), pk=body.validated_data["policy"]
        )
        task = actions.create_follow_up(
            policy, actor=request.user, region_code=body.validated_data["region_code"]
        )
        task = self.get_queryset().get(pk=task.pk)
        return Response(self.get_serializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OutcomeSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        task = self.get_object()
        body = OutcomeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actions.close_follow_up(task, actor=request.user, outcome=body.validated_data["outcome"])
        return Response(self.get_serializer(self.get_queryset().get(pk=task.pk)).data)


# --- calculators ----------------------------------------------------------------------------------


class SubsidyCalculationSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, default="")

    class Meta:
        model = SubsidyCalculation
        fields = [
            "id",
            "calculator",
            "enterprise",
            "enterprise_name",
            "region_code",
            "inputs",
            "result",
            "total",
            "rule_version",
            "calculated_at",
        ]
        read_only_fields = fields


class CalculationCreateSerializer(serializers.Serializer):
    calculator = serializers.ChoiceField(choices=list(calculators.CALCULATORS))
    enterprise = serializers.IntegerField(required=False, allow_null=True)
    region_code = serializers.CharField(required=False, allow_blank=True, max_length=12)
    inputs = serializers.DictField(help_text="The calculator's inputs (see subsidy-calculators).")


class SubsidyCalculationViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Subsidy calculations (POL-06): history in the caller's scope; ``create`` runs a named
    calculator with the rule set in force and stores the result with its rule version."""

    queryset = SubsidyCalculation.objects.select_related("enterprise").all()
    serializer_class = SubsidyCalculationSerializer
    filterset_class = SubsidyCalculationFilterSet

    @extend_schema(request=CalculationCreateSerializer, responses=SubsidyCalculationSerializer)
    def create(self, request, *args, **kwargs):
        body = CalculationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        enterprise = None
        if data.get("enterprise"):
            enterprise = get_object_or_404(Enterprise.objects.active(), pk=data["enterprise"])
        calculation = actions.calculate_subsidy(
            data["calculator"],
            actor=request.user,
            inputs=data["inputs"],
            enterprise=enterprise,
            region_code=data.get("region_code") or None,
        )
        return Response(self.get_serializer(calculation).data, status=status.HTTP_201_CREATED)


class CalculatorSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    fields = serializers.ListField(child=serializers.DictField())
    parameters = serializers.DictField(help_text="The rule-set values it reads now.")
    rule_version = serializers.IntegerField()


class SubsidyCalculatorViewSet(viewsets.ViewSet):
    """The named calculators, their inputs and the rule-set parameters they read now."""

    @extend_schema(responses=CalculatorSerializer(many=True))
    def list(self, request):
        if not can(request.user, SubsidyCalculation, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))
        ruleset = rule_set.current()
        out = []
        for c in calculators.CALCULATORS.values():
            out.append(
                {
                    "key": c.key,
                    "label": str(c.label),
                    "description": str(c.description),
                    "fields": [
                        {
                            "name": f.name,
                            "label": str(f.label),
                            "kind": f.kind,
                            "required": f.required,
                            "choices": [k for k, _label in f.choices],
                        }
                        for f in c.fields
                    ],
                    "parameters": {k: str(ruleset[k]) for k in c.parameters},
                    "rule_version": ruleset.version,
                }
            )
        return Response(out)
