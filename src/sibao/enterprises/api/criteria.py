"""API of the criteria area (WL-03, WL-04, WL-11): criteria sets (read, publish), applications
(list, submit, review, resubmit, withdraw), facts (list, record) and self-assessments. Every
write calls the action the UI calls."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.enterprises import actions
from sibao.enterprises.facts import CATALOGUE
from sibao.enterprises.filtersets_criteria import (
    CriteriaSetFilterSet,
    EnterpriseFactFilterSet,
    SelfAssessmentFilterSet,
    WhitelistApplicationFilterSet,
)
from sibao.enterprises.models import (
    ChecklistItem,
    CriteriaSet,
    Criterion,
    Enterprise,
    EnterpriseFact,
    SelfAssessment,
    ServiceTier,
    WhitelistApplication,
)

# --- serializers -------------------------------------------------------------------------------


# Service tiers appear under several field names (tier, requested_tier, granted_tier …) here and
# in the whitelist API; documented as one value list, named once (ENUM_NAME_OVERRIDES).
@extend_schema_field({"type": "string", "enum": [*ServiceTier.values, ""]})
class TierField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        super().__init__(choices=ServiceTier.choices, **kwargs)


class CriterionSerializer(serializers.ModelSerializer):
    tier = TierField(read_only=True, help_text="Empty: a basic requirement of every tier.")
    description = serializers.SerializerMethodField(help_text="The rule in words.")

    class Meta:
        model = Criterion
        fields = ["id", "code", "title", "tier", "expression", "description", "needs_review"]
        fields += ["clause", "order"]

    def get_description(self, criterion) -> str:
        if criterion.expression is None:
            return ""
        return CATALOGUE.describe(criterion.expression)


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "section", "text", "is_mandatory", "order"]


class CriteriaSetSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.name", read_only=True)
    industry = serializers.CharField(source="industry_id", read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)
    checklist = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = CriteriaSet
        fields = [
            "id",
            "industry",
            "department",
            "region_code",
            "version",
            "title",
            "summary",
            "guide",
            "status",
            "published_at",
            "criteria",
            "checklist",
        ]


class WhitelistApplicationSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    requested_tier = TierField(read_only=True)
    qualified_tier = TierField(read_only=True)
    granted_tier = TierField(read_only=True)
    industry = serializers.CharField(source="industry_id", read_only=True)

    class Meta:
        model = WhitelistApplication
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "criteria_set",
            "requested_tier",
            "status",
            "statement",
            "evaluation",
            "qualified_tier",
            "review",
            "decision_reason",
            "granted_tier",
            "rule_version",
            "submitted_at",
            "decided_at",
            "region_code",
            "industry",
            "is_city_operation",
        ]
        read_only_fields = fields


class ApplicationSubmitSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(help_text="The applying unit's id.")
    requested_tier = TierField(required=False, default="")
    statement = serializers.CharField(required=False, allow_blank=True, default="")


class CriterionReviewSerializer(serializers.Serializer):
    met = serializers.BooleanField()
    reason = serializers.CharField()


class ApplicationReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "refuse", "return"])
    reason = serializers.CharField()
    tier = TierField(required=False, default="")
    criterion_reviews = serializers.DictField(
        child=CriterionReviewSerializer(),
        required=False,
        default=dict,
        help_text="Criterion code -> judgement, for the criteria the data could not settle.",
    )


class ApplicationResubmitSerializer(serializers.Serializer):
    statement = serializers.CharField(required=False, allow_blank=True, default="")


class ApplicationWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class EnterpriseFactSerializer(serializers.ModelSerializer):
    value = serializers.JSONField(
        help_text="Number, boolean or text, as the attribute's type requires."
    )
    as_of = serializers.DateField(required=False)

    class Meta:
        model = EnterpriseFact
        fields = [
            "id",
            "enterprise",
            "key",
            "value",
            "source",
            "as_of",
            "is_current",
            "recorded_at",
        ]
        read_only_fields = ["id", "is_current", "recorded_at"]
        # the action checks the unit's scope; the serializer only reads an id
        extra_kwargs = {"enterprise": {"queryset": Enterprise.objects.all()}}

    def to_representation(self, fact):
        data = super().to_representation(fact)
        data["value"] = fact.value if not hasattr(fact.value, "as_tuple") else str(fact.value)
        return data


class SelfAssessmentSerializer(serializers.ModelSerializer):
    criteria_set = serializers.PrimaryKeyRelatedField(
        queryset=CriteriaSet.objects.all(),
        required=False,
        help_text="Defaults to the published criteria of the unit's industry.",
    )
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text='Checklist item id -> "yes" | "no" | "na", or {"answer": …, "note": …}.',
    )

    class Meta:
        model = SelfAssessment
        fields = ["id", "enterprise", "criteria_set", "answers", "passed", "submitted_at"]
        read_only_fields = ["id", "passed", "submitted_at"]
        extra_kwargs = {"enterprise": {"queryset": Enterprise.objects.all()}}


# --- viewsets ----------------------------------------------------------------------------------


def visible_enterprise(user, enterprise_id) -> Enterprise:
    """The unit named in a request body, if the caller may see it (else a 400 that says so,
    without telling whether it exists)."""
    enterprise = Enterprise.objects.visible_to(user, "view").filter(pk=enterprise_id).first()
    if enterprise is None:
        raise exceptions.ValidationError({"enterprise": _("单位不存在或不在您的管辖范围内。")})
    return enterprise


class CriteriaSetViewSet(ScopedReadOnlyViewSet):
    """WL-03: criteria versions within the caller's scope; publishing a draft."""

    queryset = CriteriaSet.objects.select_related("department").prefetch_related(
        "criteria", "checklist"
    )
    serializer_class = CriteriaSetSerializer
    filterset_class = CriteriaSetFilterSet

    @extend_schema(request=None, responses=CriteriaSetSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        criteria_set = actions.publish_criteria_set(self.get_object(), actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=criteria_set.pk)).data)


class WhitelistApplicationViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """WL-04: applications within the caller's scope. Creating one submits it (and checks the
    criteria at once); review, resubmit and withdraw move it along its lifecycle."""

    queryset = WhitelistApplication.objects.select_related("enterprise")
    serializer_class = WhitelistApplicationSerializer
    filterset_class = WhitelistApplicationFilterSet

    def _answer(self, application, code=status.HTTP_200_OK):
        fresh = WhitelistApplication.objects.select_related("enterprise").get(pk=application.pk)
        return Response(WhitelistApplicationSerializer(fresh).data, status=code)

    @extend_schema(request=ApplicationSubmitSerializer, responses=WhitelistApplicationSerializer)
    def create(self, request, *args, **kwargs):
        body = ApplicationSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        application = actions.submit_application(
            visible_enterprise(request.user, data["enterprise"]),
            actor=request.user,
            requested_tier=data["requested_tier"],
            statement=data["statement"],
        )
        return self._answer(application, status.HTTP_201_CREATED)

    @extend_schema(request=ApplicationReviewSerializer, responses=WhitelistApplicationSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        body = ApplicationReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        application = actions.review_application(
            self.get_object(),
            actor=request.user,
            decision=data["decision"],
            reason=data["reason"],
            tier=data["tier"],
            criterion_reviews=data["criterion_reviews"],
        )
        return self._answer(application)

    @extend_schema(request=ApplicationResubmitSerializer, responses=WhitelistApplicationSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        body = ApplicationResubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = actions.resubmit_application(
            self.get_object(), actor=request.user, statement=body.validated_data["statement"]
        )
        return self._answer(application)

    @extend_schema(request=ApplicationWithdrawSerializer, responses=WhitelistApplicationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        body = ApplicationWithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = actions.withdraw_application(
            self.get_object(), actor=request.user, reason=body.validated_data["reason"]
        )
        return self._answer(application)


class EnterpriseFactViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """Sourced facts about the units within the caller's scope; creating one records it (a unit
    may only declare its own)."""

    queryset = EnterpriseFact.objects.order_by("enterprise_id", "key", "-as_of", "id")
    serializer_class = EnterpriseFactSerializer
    filterset_class = EnterpriseFactFilterSet

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, EnterpriseFact, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return self.queryset.visible_to(self.request.user, "view")

    def create(self, request, *args, **kwargs):
        body = EnterpriseFactSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        fact = actions.record_fact(
            visible_enterprise(request.user, data["enterprise"].pk),
            data["key"],
            data["value"],
            source=data["source"],
            actor=request.user,
            as_of=data.get("as_of"),
        )
        return Response(EnterpriseFactSerializer(fact).data, status=status.HTTP_201_CREATED)


class SelfAssessmentViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """WL-11: self-assessments within the caller's scope; a unit submits its answers."""

    queryset = SelfAssessment.objects.all()
    serializer_class = SelfAssessmentSerializer
    filterset_class = SelfAssessmentFilterSet

    def create(self, request, *args, **kwargs):
        body = SelfAssessmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        enterprise = visible_enterprise(request.user, data["enterprise"].pk)
        criteria_set = data.get("criteria_set") or actions.published_criteria_for(enterprise)
        if criteria_set is None:
            raise exceptions.ValidationError(
                {"criteria_set": _("该行业尚未发布防控指南，暂不能自查。")}
            )
        assessment = actions.submit_self_assessment(
            enterprise, criteria_set, data["answers"], actor=request.user
        )
        return Response(SelfAssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)
